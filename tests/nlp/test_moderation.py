"""Moderation flags: the toxicity data and splits that bench/toxicity.py measures with,
and the shipped heads, for real."""

import json
from pathlib import Path

import numpy as np
import pytest

from nlp.finetuned import DEFAULT_WEIGHTS, FinetunedSentiment
from nlp.moderation import (
    DEFAULT_HEADS,
    HEADS,
    ModerationHeads,
    folds,
    load_moderation,
    read_toxicity,
)
from veille.core.record import raised_flags


def test_folds_partition_the_rows_and_keep_each_class_share():
    labels = np.array([1] * 30 + [0] * 70, dtype=np.int8)
    parts = folds(len(labels), labels, 5, seed=0)
    assert sorted(np.concatenate(parts).tolist()) == list(range(100))
    assert [int(labels[p].sum()) for p in parts] == [6] * 5
    assert [p.tolist() for p in folds(len(labels), labels, 5, seed=0)] == [
        p.tolist() for p in parts
    ]


def test_files_are_read_with_their_toxic_label(tmp_path: Path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "a.jsonl").write_text(
        '{"text": "you idiot", "label": "offensive"}\n{"text": "nice", "label": "not-offensive"}\n'
    )
    [labelled] = read_toxicity(tmp_path)
    assert labelled.name == "en/a.jsonl" and labelled.toxic.tolist() == [1, 0]
    (tmp_path / "en" / "b.jsonl").write_text('{"text": "x", "label": "spam"}\n')
    with pytest.raises(ValueError, match=r"b\.jsonl: no label among hateful, offensive, toxic"):
        read_toxicity(tmp_path)


@pytest.fixture(scope="module")
def scored() -> tuple[FinetunedSentiment, ModerationHeads]:
    model = FinetunedSentiment()
    return model, load_moderation(model.version)


def test_shipped_heads_read_the_shipped_sentiment_models_vectors():
    card = json.loads(DEFAULT_HEADS.with_suffix(".json").read_text())
    sentiment = json.loads(DEFAULT_WEIGHTS.with_suffix(".json").read_text())
    assert card["sentiment_model"]["version"] == sentiment["version"]
    assert {(h["language"], h["flag"]) for h in card["heads"]} == {
        (h.language, h.flag) for h in HEADS
    }
    with pytest.raises(ValueError, match="run `veille models train-moderation`"):
        load_moderation("0123456789ab")


def test_insults_and_hate_are_flagged_and_civil_posts_are_not(scored):
    model, heads = scored
    posts = [
        ("en", "You are a fucking idiot, shut your mouth"),
        ("en", "Thanks for the quick delivery, the support team was very helpful"),
        ("en", "Send these immigrants back where they came from, they are rats"),
        ("fr", "Ferme-la, espèce de connard, t'es vraiment un abruti fini"),
        ("fr", "Bonjour, ma box redémarre toute seule depuis hier soir, une idée ?"),
        ("unknown", "lol"),
    ]
    _, pooled = model.predict_with_vectors([text for _, text in posts])
    flags = heads.flags(pooled, [language for language, _ in posts])
    insult_en, civil_en, hate_en, insult_fr, civil_fr, short = flags
    assert raised_flags(insult_en)[0] == "offensive"
    assert raised_flags(civil_en) == []
    assert "hate" in raised_flags(hate_en)
    assert insult_fr is None and civil_fr is None  # no French head: see nlp/moderation.py
    assert short is None  # no language, no flag
    assert insult_en is not None and civil_en is not None
    assert insult_en["offensive"] > 0.8 > 0.2 > civil_en["offensive"]
