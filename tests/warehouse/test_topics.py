"""Topics through the loader, on a real warehouse and the shipped model's vectors: ids
that hold across loads, posts that wait for company, re-loads that change nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pytest

from tests.factories import load_mentions, scored_mention
from tests.nlp.test_topics import APP, DELIVERY, OUTAGE, PRICES
from veille.core.config import BrandsFile
from veille.core.record import BrandMatch, write_mentions
from warehouse.topics import save_topic_vectors


@pytest.fixture(scope="module")
def encode() -> Callable[[list[str]], np.ndarray]:
    from nlp.finetuned import FinetunedSentiment

    model = FinetunedSentiment()
    return lambda texts: model.predict_with_topic_vectors(texts)[2]


def batch(path: Path, posts: list[tuple[str, str]], encode) -> Path:
    """A scored batch of (mention id, text) and its topic vectors beside it."""
    mentions = []
    for key, text in posts:
        mention = scored_mention(0, text=text)
        mention.mention_id = key
        mentions.append(mention)
    write_mentions(path, mentions)
    save_topic_vectors(path, [k for k, _ in posts], encode([t for _, t in posts]))
    return path


def keyed(prefix: str, texts: list[str]) -> list[tuple[str, str]]:
    return [(f"{prefix}{i:02d}", t) for i, t in enumerate(texts)]


def state(db: Path) -> tuple[dict[str, list[str]], list[tuple], list[str]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        topics = dict(con.execute("SELECT mention_id, topics FROM mentions").fetchall())
        stored = con.execute(
            "SELECT topic_id, label, size, updated_at FROM topics ORDER BY position"
        ).fetchall()
        pending = [
            r[0] for r in con.execute("SELECT mention_id FROM topic_pending ORDER BY 1").fetchall()
        ]
    finally:
        con.close()
    return topics, stored, pending


def test_topics_hold_across_loads_and_waiting_posts_found_one_later(tmp_path: Path, encode):
    db = tmp_path / "w.duckdb"
    first = keyed("d", DELIVERY[:12]) + keyed("p", PRICES[:12]) + keyed("o", OUTAGE[:10])
    first += keyed("a", APP[:5])  # too few to found a topic: they wait
    report = load_mentions(batch(tmp_path / "one.jsonl", first, encode), db)
    assert report.topics is not None and report.topics.founded == 3
    topics, stored, pending = state(db)
    ids = [row[0] for row in stored]
    subject = {p: Counter(topics[k][0] for k, _ in first if k[0] == p and topics[k])
               for p in "dpo"}  # fmt: skip
    # Each subject is a topic of its own, its French and English posts together.
    assert {subject[p].most_common(1)[0][0] for p in "dpo"} == set(ids)
    waiting = [f"a{i:02d}" for i in range(5) if f"a{i:02d}" in pending]
    assert len(waiting) >= 4 and all(topics[k] == [] for k in waiting)
    labels = " ".join(row[1] for row in stored)
    assert "livraison" in labels or "delivery" in labels or "colis" in labels

    # Loading the same batch again changes nothing.
    load_mentions(tmp_path / "one.jsonl", db)
    assert state(db) == (topics, stored, pending)

    # More posts on app crashes: with those waiting, enough to found one topic.
    second = keyed("D", DELIVERY[12:]) + keyed("A", APP[5:])
    report = load_mentions(batch(tmp_path / "two.jsonl", second, encode), db)
    assert report.topics is not None and report.topics.founded == 1
    after, stored_after, pending_after = state(db)
    assert [row[0] for row in stored_after[:3]] == ids  # the first topics keep their ids
    app_topic = stored_after[3][0]
    assert sum(after[k] == [app_topic] for k in waiting) >= 3  # the waiting posts joined it
    assert sum(after[k] == [app_topic] for k, _ in keyed("A", APP[5:])) >= 6
    delivery = subject["d"].most_common(1)[0][0]
    assert sum(after[k] == [delivery] for k, _ in keyed("D", DELIVERY[12:])) >= 3
    assert len(pending_after) < len(pending) + len(second)

    con = duckdb.connect(str(db), read_only=True)
    trends = con.execute(
        "SELECT topic_id, topic, mentions FROM topic_trends WHERE brand = 'Fibrelia'"
    ).fetchall()
    con.close()
    by_id = {t: (label, n) for t, label, n in trends}
    assert by_id[app_topic][0] == stored_after[3][1] and by_id[app_topic][1] >= 10


def test_loaded_topics_are_named_without_brand_words_and_show_their_posts(tmp_path: Path, encode):
    """The brands' names and query words never name a topic, even when every post of a
    subject names its brand; view topic_posts gives each topic's nearest posts."""
    brands = BrandsFile.model_validate(
        {"brands": [
            {"name": "Fibrelia", "queries": ['Fibrelia OR "Fibrelia Box"']},
            {"name": "Orbix", "role": "competitor", "queries": ["Orbix NEAR/3 (box OR colis)"]},
        ]}
    )  # fmt: skip
    posts = keyed("d", [f"{t} Orbix colis" for t in DELIVERY])
    posts += keyed("p", [f"Fibrelia Box : {t}" for t in PRICES])
    load_mentions(batch(tmp_path / "one.jsonl", posts, encode), tmp_path / "w.duckdb", brands)
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    stored = con.execute("SELECT topic_id, keywords FROM topics").fetchall()
    examples = con.execute(
        "SELECT topic_id, rank, mention_id, similarity, text FROM topic_posts"
    ).fetchall()
    members = dict(con.execute("SELECT mention_id, topics[1] FROM mentions").fetchall())
    con.close()
    assert len(stored) == 2
    words = {w.lower() for _, keywords in stored for k in keywords for w in k.split()}
    assert words and not words & {"fibrelia", "orbix", "box", "colis"}, words
    assert sorted((t, r) for t, r, *_ in examples) == sorted(
        (t, r) for t, _ in stored for r in (1, 2, 3)
    )
    for topic, _, mention, similarity, text in examples:
        assert members[mention] == topic and similarity > 0.9 and text


def test_each_brand_finds_topics_in_its_own_talk(tmp_path: Path, encode):
    """The same subject said about two brands makes a topic of each; a post naming both
    joins both, and each brand's trends count only its own."""
    brands = BrandsFile.model_validate(
        {"brands": [{"name": "Fibrelia", "queries": ["Fibrelia"]},
                    {"name": "Kalio", "queries": ["Kalio"]}]}
    )  # fmt: skip
    mentions = []
    for brand, texts in (("Fibrelia", DELIVERY), ("Kalio", PRICES + DELIVERY[:1])):
        for i, text in enumerate(texts):
            mention = scored_mention(0, brand=brand, text=text)
            mention.mention_id = f"{brand[0]}{i:02d}"
            mentions.append(mention)
    both = scored_mention(0, text=DELIVERY[1])
    both.mention_id = "both"
    both.brands += [BrandMatch("Kalio", ["Kalio"])]
    mentions.append(both)
    path = tmp_path / "one.jsonl"
    write_mentions(path, mentions)
    save_topic_vectors(path, [m.mention_id for m in mentions], encode([m.text for m in mentions]))
    load_mentions(path, tmp_path / "w.duckdb", brands)
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    topics = dict(con.execute("SELECT topic_id, brand FROM topics").fetchall())
    joined = dict(con.execute("SELECT mention_id, topics FROM mentions").fetchall())
    trends = con.execute("SELECT brand, topic_id, mentions FROM topic_trends").fetchall()
    con.close()
    # Fibrelia's delivery posts and Kalio's price posts: one topic each. Kalio's one
    # delivery post is no topic of its own, and never joins Fibrelia's.
    assert sorted(topics.values()) == ["Fibrelia", "Kalio"]
    fibrelia = next(t for t, b in topics.items() if b == "Fibrelia")
    assert joined["K16"] == [] and sum(joined[f"F{i:02d}"] == [fibrelia] for i in range(16)) >= 14
    assert fibrelia in joined["both"] and len(joined["both"]) <= 2
    assert all(topics[topic] == brand for brand, topic, _ in trends)
