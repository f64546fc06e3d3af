"""Loads into a real DuckDB file: idempotent, updating edited posts, quarantining bad rows."""

import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from tests.factories import NOW, load_mentions, scored_mention, warehouse_rows
from veille.core.config import BrandsFile
from veille.core.record import AspectMatch, Mention, write_mentions
from warehouse.db import WarehouseBusy, connect, writer


def counts(db: Path) -> tuple[int, int, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return tuple(  # type: ignore[return-value]
            con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("mentions", "mention_brands", "quarantine")
        )
    finally:
        con.close()


def test_reload_changes_nothing_and_edit_updates_its_row(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    mentions = [scored_mention(i, days_ago=i) for i in range(20)]
    batch = tmp_path / "batch.jsonl"
    write_mentions(batch, mentions)
    first = load_mentions(batch, db)
    assert (first.inserted, first.updated, first.quarantined) == (20, 0, 0)
    con = duckdb.connect(str(db), read_only=True)
    before = con.execute("SELECT * FROM mentions ORDER BY mention_id").fetchall()
    con.close()

    again = load_mentions(batch, db)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 20)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT * FROM mentions ORDER BY mention_id").fetchall() == before
    con.close()

    mentions[3] = replace(mentions[3], text="Message modifié par son auteur")
    write_mentions(batch, mentions)
    edited = load_mentions(batch, db)
    assert (edited.inserted, edited.updated, edited.unchanged) == (0, 1, 19)
    con = duckdb.connect(str(db), read_only=True)
    text, loaded, updated = con.execute(
        "SELECT text, loaded_at, updated_at FROM mentions WHERE mention_id = 'm00003'"
    ).fetchone()
    con.close()
    assert text == "Message modifié par son auteur"
    assert updated > loaded
    assert counts(db) == (20, 20, 0)


def test_bad_rows_are_quarantined_with_reasons_and_the_rest_loads(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    good = [scored_mention(i) for i in range(5)]
    future = scored_mention(90, days_ago=-3)
    out_of_range = replace(scored_mention(91), sentiment_score=1.7)
    no_text = replace(scored_mention(92), text="")
    batch = tmp_path / "batch.jsonl"
    write_mentions(batch, [*good, future, out_of_range, no_text])
    report = load_mentions(batch, db)
    assert (report.inserted, report.quarantined) == (5, 3)
    con = duckdb.connect(str(db), read_only=True)
    reasons = dict(
        con.execute("SELECT mention_id, reasons FROM quarantine ORDER BY mention_id").fetchall()
    )
    source_files = {r[0] for r in con.execute("SELECT source_file FROM quarantine").fetchall()}
    con.close()
    assert reasons["m00090"] == ["published_at: expect_column_values_to_be_between"]
    assert reasons["m00091"] == ["sentiment_score: expect_column_values_to_be_between"]
    assert reasons["m00092"] == ["text: expect_column_value_lengths_to_be_between"]
    assert source_files == {str(batch)}
    # Quarantining is idempotent too.
    load_mentions(batch, db)
    assert counts(db) == (5, 5, 3)


def scored_brand(mention: Mention, score: float, probabilities: dict[str, float]) -> Mention:
    """The mention with what it says about its brand."""
    brand = replace(
        mention.brands[0], sentiment="positive", sentiment_score=score, probabilities=probabilities
    )
    return replace(mention, brands=[brand])


def test_one_bad_row_of_each_kind_is_quarantined_naming_the_field(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    fine = {"negative": 0.1, "neutral": 0.1, "positive": 0.8}
    good = [scored_mention(i) for i in range(4)] + [scored_brand(scored_mention(4), 0.7, fine)]
    bad = {
        "m00090": (
            replace(scored_mention(90), sentiment_score=float("nan")),
            "sentiment_score: expect_column_values_to_not_be_null",
        ),
        "m00091": (
            replace(scored_mention(91), language=None),
            "language: expect_column_values_to_not_be_null",
        ),
        "m00092": (
            scored_brand(scored_mention(92), 9.0, fine),
            "brands[Fibrelia].sentiment_score: expect_column_values_to_be_between",
        ),
        "m00093": (
            replace(
                scored_mention(93), probabilities={"negative": 0.9, "neutral": 0.9, "positive": 0.9}
            ),
            "probabilities_sum: expect_column_values_to_be_between",
        ),
        "m00094": (
            replace(scored_mention(94), url="javascript:alert(document.cookie)"),
            "url: expect_column_values_to_match_regex",
        ),
        "m00095": (
            replace(scored_mention(95), thread_url="JavaScript:alert(1)"),
            "thread_url: expect_column_values_to_match_regex",
        ),
        "m00096": (
            replace(scored_mention(96), author_url="data:text/html,<script>"),
            "author_url: expect_column_values_to_match_regex",
        ),
        "m00097": (
            scored_brand(scored_mention(97), float("nan"), fine),
            "brands[Fibrelia].sentiment_score: expect_column_values_to_not_be_null",
        ),
        "m00098": (
            scored_brand(
                scored_mention(98), 0.5, {"negative": 0.9, "neutral": 0.9, "positive": 0.9}
            ),
            "brands[Fibrelia].probabilities_sum: expect_column_values_to_be_between",
        ),
    }
    batch = tmp_path / "batch.jsonl"
    write_mentions(batch, [*good, *(m for m, _ in bad.values())])
    report = load_mentions(batch, db)
    assert (report.inserted, report.quarantined) == (5, len(bad))
    con = duckdb.connect(str(db), read_only=True)
    reasons = dict(con.execute("SELECT mention_id, reasons FROM quarantine").fetchall())
    urls = {u for (u,) in con.execute("SELECT url FROM mentions").fetchall()}
    con.close()
    assert reasons == {mention_id: [reason] for mention_id, (_, reason) in bad.items()}
    assert all(u.startswith("http://") for u in urls)  # only web links reach emails and pages
    assert counts(db) == (5, 5, len(bad))


def test_a_brand_no_longer_matched_is_removed(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    mention = scored_mention(1)
    batch = tmp_path / "batch.jsonl"
    write_mentions(batch, [mention])
    load_mentions(batch, db)
    write_mentions(batch, [replace(mention, brands=[replace(mention.brands[0], brand="Kalio")])])
    load_mentions(batch, db)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT brand FROM mention_brands").fetchall() == [("Kalio",)]
    con.close()


def test_aspects_load_once_and_an_edit_replaces_them(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    mention = scored_mention(1, sentiment="negative")
    mention.brands[0].aspects = [
        AspectMatch("network", "negative", -0.7), AspectMatch("price", "neutral", 0.1),
    ]  # fmt: skip
    batch = tmp_path / "batch.jsonl"
    write_mentions(batch, [mention])
    query = "SELECT brand, aspect, sentiment, sentiment_score FROM mention_aspects ORDER BY 2"
    load_mentions(batch, db)
    first = warehouse_rows(db, query)
    assert load_mentions(batch, db).unchanged == 1 and warehouse_rows(db, query) == first
    assert first == [("Fibrelia", "network", "negative", -0.7),
                     ("Fibrelia", "price", "neutral", 0.1)]  # fmt: skip
    assert warehouse_rows(db, "SELECT aspect, mentions, negative FROM aspect_sentiment_daily "
                              "ORDER BY 1") == [("network", 1, 1), ("price", 1, 0)]  # fmt: skip
    # Re-scored, the post no longer speaks of the price: its row goes.
    mention.brands[0].aspects = [AspectMatch("network", "negative", -0.9)]
    write_mentions(batch, [mention])
    assert load_mentions(batch, db).updated == 1
    assert warehouse_rows(db, query) == [("Fibrelia", "network", "negative", -0.9)]


def test_second_writer_gets_a_clear_error_naming_the_holder(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from warehouse.db import writer\n"
            f"with writer(Path({str(db)!r})):\n"
            "    print('locked', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with (
            pytest.raises(
                WarehouseBusy,
                match=rf"is being written by PID {holder.pid} \(.*, since .*waited 0 s",
            ),
            writer(db, wait_s=0),
        ):
            pass
        # A reader is told the same, and who to wait for, rather than DuckDB's lock error.
        with pytest.raises(WarehouseBusy, match=rf"PID {holder.pid} \(.*retry when"):
            connect(db, read_only=True)
    finally:
        holder.kill()
        holder.wait()
    with writer(db) as con:  # the lock is released when its holder dies
        assert con.execute("SELECT count(*) FROM mentions").fetchone() == (0,)


def test_daily_view_has_one_row_per_brand_per_day_including_quiet_days(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    mentions = [
        scored_mention(1, days_ago=5, sentiment="positive"),
        scored_mention(2, days_ago=5, sentiment="negative"),
        scored_mention(3, days_ago=5, sentiment="negative"),
        scored_mention(4, days_ago=2, sentiment="neutral"),
        scored_mention(5, days_ago=3, brand="Kalio"),
    ]
    batch = tmp_path / "batch.jsonl"
    write_mentions(batch, mentions)
    load_mentions(batch, db)
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "SELECT day, mentions, positive, neutral, negative, net_sentiment "
        "FROM daily_brand_sentiment WHERE brand = 'Fibrelia' ORDER BY day"
    ).fetchall()
    grain = con.execute(
        "SELECT count(*) = count(DISTINCT (brand, day)) FROM daily_brand_sentiment"
    ).fetchone()
    con.close()
    day5 = (NOW - timedelta(days=5)).date()
    assert rows[0][:5] == (day5, 3, 1, 0, 2)
    assert rows[0][5] == pytest.approx(-1 / 3)
    assert len(rows) == 4  # days 5, 4, 3 and 2 ago: the quiet days are there with 0
    assert rows[1][1] == 0 and rows[1][5] is None
    assert grain == (True,)


def test_a_post_keeps_the_offset_its_page_shows_and_the_day_its_readers_saw(tmp_path: Path):
    """A Blogger comment of 2019-06-02 17:59Z, shown "June 3, 2019 at 1:59 AM" (+08:00):
    the instant is stored as such, its offset beside it, and its local day is June 3."""
    from datetime import UTC, datetime
    from datetime import timezone as fixed

    shown = datetime(2019, 6, 2, 17, 59, tzinfo=UTC).astimezone(fixed(timedelta(hours=8)))
    mentions = [
        replace(scored_mention(0), published_at=shown),
        replace(scored_mention(1), published_at=datetime(2019, 6, 2, 17, 59, tzinfo=UTC)),
    ]
    batch = tmp_path / "batch.jsonl"
    write_mentions(batch, mentions)
    db = tmp_path / "w.duckdb"
    assert load_mentions(batch, db).inserted == 2
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "SELECT mention_id, published_offset_minutes, day::VARCHAR, local_day::VARCHAR "
        "FROM mentions_clean ORDER BY mention_id"
    ).fetchall()
    con.close()
    assert rows == [
        ("m00000", 480, "2019-06-02", "2019-06-03"),
        ("m00001", 0, "2019-06-02", "2019-06-02"),
    ]
    # loading it again changes nothing
    assert load_mentions(batch, db).unchanged == 2


def test_a_post_without_a_date_is_kept_and_counted_on_no_day(tmp_path: Path):
    """Its date could not be read: it is stored, in the views of posts, authors and
    sources, and in no day of the daily views (never on the crawl's day)."""
    dated = [scored_mention(i, days_ago=1) for i in range(3)]
    dateless = replace(scored_mention(3, days_ago=1), published_at=None)
    batch = tmp_path / "batch.jsonl"
    write_mentions(batch, [*dated, dateless])
    db = tmp_path / "w.duckdb"
    report = load_mentions(batch, db)
    assert (report.inserted, report.quarantined) == (4, 0)
    con = duckdb.connect(str(db), read_only=True)
    day = con.execute("SELECT day FROM mentions_clean WHERE mention_id = 'm00003'").fetchone()
    in_brand_view = con.execute("SELECT count(*) FROM brand_mentions").fetchone()
    daily = con.execute("SELECT sum(mentions) FROM daily_brand_sentiment").fetchone()
    con.close()
    assert day == (None,)
    assert in_brand_view == (4,)
    assert daily == (3,)
    assert load_mentions(batch, db).unchanged == 4


def test_a_post_in_a_language_brands_yaml_lists_is_loaded_and_one_it_does_not_is_quarantined(
    tmp_path: Path,
):
    """brands.yaml's `languages: [fr, en, de]`: a post identified as German is loaded;
    with the default languages (fr, en) it is quarantined, naming the language."""
    german = replace(scored_mention(1, text="Fibrelia ist super"), language="de")
    batch = tmp_path / "batch.jsonl"
    write_mentions(batch, [german, scored_mention(2)])
    brands = BrandsFile.model_validate(
        {"languages": ["fr", "en", "de"], "brands": [{"name": "Fibrelia", "queries": ["x"]}]}
    )
    report = load_mentions(batch, tmp_path / "w.duckdb", brands)
    assert (report.inserted, report.quarantined) == (2, 0)
    report = load_mentions(batch, tmp_path / "other.duckdb")
    assert (report.inserted, report.quarantined) == (1, 1)
    con = duckdb.connect(str(tmp_path / "other.duckdb"), read_only=True)
    reasons = con.execute("SELECT reasons FROM quarantine").fetchone()
    con.close()
    assert reasons is not None and any(r.startswith("language:") for r in reasons[0])


def test_posts_loaded_without_a_finder_of_copies_are_fingerprinted_by_the_next_load(
    tmp_path: Path,
):
    """warehouse.load.load_mentions given no finder of copies (nlp's) marks no post as
    fingerprinted: the next load given one fingerprints them and groups a copy with its
    original."""
    from warehouse import load

    story = (
        "La box Fibrelia redémarre toute seule depuis la mise à jour de mardi, trois fois par jour."
    )
    original = scored_mention(1, text=story)
    write_mentions(tmp_path / "one.jsonl", [original])
    db = tmp_path / "w.duckdb"
    load.load_mentions(tmp_path / "one.jsonl", db)
    copy = replace(scored_mention(2, text=story), url="http://other.test/copy")
    write_mentions(tmp_path / "two.jsonl", [copy])
    load_mentions(tmp_path / "two.jsonl", db)  # with nlp's finder, as the pipeline loads
    con = duckdb.connect(str(db), read_only=True)
    groups = con.execute("SELECT DISTINCT duplicate_group FROM mentions").fetchall()
    con.close()
    assert len(groups) == 1
