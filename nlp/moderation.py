"""Moderation flags: the probability that an English post is offensive (insult,
profanity, abuse) or hateful (hate speech against a group), for the community manager's
own spaces. French posts get no flag yet (below).

A flag is a logistic-regression head over the sentiment model's own pooled vector
(nlp/finetuned.py, `predict_with_vectors`), so it costs no second pass through the
encoder. One head per flag and language, each trained on the one data file that labels
that thing in that language (../shared/data/toxicity):

- offensive, English: TweetEval offensive (OffensEval 2019);
- hate, English: TweetEval hate (HatEval 2019: hate against immigrants and women).

bench/toxicity.py measured why: one head for every file scores 0.54-0.68 macro-F1, as
the files label different things; a head per file 0.60-0.75.

French: the one French file, MLMA (keyword-sampled tweets, 80% hostile), gives an
"offensive" head of 0.61 macro-F1 (majority class 0.44) that, on forum posts, scores
plain insults below polite complaints; its "hateful" posts (10%) give a head no better
than chance. The French head is measured (UNSHIPPED) but not shipped: a moderation
queue that ranks complaints above insults would cost a moderator more than it saves.
The English heads on French posts score 0.44-0.49 (no transfer worth shipping). So a
post in French, in another language, or too short to tell gets no flag.

The heads are trained on every row of their file, plus civil posts (CIVIL, below), by
`veille models train-moderation`; bench/toxicity.py measures the same recipe by 5-fold
cross-validation, and how often it flags plain negative reviews. They read the
vectors of one sentiment model version: retraining the sentiment model means retraining
them, which `load_moderation` says.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from nlp.common import MODELS_DIR
from nlp.evaluation import read_labelled as read_sentiment
from veille.core.jsonl import read_jsonl
from veille.core.record import FLAG_THRESHOLD, MODERATION_FLAGS

log = logging.getLogger(__name__)

TOXIC_LABELS = ("hateful", "offensive", "toxic")  # the positive label of each data file
FLAGS = MODERATION_FLAGS
THRESHOLD = FLAG_THRESHOLD  # a flag is raised at P >= 0.5 (heads are class-balanced)
C = 4.0  # inverse regularisation: the best of 1, 4, 16 in the cross-validation
DEFAULT_HEADS = MODELS_DIR / "moderation_heads.safetensors"


@dataclass(frozen=True)
class HeadSpec:
    flag: str
    language: str
    data: str  # the file under ../shared/data/toxicity it learns from


HEADS = (
    HeadSpec("offensive", "en", "en/tweeteval_offensive/test.jsonl"),
    HeadSpec("hate", "en", "en/tweeteval_hate/test.jsonl"),
)
# Measured by bench/toxicity.py, not shipped (see above).
UNSHIPPED = (HeadSpec("offensive", "fr", "fr/mlma_hate_speech/all.jsonl"),)


# Civil posts each head also learns to leave alone: trained on the toxicity files
# alone, the heads flagged a third to a half of plain negative reviews (their vectors
# come from a sentiment model: "negative" sits close to "hostile"). Complaints are the
# bulk of a brand's forum, so each head also sees CIVIL_ROWS negative or neutral posts
# of its language from the sentiment training data (reviews; tweets in English), taken
# as not offensive. bench/toxicity.py measures both effects.
CIVIL = {
    "en": ("en/semeval2017_tweets_xlmt/train.jsonl",),
    "fr": ("fr/allocine_tvseries_dongdemelo/train.jsonl", "fr/babelio_book_reviews/train.jsonl"),
}
CIVIL_ROWS = 600  # of 300 / 600 / 1000: false flags fall to 1-2%, F1 moves by <= 0.03


@dataclass(frozen=True)
class LabelledSet:
    name: str
    texts: list[str]
    toxic: np.ndarray  # 1 for toxic


def read_toxicity_file(path: Path, name: str | None = None) -> LabelledSet:
    """A {text, label} file, with toxic = 1 for its positive label."""
    rows = read_jsonl(path)
    if not {r.get("label") for r in rows} & set(TOXIC_LABELS):
        raise ValueError(f"{path}: no label among {', '.join(TOXIC_LABELS)}")
    toxic = np.array([r["label"] in TOXIC_LABELS for r in rows], dtype=np.int8)
    return LabelledSet(name or path.name, [r["text"] for r in rows], toxic)


def read_toxicity(data_dir: Path) -> list[LabelledSet]:
    """Every {text, label} file under a toxicity folder, named by its relative path."""
    return [
        read_toxicity_file(path, str(path.relative_to(data_dir)))
        for path in sorted(p for p in data_dir.rglob("*.jsonl") if "raw" not in p.parts)
    ]


def read_civil(sentiment_dir: Path, language: str, rows: int = CIVIL_ROWS) -> list[str]:
    """CIVIL_ROWS negative or neutral posts of the language's CIVIL files (seed 0)."""
    texts = []
    for name in CIVIL[language]:
        path = sentiment_dir / name
        if not path.exists():
            raise FileNotFoundError(f"{path}: sentiment training data not found (see --civil-data)")
        texts += [r["text"] for r in read_sentiment(path) if r["label"] in ("negative", "neutral")]
    random.Random(0).shuffle(texts)
    return texts[:rows]


def folds(n: int, labels: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    """k stratified folds of row indices (fixed seed)."""
    rng = random.Random(seed)
    parts: list[list[int]] = [[] for _ in range(k)]
    for label in (0, 1):
        rows = [i for i in range(n) if labels[i] == label]
        rng.shuffle(rows)
        for position, row in enumerate(rows):
            parts[position % k].append(row)
    return [np.array(sorted(p), dtype=int) for p in parts]


def fit_head(features: np.ndarray, toxic: np.ndarray, c: float = C) -> tuple[np.ndarray, float]:
    """(coef, intercept) of a class-balanced logistic regression."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    model.fit(features, toxic)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


def normalise(pooled: np.ndarray) -> np.ndarray:
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def probability(features: np.ndarray, coef: np.ndarray, intercept: float) -> np.ndarray:
    return 1 / (1 + np.exp(-(features @ coef + intercept)))


def base_version(version: str) -> str:
    """A sentiment model's version without its arithmetic suffix: bf16 and fp32 vectors
    of one model feed the same heads."""
    return version.split("+", 1)[0]


class ModerationHeads:
    """The shipped heads: flags for a batch of pooled vectors."""

    def __init__(self, path: Path = DEFAULT_HEADS):
        if not path.exists():
            raise FileNotFoundError(
                f"{path}: no moderation heads; see `veille models train-moderation`"
            )
        card = json.loads(path.with_suffix(".json").read_text())
        self.name = str(card["name"])
        self.version = str(card["version"])
        self.sentiment_version = str(card["sentiment_model"]["version"])
        from safetensors.numpy import load_file

        arrays = load_file(str(path))
        self.heads: dict[str, dict[str, tuple[np.ndarray, float]]] = {}
        for head in card["heads"]:
            key = f"{head['language']}.{head['flag']}"
            self.heads.setdefault(head["language"], {})[head["flag"]] = (
                arrays[f"{key}.coef"],
                float(arrays[f"{key}.intercept"][0]),
            )

    def flags(
        self, pooled: np.ndarray, languages: Sequence[str | None]
    ) -> list[dict[str, float] | None]:
        """Per post, {flag: probability} from its language's heads; None for a language
        without heads."""
        features = normalise(pooled)
        out: list[dict[str, float] | None] = [None] * len(languages)
        for language, heads in self.heads.items():
            rows = [i for i, lang in enumerate(languages) if lang == language]
            if not rows:
                continue
            probabilities = {
                flag: probability(features[rows], coef, intercept)
                for flag, (coef, intercept) in heads.items()
            }
            for k, row in enumerate(rows):
                out[row] = {flag: round(float(p[k]), 4) for flag, p in probabilities.items()}
        return out


def load_moderation(sentiment_version: str) -> ModerationHeads:
    """The shipped heads, if they read the vectors of this sentiment model."""
    heads = ModerationHeads()
    if heads.sentiment_version != base_version(sentiment_version):
        raise ValueError(
            f"{DEFAULT_HEADS}: the moderation heads read sentiment model "
            f"{heads.sentiment_version}'s vectors, not {base_version(sentiment_version)}'s; "
            "run `veille models train-moderation`"
        )
    return heads


def with_civil(
    features: np.ndarray, toxic: np.ndarray, civil: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A head's training rows: its file's, and the civil posts as not toxic."""
    return np.vstack([features, civil]), np.concatenate([toxic, np.zeros(len(civil), np.int8)])


def train_heads(
    data_dir: Path,
    sentiment_dir: Path,
    out: Path,
    model: Any,
) -> dict[str, Any]:
    """Fit every head of HEADS on all of its file and its language's civil posts, with
    `model`'s pooled vectors (a FinetunedSentiment); write the arrays and their card;
    return the card."""
    started = time.perf_counter()
    arrays: dict[str, np.ndarray] = {}
    heads = []
    civil: dict[str, np.ndarray] = {}
    for spec in HEADS:
        path = data_dir / spec.data
        if not path.exists():
            raise FileNotFoundError(f"{path}: toxicity data not found (see --data)")
        labelled = read_toxicity_file(path, spec.data)
        if spec.language not in civil:
            texts = read_civil(sentiment_dir, spec.language)
            log.info(f"{spec.language}: {len(texts)} civil posts")
            civil[spec.language] = normalise(model.predict_with_vectors(texts)[1])
        log.info(f"{spec.language} {spec.flag}: {len(labelled.texts)} posts from {spec.data}")
        features = normalise(model.predict_with_vectors(labelled.texts)[1])
        coef, intercept = fit_head(*with_civil(features, labelled.toxic, civil[spec.language]))
        key = f"{spec.language}.{spec.flag}"
        arrays[f"{key}.coef"] = coef
        arrays[f"{key}.intercept"] = np.array([intercept], dtype=np.float32)
        heads.append({
            "flag": spec.flag, "language": spec.language, "data": spec.data,
            "rows": len(labelled.texts), "toxic_share": round(float(labelled.toxic.mean()), 3),
            "civil": list(CIVIL[spec.language]), "civil_rows": len(civil[spec.language]),
        })  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    from safetensors.numpy import save_file

    save_file(arrays, str(out))
    digest = hashlib.sha256()
    for key in sorted(arrays):
        digest.update(key.encode() + arrays[key].tobytes())
    card = {
        "name": "veille-moderation",
        "version": digest.hexdigest()[:12],
        "sentiment_model": {"name": model.name, "version": base_version(model.version)},
        "features": "the sentiment model's pooled vector, L2-normalised",
        "heads": heads,
        "c": C,
        "threshold": THRESHOLD,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    out.with_suffix(".json").write_text(json.dumps(card, indent=1) + "\n")
    return card
