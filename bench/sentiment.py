"""Sentiment quality and speed of the shipped model, next to two baselines in the same run.

For every dev file under ../shared/data/sentiment (never trained on), a fixed random
subset of at most --limit rows (seed 0):
- shipped: multilingual-e5-small vectors + the logistic-regression head in nlp/models;
- zero-shot: the same vectors, no training, cosine to hand-written FR/EN prototype
  sentences per class;
- majority: always the most frequent class of the file (what accuracy alone hides).
Binary files (no neutral label) are scored by comparing P(positive) with P(negative).
Prints accuracy / macro-F1 per file and the mean macro-F1 per language, then the
encoding throughput and peak memory.

    .venv/bin/python bench/sentiment.py [--limit 1000] [--dev ../shared/data/sentiment]
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import Counter
from pathlib import Path

import numpy as np

from nlp.encoder import cached_encode, shared_encoder
from nlp.evaluation import dev_files, figures, read_labelled
from nlp.sentiment import SentimentModel
from veille.home import veille_home
from veille.record import SENTIMENT_LABELS

PROTOTYPES = {
    "negative": [
        "This is terrible, I am very disappointed.",
        "Worst service ever, avoid it.",
        "C'est nul, je suis très déçu.",
        "Service catastrophique, à éviter.",
    ],
    "neutral": [
        "The package arrived on Tuesday.",
        "Here is the information about the plan.",
        "Le colis est arrivé mardi.",
        "Voici les informations sur l'offre.",
    ],
    "positive": [
        "This is great, I love it.",
        "Excellent service, highly recommended.",
        "C'est génial, j'adore.",
        "Excellent service, je recommande.",
    ],
}


def zero_shot(vectors: np.ndarray, cache: Path) -> np.ndarray:
    centroids = []
    for label in SENTIMENT_LABELS:
        mean = cached_encode(PROTOTYPES[label], cache).mean(axis=0)
        centroids.append(mean / np.linalg.norm(mean))
    similarity = vectors @ np.array(centroids).T * 20  # sharpen, as a softmax temperature
    exp = np.exp(similarity - similarity.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


def majority(gold: list[str]) -> np.ndarray:
    top = Counter(gold).most_common(1)[0][0]
    row = np.array([1.0 if label == top else 0.0 for label in SENTIMENT_LABELS])
    return np.tile(row, (len(gold), 1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    default_dev = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "sentiment"
    parser.add_argument("--dev", type=Path, default=default_dev)
    parser.add_argument("--limit", type=int, default=1000)
    args = parser.parse_args()

    cache = veille_home() / "cache" / "embeddings"
    model = SentimentModel()
    print(f"model: {model.name} {model.version}; dev: {args.dev}; at most {args.limit} rows/file")
    header = f"{'file':<48} {'n':>5}  {'shipped':>13}  {'zero-shot':>13}  {'majority':>13}"
    print(header)
    print("-" * len(header))
    by_language: dict[str, dict[str, list[float]]] = {}
    for path in dev_files(args.dev):
        rows = read_labelled(path, args.limit)
        gold = [r["label"] for r in rows]
        vectors = cached_encode([r["text"] for r in rows], cache)
        results = {
            "shipped": figures(model.probabilities_from_vectors(vectors), gold),
            "zero-shot": figures(zero_shot(vectors, cache), gold),
            "majority": figures(majority(gold), gold),
        }
        name = str(path.relative_to(args.dev))
        cells = "  ".join(f"{r['accuracy']:.3f} / {r['macro_f1']:.3f}" for r in results.values())
        print(f"{name:<48} {len(rows):>5}  {cells}")
        language = by_language.setdefault(name.split("/")[0], {})
        for method, result in results.items():
            language.setdefault(method, []).append(float(result["macro_f1"]))
    print("cells: accuracy / macro-F1")
    for language, methods in sorted(by_language.items()):
        means = ", ".join(f"{m} {np.mean(v):.3f}" for m, v in methods.items())
        print(f"mean macro-F1 {language} ({len(methods['shipped'])} files): {means}")

    texts = [r["text"] for r in read_labelled(dev_files(args.dev)[0], 256)]
    encoder = shared_encoder()
    started = time.perf_counter()
    encoder.encode(texts)
    seconds = time.perf_counter() - started
    chars = sum(len(t) for t in texts) / len(texts)
    print(
        f"throughput: {len(texts) / seconds:.1f} texts/s on {len(texts)} texts "
        f"(mean {chars:.0f} characters), uncached"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB")


if __name__ == "__main__":
    main()
