"""Idempotent loads of scored mentions into DuckDB.

One transaction per batch. `INSERT … ON CONFLICT (mention_id)` makes a re-load a
no-op and lets an edited post update its row; the row only changes when its content
hash does. Rows refused by the data-quality checks go to `quarantine` with the reasons.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from veille.config import BrandsFile
from veille.record import Mention, read_mentions
from warehouse.db import writer
from warehouse.quality import validate_mentions

MENTION_COLUMNS = [
    "mention_id", "source_id", "source_kind", "url", "thread_url", "thread_title", "title",
    "post_id", "position", "author", "author_url", "published_at", "crawled_at", "language",
    "text", "sentiment", "sentiment_score", "prob_negative", "prob_neutral", "prob_positive",
    "model_name", "model_version", "topics", "content_hash",
]  # fmt: skip
BRAND_COLUMNS = [
    "mention_id", "brand", "terms", "sentiment", "sentiment_score",
    "prob_negative", "prob_neutral", "prob_positive",
]  # fmt: skip
# What makes a row "changed": crawled_at alone does not.
_CONTENT = [c for c in MENTION_COLUMNS if c not in ("mention_id", "crawled_at", "content_hash")]


@dataclass
class LoadReport:
    batch: Path
    inserted: int
    updated: int
    unchanged: int
    quarantined: int


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
            "topics": list(m.topics),
        }
        content: dict[str, object] = {k: row[k] for k in _CONTENT}
        content["brands"] = sorted(
            (b.brand, sorted(b.terms), b.sentiment, b.sentiment_score) for b in m.brands
        )
        row["content_hash"] = hashlib.sha256(
            json.dumps(content, default=str, sort_keys=True).encode()
        ).hexdigest()[:32]
        rows.append(row)
    frame = pd.DataFrame(rows, columns=MENTION_COLUMNS)
    for column in ("published_at", "crawled_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def brand_frame(brands: BrandsFile, now: datetime) -> pd.DataFrame:
    """One row per brand of brands.yaml, the columns of the `brands` table."""
    return pd.DataFrame(
        [
            {"brand": b.name, "role": b.role, "competitors": list(b.competitors), "updated_at": now}
            for b in brands.brands
        ],
        columns=["brand", "role", "competitors", "updated_at"],
    )


def load_mentions(batch: Path, db_path: Path, brands: BrandsFile | None = None) -> LoadReport:
    """Load one batch file of scored mentions (JSON lines) into the warehouse, and the
    brands configuration with it when given (replacing the one recorded before)."""
    by_id: dict[str, Mention] = {}
    for mention in read_mentions(batch):
        by_id[mention.mention_id] = mention  # a post seen twice in one crawl: keep the last
    mentions = list(by_id.values())
    frame = mention_frame(mentions)
    good, failures = validate_mentions(frame)
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
        columns=[
            "quarantine_id",
            "mention_id",
            "source_file",
            "reasons",
            "record",
            "quarantined_at",
        ],
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
            }
            for m in mentions
            if m.mention_id in good_ids
            for b in m.brands
        ],
        columns=BRAND_COLUMNS,
    )
    with writer(db_path) as con:
        con.register("batch_mentions", good)
        con.register("batch_brands", brand_rows)
        con.register("batch_quarantine", quarantine)
        if brands is not None:
            con.register("config_brands", brand_frame(brands, now))
        con.execute("BEGIN TRANSACTION")
        try:
            known = dict(
                con.execute(
                    "SELECT m.mention_id, m.content_hash FROM mentions AS m "
                    "JOIN batch_mentions AS b USING (mention_id)"
                ).fetchall()
            )
            updates = ", ".join(f"{c} = excluded.{c}" for c in MENTION_COLUMNS if c != "mention_id")
            columns = ", ".join(MENTION_COLUMNS)
            con.execute(
                f"INSERT INTO mentions ({columns}, loaded_at, updated_at, duplicate_group) "
                f"SELECT {columns}, $now, $now, duplicate_group_of(text, mention_id) "
                f"FROM batch_mentions ON CONFLICT (mention_id) DO UPDATE SET {updates}, "
                "updated_at = excluded.updated_at, duplicate_group = excluded.duplicate_group "
                "WHERE mentions.content_hash <> excluded.content_hash",
                {"now": now},
            )
            # Brands no longer matched by an edited post are removed.
            con.execute(
                "DELETE FROM mention_brands WHERE mention_id IN "
                "(SELECT mention_id FROM batch_mentions) AND NOT EXISTS (SELECT 1 FROM "
                "batch_brands AS b WHERE b.mention_id = mention_brands.mention_id "
                "AND b.brand = mention_brands.brand)"
            )
            brand_columns = ", ".join(BRAND_COLUMNS)
            brand_updates = ", ".join(f"{c} = excluded.{c}" for c in BRAND_COLUMNS[2:])
            con.execute(
                f"INSERT INTO mention_brands ({brand_columns}) SELECT {brand_columns} "
                f"FROM batch_brands ON CONFLICT (mention_id, brand) DO UPDATE SET {brand_updates}"
            )
            con.execute(
                "INSERT INTO quarantine SELECT * FROM batch_quarantine ON CONFLICT DO NOTHING"
            )
            if brands is not None:
                con.execute("DELETE FROM brands")
                con.execute("INSERT INTO brands SELECT * FROM config_brands")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    hashes = dict(zip(good["mention_id"], good["content_hash"], strict=True))
    inserted = sum(1 for i in hashes if i not in known)
    updated = sum(1 for i, h in hashes.items() if i in known and known[i] != h)
    return LoadReport(
        batch=batch,
        inserted=inserted,
        updated=updated,
        unchanged=len(hashes) - inserted - updated,
        quarantined=len(failures),
    )
