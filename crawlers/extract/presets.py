"""Post extraction driven by selectors: a preset says where one engine (phpBB, XenForo,
WordPress comments…) puts each post, its id, author, date and text, and how its pages
link to each other.

Presets are YAML files in crawlers/presets/, one per engine; a preset may `extends`
another, and a source in sources.yaml names a preset and overrides only the keys that
differ (`selectors:`). A selector is CSS (with parsel's `::attr(name)` and `::text`) or,
when it starts with `/`, `./`, `(` or `@`, XPath (with `has-class("name")`). Each key
takes one selector or a list, tried in order until one finds something.

A page holds many posts (a forum thread page, a blog article's comment section); each
becomes an ExtractedPost. Quoted replies and signatures are removed from the text, and
the id of a quoted post is kept when the markup gives it.

The parts apart: the file format (preset_spec), the selectors compiled to XPath (xpath),
the text a reader sees (text), links made absolute and without session ids (links).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml.html import HtmlElement
from parsel import Selector
from pydantic import ValidationError

from crawlers.extract.dates import parse_date, parse_iso
from crawlers.extract.declared import link_base
from crawlers.extract.links import absolute_url, without_session
from crawlers.extract.post import ExtractedPost
from crawlers.extract.preset_spec import (
    FieldSpec,
    PresetError,
    PresetSpec,
    preset_names,
    resolved_spec,
)
from crawlers.extract.shown_dates import first_date, one_line
from crawlers.extract.text import element_text
from crawlers.extract.xpath import SelectorError, select

_WHOLE_NUMBER = re.compile(r"^(\d+)$")


def _set_number(pattern: re.Pattern[str], text: str, number: str) -> str:
    """`text` with the first match's group 1 (a page number) replaced by `number`."""
    match = pattern.search(text)
    if match is None:
        return text
    return text[: match.start(1)] + number + text[match.end(1) :]


def _first(node: Selector | HtmlElement, expressions: list[str]) -> list[Any]:
    for expression in expressions:
        found = select(node, expression)
        if found:
            return found
    return []


def _string(found: Any) -> str:
    return one_line(found.text_content() if isinstance(found, HtmlElement) else str(found))


def _value(node: Selector | HtmlElement, spec: FieldSpec) -> str | None:
    """The first value found: selectors are tried in order, and one whose matches all fail
    the pattern gives way to the next (a theme may fill an element the preset expects
    with something else)."""
    for expression in spec.select:
        for found in select(node, expression):
            value = _string(found)
            if spec.pattern:
                match = re.search(spec.pattern, value)
                if not match:
                    continue
                value = match.group(1) if match.groups() else match.group(0)
            if value:
                return value
    return None


def _values(node: Selector | HtmlElement, spec: FieldSpec) -> list[str]:
    values = []
    for expression in spec.select:
        for found in select(node, expression):
            value = _string(found)
            if spec.pattern:
                match = re.search(spec.pattern, value)
                value = (match.group(1) if match.groups() else match.group(0)) if match else ""
            if value and value not in values:
                values.append(value)
    return values


_NUMERIC_DATE = re.compile(r"(?<![\d/.-])(\d{1,4})([/.-])(\d{1,2})\2(\d{2,4})(?![\d/.-])")


def _in_order(text: str, order: str | None) -> str:
    """`text` with its numeric date written year-month-day, read in the board's `order`:
    "10/05/2006" is 10 May on a French board, 5 October on an American one, and
    dateparser cannot know which."""
    match = _NUMERIC_DATE.search(text) if order else None
    if match is None or order is None or len(match.group(1)) == 4:  # none, or already ISO
        return text
    parts = dict(zip(order, (match.group(1), match.group(3), match.group(4)), strict=True))
    year, month, day = parts["Y"], int(parts["M"]), int(parts["D"])
    if len(year) == 2:  # "26/05/20"
        year = ("20" if int(year) < 70 else "19") + year
    if not (1 <= month <= 12 and 1 <= day <= 31 and len(year) == 4):
        return text  # not written in that order after all: dateparser guesses
    return f"{text[: match.start()]}{year}-{month:02d}-{day:02d}{text[match.end() :]}"


# --- presets -------------------------------------------------------------------------


class Preset:
    """One engine's markup, compiled from its spec."""

    def __init__(self, spec: PresetSpec):
        self.spec = spec
        self.name = spec.name
        self._page_path = re.compile(spec.paging.path) if spec.paging.path else None
        self._page_value = re.compile(spec.paging.value) if spec.paging.value else None
        if not spec.post or not spec.content:
            raise PresetError(f"preset {spec.name!r}: 'post' and 'content' are required")
        self._check_selectors()

    def _check_selectors(self) -> None:
        """Every selector is tried once on an empty page, so that a typo fails when the
        preset is built (`veille sources check`), not halfway through a crawl."""
        empty = Selector(text="<html></html>", type="html")
        for key, value in self.spec:
            if isinstance(value, FieldSpec):
                expressions = value.select
            elif isinstance(value, list):
                expressions = value
            else:
                continue
            for expression in expressions:
                try:
                    select(empty, expression)
                except SelectorError as err:
                    raise PresetError(f"preset {self.name!r}, key {key!r}: {err}") from err

    def detect(self, page: Selector) -> bool:
        return any(select(page, expression) for expression in self.spec.detect)

    def page_offset(self, url: str) -> int:
        """How many posts of the thread come before this page's first post."""
        paging = self.spec.paging
        number = None
        if paging.param:
            value = dict(parse_qsl(urlsplit(url).query)).get(paging.param, "")
            match = (self._page_value or _WHOLE_NUMBER).search(value)
            number = int(match.group(1)) if match else None
        if number is None and self._page_path:
            match = self._page_path.search(urlsplit(url).path)
            number = int(match.group(1)) if match else None
        if number is None:
            return 0
        return number if paging.counts == "posts" else (number - 1) * paging.per_page

    def thread_url(self, url: str) -> str:
        """The thread's own URL: this page's URL without its page number, or with the
        first page's number when the preset's paging says `strip: false`."""
        paging = self.spec.paging
        first = "0" if paging.counts == "posts" else "1"
        parts = urlsplit(url)
        pairs = []
        for key, value in parse_qsl(parts.query):
            if key == paging.param:
                if paging.strip:
                    continue
                value = _set_number(self._page_value or _WHOLE_NUMBER, value, first)
            pairs.append((key, value))
        path = parts.path
        if self._page_path:
            path = (
                self._page_path.sub("", path, count=1)
                if paging.strip
                else _set_number(self._page_path, path, first)
            )
        return urlunsplit((parts.scheme, parts.netloc, path, urlencode(pairs), ""))

    def posts(
        self,
        page: Selector,
        url: str,
        *,
        timezone: str,
        now: datetime | None,
        language: str | None = None,
    ) -> list[ExtractedPost]:
        """The page's posts; dates shown without a zone are in `timezone`, relative ones
        count from `now`, and `language` (fr, en) decides how a numeric date reads."""
        spec = self.spec
        offset = self.page_offset(url)
        base = link_base(page, url)
        posts: list[ExtractedPost] = []
        seen: set[str] = set()
        for node in _first(page, spec.post):
            post_id = _value(node, spec.post_id) if spec.post_id.select else None
            if spec.post_id.select and post_id is None:
                continue  # not a post (a deleted one, an ad in the post list)
            if post_id is not None:
                if post_id in seen:
                    continue  # an element matched twice (nested markup)
                seen.add(post_id)
            content = _first(node, spec.content)
            if not content or not isinstance(content[0], HtmlElement):
                continue
            author = _value(node, spec.author)
            author_url = _value(node, spec.author_url)
            date_text = _value(node, spec.date_text)
            published = self._published(node, timezone)
            if published is None and date_text:
                published = parse_date(
                    _in_order(date_text, spec.date_order),
                    timezone=timezone,
                    now=now,
                    language=language,
                )
            if published is None:  # a theme that moved the date: the one the post shows
                published, shown = self._shown_date(node, content[0], timezone, now, language)
                date_text = date_text or shown
            title = _value(node, spec.title)
            posts.append(
                ExtractedPost(
                    post_id=post_id,
                    position=offset + len(posts) + 1,
                    text=element_text(content[0], spec.drop),
                    author=author,
                    author_url=without_session(absolute_url(base, author_url)),
                    published_at=published,
                    date_text=date_text,
                    title=title,
                    quoted_post_ids=_values(node, spec.quoted_ids),
                )
            )
        return posts

    def _shown_date(
        self,
        node: Selector | HtmlElement,
        content: HtmlElement,
        timezone: str,
        now: datetime | None,
        language: str | None,
    ) -> tuple[datetime | None, str | None]:
        """The date the post shows outside its text, read as the generic extractor
        reads one (crawlers/extract/shown_dates.py); what the preset drops (quotes,
        edit notices) left out."""
        root = node.root if isinstance(node, Selector) else node
        if not isinstance(root, HtmlElement):
            return None, None
        skipped = {content} | {
            found
            for expression in self.spec.drop
            for found in select(root, expression)
            if isinstance(found, HtmlElement)
        }
        elements = []
        stack = [root]
        while stack:
            element = stack.pop()
            if element in skipped or element.tag in ("script", "style"):
                continue
            elements.append(element)
            stack.extend(child for child in reversed(element) if isinstance(child.tag, str))
        published, shown, _ = first_date(elements, timezone, now, language)
        return published, shown

    def _published(self, node: Selector | HtmlElement, timezone: str) -> datetime | None:
        value = _value(node, self.spec.published)
        if value is None:
            return None
        if self.spec.published.format != "iso":
            scale = 1000 if self.spec.published.format == "unix_ms" else 1
            try:
                return datetime.fromtimestamp(float(value) / scale, UTC)
            except (ValueError, OverflowError, OSError):
                return None
        return parse_iso(value, timezone)

    def thread_title(self, page: Selector) -> str | None:
        return _value(page, self.spec.thread_title)

    def _links(self, page: Selector, url: str, expressions: list[str]) -> list[str]:
        base = link_base(page, url)
        hrefs = [absolute_url(base, _string(found)) for found in _first(page, expressions)]
        return list(dict.fromkeys(h for h in hrefs if h and h.startswith(("http://", "https://"))))

    def forum_links(self, page: Selector, url: str) -> list[str]:
        """Links from a forum's index or listing pages to sub-forums."""
        return self._links(page, url, self.spec.forum_links)

    def thread_links(self, page: Selector, url: str) -> list[str]:
        """Links from a listing page to the threads it lists."""
        return self._links(page, url, self.spec.thread_links)

    def next_page(self, page: Selector, url: str) -> str | None:
        """The next page of the same listing or thread."""
        found = self._links(page, url, self.spec.next_page)
        return found[0] if found else None


def build_preset(name: str, overrides: dict[str, Any] | None = None) -> Preset:
    """The named preset with a source's overrides applied (each key replaced whole)."""
    data = resolved_spec(name)
    if overrides:
        data = {**data, **overrides}
    try:
        return Preset(PresetSpec.model_validate(data))
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()
        )
        raise PresetError(f"preset {name!r}: {problems}") from err


@cache
def get_preset(name: str) -> Preset:
    return build_preset(name)


def detect_preset(page: Selector, among: Iterable[str] | None = None) -> Preset | None:
    """The engine whose markup this page carries, for pages crawled without a preset;
    `among` limits the engines tried (bench/forums.py leaves a page's own out)."""
    for name in preset_names() if among is None else sorted(among):
        preset = get_preset(name)
        if preset.spec.detect and preset.detect(page):
            return preset
    return None
