"""Measuring sentiment on labelled JSON lines ({"text", "label"})."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np

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


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    labels = sorted(set(gold))
    scores = []
    for label in labels:
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == label and g != label for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def figures(probabilities: np.ndarray, gold: list[str]) -> dict[str, float | int]:
    predicted = predictions(probabilities, gold)
    accuracy = (
        sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold) if gold else 0.0
    )
    return {
        "n": len(gold),
        "accuracy": round(accuracy, 4),
        "macro_f1": round(macro_f1(gold, predicted), 4),
    }


def dev_files(dev_dir: Path) -> list[Path]:
    """Every labelled file under a folder such as ../shared/data/sentiment."""
    return sorted(p for p in dev_dir.rglob("*.jsonl") if "raw" not in p.parts)


def stratified_sample(rows: list[dict[str, str]], limit: int, seed: int) -> list[dict[str, str]]:
    """Exactly `limit` rows (or all, when fewer), keeping each label's share."""
    if len(rows) <= limit:
        return rows
    by_label: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_label.setdefault(row["label"], []).append(row)
    shares = {label: limit * len(group) / len(rows) for label, group in by_label.items()}
    quotas = {label: int(share) for label, share in shares.items()}
    # Largest remainders get the rows that rounding down left over.
    by_remainder = sorted(shares, key=lambda label: (quotas[label] - shares[label], label))
    for label in by_remainder[: limit - sum(quotas.values())]:
        quotas[label] += 1
    rng = random.Random(seed)
    picked = []
    for label in sorted(by_label):
        picked += rng.sample(by_label[label], quotas[label])
    return picked
