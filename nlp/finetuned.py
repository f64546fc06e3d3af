"""The fine-tuned sentiment model at run time: the converted multilingual-e5-small base
with its top layers replaced by the trained ones (nlp/train_finetuned.py), mean pooling, the
linear head, and the calibration temperature."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nlp.common import (
    MODELS_DIR,
    ModelOutput,
    SentimentScore,
    scores_from_probabilities,
    softmax,
)
from veille.core.record import SENTIMENT_LABELS

DEFAULT_WEIGHTS = MODELS_DIR / "sentiment_e5_ft.safetensors"


class FinetunedSentiment:
    gives_vectors = True
    gives_topic_vectors = True

    def __init__(
        self,
        weights: Path = DEFAULT_WEIGHTS,
        model_dir: Path | None = None,
        precision: str | None = None,
    ):
        from safetensors.torch import load_file

        from nlp.torch_encoder import TorchEncoder, keep_layers, load_base, resolve_precision

        if not weights.exists():
            raise FileNotFoundError(f"{weights}: no fine-tuned weights; see `veille models train`")
        card = json.loads(weights.with_suffix(".json").read_text())
        if model_dir is None:
            from nlp.convert_e5 import cached_model_dir
            from veille.core.home import veille_home

            model_dir = cached_model_dir(veille_home())
        self.name = str(card["name"])
        self.precision = resolve_precision(precision)
        # Scores carry the arithmetic that made them: bf16 moves probabilities by up to
        # about 0.01, so they are a version of their own.
        self.version = str(card["version"]) + ("+bf16" if self.precision == "bf16" else "")
        self.temperature = float(card.get("temperature", 1.0))
        tensors = load_file(str(weights))
        base = keep_layers(load_base(model_dir), int(card["settings"].get("depth", 12)))
        layers = base.encoder.layer
        trained = int(card["settings"]["trainable_layers"])
        for offset, layer in enumerate(layers[len(layers) - trained :]):
            prefix = f"layers.{offset}."
            state = {k.removeprefix(prefix): v.float() for k, v in tensors.items()
                     if k.startswith(prefix)}  # fmt: skip
            layer.load_state_dict(state)
        # The head: dropout (off at run time) then a linear layer, saved as head.1.*.
        self.weight = tensors["head.1.weight"].float().numpy()
        self.bias = tensors["head.1.bias"].float().numpy()
        classes = card.get("classes", list(SENTIMENT_LABELS))
        order = [classes.index(label) for label in SENTIMENT_LABELS]
        self.weight, self.bias = self.weight[order], self.bias[order]
        self.encoder = TorchEncoder(model_dir, model=base, precision=self.precision)
        self.model_dir = model_dir
        self._base_top: Any = None  # the base e5's own top layers, loaded when asked
        # The layers below the trained ones are the base e5's, whatever the training.
        self.frozen_layers = len(layers) - trained

    def predict_proba(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """Rows of calibrated (negative, neutral, positive) probabilities."""
        return self.predict_with_vectors(texts, progress)[0]

    def predict_with_vectors(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The probabilities and the pooled vectors they came from (which the toxicity
        head reads too: one pass through the encoder for both)."""
        if not texts:
            empty = np.zeros((0, len(SENTIMENT_LABELS)), dtype=np.float32)
            return empty, np.zeros((0, self.encoder.dim), dtype=np.float32)
        pooled = self.encoder.pooled(texts, progress)
        return self.probabilities(pooled), pooled

    def predict_with_topic_vectors(
        self,
        texts: Sequence[str],
        progress: Callable[[int, int], None] | None = None,
        layer: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The probabilities, the pooled vectors, and the topic vectors from the same
        pass: the base multilingual-e5-small's final mean states (its own top layers
        run on the frozen layers' output: a third of a second pass), or with `layer`
        the mean states after that frozen layer. Either is the base model's, so
        retraining the sentiment model leaves the topics' vectors as they were."""
        frozen = self.frozen_layers
        if layer is not None and not 1 <= layer <= frozen:
            raise ValueError(f"layer {layer}: {self.name} trained the layers above {frozen}")
        if not texts:
            empty, pooled = self.predict_with_vectors(texts)
            return empty, pooled, pooled.copy()
        top = None
        if layer is None:
            layer, top = frozen, self.base_top()
        pooled, inner = self.encoder.pooled_with_layer(texts, layer, progress, top=top)
        return self.probabilities(pooled), pooled, inner

    def base_top(self) -> Any:
        """The base model's layers above the frozen ones (those this model retrained)."""
        if self._base_top is None:
            from nlp.torch_encoder import load_base

            base = load_base(self.model_dir)
            self._base_top = base.encoder.layer[self.frozen_layers :]
            if self.precision == "bf16":
                self._base_top.to(self.encoder.torch.bfloat16)
        return self._base_top

    def probabilities(self, pooled: np.ndarray) -> np.ndarray:
        """The head and the calibration on pooled vectors."""
        return softmax((pooled @ self.weight.T + self.bias) / self.temperature)

    def forward(
        self,
        texts: Sequence[str],
        progress: Callable[[int, int], None] | None = None,
        *,
        topic_vectors: bool = False,
    ) -> ModelOutput:
        """One pass: probabilities and pooled vectors, and the topic vectors when asked."""
        if topic_vectors:
            probabilities, pooled, topics = self.predict_with_topic_vectors(texts, progress)
            return ModelOutput(probabilities, pooled, topics)
        probabilities, pooled = self.predict_with_vectors(texts, progress)
        return ModelOutput(probabilities, pooled)

    def score(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> list[SentimentScore]:
        return [scores_from_probabilities(row) for row in self.predict_proba(texts, progress)]
