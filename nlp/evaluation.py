"""Measuring sentiment on labelled JSON lines ({"text", "label"})."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from veille.core.jsonl import read_jsonl
from veille.core.record import SENTIMENT_LABELS


def _labelled_row(row: dict[str, Any]) -> str | None:
    if row.get("label") not in SENTIMENT_LABELS or not isinstance(row.get("text"), str):
        return "expected {text, label} with a known label"
    return None


def read_labelled(path: Path, limit: int | None = None, seed: int = 0) -> list[dict[str, str]]:
    """Rows of a labelled file; a random subset of `limit` rows (fixed seed) when the
    file is larger."""
    rows = read_jsonl(path, _labelled_row)
    if limit is not None and len(rows) > limit:
        rows = random.Random(seed).sample(rows, limit)
    return rows


def predictions(probabilities: np.ndarray, gold: list[str]) -> list[str]:
    """Labels from (negative, neutral, positive) rows. On a binary set (no neutral gold
    label) the answer is whichever of positive and negative is more likely."""
    neg, pos = SENTIMENT_LABELS.index("negative"), SENTIMENT_LABELS.index("positive")
    if "neutral" not in gold:
        return ["positive" if row[pos] >= row[neg] else "negative" for row in probabilities]
    return [SENTIMENT_LABELS[int(i)] for i in probabilities.argmax(axis=1)]


def figures(probabilities: np.ndarray, gold: list[str]) -> dict[str, float | int]:
    """Accuracy and macro-F1, the mean F1 over the labels the gold set holds."""
    predicted = predictions(probabilities, gold)
    if not gold:
        return {"n": 0, "accuracy": 0.0, "macro_f1": 0.0}
    macro_f1 = f1_score(gold, predicted, labels=sorted(set(gold)), average="macro", zero_division=0)
    return {
        "n": len(gold),
        "accuracy": round(float(accuracy_score(gold, predicted)), 4),
        "macro_f1": round(float(macro_f1), 4),
    }


def dev_files(dev_dir: Path) -> list[Path]:
    """Every labelled file under a folder such as ../shared/data/sentiment."""
    return sorted(p for p in dev_dir.rglob("*.jsonl") if "raw" not in p.parts)


def stratified_sample(rows: list[dict[str, str]], limit: int, seed: int) -> list[dict[str, str]]:
    """Exactly `limit` rows (or all, when fewer), keeping each label's share."""
    if len(rows) <= limit:
        return rows
    picked, _ = train_test_split(
        rows, train_size=limit, stratify=[row["label"] for row in rows], random_state=seed
    )
    return list(picked)
