"""The date a post shows: in its markup (time[datetime], data-time, itemprop
dateCreated, a title attribute holding a full date) or in its text ("14. Juni 2020
10:23", "Yesterday at 2:05 PM"), and not a member's (joined, last seen) nor an edit's.
Read by the generic extractor for every post, and for a preset's post whose own date
selectors find nothing (a theme that moved the date)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from lxml.html import HtmlElement

from crawlers.extract.dates import parse_date, parse_iso

_DIGITS = re.compile(r"\d")

_MONTHS = (
    r"jan|feb|f[ée]v|mar|m[äa]r|apr|avr|may|mai|jun|juin|jul|juil|aug|ao[uû]|sep|oct|okt|nov"
    r"|dec|d[ée]c|dez|janv|janvier|f[ée]vrier|mars|avril|juillet|septembre|octobre|novembre"
    r"|d[ée]cembre|januar|februar|m[äa]rz|juni|juli|august|oktober|dezember"
)
DATE_TEXT = re.compile(
    rf"(?<!\w)(?:\d{{1,4}}[./-]\d{{1,2}}[./-]\d{{2,4}}"
    rf"|\d{{1,2}}(?:\.?\s+|[-/])(?:{_MONTHS})\w*\.?(?:,?\s+|[-/])\d{{2,4}}"
    rf"|(?:{_MONTHS})\w*\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    r"|\d+\s+(?:seconds?|minutes?|mins?|hours?|days?|weeks?|months?|years?)\s+ago"
    r"|il y a\s+\d+\s+\w+|vor\s+\d+\s+\w+"
    r"|(?:yesterday|today|hier|aujourd'hui|gestern|heute)\b)",
    re.IGNORECASE,
)
# A member's details beside the post, not the post's date.
_MEMBER_SINCE = re.compile(
    r"joined|registered|member since|inscrit|inscription|registriert|anmeldung|angemeldet"
    r"|dabei seit|mitglied seit"
    r"|seit\b|last (?:seen|visit|active)|derni[èe]re visite|birthday|geburtstag|anniversaire"
    r"|\bedited|last edit|modifi[ée] (?:le|par)|bearbeitet|zuletzt (?:hier|online|aktiv)",
    re.IGNORECASE,
)
# The same, said by the class of the date or of its parent.
_MEMBER_CLASS = re.compile(
    r"regist|joined|join-?date|regdate|member-?since|user-?since|last-?(?:seen|visit|active)"
    r"|birthday|edit",
    re.IGNORECASE,
)
TIME_TEXT = re.compile(r"\d{1,2}\s*[:h]\s*\d{2}")
_YEAR_OR_TIME = re.compile(r"(?:19|20)\d\d|\d:\d\d")
_DATE_ATTRIBUTES = ("data-time", "data-timestamp", "data-datetime", "data-date", "datetime")
# Other data attributes engines put a date in: data-xutime (fanfiction.net), data-utime,
# data-created-at, data-post-date...: a name that says time or date.
_DATE_DATA_ATTRIBUTE = re.compile(r"^data-[\w-]*(?:time|date)", re.IGNORECASE)


def _date_attributes(element: HtmlElement) -> list[str]:
    """The names of the element's attributes that hold a date."""
    return [
        name
        for name in element.attrib
        if name in _DATE_ATTRIBUTES or _DATE_DATA_ATTRIBUTE.match(str(name))
    ]


DATE_PROPS = {"datecreated", "datepublished", "commenttime", "uploaddate"}


def is_date_marker(element: HtmlElement) -> bool:
    """Markup that declares a date, or a short text that reads as one."""
    if element.tag == "time" and element.get("datetime"):
        return True
    if (element.get("itemprop") or "").lower() in DATE_PROPS:
        return True
    if any(element.get(name) for name in _date_attributes(element)):
        return True
    title = element.get("title")
    if title and len(title) < 60 and _YEAR_OR_TIME.search(title) and DATE_TEXT.search(title):
        return True
    own = own_text(element)
    return 0 < len(own) < 100 and _date_match(own) is not None


def _date_match(text: str) -> re.Match[str] | None:
    """Where the text reads as a date; a date word alone in a sentence does not ("Ist
    häufiger hier": here, not yesterday; "ich fange heute an")."""
    match = DATE_TEXT.search(text)
    if match is None or _DIGITS.search(match.group()) or 2 * len(match.group()) >= len(text):
        return match
    return None


def own_text(element: HtmlElement) -> str:
    """The element's own text nodes (not its children's), joined."""
    parts = [element.text or ""]
    parts += [child.tail or "" for child in element]
    return " ".join(" ".join(parts).split())


# Invisible characters that forums insert so that long words can wrap (HFR cuts long
# names with zero-width spaces): they are not part of a name or a date.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u00ad\ufeff"))


def one_line(text: str | None) -> str:
    """The text on one line, its spaces collapsed and its invisible characters gone."""
    return " ".join((text or "").translate(INVISIBLE).split())


def date_of(
    element: HtmlElement, timezone: str, now: datetime | None, language: str | None
) -> tuple[datetime | None, str | None]:
    """The date an element declares or shows, and the text shown."""
    found, text = _declared_or_shown_date(element, timezone, now, language)
    if found is not None and found.year < FIRST_YEAR:  # 1970-01-01: a date left unset
        return None, None
    return found, text


# No forum post is older than this: an earlier date is a placeholder (Unix time 0).
FIRST_YEAR = 1980


def _declared_or_shown_date(
    element: HtmlElement, timezone: str, now: datetime | None, language: str | None
) -> tuple[datetime | None, str | None]:
    shown = one_line(element.text_content())[:120] or None
    for value in (element.get("datetime"), element.get("content")):
        if value and (element.tag == "time" or element.get("itemprop")):
            parsed = parse_iso(value, timezone)
            if parsed is not None:
                return parsed, shown
    names = _date_attributes(element)
    for name in names:  # Unix time, in seconds or milliseconds
        value = element.get(name) or ""
        if value.isdigit() and len(value) >= 9:
            number = int(value)
            try:
                return datetime.fromtimestamp(number / (1000 if number > 10**11 else 1), UTC), shown
            except (ValueError, OverflowError, OSError):
                pass
    for name in names:
        parsed = parse_iso(element.get(name), timezone)
        if parsed is not None:
            return parsed, shown
    title = element.get("title")
    if title and _YEAR_OR_TIME.search(title) and DATE_TEXT.search(title):
        parsed = parse_date(title, timezone=timezone, now=now, language=language)
        if parsed is not None:
            return parsed, shown or title
    own = own_text(element)
    for text in (shown, own):
        if not text or len(text) > 80:
            continue
        match = _date_match(text)
        if match is None:
            continue
        parsed = parse_date(text, timezone=timezone, now=now, language=language)
        if parsed is None:
            span = _date_span(text, match)
            parsed = parse_date(span, timezone=timezone, now=now, language=language)
        if parsed is not None:
            return parsed, text
    return None, None


def _date_span(text: str, match: re.Match[str]) -> str:
    """The date and the time of day that follows it, without the words around them."""
    end = match.end()
    time = TIME_TEXT.search(text, end)
    if time is not None and time.start() - end < 12:
        end = time.end()
        rest = re.match(r"(?::\d{2})?\s*(?:[ap]\.?m\.?)?", text[end:], re.IGNORECASE)
        if rest:
            end += rest.end()
    return text[match.start() : end]


def member_detail(element: HtmlElement) -> bool:
    """Whether a date is a member's (joined, last seen), by its label: in its own text,
    its parent's, or the element before it."""
    parent = element.getparent()
    if any(_MEMBER_CLASS.search(e.get("class") or "") for e in (element, parent)):
        return True
    # a label names the date after it: "Joined: 11 April 2009", while in "14 June 2020
    # 10:23 (edited: 14 June 2020 10:41)" the first date is the post's
    text = one_line(element.text_content())[:100]
    label, date = _MEMBER_SINCE.search(text), DATE_TEXT.search(text)
    if label and (date is None or label.start() < date.start()):
        return True
    return parent is not None and bool(_MEMBER_SINCE.search(_text_before(element, parent)))


def _text_before(element: HtmlElement, parent: HtmlElement) -> str:
    """The last words of the parent before the element ("Joined:", "Edited"), the
    element before it included."""
    parts = [parent.text or ""]
    for child in parent:
        if child is element:
            break
        if isinstance(child.tag, str):
            parts.append(child.text_content())
        parts.append(child.tail or "")
    return one_line(" ".join(parts))[-60:]


def declares_date(element: HtmlElement) -> bool:
    return bool(
        (element.tag == "time" and element.get("datetime"))
        or (element.get("itemprop") or "").lower() in DATE_PROPS
        or any(element.get(name) for name in _date_attributes(element))
    )


def first_date(
    elements: Iterable[HtmlElement], timezone: str, now: datetime | None, language: str | None
) -> tuple[datetime | None, str | None, HtmlElement | None]:
    """The post's date among its elements (quotes left out by the caller): machine-
    readable first, then dates shown with a time of day, a member's and an edit's dates
    skipped; the text shown and the element, or Nones."""
    candidates = [e for e in elements if is_date_marker(e) and not member_detail(e)]
    candidates.sort(
        key=lambda e: (0 if declares_date(e) else 1, 0 if TIME_TEXT.search(own_text(e)) else 1)
    )
    for element in candidates[:6]:
        published, text = date_of(element, timezone, now, language)
        if published is not None:
            return published, text, element
    return None, None, None
