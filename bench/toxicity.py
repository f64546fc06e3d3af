"""Moderation flags: F1 per toxicity file, with the split used, next to the majority
class, in one run.

Data: ../shared/data/toxicity (TweetEval hate and offensive, English; MLMA, French,
80% toxic because it was sampled by keywords). Features: the shipped sentiment model's
pooled vector (nlp/toxicity.py). Split: 5-fold cross-validation, stratified within
each file (seed 0); for fold k, a head is trained on the other four folds and scored
on fold k: "one head" trains on those folds of every file together (one model for
all), "per file" on that file's alone. Figures are the mean over the five folds:
macro-F1 (both classes) and F1 of the toxic class, at P(toxic) >= 0.5.

    .venv/bin/python bench/toxicity.py [--data ../shared/data/toxicity]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from nlp.toxicity import THRESHOLD, fit_head, folds, normalise, read_toxicity

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "toxicity"
K = 5
HEADS = ("one head", "per file")


def f1(gold: np.ndarray, predicted: np.ndarray, label: int) -> float:
    tp = int(((predicted == label) & (gold == label)).sum())
    fp = int(((predicted == label) & (gold != label)).sum())
    fn = int(((predicted != label) & (gold == label)).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def figures(gold: np.ndarray, predicted: np.ndarray) -> tuple[float, float]:
    """(macro-F1, F1 of the toxic class)."""
    return (f1(gold, predicted, 0) + f1(gold, predicted, 1)) / 2, f1(gold, predicted, 1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    from nlp.finetuned import FinetunedSentiment

    sets = read_toxicity(args.data)
    model = FinetunedSentiment()
    started = time.perf_counter()
    features = [normalise(model.predict_with_vectors(s.texts)[1]) for s in sets]
    rows = sum(len(s.texts) for s in sets)
    took = time.perf_counter() - started
    print(f"features: {model.name} {model.version}, {rows:,} posts in {took:.0f} s")
    splits = [folds(len(s.texts), s.toxic, K, seed=0) for s in sets]
    scores: dict[tuple[str, str], list[tuple[float, float]]] = {
        (s.name, head): [] for s in sets for head in HEADS
    }
    for k in range(K):
        rest = [np.concatenate([p for j, p in enumerate(sp) if j != k]) for sp in splits]
        shared = fit_head(
            np.vstack([f[r] for f, r in zip(features, rest, strict=True)]),
            np.concatenate([s.toxic[r] for s, r in zip(sets, rest, strict=True)]),
        )
        for s, f, sp, r in zip(sets, features, splits, rest, strict=True):
            own = fit_head(f[r], s.toxic[r])
            for head, (coef, intercept) in zip(HEADS, (shared, own), strict=True):
                p = 1 / (1 + np.exp(-(f[sp[k]] @ coef + intercept)))
                predicted = (p >= THRESHOLD).astype(np.int8)
                scores[(s.name, head)].append(figures(s.toxic[sp[k]], predicted))
    print(f"split: {K}-fold cross-validation, stratified per file, seed 0")
    print(f"{'file':<36} {'n':>5} {'toxic':>5}   " + "   ".join(
        f"{name:>17}" for name in (*HEADS, "majority class")))  # fmt: skip
    print(f"{'':<49}" + "   ".join(f"{'macro-F1 F1 toxic':>17}" for _ in range(3)))
    for s in sets:
        cells = []
        for head in HEADS:
            runs = scores[(s.name, head)]
            cells.append(
                f"{np.mean([m for m, _ in runs]):>8.3f} {np.mean([t for _, t in runs]):>8.3f}"
            )
        top = np.full(len(s.toxic), int(s.toxic.mean() >= 0.5), dtype=np.int8)
        majority = figures(s.toxic, top)
        cells.append(f"{majority[0]:>8.3f} {majority[1]:>8.3f}")
        print(f"{s.name:<36} {len(s.texts):>5} {s.toxic.mean():>5.0%}   " + "   ".join(cells))


if __name__ == "__main__":
    main()
