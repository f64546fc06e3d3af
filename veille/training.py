"""Rebuilding the shipped models (`veille models train`, `veille models train-moderation`):
the sentiment model, a logistic head or the fine-tuned encoder, which may also learn
from the analysts' corrections in a warehouse, and the moderation heads over its
vectors. Each returns the model card it wrote."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

log = logging.getLogger(__name__)


class TrainingError(ValueError):
    """A training request that cannot run as asked (a folder missing, options that
    exclude each other)."""


@dataclass(frozen=True)
class SentimentTraining:
    kind: Literal["finetune", "logistic"]
    train_data: Path
    dev_data: Path
    out: Path | None = None  # None: the shipped weights
    with_corrections: Path | None = None  # a warehouse whose corrections are learnt too
    max_per_dataset: int = 12000
    dev_limit: int = 1000
    seed: int = 0
    c: float = 1.0  # logistic: inverse regularisation strength
    depth: int = 12  # finetune: encoder layers kept
    layers: int = 4  # finetune: top layers trained
    epochs: int = 3
    # finetune: also train on ENGLISH_DEV_SETS (recipe "+dev"); None: as the shipped model
    with_dev_sets: bool | None = None
    # finetune: see FinetuneSettings; None: as the shipped model
    balance_classes_per_dataset: bool | None = None


# The recipe of the shipped model (recipe "+dev bal": bench/sentiment.py --lodo
# --with-dev --balanced measures it against the others), which a fine-tuning follows
# unless told otherwise.
SHIPPED_RECIPE = {"with_dev_sets": True, "balance_classes_per_dataset": True}


def train_sentiment(request: SentimentTraining, home: Path) -> dict[str, Any]:
    """Train the sentiment model as asked; the dev figures before and after are logged
    when a fine-tuned model is replaced."""
    _folders(request.train_data, request.dev_data)
    extra = _corrections(request.with_corrections)
    if request.kind == "logistic":
        finetune_only = {
            "--with-corrections": request.with_corrections is not None,
            "--with-dev-sets": bool(request.with_dev_sets),
            "--balance-classes-per-dataset": bool(request.balance_classes_per_dataset),
        }
        asked = [option for option, given in finetune_only.items() if given]
        if asked:
            raise TrainingError(
                f"{', '.join(asked)}: for the fine-tuned model only (--kind finetune)"
            )
        from nlp.sentiment import DEFAULT_HEAD
        from nlp.train_sentiment import train

        return train(
            request.train_data,
            request.dev_data,
            request.out or DEFAULT_HEAD,
            max_per_dataset=request.max_per_dataset,
            dev_limit=request.dev_limit,
            seed=request.seed,
            c=request.c,
            cache_dir=home / "cache" / "embeddings",
        )
    from nlp.convert_e5 import cached_model_dir
    from nlp.finetuned import DEFAULT_WEIGHTS
    from nlp.train_finetuned import FinetuneSettings, finetune

    out = request.out or DEFAULT_WEIGHTS
    with_dev_sets = request.with_dev_sets
    if with_dev_sets is None:
        with_dev_sets = SHIPPED_RECIPE["with_dev_sets"]
    balanced = request.balance_classes_per_dataset
    if balanced is None:
        balanced = SHIPPED_RECIPE["balance_classes_per_dataset"]
    dev_sets = _dev_sets(request.dev_data, request.with_dev_sets is None) if with_dev_sets else {}
    before = _dev_figures(out.with_suffix(".json"))
    card = finetune(
        cached_model_dir(home),
        request.train_data,
        request.dev_data,
        out,
        FinetuneSettings(
            depth=request.depth,
            trainable_layers=request.layers,
            epochs=request.epochs,
            max_per_dataset=request.max_per_dataset,
            seed=request.seed,
            balance_classes_per_dataset=balanced,
        ),
        extra_rows=extra,
        dev_sets=dev_sets,
    )
    if before and card.get("dev"):
        log.info("dev macro-F1, before → after:")
        for name, figures in card["dev"].items():
            old = before.get(name, {}).get("macro_f1")
            old_text = f"{old:.3f}" if old is not None else "-"
            log.info(f"  {name}: {old_text} → {figures['macro_f1']:.3f}")
    return card


def train_moderation(data: Path, civil_data: Path, out: Path | None = None) -> dict[str, Any]:
    """The moderation heads over the shipped sentiment model's vectors."""
    from nlp.finetuned import FinetunedSentiment
    from nlp.moderation import DEFAULT_HEADS, train_heads

    _folders(data, civil_data)
    model = FinetunedSentiment()
    log.info(f"moderation heads over {model.name} {model.version}'s vectors")
    return train_heads(data, civil_data, out or DEFAULT_HEADS, model)


def _folders(*paths: Path) -> None:
    for path in paths:
        if not path.is_dir():
            raise TrainingError(f"{path}: folder not found")


def _dev_sets(dev_data: Path, by_default: bool) -> dict[str, Path]:
    """The dev sets of ENGLISH_DEV_SETS (recipe "+dev"), which `dev_data` must hold."""
    from nlp.train_finetuned import ENGLISH_DEV_SETS

    missing = [name for name in ENGLISH_DEV_SETS if not (dev_data / name).exists()]
    if missing:
        why = "the shipped recipe trains on them too" if by_default else "--with-dev-sets"
        hint = "; --without-dev-sets trains without them" if by_default else ""
        raise TrainingError(f"{why}: {', '.join(missing)} not in {dev_data}{hint}")
    return {name: dev_data / name for name in ENGLISH_DEV_SETS}


def _corrections(warehouse: Path | None) -> list[dict[str, str]]:
    if warehouse is None:
        return []
    if not warehouse.exists():
        raise TrainingError(f"{warehouse}: no warehouse here")
    from nlp.targeted import training_rows
    from warehouse.corrections import corrected_texts

    rows = training_rows(corrected_texts(warehouse))
    log.info(f"{len(rows)} analyst corrections added to the training data")
    return rows


def _dev_figures(card_path: Path) -> dict[str, dict[str, float]]:
    if not card_path.exists():
        return {}
    return dict(json.loads(card_path.read_text()).get("dev") or {})
