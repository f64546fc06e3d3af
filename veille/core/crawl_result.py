"""What the crawl of one source reports: the crawlers write it, the warehouse keeps it
(source_health), the run report and the DAG read it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any


@dataclass
class CrawlResult:
    source_id: str
    path: Path | None
    posts: int
    pages: int
    errors: int
    seconds: float
    problem: str | None = None
    unchanged: int = 0  # pages answered 304: as the last crawl saw them
    read_in_part: int = 0  # pages whose main text was read from their beginning only
    fetched: int = 0  # pages answered in full (2xx), the start pages (feeds, index) included
    # Pages that failed: HTTP errors (4xx, 5xx, once each whatever the retries), fetch
    # errors (connection, timeout), requests refused (network guard, robots.txt).
    failed: int = 0
    posts_without_date: int = 0  # posts whose published_at the crawl file leaves empty
    started_at: datetime | None = None
    log_path: Path | None = None
    answers: str = ""  # the site's HTTP answers, as "HTTP 200 ×1, HTTP 404 ×20"

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def finished_at(self) -> datetime | None:
        return self.started_at + timedelta(seconds=self.seconds) if self.started_at else None

    def to_json(self) -> str:
        """The result as JSON, for the steps that run in other processes (the DAG)."""
        fields: dict[str, Any] = asdict(self)
        for key in ("path", "log_path"):
            fields[key] = str(fields[key]) if fields[key] is not None else None
        fields["started_at"] = self.started_at.isoformat() if self.started_at else None
        return json.dumps(fields, indent=1)

    @classmethod
    def from_json(cls, text: str) -> CrawlResult:
        fields = json.loads(text)
        for key in ("path", "log_path"):
            fields[key] = Path(fields[key]) if fields.get(key) else None
        started = fields.get("started_at")
        fields["started_at"] = datetime.fromisoformat(started) if started else None
        return cls(**fields)
