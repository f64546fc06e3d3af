"""Idempotent loads of scored mentions into DuckDB.

One transaction per batch. `MERGE INTO` on each table's key (the same on the DuckDB
file and on a DuckLake, warehouse/lake.py upsert_sql) makes a re-load a no-op and lets
an edited post update its row; the row only changes when its content
hash does. Rows refused by the data-quality checks go to `quarantine` with the reasons.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pandas as pd

from veille.core.config import DEFAULT_LANGUAGES, BrandsFile
from veille.core.home import Lake, Warehouse
from veille.core.pseudonyms import PREFIX as PSEUDONYM_PREFIX
from veille.core.record import Mention, raised_flags, read_mentions
from warehouse.db import writer
from warehouse.lake import claim, primary_key, retrying, rollback, upsert_sql
from warehouse.quality import validate_mentions
from warehouse.reviews import copy_journal
from warehouse.topics import TopicIndexFactory, TopicReport, assign_topics, read_topic_vectors

MENTION_COLUMNS = [
    "mention_id", "source_id", "source_kind", "url", "thread_url", "thread_title", "title",
    "post_id", "position", "author", "author_url", "published_at", "published_offset_minutes",
    "crawled_at", "language",
    "text", "sentiment", "sentiment_score", "prob_negative", "prob_neutral", "prob_positive",
    "model_name", "model_version", "scored_chars", "topics", "prob_offensive", "prob_hate",
    "moderation_flags", "moderation_version", "content_hash", "owned",
]  # fmt: skip
BRAND_PROBABILITIES = ["prob_negative", "prob_neutral", "prob_positive"]
QUARANTINE_COLUMNS = [
    "quarantine_id", "mention_id", "source_file", "reasons", "record", "quarantined_at",
]  # fmt: skip
BRAND_COLUMNS = [
    "mention_id", "brand", "terms", "sentiment", "sentiment_score", *BRAND_PROBABILITIES,
    "match",
]  # fmt: skip
ASPECT_COLUMNS = ["mention_id", "brand", "aspect", "sentiment", "sentiment_score"]
# What makes a row "changed": crawled_at alone does not; the offset is published_at's.
_CONTENT = [
    c
    for c in MENTION_COLUMNS
    if c not in ("mention_id", "crawled_at", "content_hash", "published_offset_minutes", "owned")
]


class CopyFinder(Protocol):
    """What finds near-duplicate posts (nlp/duplicates.py): each text's band keys, the
    number of keys two copies share, and the groups of copies among posts."""

    MIN_SHARED_BANDS: int

    def band_hashes(self, text: str) -> list[int]: ...

    def group_copies(self, bands: list[list[int]]) -> list[int]: ...


@dataclass
class LoadReport:
    batch: Path
    inserted: int
    updated: int
    unchanged: int
    quarantined: int
    topics: TopicReport | None = None  # None when the batch came without topic vectors
    withheld: int = 0  # posts of people who asked to be forgotten, not loaded


def _offset_minutes(moment: datetime | None) -> int | None:
    offset = moment.utcoffset() if moment is not None else None
    return None if offset is None else int(offset.total_seconds() // 60)


def mention_frame(mentions: list[Mention]) -> pd.DataFrame:
    """One row per mention, the columns of the `mentions` table."""
    rows = []
    for m in mentions:
        probabilities = m.probabilities or {}
        row = {
            "mention_id": m.mention_id,
            "source_id": m.source_id,
            "source_kind": m.source_kind,
            "url": m.url,
            "thread_url": m.thread_url,
            "thread_title": m.thread_title,
            "title": m.title,
            "post_id": m.post_id,
            "position": m.position,
            "author": m.author,
            "author_url": m.author_url,
            "published_at": m.published_at,
            "published_offset_minutes": _offset_minutes(m.published_at),
            "crawled_at": m.crawled_at,
            "language": m.language,
            "text": m.text,
            "sentiment": m.sentiment,
            "sentiment_score": m.sentiment_score,
            "prob_negative": probabilities.get("negative"),
            "prob_neutral": probabilities.get("neutral"),
            "prob_positive": probabilities.get("positive"),
            "model_name": m.model_name,
            "model_version": m.model_version,
            "scored_chars": m.scored_chars,
            "topics": list(m.topics),
            "prob_offensive": (m.moderation or {}).get("offensive"),
            "prob_hate": (m.moderation or {}).get("hate"),
            "moderation_flags": raised_flags(m.moderation) + list(m.netiquette),
            "moderation_version": m.moderation_version,
            "owned": m.owned,
        }
        content: dict[str, object] = {k: row[k] for k in _CONTENT}
        if m.author and m.author.startswith(PSEUDONYM_PREFIX):
            # A key rotation re-hashes stored pseudonyms (veille/privacy.py rotate_key):
            # that is no change of the post.
            content["author"] = PSEUDONYM_PREFIX
        if m.owned:  # only when true: rows stored before it keep their hash
            content["owned"] = True
        content["brands"] = sorted(
            # The match kind only when not "text", the aspects only when some: rows
            # stored before them keep their hash.
            (b.brand, sorted(b.terms), b.sentiment, b.sentiment_score)
            + ((b.match,) if b.match != "text" else ())
            + ((sorted((a.aspect, a.sentiment, a.sentiment_score) for a in b.aspects),)
               if b.aspects else ())
            for b in m.brands
        )  # fmt: skip
        row["content_hash"] = hashlib.sha256(
            json.dumps(content, default=str, sort_keys=True).encode()
        ).hexdigest()[:32]
        rows.append(row)
    frame = pd.DataFrame(rows, columns=MENTION_COLUMNS)
    frame["published_offset_minutes"] = frame["published_offset_minutes"].astype("Int64")
    for column in ("published_at", "crawled_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def brand_scores(mentions: list[Mention]) -> pd.DataFrame:
    """What each post says about each brand it names, for the checks: `row` is the
    post's position in `mentions`."""
    return pd.DataFrame(
        [
            {
                "row": row,
                "brand": b.brand,
                "sentiment": b.sentiment,
                "sentiment_score": b.sentiment_score,
                "prob_negative": (b.probabilities or {}).get("negative"),
                "prob_neutral": (b.probabilities or {}).get("neutral"),
                "prob_positive": (b.probabilities or {}).get("positive"),
            }
            for row, m in enumerate(mentions)
            for b in m.brands
        ],
        columns=["row", "brand", "sentiment", "sentiment_score", *BRAND_PROBABILITIES],
    ).astype({c: "float64" for c in ("sentiment_score", *BRAND_PROBABILITIES)})


def brand_frame(brands: BrandsFile, now: datetime) -> pd.DataFrame:
    """One row per brand of brands.yaml, the columns of the `brands` table."""
    return pd.DataFrame(
        [
            {
                "brand": b.name,
                "role": b.role,
                "competitors": list(b.competitors),
                "updated_at": now,
                "locale": brands.locale_of(b),
                "timezone": b.timezone,
            }
            for b in brands.brands
        ],
        columns=["brand", "role", "competitors", "updated_at", "locale", "timezone"],
    )


def fingerprints(
    copies: CopyFinder | None, ids: list[str], texts: list[str]
) -> dict[str, list[int]]:
    """Each post's band keys (none for a post too short to fingerprint). Without a
    finder, no post has an entry: none is marked as fingerprinted, so the next load given
    one fingerprints them (fingerprint_stored_posts)."""
    if copies is None:
        return {}
    return {
        mention_id: copies.band_hashes(text) for mention_id, text in zip(ids, texts, strict=True)
    }


def band_rows(keys: dict[str, list[int]]) -> pd.DataFrame:
    """Table mention_bands' rows: a row per band key, or one (band -1) for a post
    without a fingerprint."""
    rows = []
    for mention_id, hashes in keys.items():
        pairs = enumerate(hashes) if hashes else [(-1, 0)]
        rows += [(mention_id, band, key) for band, key in pairs]
    return pd.DataFrame(rows, columns=["mention_id", "band", "hash"]).astype(
        {"band": "int16", "hash": "int64"}
    )


def duplicate_groups(
    con: duckdb.DuckDBPyConnection,
    good: pd.DataFrame,
    keys: dict[str, list[int]],
    copies: CopyFinder | None,
) -> list[str]:
    """The duplicate group of each row of `good` (registered as batch_mentions, its
    band `keys` as batch_bands): a post that copies one already stored joins that post's
    group; copies within the batch join their earliest; a post already stored and
    unchanged keeps its group; any other post is a group of its own."""
    shared_bands = copies.MIN_SHARED_BANDS if copies is not None else 1
    stored: dict[str, tuple[Any, str]] = {}  # mention_id -> (published_at, group)
    for new_id, published, group in con.execute(
        "SELECT b.mention_id, min(m.published_at), arg_min(m.duplicate_group, "
        "(m.published_at, m.mention_id)) FROM batch_bands AS b "
        "JOIN mention_bands AS mb ON mb.band = b.band AND mb.hash = b.hash AND mb.band >= 0 "
        "JOIN mentions AS m ON m.mention_id = mb.mention_id "
        "WHERE mb.mention_id NOT IN (SELECT mention_id FROM batch_mentions) "
        "GROUP BY b.mention_id, mb.mention_id HAVING count(*) >= ? ",
        [shared_bands],
    ).fetchall():
        if new_id not in stored or _earliest_first(published) < _earliest_first(stored[new_id][0]):
            stored[new_id] = (published, group)
    for mention_id, published, group in con.execute(
        "SELECT m.mention_id, m.published_at, m.duplicate_group FROM mentions AS m "
        "JOIN batch_mentions AS b USING (mention_id) WHERE m.content_hash = b.content_hash"
    ).fetchall():
        stored[mention_id] = (published, group)
    published, mention_ids = list(good["published_at"]), [str(m) for m in good["mention_id"]]
    order = sorted(range(len(good)), key=lambda i: (_earliest_first(published[i]), mention_ids[i]))
    ids = [mention_ids[i] for i in order]
    roots = (
        copies.group_copies([keys[i] for i in ids]) if copies is not None else list(range(len(ids)))
    )
    members: dict[int, list[str]] = {}
    for position, root in enumerate(roots):
        members.setdefault(root, []).append(ids[position])
    group_of: dict[str, str] = {}
    for root, group in members.items():
        known = [stored[m] for m in group if m in stored]
        chosen = min(known, key=lambda pg: _earliest_first(pg[0]))[1] if known else ids[root]
        for mention_id in group:
            group_of[mention_id] = str(chosen)
    return [group_of[m] for m in mention_ids]


def _earliest_first(published: Any) -> tuple[bool, Any]:
    """A sort key putting posts in date order, those without a date last."""
    missing = published is None or bool(pd.isna(published))
    return (missing, None if missing else pd.Timestamp(published))


def fingerprint_stored_posts(con: duckdb.DuckDBPyConnection, copies: CopyFinder) -> int:
    """Band keys for stored posts that have none (loaded before near-duplicates were
    found); they keep their groups. Returns how many were fingerprinted."""
    missing = con.execute(
        "SELECT mention_id, text FROM mentions WHERE mention_id NOT IN "
        "(SELECT mention_id FROM mention_bands)"
    ).fetchall()
    if missing:
        rows = band_rows(fingerprints(copies, [m for m, _ in missing], [t for _, t in missing]))
        con.register("stored_bands", rows)
        con.execute("INSERT INTO mention_bands SELECT * FROM stored_bands")
        con.unregister("stored_bands")
    return len(missing)


def write_batch(con: duckdb.DuckDBPyConnection, now: datetime, *, with_brands: bool) -> None:
    """The batch registered on `con` (batch_mentions, batch_groups, batch_bands,
    batch_brands, batch_aspects, batch_quarantine, and config_brands `with_brands`)
    written, inside the load's transaction: upserts on each table's key, so a re-load
    changes nothing."""
    updates = ", ".join(
        f"{c} = excluded.{c}" for c in MENTION_COLUMNS if c not in ("mention_id", "topics")
    )
    columns = ", ".join(MENTION_COLUMNS)
    con.execute(
        upsert_sql(
            "mentions",
            [*MENTION_COLUMNS, "loaded_at", "updated_at", "duplicate_group"],
            source=f"SELECT {columns}, $now AS loaded_at, $now AS updated_at, "
            "g.duplicate_group FROM batch_mentions JOIN batch_groups AS g "
            "USING (mention_id)",
            # An edited post keeps the topic it was given at load (warehouse/topics.py).
            update=f"{updates}, topics = CASE WHEN len(excluded.topics) > 0 "
            "THEN excluded.topics ELSE mentions.topics END, "
            "updated_at = excluded.updated_at, duplicate_group = excluded.duplicate_group",
            update_when="mentions.content_hash <> excluded.content_hash "
            "AND mentions.expired_at IS NULL",
        ),
        {"now": now},
    )
    con.execute(
        "DELETE FROM mention_bands WHERE mention_id IN (SELECT mention_id FROM batch_bands)"
    )
    # A post past its retention (expired_at) is not written again: its text stays gone.
    con.execute(
        "INSERT INTO mention_bands SELECT * FROM batch_bands WHERE mention_id NOT IN "
        "(SELECT mention_id FROM mentions WHERE expired_at IS NOT NULL)"
    )
    # Brands no longer matched by an edited post, and aspects it no longer speaks of,
    # are removed.
    _write_post_rows(con, "mention_brands", "batch_brands", BRAND_COLUMNS)
    _write_post_rows(con, "mention_aspects", "batch_aspects", ASPECT_COLUMNS)
    con.execute(
        upsert_sql("quarantine", QUARANTINE_COLUMNS, source="SELECT * FROM batch_quarantine")
    )
    if with_brands:
        con.execute("DELETE FROM brands")
        con.execute("INSERT INTO brands SELECT * FROM config_brands")


def _write_post_rows(
    con: duckdb.DuckDBPyConnection, table: str, batch: str, columns: list[str]
) -> None:
    """A table of rows per post (its brands, its aspects; the key first in `columns`)
    brought to the batch's: the rows of the batch's posts that the batch no longer has
    removed, the others upserted on the table's key."""
    key = primary_key(table)
    same = " AND ".join(f"b.{c} = {table}.{c}" for c in key)
    con.execute(
        f"DELETE FROM {table} WHERE mention_id IN (SELECT mention_id FROM batch_mentions) "
        f"AND NOT EXISTS (SELECT 1 FROM {batch} AS b WHERE {same})"
    )
    con.execute(
        upsert_sql(table, columns, source=f"SELECT * FROM {batch}", update=columns[len(key) :])
    )


def load_mentions(
    batch: Path,
    db_path: Warehouse,
    brands: BrandsFile | None = None,
    *,
    copies: CopyFinder | None = None,
    topic_index: TopicIndexFactory | None = None,
    prepare: Callable[[Mention], Mention | None] | None = None,
) -> LoadReport:
    """Load one batch file of scored mentions (JSON lines) into the warehouse, and the
    brands configuration with it when given (replacing the one recorded before).

    What nlp computes is handed in, so that the warehouse imports no stage: `copies`
    finds near-duplicate posts (nlp/duplicates.py; without it, each post is a group of
    its own and none is fingerprinted), `topic_index` builds the topic index from the
    stored topics (nlp/topics.py TopicIndex.from_rows; without it, the batch's topic
    vectors are not used). `prepare` applies the privacy settings to each post before
    anything is stored (veille/privacy.py: pseudonyms, masks, erasures; None keeps the
    post out). The application passes all three (veille/pipeline.py load_step)."""
    by_id: dict[str, Mention] = {}
    withheld = 0
    for mention in read_mentions(batch):
        prepared = prepare(mention) if prepare is not None else mention
        if prepared is None:
            withheld += 1
            by_id.pop(mention.mention_id, None)
            continue
        by_id[mention.mention_id] = prepared  # a post seen twice in one crawl: keep the last
    mentions = list(by_id.values())
    frame = mention_frame(mentions)
    languages = brands.languages if brands is not None else DEFAULT_LANGUAGES
    good, failures = validate_mentions(frame, brands=brand_scores(mentions), languages=languages)
    now = datetime.now(UTC)
    quarantine = pd.DataFrame(
        [
            {
                "quarantine_id": hashlib.sha256(
                    (json.dumps(mentions[i].to_dict(), sort_keys=True) + "|".join(reasons)).encode()
                ).hexdigest()[:32],
                "mention_id": mentions[i].mention_id,
                "source_file": str(batch),
                "reasons": reasons,
                "record": json.dumps(mentions[i].to_dict(), ensure_ascii=False),
                "quarantined_at": now,
            }
            for i, reasons in sorted(failures.items())
        ],
        columns=QUARANTINE_COLUMNS,
    )
    good_ids = set(good["mention_id"])
    brand_rows = pd.DataFrame(
        [
            {
                "mention_id": m.mention_id,
                "brand": b.brand,
                "terms": sorted(b.terms),
                "sentiment": b.sentiment,
                "sentiment_score": b.sentiment_score,
                "prob_negative": (b.probabilities or {}).get("negative"),
                "prob_neutral": (b.probabilities or {}).get("neutral"),
                "prob_positive": (b.probabilities or {}).get("positive"),
                "match": b.match,
            }
            for m in mentions
            if m.mention_id in good_ids
            for b in m.brands
        ],
        columns=BRAND_COLUMNS,
    )
    aspect_rows = pd.DataFrame(
        [
            {"mention_id": m.mention_id, "brand": b.brand, "aspect": a.aspect,
             "sentiment": a.sentiment, "sentiment_score": a.sentiment_score}
            for m in mentions
            if m.mention_id in good_ids
            for b in m.brands
            for a in b.aspects
        ],
        columns=ASPECT_COLUMNS,
    )  # fmt: skip
    keys = fingerprints(copies, [str(m) for m in good["mention_id"]], list(good["text"]))
    vectors = read_topic_vectors(batch)
    bands = band_rows(keys)
    with writer(db_path) as con:
        if isinstance(db_path, Path):
            # decisions made in `veille web` while no writer was free reach the warehouse now
            copy_journal(con, db_path)
        con.register("batch_mentions", good)
        con.register("batch_bands", bands)
        con.register("batch_brands", brand_rows)
        con.register("batch_aspects", aspect_rows)
        con.register("batch_quarantine", quarantine)
        if brands is not None:
            con.register("config_brands", brand_frame(brands, now))

        def transaction() -> tuple[dict[str, str], TopicReport | None]:
            con.execute("BEGIN TRANSACTION")
            try:
                # An expired post is never written again: it counts as unchanged.
                known = dict(
                    con.execute(
                        "SELECT m.mention_id, CASE WHEN m.expired_at IS NULL THEN "
                        "m.content_hash ELSE b.content_hash END FROM mentions AS m "
                        "JOIN batch_mentions AS b USING (mention_id)"
                    ).fetchall()
                )
                if copies is not None:
                    fingerprint_stored_posts(con, copies)  # posts loaded before bands existed
                groups = pd.DataFrame(
                    {
                        "mention_id": good["mention_id"],
                        "duplicate_group": duplicate_groups(con, good, keys, copies),
                    }
                )
                con.register("batch_groups", groups)
                write_batch(con, now, with_brands=brands is not None)
                topics = None
                if vectors and topic_index is not None:
                    untopical = [str(m) for m, t in zip(good["mention_id"], good["topics"],
                                                        strict=True)
                                 if m not in known and not len(t)]  # fmt: skip
                    topics = assign_topics(con, untopical, vectors, now, topic_index)
                if isinstance(db_path, Lake):
                    claim(con)
                con.execute("COMMIT")
            except BaseException:
                rollback(con)
                raise
            return known, topics

        # On a DuckLake, a load that lost a race with another writer's is loaded again.
        known, topics = (
            retrying(f"load {batch.name}", transaction)
            if isinstance(db_path, Lake)
            else transaction()
        )
    hashes = dict(zip(good["mention_id"], good["content_hash"], strict=True))
    inserted = sum(1 for i in hashes if i not in known)
    updated = sum(1 for i, h in hashes.items() if i in known and known[i] != h)
    return LoadReport(
        batch=batch,
        inserted=inserted,
        updated=updated,
        unchanged=len(hashes) - inserted - updated,
        quarantined=len(failures),
        topics=topics,
        withheld=withheld,
    )
