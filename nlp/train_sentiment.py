"""Train the sentiment head: logistic regression on multilingual-e5-small vectors.

Trains on the training sets only (../shared/data/sentiment_train); the dev sets
(../shared/data/sentiment) are used to report figures, never to fit. Writes the head
(`.npz`, a few kB) and its model card (`.json`: data, seed, settings, dev figures).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from nlp.encoder import ENCODER_NAME, cached_encode
from nlp.evaluation import dev_files, figures, read_labelled, stratified_sample
from nlp.sentiment import DEFAULT_HEAD, SentimentModel
from veille.core.progress import every
from veille.core.record import SENTIMENT_LABELS

log = logging.getLogger(__name__)

MODEL_NAME = "veille-sentiment-e5-lr"


def train(
    train_dir: Path,
    dev_dir: Path | None,
    out_head: Path = DEFAULT_HEAD,
    *,
    max_per_dataset: int = 12000,
    dev_limit: int = 1000,
    seed: int = 0,
    c: float = 1.0,
    cache_dir: Path,
) -> dict[str, object]:
    files = dev_files(train_dir)
    if not files:
        raise FileNotFoundError(f"{train_dir}: no training file (*.jsonl) found")
    chunks: list[np.ndarray] = []
    labels: list[str] = []
    data = []
    for path in files:
        rows = stratified_sample(read_labelled(path), max_per_dataset, seed)
        started = time.monotonic()
        log.info(f"encoding {path.relative_to(train_dir)}: {len(rows)} texts")
        chunks.append(
            cached_encode([r["text"] for r in rows], cache_dir, every(log, "  ", seconds=15))
        )
        log.info(f"  done in {time.monotonic() - started:.0f} s")
        data.append(
            {
                "file": str(path.relative_to(train_dir)),
                "rows": len(rows),
                "labels": dict(sorted(Counter(r["label"] for r in rows).items())),
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            }
        )
        labels += [r["label"] for r in rows]
    log.info(f"fitting logistic regression on {len(labels)} vectors")
    classifier = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, random_state=seed)
    classifier.fit(np.vstack(chunks), labels)
    out_head.parent.mkdir(parents=True, exist_ok=True)
    arrays = {
        "coef": classifier.coef_.astype(np.float32),
        "intercept": classifier.intercept_.astype(np.float32),
        "classes": np.array(classifier.classes_, dtype=str),
    }
    np.savez(out_head, **arrays)
    # The version names the weights (the .npz file itself carries zip timestamps).
    digest = hashlib.sha256()
    for name in sorted(arrays):
        digest.update(arrays[name].tobytes())
    version = digest.hexdigest()[:12]
    card: dict[str, object] = {
        "name": MODEL_NAME,
        "version": version,
        "encoder": ENCODER_NAME,
        "head": "logistic regression (scikit-learn), balanced class weights",
        "classes": list(SENTIMENT_LABELS),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {"C": c, "seed": seed, "max_per_dataset": max_per_dataset},
        "training_data": data,
    }
    out_head.with_suffix(".json").write_text(json.dumps(card, indent=1) + "\n")
    if dev_dir is not None:
        card["dev"] = evaluate_dev(out_head, dev_dir, dev_limit, cache_dir)
        out_head.with_suffix(".json").write_text(json.dumps(card, indent=1) + "\n")
    return card


def evaluate_dev(
    head: Path, dev_dir: Path, limit: int, cache_dir: Path
) -> dict[str, dict[str, float | int]]:
    """Accuracy and macro-F1 on each dev file (a fixed random subset of `limit` rows)."""
    model = SentimentModel(head)
    results = {}
    for path in dev_files(dev_dir):
        rows = read_labelled(path, limit)
        vectors = cached_encode([r["text"] for r in rows], cache_dir, every(log, "  ", seconds=15))
        result = figures(model.probabilities_from_vectors(vectors), [r["label"] for r in rows])
        name = str(path.relative_to(dev_dir))
        log.info(f"  {name}: accuracy {result['accuracy']:.3f}, macro-F1 {result['macro_f1']:.3f}")
        results[name] = result
    return results
