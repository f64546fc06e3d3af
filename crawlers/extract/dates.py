"""Dates as pages show them, made timezone-aware.

Machine-readable dates (`<time datetime>`, feed dates) are used when a page has them;
the text a person reads ("il y a 3 heures", "hier à 14h05", "Yesterday at 2:05 PM") is
parsed with dateparser, relative to the moment the page was fetched, in the source's
timezone.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser

_LANGUAGES = ["fr", "en"]
# dateparser reads "14 h 05" (French typography) as two numbers; join it first.
_FRENCH_HOUR = re.compile(r"(\d{1,2})\s*h\s*(\d{2})\b")


def parse_iso(value: str | None, timezone: str = "UTC") -> datetime | None:
    """An ISO 8601 value (e.g. a `datetime` attribute); a value with no offset is read
    in the source's timezone."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    return parsed


def parse_date(
    text: str | None,
    *,
    timezone: str = "UTC",
    now: datetime | None = None,
    languages: list[str] | None = None,
    language: str | None = None,
) -> datetime | None:
    """A date as written on a page, absolute or relative, French or English; None when
    the text holds no date. `language`, the page's language when known, is tried alone
    first: dateparser reads a numeric date month first as soon as English is among its
    languages, and "10/05/2006" on a French page is 10 May."""
    if not text or not text.strip():
        return None
    iso = parse_iso(text, timezone)
    if iso is not None:
        return iso
    zone = ZoneInfo(timezone)
    base = now.astimezone(zone).replace(tzinfo=None) if now is not None else None
    cleaned = _FRENCH_HOUR.sub(r"\1:\2", " ".join(text.split()))
    parsed = None
    if language and not languages:
        parsed = _parser((language,), timezone, base).get_date_data(cleaned).date_obj
    if parsed is None:
        tried = tuple(languages or _LANGUAGES)
        parsed = _parser(tried, timezone, base).get_date_data(cleaned).date_obj
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed


@lru_cache(maxsize=64)
def _parser(languages: tuple[str, ...], timezone: str, base: datetime | None) -> DateDataParser:
    """One parser per language set, zone and fetch time: the posts of a page share it
    (building one costs as much as parsing a date)."""
    settings: dict[str, object] = {
        "TIMEZONE": timezone,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
        # Pages write dates as words and numbers, never as Unix timestamps in text.
        "PARSERS": ["relative-time", "absolute-time"],
    }
    if base is not None:
        settings["RELATIVE_BASE"] = base
    return DateDataParser(languages=list(languages), settings=settings)
