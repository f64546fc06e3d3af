"""The app's copy of the warehouse: the same answers as the warehouse's own views, kept up
to date by decisions and by loads, and never in a load's way."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

import veille.web.snapshot as veille_snapshot
from tests.factories import load_mentions, scored_mention, warehouse_rows
from veille.core.record import BrandMatch, write_mentions
from veille.web.snapshot import WarehouseCopy
from warehouse.db import writer
from warehouse.reviews import Review, journaled, record_reviews

COPIED = (
    "Fibrelia : coupure générale ce matin, la box clignote rouge et le service client "
    "ne répond pas."
)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    posts = [scored_mention(n, sentiment=s) for n, s in enumerate(
        ["negative", "positive", "neutral", "negative"], start=1)]  # fmt: skip
    # the same long post under two URLs: one duplicate group
    posts += [scored_mention(n, sentiment="negative", text=COPIED) for n in (5, 6)]
    both = scored_mention(7, text="Fibrelia mieux qu'Orbix")
    both.brands = [BrandMatch("Fibrelia", ["Fibrelia"], "positive", 0.6),
                   BrandMatch("Orbix", ["Orbix"], "negative", -0.6)]  # fmt: skip
    write_mentions(tmp_path / "batch.jsonl", [*posts, both])
    db = tmp_path / "w.duckdb"
    load_mentions(tmp_path / "batch.jsonl", db)
    return db


@pytest.fixture
def copy(warehouse: Path, tmp_path: Path):
    kept = WarehouseCopy(warehouse, tmp_path / "copy")
    kept.refresh()
    yield kept
    kept.close()


def differences(cur: duckdb.DuckDBPyConnection, view: str) -> list[tuple]:
    return cur.execute(
        f"(SELECT * FROM {view}_kept EXCEPT ALL SELECT * FROM {view}_live) UNION ALL "
        f"(SELECT * FROM {view}_live EXCEPT ALL SELECT * FROM {view}_kept)"
    ).fetchall()


def view_rows(db_or_cur: Path | duckdb.DuckDBPyConnection, query: str) -> list[tuple]:
    if isinstance(db_or_cur, Path):
        return sorted(warehouse_rows(db_or_cur, query))
    return sorted(db_or_cur.execute(query).fetchall())


SHOWN = "SELECT mention_id, brand, sentiment, corrected FROM brand_mentions"


def test_the_kept_views_answer_as_the_warehouses_after_decisions(copy, warehouse: Path):
    with copy.cursor() as cur:
        assert differences(cur, "brand_mentions") == []
        assert view_rows(cur, SHOWN) == view_rows(warehouse, SHOWN)
    reviews = record_reviews(
        warehouse,
        [
            Review("correction", "m00006", "positive", "zoe", brand="Fibrelia"),  # a copy
            Review("correction", "m00007", "neutral", "zoe"),  # the whole post
            Review("mention", "m00001", "not_about", "zoe", brand="Fibrelia"),
        ],
    )
    copy.apply(reviews)
    with copy.cursor() as cur:
        assert differences(cur, "brand_mentions") == []
        shown = view_rows(cur, SHOWN)
        daily = view_rows(cur, "SELECT * FROM daily_brand_sentiment")
    assert ("m00005", "Fibrelia", "positive", True) in shown  # the group's first copy
    assert ("m00007", "Orbix", "neutral", True) in shown
    assert not any(row[0] == "m00001" for row in shown)
    # Once the warehouse has them (the app's own write, started by apply), it answers
    # the same.
    deadline = time.monotonic() + 10
    while journaled(warehouse, pending_only=True) and time.monotonic() < deadline:
        copy.push()
        time.sleep(0.05)
    assert journaled(warehouse, pending_only=True) == []
    assert view_rows(warehouse, SHOWN) == shown
    assert view_rows(warehouse, "SELECT * FROM daily_brand_sentiment") == daily


def test_a_load_is_seen_after_it_and_never_waits_for_the_app(copy, warehouse: Path, tmp_path):
    with copy.cursor() as cur:  # a request reading the copy while a load runs
        write_mentions(tmp_path / "more.jsonl", [scored_mention(8)])
        load_mentions(tmp_path / "more.jsonl", warehouse)
        assert cur.execute("SELECT count(*) FROM mentions").fetchone() == (7,)
    assert copy.refresh()
    with copy.cursor() as cur:
        assert cur.execute("SELECT count(*) FROM mentions").fetchone() == (8,)
        assert differences(cur, "brand_mentions") == []
    # While a writer holds the warehouse, the app keeps its copy and says why.
    with writer(warehouse) as con:
        con.execute("DELETE FROM mention_brands WHERE mention_id = 'm00008'")
        assert not copy.refresh()
        assert copy.problem and "being written" in copy.problem
        with copy.cursor() as cur:
            assert cur.execute("SELECT count(*) FROM brand_mentions").fetchone() == (8,)
    assert copy.refresh()
    assert copy.problem is None


def test_a_decision_made_while_a_copy_is_taken_is_in_the_new_copy(
    copy, warehouse: Path, monkeypatch: pytest.MonkeyPatch
):
    """A decision that comes after the warehouse's file was copied but before the new
    copy replaces the old one is in neither the copied file nor (once the app wrote it
    to the warehouse) the journal: the new copy gets it all the same."""
    [review] = record_reviews(warehouse, [Review("correction", "m00001", "positive", "zoe")])
    with writer(warehouse) as con:
        con.execute("UPDATE mentions SET crawled_at = crawled_at")  # the warehouse changed

    def journal_emptied_meanwhile(db: Path, *, pending_only: bool = False):
        copy.apply([review])  # the app writes it into the old copy...
        while journaled(db, pending_only=True):  # ...and into the warehouse (apply's
            copy.push()  # own push may be the one that does)
            time.sleep(0.05)
        return journaled(db, pending_only=pending_only)

    # read by refresh() once the file is copied
    monkeypatch.setattr(veille_snapshot, "journaled", journal_emptied_meanwhile)
    assert copy.refresh()
    with copy.cursor() as cur:
        assert cur.execute(
            "SELECT sentiment, corrected FROM brand_mentions WHERE mention_id = 'm00001'"
        ).fetchall() == [("positive", True)]
        assert differences(cur, "brand_mentions") == []
