"""Reading a fetched page: what reads its posts (the source's preset or page object,
else the site's page object, else the preset whose markup the page has, else the
generic extractor), their dates as the page shows them, and its main text. The
extraction itself lives in crawlers/extract/; the engines in crawlers/presets/ (YAML)
and crawlers/page_objects/ (code)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from parsel import Selector

from crawlers.engine import Engine
from crawlers.extract.dates import at_offset, shown_offset
from crawlers.extract.declared import link_base, page_language
from crawlers.extract.generic import NAME, generic_posts, reads_like_a_thread
from crawlers.extract.links import absolute_url
from crawlers.extract.page import PageExtraction, page_extraction, page_text, parse_html
from crawlers.extract.post import ExtractedPost
from crawlers.extract.presets import Preset, detect_preset, get_preset
from crawlers.page_objects import PageObject, page_object_for


class GenericEngine(PageObject):
    """The generic extractor as an Engine (crawlers/engine.py): posts, and the next page
    of a thread where the page declares it (rel="next"); it finds no links from a
    forum's listings to its threads."""

    name = NAME

    def next_page(self, page: Selector, url: str) -> str | None:
        found = page.xpath("//link[@rel='next']/@href | //a[@rel='next']/@href").get()
        if not found:
            return None
        following = absolute_url(link_base(page, url), found.strip())
        return following if following and following.startswith(("http://", "https://")) else None

    def posts(
        self,
        page: Selector,
        url: str,
        *,
        timezone: str,
        now: datetime | None,
        language: str | None = None,
    ) -> list[ExtractedPost]:
        return generic_posts(page, url, timezone=timezone, now=now, language=language)


def read_posts(
    page: Selector,
    url: str,
    engine: Engine | None,
    *,
    timezone: str,
    now: datetime | None,
    language: str | None,
    detect_among: Iterable[str] | None = None,
) -> tuple[Engine | None, list[ExtractedPost]]:
    """The page's posts and what read them: `engine` (a source's preset or page object)
    when given, else the page object of the site, else the preset whose markup the page
    has, else the generic extractor where what it finds reads like a thread (signed,
    dated messages); (None, []) for a page with no posts."""
    engine = engine or page_object_for(url) or detect_preset(page, detect_among)
    if engine is not None:
        posts = engine.posts(page, url, timezone=timezone, now=now, language=language)
    else:
        engine = GenericEngine()
        posts = engine.posts(page, url, timezone=timezone, now=now, language=language)
        if not reads_like_a_thread(posts):
            return None, []
    return engine, shown_as_on_page(posts, timezone=timezone, now=now, language=language)


def shown_as_on_page(
    posts: list[ExtractedPost], *, timezone: str, now: datetime | None, language: str | None
) -> list[ExtractedPost]:
    """The posts with their dates at the offset their page shows them (shown_offset).
    The offset is read once per day of posts and kept for the others of that day: a
    page shows one offset a day (reading each of 8,000 comments' dates again costs
    seconds); a post shown within hours of a change of summer time may be an hour off."""
    offsets: dict[date, timedelta | None] = {}
    shown = []
    for post in posts:
        instant = post.published_at
        if instant is None:
            shown.append(post)
            continue
        day = instant.astimezone(UTC).date()
        if day not in offsets:
            offsets[day] = shown_offset(instant, post.date_text, now=now, language=language)
        shown.append(replace(post, published_at=at_offset(instant, offsets[day], timezone)))
    return shown


def extract_page(
    html: str | bytes,
    url: str,
    *,
    preset: str | Preset | None = None,
    timezone: str = "UTC",
    now: datetime | None = None,
    language: str | None = None,
    content_type: str | None = None,
    detect_among: Iterable[str] | None = None,
    generic: bool = False,
) -> PageExtraction:
    """Main content, metadata and posts of a page. `preset` names the engine (a file
    of crawlers/presets/); without it the engine is detected from the markup.
    `language` (the source's) defaults to the one the page declares (<html lang>).
    `content_type`, the HTTP header, may name the page's charset (see decode_html);
    `detect_among` limits the engines detection tries (default: every preset).
    Posts are read as read_posts reads them; `generic` reads them with the generic
    extractor alone (crawlers/extract/generic.py: no preset, no page object, no
    detection, and whatever it finds).
    Raises ExtractionError for a page that is not HTML."""
    # Decoded once: trafilatura, given bytes, would guess the charset on its own (and
    # read a Latin-1 "très" as "trčs" when the page declares a charset it does not know).
    source = page_text(html, content_type)
    page = parse_html(source, url)
    # numeric dates and date words are read in the source's language, else the page's
    language = language or page_language(page)
    if isinstance(preset, str):
        preset = get_preset(preset)
    if generic:
        reader = GenericEngine()
        engine: Engine | None = reader
        posts = shown_as_on_page(
            reader.posts(page, url, timezone=timezone, now=now, language=language),
            timezone=timezone,
            now=now,
            language=language,
        )
    else:
        engine, posts = read_posts(
            page,
            url,
            preset,
            timezone=timezone,
            now=now,
            language=language,
            detect_among=detect_among,
        )
    title = engine.thread_title(page) if engine else None
    return page_extraction(
        source,
        page,
        url,
        posts,
        reader=engine.name if engine else None,
        thread_title=title,
        timezone=timezone,
        now=now,
        language=language,
    )
