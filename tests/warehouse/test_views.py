"""The analysts' views on a real DuckDB file: each one's grain and figures on data whose
answers are known, copies counted once, corrections winning, share of voice summing to 1."""

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from tests.factories import NOW, load_mentions, scored_mention
from veille.core.config import BrandsFile
from veille.core.record import BrandMatch, Mention, write_mentions
from warehouse.corrections import record_correction

BRANDS = BrandsFile.model_validate(
    {
        "brands": [
            {"name": "Fibrelia", "queries": ["Fibrelia"], "competitors": ["Orbix"]},
            {"name": "Orbix", "role": "competitor", "queries": ["Orbix"]},
        ]
    }
)
LONG = "La box Fibrelia coupe tous les soirs depuis la mise à jour, le support ne répond pas. "


def mention(n: int, brand: str, sentiment: str, days_ago: float, **changes: object) -> Mention:
    m = scored_mention(n, brand=brand, sentiment=sentiment, days_ago=days_ago)
    m.brands = [BrandMatch(brand, [brand], sentiment, m.sentiment_score)]
    return replace(m, **changes)  # type: ignore[arg-type]


def load(tmp_path: Path, mentions: list[Mention]) -> Path:
    batch = tmp_path / "batch.jsonl"
    write_mentions(batch, mentions)
    db = tmp_path / "w.duckdb"
    load_mentions(batch, db, BRANDS)
    return db


def rows(db: Path, query: str) -> list[dict[str, object]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        result = con.execute(query)
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    finally:
        con.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    mentions = [
        # Ten days ago: Fibrelia 3 positive and 1 negative, Orbix 1 neutral.
        mention(1, "Fibrelia", "positive", 10),
        mention(2, "Fibrelia", "positive", 10),
        mention(3, "Fibrelia", "positive", 10, author="fan", topics=["fibre"]),
        mention(4, "Fibrelia", "negative", 10, author="grognon"),
        mention(5, "Orbix", "neutral", 10),
        # Yesterday: one post copied on two sites (counted once), and a detractor.
        mention(6, "Fibrelia", "negative", 1, text=LONG, author="grognon", topics=["panne"]),
        mention(
            7,
            "Fibrelia",
            "negative",
            1,
            text=LONG.upper(),
            source_id="blog-copies",
            source_kind="blog",
            url="http://copies.test/article",
            thread_url=None,
        ),
        mention(8, "Fibrelia", "negative", 1, author="grognon", topics=["panne"]),
        mention(9, "Orbix", "positive", 1, author="fan"),
        # Short identical posts are not copies.
        mention(10, "Fibrelia", "positive", 1, text="Merci Fibrelia !"),
        mention(11, "Fibrelia", "positive", 1, text="Merci Fibrelia !", author="other"),
    ]
    return load(tmp_path, mentions)


def test_copies_of_one_post_count_once_and_short_posts_are_not_copies(db: Path):
    copies = rows(db, "SELECT mention_id, copies, is_first_copy FROM mention_copies "
                      "WHERE copies > 1 ORDER BY mention_id")  # fmt: skip
    assert [(r["mention_id"], r["is_first_copy"]) for r in copies] == [
        ("m00006", True),  # published a little earlier (days_ago is the same: id decides)
        ("m00007", False),
    ]
    clean = rows(db, "SELECT count(*) AS n, sum(copies) AS copies FROM mentions_clean")[0]
    assert (clean["n"], clean["copies"]) == (10, 11)
    yesterday = (NOW - timedelta(days=1)).date()
    day = rows(db, f"SELECT * FROM daily_brand_sentiment WHERE brand = 'Fibrelia' "
                   f"AND day = DATE '{yesterday}'")[0]  # fmt: skip
    assert (day["mentions"], day["negative"], day["positive"]) == (4, 2, 2)


def test_a_correction_of_any_copy_holds_for_the_post(db: Path):
    record_correction(db, "m00007", "neutral", corrected_by="ana", reason="ironie")
    got = rows(db, "SELECT mention_id, sentiment, corrected FROM brand_mentions "
                   "WHERE duplicate_group = (SELECT duplicate_group FROM mention_copies "
                   "WHERE mention_id = 'm00007')")  # fmt: skip
    assert got == [{"mention_id": "m00006", "sentiment": "neutral", "corrected": True}]
    clean = rows(db, "SELECT sentiment, model_sentiment FROM mentions_clean "
                     "WHERE mention_id = 'm00006'")  # fmt: skip
    assert clean == [{"sentiment": "neutral", "model_sentiment": "negative"}]


def test_reputation_index_follows_its_definition(db: Path):
    index = rows(db, "SELECT * FROM reputation_index WHERE brand = 'Fibrelia' ORDER BY day")
    assert len(index) == 10  # every day from the first mention to the last day
    first, last = index[0], index[-1]
    # 3 positive, 1 negative: 100 * (3 + 1) / (3 + 1 + 2).
    assert (first["positive_7d"], first["negative_7d"]) == (3, 1)
    assert first["reputation_index"] == pytest.approx(100 * 4 / 6)
    assert first["change_7d"] is None
    # The window has left day -10 behind: 2 positive, 2 negative (copies once).
    assert (last["positive_7d"], last["negative_7d"], last["mentions_7d"]) == (2, 2, 4)
    assert last["reputation_index"] == pytest.approx(50.0)
    quiet = index[5]  # days -9 to -3 in its window hold day -10's posts, then none
    assert quiet["mentions_7d"] == 4
    assert index[7]["mentions_7d"] == 0 and index[7]["reputation_index"] == 50.0


def test_share_of_voice_sums_to_one_per_market_and_day_and_week(db: Path):
    daily = rows(db, "SELECT * FROM share_of_voice_daily WHERE mentions > 0 ORDER BY day, member")
    first_day = [r for r in daily if r["day"] == daily[0]["day"]]
    assert [(r["member"], r["mentions"], r["share_of_voice"]) for r in first_day] == [
        ("Fibrelia", 4, 0.8),
        ("Orbix", 1, 0.2),
    ]
    assert first_day[1]["is_competitor"] and first_day[0]["share_of_positive_voice"] == 1.0
    sums = rows(db, "SELECT brand, day, sum(share_of_voice) AS s FROM share_of_voice_daily "
                    "WHERE market_mentions > 0 GROUP BY ALL")  # fmt: skip
    assert sums and all(r["s"] == pytest.approx(1.0) for r in sums)
    weekly = rows(db, "SELECT week, sum(share_of_voice) AS s, sum(mentions) AS n "
                      "FROM share_of_voice_weekly GROUP BY week")  # fmt: skip
    assert sum(r["n"] for r in weekly) == 11 - 1  # every distinct post, copies once
    assert all(r["s"] == pytest.approx(1.0) for r in weekly if r["n"])
    # Only the monitored brand has a market; a competitor alone has none.
    assert {r["brand"] for r in daily} == {"Fibrelia"}


def test_top_sources_and_top_authors(db: Path):
    sources = rows(db, "SELECT * FROM top_sources WHERE brand = 'Fibrelia' ORDER BY rank")
    assert [(s["source_id"], s["site"], s["mentions"], s["rank"]) for s in sources] == [
        ("forum-box", "forum.test", 8, 1)
    ]  # the copy on blog-copies is counted under the earlier one
    assert sources[0]["negative"] == 3 and sources[0]["mentions_30d"] == 8
    authors = {
        a["author"]: a for a in rows(db, "SELECT * FROM top_authors WHERE brand = 'Fibrelia'")
    }
    grognon = authors["grognon"]
    assert (grognon["mentions"], grognon["negative"], grognon["stance"], grognon["rank"]) == (
        3, 3, "detractor", 1,
    )  # fmt: skip
    # Posts 4, 6 and 8 are in threads t=4, t=6 and t=1, all titled alike.
    assert grognon["threads"] == 3 and grognon["thread_titles"] == ["Votre avis sur la box"] * 3
    assert authors["fan"]["stance"] == "mixed"  # one post is not a stance


def test_topic_trends_week_over_week(tmp_path: Path):
    mentions = [
        mention(i, "Fibrelia", "negative", 1 if i < 5 else 8, topics=["panne"]) for i in range(7)
    ]
    db = load(tmp_path, mentions)
    trends = rows(db, "SELECT * FROM topic_trends ORDER BY week")
    assert [(t["mentions"], t["previous_mentions"]) for t in trends][-1][0] >= 1
    last = trends[-1]
    assert (
        last["topic"] == "panne" and last["growth"] == last["mentions"] - last["previous_mentions"]
    )
    assert sum(t["mentions"] for t in trends) == 7


def test_alert_history_says_sent_or_pending(tmp_path: Path):
    from warehouse.alerts.rules import detect_brand_alerts
    from warehouse.alerts.store import read_buckets, record_alert
    from warehouse.db import writer

    mentions = [mention(i, "Fibrelia", "positive", 30 - i % 28) for i in range(60)]
    mentions += [mention(100 + i, "Fibrelia", "negative", 0.2) for i in range(15)]
    db = load(tmp_path, mentions)
    with writer(db) as con:
        daily = read_buckets(con, "day")
        found = detect_brand_alerts(daily, "Fibrelia", since=max(daily["day"]))
        assert found
        record_alert(con, found[0], ["cm@example.test"], NOW)
    history = rows(db, "SELECT brand, status, recipients, sent_at FROM alert_history")
    assert history == [
        {
            "brand": "Fibrelia",
            "status": "pending",
            "recipients": ["cm@example.test"],
            "sent_at": None,
        }
    ]


def test_brands_table_follows_the_configuration(db: Path, tmp_path: Path):
    assert rows(db, "SELECT brand, role, competitors FROM brands ORDER BY brand") == [
        {"brand": "Fibrelia", "role": "brand", "competitors": ["Orbix"]},
        {"brand": "Orbix", "role": "competitor", "competitors": []},
    ]
    fewer = BrandsFile.model_validate({"brands": [{"name": "Fibrelia", "queries": ["Fibrelia"]}]})
    load_mentions(tmp_path / "batch.jsonl", db, fewer)
    assert rows(db, "SELECT brand FROM brands") == [{"brand": "Fibrelia"}]
    assert rows(db, "SELECT count(*) AS n FROM share_of_voice_daily WHERE member = 'Orbix'") == [
        {"n": 0}
    ]


STORY = (
    "La box Fibrelia est en panne depuis hier soir dans tout le quartier de la gare, le "
    "service client ne répond pas au téléphone et personne ne sait quand la connexion "
    "reviendra. Trois jours sans internet pour des centaines de foyers, c'est inadmissible."
)


def test_near_copies_join_the_first_posts_group_across_loads(tmp_path: Path):
    first = mention(1, "Fibrelia", "negative", 2, text=STORY)
    db = load(tmp_path, [first, mention(2, "Fibrelia", "positive", 2, text="Merci Fibrelia " * 6)])
    # The next day, other sites carry the story with a line added, and someone retells it.
    later = [
        mention(3, "Fibrelia", "negative", 1, source_id="blog-local",
                url="http://local.test/a", text="Repris de notre confrère du Courrier : " + STORY),
        mention(4, "Fibrelia", "negative", 1, source_id="forum-box",
                url="http://forum.test/t/9", text=STORY.upper() + " Vu sur le forum."),
        mention(5, "Fibrelia", "negative", 1, text="Depuis hier soir plus d'internet chez "
                "Fibrelia vers la gare, impossible de joindre le support, aucune date."),
        mention(6, "Fibrelia", "neutral", 1, text="+1 pareil"),
        mention(7, "Fibrelia", "neutral", 1, text="+1 pareil"),
    ]  # fmt: skip
    batch = tmp_path / "later.jsonl"
    write_mentions(batch, later)
    load_mentions(batch, db)
    groups = {r["mention_id"]: r["duplicate_group"]
              for r in rows(db, "SELECT mention_id, duplicate_group FROM mentions")}  # fmt: skip
    ids = {n: f"m{n:05d}" for n in range(1, 8)}
    assert groups[ids[3]] == groups[ids[4]] == groups[ids[1]]
    assert len({groups[ids[n]] for n in (1, 2, 5, 6, 7)}) == 5
    clean = rows(db, "SELECT count(*) AS n, max(copies) AS copies FROM mentions_clean")[0]
    assert (clean["n"], clean["copies"]) == (5, 3)
    # Loading the same batch again changes nothing.
    before = rows(db, "SELECT * FROM mention_bands ORDER BY mention_id, band")
    assert load_mentions(batch, db).unchanged == 5
    assert rows(db, "SELECT * FROM mention_bands ORDER BY mention_id, band") == before


def test_posts_stored_before_bands_existed_are_fingerprinted_and_found(tmp_path: Path):
    db = load(tmp_path, [mention(1, "Fibrelia", "negative", 2, text=STORY)])
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM mention_bands")  # as a warehouse upgraded by migration 006
    con.close()
    batch = tmp_path / "copy.jsonl"
    write_mentions(batch, [mention(2, "Fibrelia", "negative", 1, url="http://copy.test/",
                                   text="Repris : " + STORY)])  # fmt: skip
    load_mentions(batch, db)
    assert rows(db, "SELECT count(DISTINCT mention_id) AS n FROM mention_bands")[0]["n"] == 2
    # The stored post got its bands first, so the copy found it.
    groups = rows(db, "SELECT count(DISTINCT duplicate_group) AS n FROM mentions")[0]["n"]
    assert groups == 1
