"""What the nlp modules share and that imports none of them: the folder of the shipped
models, what a model's pass gives, a sentiment score and how one is read from
probabilities, and softmax."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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


def softmax(logits: np.ndarray) -> np.ndarray:
    """Each row's probabilities (the row's maximum taken off first: no overflow)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)
