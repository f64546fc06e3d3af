"""A post as an extractor finds it on a page: the preset, page-object and generic
extractors all give these, which crawlers.mentions turns into Mention records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ExtractedPost:
    post_id: str | None
    position: int
    text: str
    author: str | None = None
    author_url: str | None = None
    published_at: datetime | None = None
    date_text: str | None = None
    title: str | None = None
    quoted_post_ids: list[str] = field(default_factory=list)
