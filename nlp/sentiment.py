"""Three-class sentiment (negative, neutral, positive) for French and English posts.

The shipped model: multilingual-e5-small sentence vectors (nlp.encoder) and a
logistic-regression head trained by `veille models train` on the training sets (see
nlp/train_sentiment.py). The head is a 3×384 matrix in `nlp/models/`; its model card
beside it records the data, the settings and the dev figures.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from nlp.common import (
    MODELS_DIR,
    ModelOutput,
    SentimentScore,
    scores_from_probabilities,
    softmax,
)
from nlp.encoder import Encoder, shared_encoder
from veille.core.record import SENTIMENT_LABELS
from veille.core.settings import settings

DEFAULT_HEAD = MODELS_DIR / "sentiment_e5_lr.npz"


class SentimentModel:
    gives_vectors = False
    gives_topic_vectors = False

    def __init__(self, head_path: Path = DEFAULT_HEAD, encoder: Encoder | None = None):
        if not head_path.exists():
            raise FileNotFoundError(
                f"{head_path}: sentiment head missing; rebuild it with `veille models train`"
            )
        with np.load(head_path, allow_pickle=False) as head:
            self.coef = head["coef"].astype(np.float32)
            self.intercept = head["intercept"].astype(np.float32)
            classes = [str(c) for c in head["classes"]]
        # Columns in the order of SENTIMENT_LABELS whatever order training used.
        order = [classes.index(label) for label in SENTIMENT_LABELS]
        self.coef, self.intercept = self.coef[order], self.intercept[order]
        card_path = head_path.with_suffix(".json")
        card = json.loads(card_path.read_text()) if card_path.exists() else {}
        self.name = str(card.get("name", head_path.stem))
        self.version = str(card.get("version", "unknown"))
        self._encoder = encoder

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = shared_encoder()
        return self._encoder

    def probabilities_from_vectors(self, vectors: np.ndarray) -> np.ndarray:
        return softmax(vectors @ self.coef.T + self.intercept)

    def predict_proba(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """Rows of (negative, neutral, positive) probabilities."""
        if not texts:
            return np.zeros((0, len(SENTIMENT_LABELS)), dtype=np.float32)
        return self.probabilities_from_vectors(self.encoder.encode(texts, progress))

    def score(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> list[SentimentScore]:
        return [scores_from_probabilities(row) for row in self.predict_proba(texts, progress)]

    def forward(
        self,
        texts: Sequence[str],
        progress: Callable[[int, int], None] | None = None,
        *,
        topic_vectors: bool = False,
    ) -> ModelOutput:
        """The probabilities alone: no moderation head reads this model's vectors, and
        it gives no topic vectors."""
        return ModelOutput(self.predict_proba(texts, progress))


class SentimentScorer(Protocol):
    """A sentiment model. `gives_vectors`: its pass gives the pooled vectors the
    moderation heads read; `gives_topic_vectors`: it gives topic vectors too."""

    name: str
    version: str
    gives_vectors: bool
    gives_topic_vectors: bool

    def forward(
        self,
        texts: Sequence[str],
        progress: Callable[[int, int], None] | None = None,
        *,
        topic_vectors: bool = False,
    ) -> ModelOutput: ...

    def predict_proba(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray: ...

    def score(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> list[SentimentScore]: ...


# The models Veille ships, by the name VEILLE_SENTIMENT_MODEL takes.
MODEL_CHOICES = ("e5-ft", "e5-lr")


def load_sentiment_model(choice: str | None = None) -> SentimentScorer:
    """The shipped sentiment model: the fine-tuned encoder ("e5-ft") when its weights
    ship, else the logistic-regression head on e5 vectors ("e5-lr").
    VEILLE_SENTIMENT_MODEL picks one explicitly."""
    choice = choice or settings().sentiment_model
    if choice not in (None, *MODEL_CHOICES):
        raise ValueError(
            f"VEILLE_SENTIMENT_MODEL={choice!r}: choose one of {', '.join(MODEL_CHOICES)}"
        )
    from nlp.finetuned import DEFAULT_WEIGHTS, FinetunedSentiment

    if choice == "e5-ft" or (choice is None and DEFAULT_WEIGHTS.exists()):
        return FinetunedSentiment()
    return SentimentModel()
