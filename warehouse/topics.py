"""Topics at load time: each new post joins a stored topic, or waits in
`topic_pending` until enough posts like it arrive to found one (nlp/topics.py).

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
    the pending ones; store the topics and the posts still waiting."""

    con.execute(
        "DELETE FROM topic_pending WHERE published_at < ?", [now - timedelta(days=PENDING_DAYS)]
    )
    pending = con.execute(
        "SELECT p.mention_id, p.vector, m.text FROM topic_pending AS p "
        "JOIN mentions AS m USING (mention_id) ORDER BY p.published_at, p.mention_id"
    ).fetchall()
    fresh = [m for m in new if m in vectors]
    texts = dict(
        con.execute(
            "SELECT mention_id, text FROM mentions WHERE mention_id IN (SELECT unnest(?))", [fresh]
        ).fetchall()
    )
    keys = [m for m, _, _ in pending] + fresh
    if not keys:
        return TopicReport(0, 0, 0)
    matrix = np.vstack(
        [np.asarray(v, dtype=np.float32) for _, v, _ in pending] + [vectors[m] for m in fresh]
    )
    rows = con.execute(
        "SELECT topic_id, label, keywords, centroid, size, terms, examples, "
        "example_similarities FROM topics ORDER BY position"
    ).fetchall()
    index = topic_index(
        {"topic_id": r[0], "label": r[1], "keywords": r[2], "centroid": r[3], "size": r[4],
         "terms": json.loads(r[5]), "examples": r[6] or [], "example_similarities": r[7] or []}
        for r in rows
    )  # fmt: skip
    known = {r[0] for r in rows}
    assigned = index.update(keys, matrix, [t for _, _, t in pending] + [texts[m] for m in fresh])
    for topic_id in sorted({a for a in assigned if a is not None}):
        members = [k for k, a in zip(keys, assigned, strict=True) if a == topic_id]
        con.execute(
            "UPDATE mentions SET topics = [?] WHERE mention_id IN (SELECT unnest(?))",
            [topic_id, members],
        )
    con.execute(
        "DELETE FROM topic_pending WHERE mention_id IN (SELECT unnest(?))",
        [[k for k, a in zip(keys, assigned, strict=True) if a is not None]],
    )
    waiting = [m for m, a in zip(fresh, assigned[len(pending) :], strict=True) if a is None]
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
    grown = {a for a in assigned if a is not None}
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
             row.get("examples", []), row.get("example_similarities", [])],
        )  # fmt: skip
    still = con.execute("SELECT count(*) FROM topic_pending").fetchone()
    return TopicReport(
        joined=sum(a is not None for a in assigned),
        founded=len(index.topics) - len(known),
        pending=int(still[0]) if still else 0,
    )
