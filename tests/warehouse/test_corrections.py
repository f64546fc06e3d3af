"""Analysts' corrections win over the model in every view and survive re-scoring."""

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from nlp.targeted import training_rows
from tests.conftest import REPO
from tests.factories import load_mentions, scored_mention
from veille.core.record import BrandMatch, write_mentions
from warehouse.corrections import CorrectionError, corrected_texts, record_correction


def view(db: Path, mention_id: str) -> dict[str, tuple[str, float, bool]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT brand, sentiment, sentiment_score, corrected FROM brand_mentions "
            "WHERE mention_id = ?",
            [mention_id],
        ).fetchall()
    finally:
        con.close()
    return {brand: (sentiment, score, corrected) for brand, sentiment, score, corrected in rows}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    mention = scored_mention(1, sentiment="positive", text="Fibrelia top. Orbix nul.")
    mention.brands = [
        BrandMatch("Fibrelia", ["Fibrelia"], "positive", 0.8),
        BrandMatch("Orbix", ["Orbix"], "negative", -0.7),
    ]
    write_mentions(tmp_path / "batch.jsonl", [mention, scored_mention(2)])
    path = tmp_path / "w.duckdb"
    load_mentions(tmp_path / "batch.jsonl", path)
    return path


def test_brand_level_scores_are_what_views_count(db: Path):
    assert view(db, "m00001") == {
        "Fibrelia": ("positive", 0.8, False),
        "Orbix": ("negative", -0.7, False),
    }


def test_corrections_win_and_survive_rescoring(db: Path, tmp_path: Path):
    record_correction(db, "m00001", "negative", corrected_by="zoe", reason="sarcasm")
    assert view(db, "m00001") == {
        "Fibrelia": ("negative", -1.0, True),
        "Orbix": ("negative", -1.0, True),
    }
    # A correction for one brand wins over the one for the whole post.
    record_correction(db, "m00001", "neutral", brand="Orbix", corrected_by="max")
    assert view(db, "m00001")["Orbix"] == ("neutral", 0.0, True)
    # The model scores the post again, differently: the corrections still hold.
    rescored = scored_mention(1, sentiment="neutral", text="Fibrelia top. Orbix nul.")
    rescored.brands = [BrandMatch("Fibrelia", ["Fibrelia"], "neutral", 0.0),
                       BrandMatch("Orbix", ["Orbix"], "positive", 0.5)]  # fmt: skip
    write_mentions(tmp_path / "again.jsonl", [rescored])
    assert load_mentions(tmp_path / "again.jsonl", db).updated == 1
    assert view(db, "m00001") == {
        "Fibrelia": ("negative", -1.0, True),
        "Orbix": ("neutral", 0.0, True),
    }
    con = duckdb.connect(str(db), read_only=True)
    day = con.execute(
        "SELECT negative, neutral FROM daily_brand_sentiment WHERE brand = 'Orbix' AND mentions > 0"
    ).fetchall()
    who = con.execute(
        "SELECT corrected_by, reason FROM corrections ORDER BY corrected_at"
    ).fetchall()
    con.close()
    assert day == [(0, 1)]
    assert who == [("zoe", "sarcasm"), ("max", None)]
    # The corrections become training data: the sentences about the brand for a brand one.
    assert sorted(training_rows(corrected_texts(db)), key=lambda r: r["label"]) == [
        {"text": "Fibrelia top. Orbix nul.", "label": "negative"},
        {"text": "Orbix nul.", "label": "neutral"},
    ]


def test_bad_corrections_are_refused(db: Path):
    with pytest.raises(CorrectionError, match="no mention 'nope'"):
        record_correction(db, "nope", "negative", corrected_by="zoe")
    with pytest.raises(CorrectionError, match="names Fibrelia, Orbix, not 'Kalio'"):
        record_correction(db, "m00001", "negative", brand="Kalio", corrected_by="zoe")
    with pytest.raises(CorrectionError, match="use one of negative, neutral, positive"):
        record_correction(db, "m00001", "bad", corrected_by="zoe")


def test_correct_command(db: Path):
    result = subprocess.run(
        [sys.executable, "-m", "veille.cli", "correct", "m00002", "--sentiment", "negative",
         "--by", "zoe", "--why", "irony", "--warehouse", str(db)],
        capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "mention m00002 is negative for the whole post (by zoe)" in result.stdout
    assert view(db, "m00002")["Fibrelia"][0] == "negative"
    wrong = subprocess.run(
        [sys.executable, "-m", "veille.cli", "correct", "zzz", "--sentiment", "negative",
         "--warehouse", str(db)],
        capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    assert wrong.returncode == 2 and "no mention 'zzz'" in wrong.stderr


@pytest.mark.slow
def test_training_learns_from_corrections_and_reports_before_and_after(db: Path, tmp_path: Path):
    record_correction(db, "m00001", "negative", corrected_by="zoe")
    out = tmp_path / "model" / "sentiment.safetensors"
    train = [
        sys.executable, "-m", "veille.cli", "models", "train",
        "--train-data", str(REPO / "tests" / "fixtures" / "sentiment_train"),
        "--dev-data", str(REPO / "tests" / "fixtures" / "sentiment"),
        "--out", str(out), "--layers", "1", "--epochs", "1", "--max-per-dataset", "30",
        "--without-dev-sets",
    ]  # fmt: skip
    first = subprocess.run(train, capture_output=True, text=True, cwd=REPO, timeout=600)
    assert first.returncode == 0, first.stderr
    second = subprocess.run(
        [*train, "--with-corrections", str(db)], capture_output=True, text=True, cwd=REPO,
        timeout=600,
    )  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert "1 analyst corrections added to the training data" in second.stderr
    assert "dev macro-F1, before → after:" in second.stderr
    assert "fr_deft2017_val_sample.jsonl: 0." in second.stderr
    card = json.loads(out.with_suffix(".json").read_text())
    [learnt] = [d for d in card["training_data"] if d["file"] == "analyst corrections"]
    assert learnt["train"] == 1 and learnt["held_out"] == 0 and learnt["share_of_loss"] > 0


def test_training_with_dev_sets_names_the_ones_missing(tmp_path: Path):
    """Recipe "+dev", the shipped one, needs its English dev sets: a dev folder without
    them is refused before any training, naming them, whether asked for or by default."""
    result = _train_on_fixtures(tmp_path / "m.safetensors", "--with-dev-sets")
    assert result.returncode == 2
    assert "--with-dev-sets: en/tweeteval_sentiment/val.jsonl, en/vader_groundtruth/" in (
        result.stderr
    )
    by_default = _train_on_fixtures(tmp_path / "m.safetensors")
    assert by_default.returncode == 2
    assert "the shipped recipe trains on them too: en/tweeteval_sentiment/val.jsonl" in (
        by_default.stderr
    )
    assert "--without-dev-sets trains without them" in by_default.stderr
    assert not (tmp_path / "m.safetensors").exists()


def test_finetune_options_are_refused_for_the_logistic_head(tmp_path: Path):
    result = _train_on_fixtures(tmp_path / "head.npz", "--kind", "logistic",
                                "--with-dev-sets", "--balance-classes-per-dataset")  # fmt: skip
    assert result.returncode == 2
    assert (
        "--with-dev-sets, --balance-classes-per-dataset: for the fine-tuned model only"
        in result.stderr
    )
    assert not (tmp_path / "head.npz").exists()


def _train_on_fixtures(out: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """`veille models train` on the fixtures' training and dev folders."""
    return subprocess.run(
        [sys.executable, "-m", "veille.cli", "models", "train", *options,
         "--train-data", str(REPO / "tests" / "fixtures" / "sentiment_train"),
         "--dev-data", str(REPO / "tests" / "fixtures" / "sentiment"), "--out", str(out)],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )  # fmt: skip
