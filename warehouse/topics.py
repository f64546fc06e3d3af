"""Topics at load time: each new post joins a stored topic, or waits in
`topic_pending` until enough posts like it arrive to found one (nlp/topics.py). Each
brand's talk has its own topics: the posts of unrelated brands never make one topic.

The topic vectors come from the scoring step in a file beside the scored batch
(`topic_vectors_path`), so the JSON records stay small. Runs inside the load's
transaction: a failed load leaves the topics as they were.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import duckdb
import numpy as np

from warehouse.lake import upsert_sql

PENDING_DAYS = 30  # a post that found no company in a month is left alone


@dataclass(frozen=True)
class TopicReport:
    joined: int  # posts given a topic (new or pending ones)
    founded: int  # topics founded
    pending: int  # posts waiting for a topic after this load


def topic_vectors_path(batch: Path) -> Path:
    return batch.with_name(batch.stem + ".topic_vectors.npz")


def save_topic_vectors(batch: Path, mention_ids: list[str], vectors: np.ndarray) -> Path:
    path = topic_vectors_path(batch)
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez(tmp, mention_ids=np.array(mention_ids), vectors=vectors.astype(np.float32))
    tmp.replace(path)
    return path


def read_topic_vectors(batch: Path) -> dict[str, np.ndarray]:
    """The batch's topic vectors by mention id; none when the scoring step wrote none."""
    path = topic_vectors_path(batch)
    if not path.exists():
        return {}
    with np.load(path) as saved:
        return dict(zip((str(m) for m in saved["mention_ids"]), saved["vectors"], strict=True))


class TopicIndexLike(Protocol):
    """What assigns topics (nlp/topics.py TopicIndex): posts join topics or found them."""

    @property
    def topics(self) -> Sized: ...

    def update(
        self, keys: list[str], vectors: np.ndarray, texts: list[str]
    ) -> list[str | None]: ...

    def to_rows(self) -> list[dict[str, Any]]: ...


# The index rebuilt from the stored topics' rows (nlp/topics.py TopicIndex.from_rows).
TopicIndexFactory = Callable[[Iterable[dict[str, Any]]], TopicIndexLike]


def assign_topics(
    con: duckdb.DuckDBPyConnection,
    new: list[str],
    vectors: dict[str, np.ndarray],
    now: datetime,
    topic_index: TopicIndexFactory,
) -> TopicReport:
    """Give topics to the stored posts `new` (those with a vector and no topic) and to
    the pending ones, in each brand's own index (the topics whose `brand` is it); store
    the topics and the posts still waiting."""

    con.execute(
        "DELETE FROM topic_pending WHERE published_at < ?", [now - timedelta(days=PENDING_DAYS)]
    )
    pending = con.execute(
        "SELECT p.mention_id, p.vector, m.text FROM topic_pending AS p "
        "JOIN mentions AS m USING (mention_id) ORDER BY p.published_at, p.mention_id"
    ).fetchall()
    fresh = [m for m in new if m in vectors]
    # Each brand's talk is clustered apart: a post joins or founds topics of each brand
    # it names (a post naming none, in an owned community, gets none).
    brands_of: dict[str, list[str]] = {}
    for mention_id, brand in con.execute(
        "SELECT mention_id, brand FROM mention_brands WHERE mention_id IN (SELECT unnest(?)) "
        "ORDER BY brand",
        [[m for m, _, _ in pending] + fresh],
    ).fetchall():
        brands_of.setdefault(mention_id, []).append(brand)
    fresh = [m for m in fresh if m in brands_of]
    texts = dict(
        con.execute(
            "SELECT mention_id, text FROM mentions WHERE mention_id IN (SELECT unnest(?))", [fresh]
        ).fetchall()
    )
    keys = [m for m, _, _ in pending if m in brands_of] + fresh
    if not keys:
        return TopicReport(0, 0, 0)
    vector_of = {m: np.asarray(v, dtype=np.float32) for m, v, _ in pending} | {
        m: vectors[m] for m in fresh
    }
    texts |= {m: t for m, _, t in pending}
    stored: dict[str | None, list[tuple[Any, ...]]] = {}
    for row in con.execute(
        "SELECT topic_id, label, keywords, centroid, size, terms, examples, "
        "example_similarities, brand FROM topics ORDER BY position"
    ).fetchall():
        stored.setdefault(row[8], []).append(row)
    topics_of: dict[str, list[str]] = {}
    founded = 0
    for brand in sorted({b for k in keys for b in brands_of[k]}):
        members = [k for k in keys if brand in brands_of[k]]
        rows = stored.get(brand, [])
        index = topic_index(
            {"topic_id": r[0], "label": r[1], "keywords": r[2], "centroid": r[3],
             "size": r[4], "terms": json.loads(r[5]), "examples": r[6] or [],
             "example_similarities": r[7] or []}
            for r in rows
        )  # fmt: skip
        assigned = index.update(
            members, np.vstack([vector_of[k] for k in members]), [texts[k] for k in members]
        )
        for key, topic_id in zip(members, assigned, strict=True):
            if topic_id is not None:
                topics_of.setdefault(key, []).append(topic_id)
        founded += len(index.topics) - len(rows)
        _store_topics(con, index, brand, {a for a in assigned if a is not None}, now)
    by_topics: dict[tuple[str, ...], list[str]] = {}
    for key, ids in topics_of.items():
        by_topics.setdefault(tuple(ids), []).append(key)
    for joined, members in sorted(by_topics.items()):
        con.execute(
            "UPDATE mentions SET topics = ? WHERE mention_id IN (SELECT unnest(?))",
            [list(joined), members],
        )
    con.execute(
        "DELETE FROM topic_pending WHERE mention_id IN (SELECT unnest(?))", [list(topics_of)]
    )
    waiting = [m for m in fresh if m not in topics_of]
    if waiting:
        con.executemany(
            # a post without a date waits from its crawl
            upsert_sql(
                "topic_pending",
                ["mention_id", "vector", "published_at"],
                source="SELECT mention_id, CAST(? AS FLOAT[]) AS vector, "
                "coalesce(published_at, crawled_at) AS published_at FROM mentions "
                "WHERE mention_id = ?",
            ),
            [[vectors[m].tolist(), m] for m in waiting],
        )
    still = con.execute("SELECT count(*) FROM topic_pending").fetchone()
    return TopicReport(
        joined=len(topics_of), founded=founded, pending=int(still[0]) if still else 0
    )


def _store_topics(
    con: duckdb.DuckDBPyConnection,
    index: TopicIndexLike,
    brand: str,
    grown: set[str],
    now: datetime,
) -> None:
    """A brand's topics written back: labels, counts and centroids; `updated_at` for
    those that grew."""
    for position, row in enumerate(index.to_rows()):
        update = "label = excluded.label, keywords = excluded.keywords, size = excluded.size, "
        update += "centroid = excluded.centroid, terms = excluded.terms, "
        update += "examples = excluded.examples, "
        update += "example_similarities = excluded.example_similarities"
        if row["topic_id"] in grown:
            update += ", updated_at = excluded.updated_at"
        con.execute(
            upsert_sql("topics", update=update),
            [row["topic_id"], row["label"], row["keywords"], row["size"], row["centroid"],
             json.dumps(row["terms"], ensure_ascii=False), position, now, now,
             row.get("examples", []), row.get("example_similarities", []), brand],
        )  # fmt: skip
