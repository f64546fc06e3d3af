"""What the nlp modules share and that imports none of them: the folder of the shipped
models, what a model's pass gives, a sentiment score and how one is read from
probabilities, and softmax."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from veille.core.record import SENTIMENT_LABELS

MODELS_DIR = Path(__file__).parent / "models"


@dataclass(frozen=True)
class SentimentScore:
    label: str
    score: float  # P(positive) - P(negative), in [-1, 1]
    probabilities: dict[str, float]


@dataclass(frozen=True)
class ModelOutput:
    """What one pass of a sentiment model over texts gives: a row of (negative,
    neutral, positive) probabilities per text, and where the model has them the pooled
    vectors the moderation heads read and the topic vectors (nlp/topics.py)."""

    probabilities: np.ndarray
    pooled: np.ndarray | None = None
    topic_vectors: np.ndarray | None = None


def scores_from_probabilities(row: np.ndarray) -> SentimentScore:
    probabilities = {
        label: round(float(p), 4) for label, p in zip(SENTIMENT_LABELS, row, strict=True)
    }
    label = SENTIMENT_LABELS[int(np.argmax(row))]
    score = round(probabilities["positive"] - probabilities["negative"], 4)
    return SentimentScore(label, score, probabilities)


def read_jsonl(
    path: Path, check: Callable[[dict[str, Any]], str | None] | None = None
) -> list[dict[str, Any]]:
    """The rows of a JSON lines file (blank lines skipped); ValueError names the file and
    line of a row that is not a JSON object, or that `check` finds wrong (its message)."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{line_no}: not JSON: {err}") from err
            problem = "expected a JSON object" if not isinstance(row, dict) else None
            if problem is None and check is not None:
                problem = check(row)
            if problem is not None:
                raise ValueError(f"{path}:{line_no}: {problem}")
            rows.append(row)
    return rows


def softmax(logits: np.ndarray) -> np.ndarray:
    """Each row's probabilities (the row's maximum taken off first: no overflow)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)
