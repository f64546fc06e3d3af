"""Dates as pages show them, made timezone-aware.

Machine-readable dates (`<time datetime>`, feed dates) are used when a page has them;
the text a person reads ("il y a 3 heures", "hier à 14h05", "Yesterday at 2:05 PM") is
parsed with dateparser, relative to the moment the page was fetched, in the source's
timezone.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from datetime import timezone as fixed_offset
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser

_LANGUAGES = ["fr", "en"]
# A date as a page shows it is short ("Yesterday at 2:05 PM", "mardi 14 septembre 2021 à
# 14h05": the longest of the forum bench is 31 characters); a longer text is a selector
# that caught a whole block, not a date, and is not handed to dateparser.
MAX_DATE_CHARS = 200
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
    languages, and "10/05/2006" on a French page is 10 May.

    A language dateparser does not know is left out (the default languages are tried
    instead); a text longer than MAX_DATE_CHARS is no date. Only an unknown `timezone`
    (sources.yaml's is checked when the config is read) raises."""
    if not text or not text.strip():
        return None
    iso = parse_iso(text, timezone)
    if iso is not None:
        return iso
    zone = ZoneInfo(timezone)
    flat = " ".join(text.split())
    if len(flat) > MAX_DATE_CHARS:
        return None
    base = now.astimezone(zone).replace(tzinfo=None) if now is not None else None
    cleaned = _day_first_dots(_FRENCH_HOUR.sub(r"\1:\2", flat))
    parsed = None
    if language and not languages:
        parsed = _read(cleaned, (language,), timezone, base)
    if parsed is None:
        tried = tuple(code for code in languages or () if _known_language(code))
        parsed = _read(cleaned, tried or tuple(_LANGUAGES), timezone, base)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed


# A numeric date written with dots is day first wherever it is written so (German,
# Russian, Polish, Nordic and Swiss pages: "02.01.13" is 2 January), while dateparser
# reads it month first as soon as English is among its languages.
_DOTTED_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?![\d.])")


def _day_first_dots(text: str) -> str:
    """`text` with a dotted numeric date written year-month-day."""
    match = _DOTTED_DATE.search(text)
    if match is None:
        return text
    day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
    if len(year) == 2:
        year = ("20" if int(year) < 70 else "19") + year
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return text
    return f"{text[: match.start()]}{year}-{month:02d}-{day:02d}{text[match.end() :]}"


def _read(
    text: str, languages: tuple[str, ...], timezone: str, base: datetime | None
) -> datetime | None:
    if not all(_known_language(code) for code in languages):
        return None
    try:
        found = _parser(languages, timezone, base).get_date_data(text).date_obj
    except (ValueError, OverflowError, OSError):  # a date out of range, a year 0
        return None
    return found if isinstance(found, datetime) else None


@lru_cache(maxsize=256)
def _known_language(code: str) -> bool:
    """Whether dateparser reads this language (ISO 639-1, or a locale such as fr-CA)."""
    try:
        DateDataParser(languages=[code]).get_date_data("1")  # loads the language's data
    except ValueError:
        return False
    return True


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


# A time of day in a date as shown: "1:59 AM", "13h06", "10:23".
_SHOWN_TIME = re.compile(r"\d{1,2}\s*[:h]\s*\d{2}")
# UTC offsets in use run from -12:00 to +14:00, in steps of 15 minutes.
_LARGEST_OFFSET = timedelta(hours=14)
_OFFSET_STEP = 15 * 60


def shown_offset(
    instant: datetime,
    shown: str | None,
    *,
    now: datetime | None = None,
    language: str | None = None,
) -> timedelta | None:
    """The UTC offset at which the page shows `instant` as `shown`: a Blogger comment
    whose link holds the Unix time of 2019-06-02 17:59Z and whose text says "June 3,
    2019 at 1:59 AM" is shown at +08:00. None where `shown` has no time of day, or
    does not read as the instant at a real offset."""
    if not shown or not _SHOWN_TIME.search(shown):
        return None
    local = parse_date(shown, timezone="UTC", now=now, language=language)
    if local is None:
        return None
    utc = instant.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    seconds = (local.replace(tzinfo=None) - utc).total_seconds()
    offset = timedelta(seconds=round(seconds / _OFFSET_STEP) * _OFFSET_STEP)
    # the shown time is the instant's to the minute, at a real offset
    if abs(offset) <= _LARGEST_OFFSET and abs(seconds - offset.total_seconds()) < 120:
        return offset
    return None


def at_offset(instant: datetime, offset: timedelta | None, timezone: str = "UTC") -> datetime:
    """The instant at `offset`; without one, an instant given in UTC at the source's
    timezone. The instant itself never changes."""
    if offset is not None:
        return instant.astimezone(fixed_offset(offset))
    if instant.utcoffset() == timedelta(0) and timezone != "UTC":
        return instant.astimezone(ZoneInfo(timezone))
    return instant
