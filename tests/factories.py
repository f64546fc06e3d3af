"""Scored mentions built in code, for warehouse and alert tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from veille.core.record import BrandMatch, Mention

if TYPE_CHECKING:
    from veille.core.config import BrandsFile
    from warehouse.load import LoadReport

NOW = datetime.now(UTC).replace(microsecond=0)
PROBABILITIES = {
    "negative": {"negative": 0.8, "neutral": 0.15, "positive": 0.05},
    "neutral": {"negative": 0.1, "neutral": 0.8, "positive": 0.1},
    "positive": {"negative": 0.05, "neutral": 0.15, "positive": 0.8},
}


def today_days_ago(n: int, count: int) -> float:
    """`days_ago` for the n-th of `count` posts of a crisis: 0.01 day (14 minutes) apart,
    closer after midnight, so that they all fall on today (UTC) whenever a test runs."""
    elapsed = (NOW - NOW.replace(hour=0, minute=0, second=0)) / timedelta(days=1)
    return n * min(0.01, elapsed / count)


def scored_mention(
    n: int,
    *,
    brand: str = "Fibrelia",
    sentiment: str = "positive",
    days_ago: float = 1,
    text: str | None = None,
) -> Mention:
    probabilities = PROBABILITIES[sentiment]
    return Mention(
        mention_id=f"m{n:05d}",
        source_id="forum-box",
        source_kind="forum",
        url=f"http://forum.test/viewtopic.php?t={n % 7}",
        thread_url=f"http://forum.test/viewtopic.php?t={n % 7}",
        thread_title="Votre avis sur la box",
        text=text or f"Message {n} sur {brand}",
        crawled_at=NOW,
        position=n,
        post_id=str(n),
        author=f"user{n % 5}",
        published_at=NOW - timedelta(days=days_ago),
        language="fr",
        brands=[BrandMatch(brand, [brand])],
        sentiment=sentiment,
        sentiment_score=probabilities["positive"] - probabilities["negative"],
        probabilities=probabilities,
        model_name="test-model",
        model_version="1",
    )


def load_mentions(batch: Path, db_path: Path, brands: BrandsFile | None = None) -> LoadReport:
    """A batch loaded as the pipeline loads it: with nlp's finder of copies and topic
    index (veille/pipeline.py load_step)."""
    from nlp import duplicates
    from veille.pipeline import topic_index_factory
    from warehouse import load

    return load.load_mentions(
        batch, db_path, brands, copies=duplicates, topic_index=topic_index_factory(brands)
    )


def sample_warehouse(folder: Path) -> Path:
    """A warehouse loaded with 12 scored mentions over four days, in `folder`."""
    from veille.core.record import write_mentions

    write_mentions(folder / "batch.jsonl", [scored_mention(i, days_ago=i % 4) for i in range(12)])
    path = folder / "w.duckdb"
    load_mentions(folder / "batch.jsonl", path)
    return path


def warehouse_rows(db_path: Path, query: str) -> list[tuple]:
    """A query's rows, on a read-only connection closed at once."""
    import duckdb

    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()
