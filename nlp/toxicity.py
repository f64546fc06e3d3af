"""Moderation flags (work in progress): the probability that a post is toxic (hateful,
offensive, abusive), French and English.

The features are the sentiment model's own pooled vector (nlp/finetuned.py,
`predict_with_vectors`), so a flag would cost no second pass through the encoder; the
head is a logistic regression. bench/toxicity.py measures, with 5-fold
cross-validation on ../shared/data/toxicity, one head for all files against one head
per file: the files label different things (hate against two groups, offence, any
hostility), so no head ships yet.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TOXIC_LABELS = ("hateful", "offensive", "toxic")  # the positive label of each data file
THRESHOLD = 0.5


@dataclass(frozen=True)
class LabelledSet:
    name: str
    texts: list[str]
    toxic: np.ndarray  # 1 for toxic


def read_toxicity(data_dir: Path) -> list[LabelledSet]:
    """Every {text, label} file under ../shared/data/toxicity, with toxic = 1."""
    sets = []
    for path in sorted(p for p in data_dir.rglob("*.jsonl") if "raw" not in p.parts):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()]  # fmt: skip
        labels = {r["label"] for r in rows}
        if not labels & set(TOXIC_LABELS):
            raise ValueError(f"{path}: no label among {', '.join(TOXIC_LABELS)}")
        toxic = np.array([r["label"] in TOXIC_LABELS for r in rows], dtype=np.int8)
        sets.append(LabelledSet(str(path.relative_to(data_dir)), [r["text"] for r in rows], toxic))
    return sets


def folds(n: int, labels: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    """k stratified folds of row indices (fixed seed)."""
    rng = random.Random(seed)
    parts: list[list[int]] = [[] for _ in range(k)]
    for label in (0, 1):
        rows = [i for i in range(n) if labels[i] == label]
        rng.shuffle(rows)
        for position, row in enumerate(rows):
            parts[position % k].append(row)
    return [np.array(sorted(p), dtype=int) for p in parts]


def fit_head(features: np.ndarray, toxic: np.ndarray, c: float = 1.0) -> tuple[np.ndarray, float]:
    """(coef, intercept) of a class-balanced logistic regression."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    model.fit(features, toxic)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


def normalise(pooled: np.ndarray) -> np.ndarray:
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
