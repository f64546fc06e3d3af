"""Analysts' corrections of sentiment: stored with who, when and why; they win over the
model in every view (view brand_mentions) and survive re-scoring, since loads never
touch this table. `veille models train --with-corrections` learns from them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from veille.core.home import Warehouse
from veille.core.record import SENTIMENT_LABELS
from warehouse.db import connect, writer
from warehouse.reviews import Review, insert_reviews


class CorrectionError(ValueError):
    """A correction that names no stored mention, an unknown brand or label."""


@dataclass(frozen=True)
class Correction:
    correction_id: str
    mention_id: str
    brand: str | None
    sentiment: str
    corrected_by: str
    reason: str | None
    corrected_at: datetime


def record_correction(
    db_path: Warehouse,
    mention_id: str,
    sentiment: str,
    *,
    brand: str | None = None,
    corrected_by: str,
    reason: str | None = None,
) -> Correction:
    if sentiment not in SENTIMENT_LABELS:
        raise CorrectionError(f"sentiment {sentiment!r}: use one of {', '.join(SENTIMENT_LABELS)}")
    with writer(db_path) as con:
        found = con.execute(
            "SELECT list(brand) FROM mentions LEFT JOIN mention_brands USING (mention_id) "
            "WHERE mention_id = ? GROUP BY mention_id",
            [mention_id],
        ).fetchone()
        if found is None:
            raise CorrectionError(
                f"no mention {mention_id!r} in {db_path}: the ids are in the view "
                "brand_mentions (column mention_id)"
            )
        brands = sorted(b for b in found[0] if b is not None)
        if brand is not None and brand not in brands:
            raise CorrectionError(
                f"mention {mention_id} names {', '.join(brands) or 'no brand'}, not {brand!r}"
            )
        now = datetime.now(UTC)
        key = f"{mention_id}|{brand}|{sentiment}|{corrected_by}|{now.isoformat()}"
        correction = Correction(
            correction_id=hashlib.sha256(key.encode()).hexdigest()[:24],
            mention_id=mention_id,
            brand=brand,
            sentiment=sentiment,
            corrected_by=corrected_by,
            reason=reason,
            corrected_at=now,
        )
        # the one INSERT into corrections, shared with the web app's decisions
        insert_reviews(con, [Review(
            "correction", mention_id, sentiment, corrected_by, brand=brand, reason=reason,
            review_id=correction.correction_id, done_at=now,
        )])  # fmt: skip
    return correction


def corrected_texts(db_path: Path) -> list[dict[str, Any]]:
    """The latest correction of each post and brand, as {text, label, terms}: the post's
    text, the corrected sentiment, and for a brand correction the terms that matched the
    brand (None for a post correction). nlp/targeted.py training_rows makes them
    training data."""
    con = connect(db_path, read_only=True)
    try:
        rows = con.execute(
            "SELECT c.brand, c.sentiment, m.text, b.terms FROM corrections AS c "
            "JOIN mentions AS m USING (mention_id) "
            "LEFT JOIN mention_brands AS b ON b.mention_id = c.mention_id AND b.brand = c.brand "
            "QUALIFY row_number() OVER (PARTITION BY c.mention_id, c.brand "
            "ORDER BY c.corrected_at DESC, c.correction_id) = 1"
        ).fetchall()
    finally:
        con.close()
    return [
        {"text": text, "label": sentiment, "terms": list(terms) if brand and terms else None}
        for brand, sentiment, text, terms in rows
    ]
