"""Decisions made in `veille web` are journaled at once, reach the warehouse with the next
writer (a load copies them first), and hold in every view."""

from pathlib import Path

import pytest

from tests.factories import load_mentions, scored_mention, warehouse_rows
from veille.core.record import BrandMatch, write_mentions
from warehouse.db import writer
from warehouse.reviews import Review, ReviewError, copy_journal, journaled, record_reviews


@pytest.fixture
def db(tmp_path: Path) -> Path:
    both = scored_mention(1, sentiment="positive", text="Fibrelia top. Orbix nul.")
    both.brands = [
        BrandMatch("Fibrelia", ["Fibrelia"], "positive", 0.8),
        BrandMatch("Orbix", ["Orbix"], "negative", -0.7),
    ]
    write_mentions(tmp_path / "batch.jsonl", [both, scored_mention(2), scored_mention(3)])
    path = tmp_path / "w.duckdb"
    load_mentions(tmp_path / "batch.jsonl", path)
    return path


def test_a_load_copies_the_journal_and_the_views_follow_it(db: Path, tmp_path: Path):
    record_reviews(
        db,
        [
            Review("mention", "m00001", "not_about", "zoe", brand="Orbix"),
            Review("mention", "m00002", "not_about", "zoe", brand="Fibrelia"),
            Review("mention", "m00002", "tag", "zoe", tag="  box   4K "),
            Review("mention", "m00002", "handled", "zoe"),
            Review("correction", "m00003", "negative", "max", brand="Fibrelia"),
        ],
    )
    # Journaled, not yet in the warehouse: the views are as before.
    assert len(journaled(db, pending_only=True)) == 5
    fibrelia = (
        "SELECT mention_id, sentiment FROM brand_mentions WHERE brand = 'Fibrelia' ORDER BY 1"
    )
    assert warehouse_rows(db, fibrelia) == [
        ("m00001", "positive"),
        ("m00002", "positive"),
        ("m00003", "positive"),
    ]
    write_mentions(tmp_path / "next.jsonl", [scored_mention(4)])
    load_mentions(tmp_path / "next.jsonl", db)
    assert journaled(db, pending_only=True) == []
    assert warehouse_rows(db, fibrelia) == [
        ("m00001", "positive"),
        ("m00003", "negative"),
        ("m00004", "positive"),
    ]
    assert warehouse_rows(db, "SELECT brand FROM brand_mentions WHERE mention_id = 'm00001'") == [
        ("Fibrelia",)
    ]
    assert warehouse_rows(db, "SELECT handled, handled_by, tags FROM mention_triage") == [
        (True, "zoe", ["box 4K"])
    ]
    excluded = "SELECT mention_id, brand, terms, excluded_by FROM excluded_mentions ORDER BY 1"
    assert warehouse_rows(db, excluded) == [
        ("m00001", "Orbix", ["Orbix"], "zoe"),
        ("m00002", "Fibrelia", ["Fibrelia"], "zoe"),
    ]
    # "about" undoes "not about"; untag and unhandled undo theirs.
    record_reviews(
        db,
        [
            Review("mention", "m00002", "about", "max", brand="Fibrelia"),
            Review("mention", "m00002", "untag", "max", tag="box 4K"),
            Review("mention", "m00002", "unhandled", "max"),
        ],
    )
    with writer(db) as con:
        assert copy_journal(con, db) == 3
        assert copy_journal(con, db) == 0  # copied once
    assert ("m00002", "positive") in warehouse_rows(db, fibrelia)
    assert warehouse_rows(db, "SELECT handled, tags FROM mention_triage") == [(False, [])]


def test_copying_again_changes_nothing(db: Path):
    [review] = record_reviews(db, [Review("alert", "a1", "false_alarm", "zoe")])
    with writer(db) as con:
        copy_journal(con, db)
    # As if the process had died before marking it copied: the next writer copies it again.
    with writer(db) as con:
        from warehouse.reviews import insert_reviews

        insert_reviews(con, [review])
        assert con.execute("SELECT count(*) FROM alert_reviews").fetchone() == (1,)


@pytest.mark.parametrize(
    ("review", "message"),
    [
        (Review("mention", "m1", "delete", "zoe"), "use one of not_about"),
        (Review("correction", "m1", "angry", "zoe"), "use one of negative"),
        (Review("mention", "m1", "not_about", "zoe"), "say which brand"),
        (Review("mention", "m1", "tag", "zoe", tag="  "), "a tag is 1 to 40"),
        (Review("alert", "a1", "acknowledged", ""), "who made it"),
    ],
)
def test_a_bad_decision_is_refused_and_nothing_is_journaled(db: Path, review, message):
    good = Review("mention", "m00001", "handled", "zoe")
    with pytest.raises(ReviewError, match=message):
        record_reviews(db, [good, review])
    assert journaled(db) == []
