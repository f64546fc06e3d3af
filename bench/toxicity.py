"""Moderation flags: F1 per toxicity file, with the split used, and how often each head
flags plain negative reviews, for the shipped recipe and its baselines, in one run.

Data: ../shared/data/toxicity (TweetEval hate and offensive, English; MLMA, French,
80% toxic because it was sampled by keywords). Features: the shipped sentiment model's
pooled vector (nlp/moderation.py). Heads: nlp/moderation.py HEADS (shipped) and
UNSHIPPED (French, measured only), one per flag and language, each learning from one
file.

Split: 5-fold cross-validation, stratified within each file (seed 0); for fold k, a
head is trained on the other four folds and scored on fold k; figures are the mean over
the five folds: macro-F1 (both classes) and F1 of the toxic class, at P >= 0.5.
- "file + civil" (the shipped recipe): the head's file plus CIVIL_ROWS civil posts of
  its language from the sentiment training data (never in a test fold: they are not toxicity rows);
- "file only": the head's file alone;
- "one head": one head trained on the four folds of every file together;
- majority class.
False flags: the share of negative posts of the sentiment dev sets (reviews, civil by
the sites' own moderation; never trained on) that a head trained on its whole file
flags, at most 300 a file.

    .venv/bin/python bench/toxicity.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np

from nlp.evaluation import read_labelled as read_sentiment
from nlp.moderation import (
    CIVIL_ROWS,
    HEADS,
    THRESHOLD,
    UNSHIPPED,
    fit_head,
    folds,
    normalise,
    probability,
    read_civil,
    read_toxicity_file,
    with_civil,
)

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
K = 5
# Negative posts that are complaints, not abuse: dev sets the heads never see.
CIVIL_NEGATIVES = {
    "en": ("en/uci_labelled_sentences/yelp.jsonl", "en/uci_labelled_sentences/amazon_cells.jsonl",
           "en/uci_labelled_sentences/imdb.jsonl"),
    "fr": ("fr/allocine_tvseries_dongdemelo/dev.jsonl", "fr/amazon_fr_books_pattern/all.jsonl"),
}  # fmt: skip
RECIPES = ("file + civil", "file only", "one head")


def f1(gold: np.ndarray, predicted: np.ndarray, label: int) -> float:
    tp = int(((predicted == label) & (gold == label)).sum())
    fp = int(((predicted == label) & (gold != label)).sum())
    fn = int(((predicted != label) & (gold == label)).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def figures(gold: np.ndarray, predicted: np.ndarray) -> tuple[float, float]:
    """(macro-F1, F1 of the toxic class)."""
    return (f1(gold, predicted, 0) + f1(gold, predicted, 1)) / 2, f1(gold, predicted, 1)


def negatives(path: Path, limit: int = 300) -> list[str]:
    texts = [r["text"] for r in read_sentiment(path) if r["label"] == "negative"]
    random.Random(0).shuffle(texts)
    return texts[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    from nlp.finetuned import FinetunedSentiment

    model = FinetunedSentiment()
    started = time.perf_counter()

    def vectors(texts: list[str]) -> np.ndarray:
        return normalise(model.predict_with_vectors(texts)[1])

    measured = (*HEADS, *UNSHIPPED)
    sets = [read_toxicity_file(args.data / "toxicity" / h.data, h.data) for h in measured]
    features = [vectors(s.texts) for s in sets]
    languages = sorted({h.language for h in measured})
    civil = {lang: vectors(read_civil(args.data / "sentiment_train", lang)) for lang in languages}
    complaints = {
        lang: {name: vectors(negatives(args.data / "sentiment" / name))
               for name in CIVIL_NEGATIVES[lang]}
        for lang in languages
    }  # fmt: skip
    took = time.perf_counter() - started
    rows = sum(len(s.texts) for s in sets)
    print(f"features: {model.name} {model.version}, {rows:,} toxicity posts and "
          f"{sum(len(c) for c in civil.values()):,} civil ones in {took:.0f} s")  # fmt: skip

    splits = [folds(len(s.texts), s.toxic, K, seed=0) for s in sets]
    scores: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for k in range(K):
        rest = [np.concatenate([p for j, p in enumerate(sp) if j != k]) for sp in splits]
        shared = fit_head(
            np.vstack([f[r] for f, r in zip(features, rest, strict=True)]),
            np.concatenate([s.toxic[r] for s, r in zip(sets, rest, strict=True)]),
        )
        for head, s, f, sp, r in zip(measured, sets, features, splits, rest, strict=True):
            heads = {
                "file + civil": fit_head(*with_civil(f[r], s.toxic[r], civil[head.language])),
                "file only": fit_head(f[r], s.toxic[r]),
                "one head": shared,
            }
            for recipe, (coef, intercept) in heads.items():
                predicted = (probability(f[sp[k]], coef, intercept) >= THRESHOLD).astype(np.int8)
                scores.setdefault((s.name, recipe), []).append(figures(s.toxic[sp[k]], predicted))

    print(f"split: {K}-fold cross-validation, stratified per file, seed 0; "
          f"civil = {CIVIL_ROWS} civil posts at most; (x) = measured, not shipped")  # fmt: skip
    print(f"{'head':<14} {'file':<34} {'n':>5} {'toxic':>5}   " + "   ".join(
        f"{name:>17}" for name in (*RECIPES, "majority class")))  # fmt: skip
    print(f"{'':<62}" + "   ".join(f"{'macro-F1 F1 toxic':>17}" for _ in range(4)))
    for head, s in zip(measured, sets, strict=True):
        cells = []
        for recipe in RECIPES:
            runs = scores[(s.name, recipe)]
            cells.append(
                f"{np.mean([m for m, _ in runs]):>8.3f} {np.mean([t for _, t in runs]):>8.3f}"
            )
        top = np.full(len(s.toxic), int(s.toxic.mean() >= 0.5), dtype=np.int8)
        majority = figures(s.toxic, top)
        cells.append(f"{majority[0]:>8.3f} {majority[1]:>8.3f}")
        name = head.language + " " + head.flag + ("" if head in HEADS else " (x)")
        print(f"{name:<14} {s.name:<34} {len(s.texts):>5} "
              f"{s.toxic.mean():>5.0%}   " + "   ".join(cells))  # fmt: skip

    print("\nfalse flags: share of negative reviews flagged (heads trained on all their file)")
    print(f"{'head':<14} {'reviews':<46} {'n':>4} {'+ civil':>8} {'file only':>10}")
    for head, s, f in zip(measured, sets, features, strict=True):
        shipped = fit_head(*with_civil(f, s.toxic, civil[head.language]))
        alone = fit_head(f, s.toxic)
        for name, x in complaints[head.language].items():
            rates = [float((probability(x, *h) >= THRESHOLD).mean()) for h in (shipped, alone)]
            label = head.language + " " + head.flag + ("" if head in HEADS else " (x)")
            print(f"{label:<14} {name:<46} {len(x):>4} "
                  f"{rates[0]:>8.1%} {rates[1]:>10.1%}")  # fmt: skip


if __name__ == "__main__":
    main()
