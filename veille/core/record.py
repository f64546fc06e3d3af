"""The core record: a Mention, one post (article, comment or forum post) about a brand.

Every stage reads and writes Mentions as JSON lines; fields are filled as the record
moves along (crawl fills the post, nlp adds language, brands, sentiment and moderation
flags). A post the crawler found but that matches no brand is still a Mention-shaped
record until the matching step drops it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SENTIMENT_LABELS = ("negative", "neutral", "positive")
SOURCE_KINDS = ("blog", "forum", "news", "review")
# How a post came to be about a brand (BrandMatch.match): "text", it names the brand
# itself (its text or its own title matches a query); "context", it sits in a thread
# about the brand (the thread's title or opening post matches) without naming it.
MATCH_KINDS = ("text", "context")
# The moderation flags a post's `moderation` holds a probability for, and the probability
# at which a flag is raised (nlp/moderation.py's heads are class-balanced).
MODERATION_FLAGS = ("offensive", "hate")
FLAG_THRESHOLD = 0.5


def raised_flags(moderation: dict[str, float] | None) -> list[str]:
    """The moderation flags a post's probabilities raise, in MODERATION_FLAGS order."""
    return [f for f in MODERATION_FLAGS if moderation and moderation.get(f, 0.0) >= FLAG_THRESHOLD]


# Query parameters that carry a visitor's session, for visitors without cookies
# (phpBB's sid, vBulletin's s, SMF's PHPSESSID, Java's jsessionid), and those that track
# a campaign (utm_* too): they identify a visit, never the page itself.
SESSION_PARAMS = ("sid", "s", "phpsessid", "jsessionid")
TRACKING_PARAMS = ("fbclid", "gclid", "mc_cid", "mc_eid")
_VOLATILE_PARAMS = {*SESSION_PARAMS, *TRACKING_PARAMS}


@dataclass
class AspectMatch:
    """What a post says about one aspect of a brand (nlp/aspects.py): the sentiment of
    the sentences of the brand's passage that name it."""

    aspect: str
    sentiment: str
    sentiment_score: float


@dataclass
class BrandMatch:
    brand: str
    terms: list[str]
    # What the post says about this brand (the sentences naming it), once scored.
    sentiment: str | None = None
    sentiment_score: float | None = None
    probabilities: dict[str, float] | None = None
    # "text" or "context" (MATCH_KINDS); for "context", `terms` are those the thread's
    # title or opening post matched.
    match: str = "text"
    # The aspects it talks about, once scored.
    aspects: list[AspectMatch] = field(default_factory=list)


@dataclass
class Mention:
    mention_id: str
    source_id: str
    source_kind: str
    url: str
    text: str
    crawled_at: datetime
    position: int = 0
    post_id: str | None = None
    title: str | None = None
    thread_url: str | None = None
    thread_title: str | None = None
    author: str | None = None
    author_url: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    brands: list[BrandMatch] = field(default_factory=list)
    sentiment: str | None = None
    sentiment_score: float | None = None
    probabilities: dict[str, float] | None = None
    model_name: str | None = None
    model_version: str | None = None
    # Characters of the text the model read when it read only the beginning and the end
    # of a very long post (nlp/scoring.py); None when it read the whole text.
    scored_chars: int | None = None
    topics: list[str] = field(default_factory=list)
    # Moderation flags' probabilities ({"offensive": p, "hate": p}, nlp/moderation.py);
    # None where the post's language has no heads.
    moderation: dict[str, float] | None = None
    moderation_version: str | None = None
    # Posted in a community the brand runs (sources.yaml `owned: true`): kept whether or
    # not it names a brand, and checked against the netiquette (nlp/netiquette.py).
    owned: bool = False
    netiquette: list[str] = field(default_factory=list)  # the netiquette flags it raises

    def to_dict(self) -> dict[str, Any]:
        # Built field by field: dataclasses.asdict deep-copies, and crawls call this a lot.
        data = {f.name: getattr(self, f.name) for f in _MENTION_FIELDS}
        data["brands"] = [
            {
                "brand": b.brand,
                "terms": list(b.terms),
                "sentiment": b.sentiment,
                "sentiment_score": b.sentiment_score,
                "probabilities": dict(b.probabilities) if b.probabilities else None,
                "match": b.match,
                "aspects": [
                    {
                        "aspect": a.aspect,
                        "sentiment": a.sentiment,
                        "sentiment_score": a.sentiment_score,
                    }
                    for a in b.aspects
                ],
            }
            for b in self.brands
        ]
        data["topics"] = list(self.topics)
        data["netiquette"] = list(self.netiquette)
        data["probabilities"] = dict(self.probabilities) if self.probabilities else None
        data["moderation"] = dict(self.moderation) if self.moderation else None
        for key in ("crawled_at", "published_at"):
            value = data[key]
            data[key] = value.isoformat() if value is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mention:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for key in ("crawled_at", "published_at"):
            if isinstance(values.get(key), str):
                values[key] = datetime.fromisoformat(values[key])
        values["brands"] = [
            b if isinstance(b, BrandMatch) else _brand_match(b) for b in values.get("brands") or []
        ]
        return cls(**values)


_MENTION_FIELDS = fields(Mention)


def _brand_match(data: dict[str, Any]) -> BrandMatch:
    aspects = [a if isinstance(a, AspectMatch) else AspectMatch(**a)
               for a in data.get("aspects") or []]  # fmt: skip
    return BrandMatch(**{**data, "aspects": aspects})


def canonical_url(url: str) -> str:
    """The URL that identifies a page: lower-case scheme and host, no fragment, no
    session or tracking parameters, remaining parameters sorted."""
    parts = urlsplit(url.strip())
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in _VOLATILE_PARAMS and not k.lower().startswith("utm_")
    ]
    path = parts.path or "/"
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), path, urlencode(sorted(query)), "")
    )


def identity_url(url: str) -> str:
    """The part of a canonical URL that names the page whatever the address it was
    reached by: no scheme, port or "www." (a site moving to https, or the demo site on
    another port, keeps its posts' ids)."""
    parts = urlsplit(canonical_url(url))
    host = (parts.hostname or "").removeprefix("www.")
    return urlunsplit(("", host, parts.path, parts.query, "")).removeprefix("//")


def make_mention_id(
    source_id: str,
    url: str,
    *,
    post_id: str | None = None,
    position: int = 0,
    author: str | None = None,
    published_at: datetime | None = None,
) -> str:
    """A stable id for one post: the same post crawled again gets the same id, so loads
    update its row instead of adding one. The text is left out on purpose: an edited
    post keeps its id. `url` is the thread's URL for forum posts (a post keeps its id
    when it moves to another page of the thread), else the page's URL; only its
    identity_url counts."""
    if post_id:
        identity = f"post:{post_id}"
    else:
        date = published_at.isoformat() if published_at else ""
        identity = f"pos:{position}|{author or ''}|{date}"
    key = "\n".join((source_id, identity_url(url), identity))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def read_mentions(path: Path) -> Iterator[Mention]:
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                yield Mention.from_dict(json.loads(line))
            except (ValueError, TypeError) as err:
                raise ValueError(f"{path}:{line_no}: not a valid Mention record: {err}") from err


def write_mentions(path: Path, mentions: Iterable[Mention]) -> int:
    """Write atomically (temporary file, then rename), so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    count = 0
    with tmp.open("w", encoding="utf-8") as handle:
        for mention in mentions:
            handle.write(json.dumps(mention.to_dict(), ensure_ascii=False) + "\n")
            count += 1
    tmp.replace(path)
    return count
