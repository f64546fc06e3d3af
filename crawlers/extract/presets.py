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
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import yaml
from cssselect import SelectorError
from lxml import etree
from lxml.html import HtmlElement
from parsel import Selector
from parsel.csstranslator import css2xpath
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from crawlers.extract.dates import parse_date, parse_iso
from crawlers.extract.declared import link_base
from crawlers.extract.shown_dates import INVISIBLE, first_date, one_line
from veille.core.record import SESSION_PARAMS

PRESETS_DIR = Path(__file__).resolve().parent.parent / "presets"

_BLOCK_TAGS = {
    "p", "div", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "tr", "dd", "dt", "dl", "section", "article", "header", "footer",
}  # fmt: skip


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


# --- the preset file format --------------------------------------------------------


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Spec):
    """One value: the first selector that finds something wins; `pattern` (a regular
    expression) keeps its first group, or the whole match."""

    select: list[str] = Field(default_factory=list)
    pattern: str | None = None

    @field_validator("select", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return _as_list(value)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as err:
                raise ValueError(
                    f"pattern {value!r} is not a valid regular expression: {err}"
                ) from err
        return value


class DateSpec(FieldSpec):
    """A machine-readable date: ISO 8601 (`<time datetime>`), Unix seconds, or Unix
    milliseconds (Blogger's `showComment=` permalinks)."""

    format: Literal["iso", "unix", "unix_ms"] = "iso"


class PagingSpec(_Spec):
    """How a thread's later pages are addressed, to know a post's position in the thread
    and the URL of the thread itself (its first page)."""

    param: str | None = Field(default=None, description="query parameter, e.g. start or page")
    value: str | None = Field(
        default=None, description="regex on the parameter's value; group 1 = number"
    )
    path: str | None = Field(default=None, description="regex on the path; group 1 = number")
    counts: Literal["posts", "pages"] = "posts"
    per_page: int = Field(default=20, ge=1, description="posts per page, when counting pages")
    strip: bool = Field(
        default=True,
        description="the thread's URL drops the page part; false: it keeps it, set to the "
        "first page (SMF's topic=123.0, HFR's sujet_12_1.htm)",
    )

    @field_validator("value", "path")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                compiled = re.compile(value)
            except re.error as err:
                raise ValueError(f"{value!r} is not a valid regular expression: {err}") from err
            if compiled.groups < 1:
                raise ValueError(f"{value!r} needs a group around the page number")
        return value


def _field(value: Any) -> Any:
    """A field given as a bare selector or list is the same as {select: …}."""
    if isinstance(value, str | list):
        return {"select": value}
    return value


class PresetSpec(_Spec):
    name: str
    description: str = ""
    extends: str | None = None
    detect: list[str] = Field(default_factory=list)
    post: list[str] = Field(default_factory=list, description="each post's element")
    post_id: FieldSpec = FieldSpec()
    author: FieldSpec = FieldSpec()
    author_url: FieldSpec = FieldSpec()
    published: DateSpec = DateSpec()
    date_text: FieldSpec = FieldSpec()
    date_order: Literal["DMY", "MDY", "YMD"] | None = Field(
        default=None,
        description="how the board writes numeric dates (10/05/2006): a board's setting, "
        "so a source may give it; without it dateparser guesses",
    )
    content: list[str] = Field(default_factory=list, description="the post's body element")
    drop: list[str] = Field(default_factory=list, description="parts of the body left out")
    quoted_ids: FieldSpec = FieldSpec()
    title: FieldSpec = FieldSpec()
    thread_title: FieldSpec = FieldSpec()
    forum_links: list[str] = Field(default_factory=list)
    thread_links: list[str] = Field(default_factory=list)
    next_page: list[str] = Field(default_factory=list)
    paging: PagingSpec = PagingSpec()

    @field_validator("detect", "post", "content", "drop", "forum_links", "thread_links",
                     "next_page", mode="before")  # fmt: skip
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return _as_list(value)

    @field_validator("post_id", "author", "author_url", "published", "date_text", "quoted_ids",
                     "title", "thread_title", mode="before")  # fmt: skip
    @classmethod
    def _short_field(cls, value: Any) -> Any:
        return _field(value)


class PresetError(ValueError):
    """A preset or a source's selectors that cannot be used."""


# --- selectors -----------------------------------------------------------------------


def _is_xpath(expression: str) -> bool:
    return expression.startswith(("/", "./", "(", "@"))


_QUOTED_NAME = r"""(?:"[^"]*"|'[^']*')"""
_HAS_CLASS = re.compile(rf"has-class\(\s*({_QUOTED_NAME}(?:\s*,\s*{_QUOTED_NAME})*)\s*\)")
_QUOTED = re.compile(r""""([^"]*)"|'([^']*)'""")


def _class_test(match: re.Match[str]) -> str:
    """parsel's has-class("a", "b") in plain XPath 1.0: the same test, without a call
    back into Python for every element (a crawl evaluates it hundreds of thousands of
    times)."""
    names = [a or b for a, b in _QUOTED.findall(match.group(1))]
    tests = [f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')" for name in names]
    return "(" + " and ".join(tests) + ")"


@lru_cache(maxsize=4096)
def _compiled(expression: str) -> tuple[etree.XPath, tuple[etree.XPath, ...]]:
    """The selector as XPath: whole, and cut into the parts select() takes one after the
    other (one part: not cut)."""
    try:
        xpath = expression if _is_xpath(expression) else css2xpath(expression)
        xpath = _HAS_CLASS.sub(_class_test, xpath)
        whole = etree.XPath(xpath, smart_strings=False)
    except (ValueError, SelectorError, etree.XPathError) as err:  # bad CSS, bad XPath
        raise PresetError(f"selector {expression!r} is not valid: {err}") from err
    parts = descendant_parts(xpath)
    if len(parts) == 1:
        return whole, (whole,)
    try:
        return whole, tuple(etree.XPath(part, smart_strings=False) for part in parts)
    except etree.XPathError:
        return whole, (whole,)


def select(node: Selector | HtmlElement, expression: str) -> list[Any]:
    """What the selector finds under `node`: elements, or strings for ::attr(), ::text,
    @attribute and text() selections. Selectors are compiled once per process.

    A descendant step after a step that finds several nodes is taken from the outermost
    of those nodes only (see descendant_parts): each node of the page is scanned once."""
    root = node.root if isinstance(node, Selector) else node
    whole, (first, *rest) = _compiled(expression)
    if rest and _small(root):
        first, rest = whole, []  # a post's few nodes: libxml2 in one go is quicker
    try:
        found = first(root)
        for part in rest:
            if not isinstance(found, list) or not all(
                isinstance(item, etree._Element) for item in found
            ):
                found = whole(root)  # not nodes after all: libxml2 reads it whole
                break
            found = [item for context in outermost(found) for item in part(context)]
    except etree.XPathError as err:
        raise PresetError(f"selector {expression!r} failed: {err}") from err
    return found if isinstance(found, list) else [found]


# Under this many nodes, libxml2's quadratic merge costs less than cutting the expression.
_SMALL_SUBTREE = 1000


# libxml2 stops at the position asked for: a bounded look, however large the subtree.
_LARGE = etree.XPath(f"boolean(descendant::node()[{_SMALL_SUBTREE}])")


def _small(node: Any) -> bool:
    return not _LARGE(node)


def outermost(nodes: list[Any]) -> list[Any]:
    """`nodes` (in document order) without those inside another one of them."""
    chosen = set(nodes)
    return [node for node in nodes if not any(a in chosen for a in node.iterancestors())]


# --- descendant steps in linear time -----------------------------------------------
#
# libxml2 takes a descendant step (`//`, `descendant::`) from several context nodes by
# merging each context's results into one node-set, checking every new node against
# every node already there: quadratic in the page's size. On a 2.5 MB thread page,
# "//div[starts-with(@id, 'p')]//div[has-class('postbody')]" took 9 s and the page's
# preset detection 26 s. select() takes such a step from the outermost context nodes
# only, one at a time: their subtrees are disjoint, so each node is scanned once, no
# result needs a duplicate check, and the results come in document order. What an inner
# context finds, its outer one finds too: a step after `//` is a child step, and a
# `descendant::` step is cut only when none of its predicates can be positional.

# A later part must stay inside its context's subtree; operators and unions are not cut.
_LEAVES_SUBTREE = re.compile(r"\.\.|\b(?:parent|ancestor|ancestor-or-self|preceding|following)::")
_OPERATOR = re.compile(r"[|=<>+,$!]|\s")
_NUMERIC_START = re.compile(
    r"^(?:\d|\.\d|[(\-$]|(?:count|sum|number|string-length|floor|ceiling|round)\s*\()"
)
_BOOLEAN_OPERATOR = re.compile(r"[=<>]|\b(?:and|or)\b")


def _levels(text: str) -> list[int]:
    """Each character's depth in brackets and parentheses (a bracket has the depth it
    opens), -1 inside a string literal."""
    levels, depth, quote = [], 0, ""
    for char in text:
        if quote or char in "'\"":
            quote = "" if char == quote else (quote or char)
            levels.append(-1)
        elif char in "[(":
            depth += 1
            levels.append(depth)
        elif char in "])":
            levels.append(depth)
            depth -= 1
        else:
            levels.append(depth)
    return levels


def _top(text: str, levels: list[int]) -> str:
    """`text` with what is inside brackets, parentheses and quotes blanked out."""
    return "".join(c if level == 0 else "#" for c, level in zip(text, levels, strict=True))


def _closing(text: str, levels: list[int], start: int) -> int:
    """Where the bracket or parenthesis opened at `start` closes (len(text) if never)."""
    for i in range(start + 1, len(text)):
        if levels[i] == levels[start] and text[i] in "])":
            return i
    return len(text)


def _may_be_positional(predicate: str) -> bool:
    """Whether the predicate may be a number ([1], [last()], [count(x)]): it then picks
    by position, and a descendant step with it is not cut."""
    text = predicate.strip()
    while text.startswith("(") and _closing(text, _levels(text), 0) == len(text) - 1:
        text = text[1:-1].strip()
    if re.search(r"\b(?:position|last)\s*\(", text):
        return True
    if _BOOLEAN_OPERATOR.search(_top(text, _levels(text))):
        return False
    return _NUMERIC_START.match(text) is not None


def _positional_step(xpath: str, levels: list[int], start: int) -> bool:
    """Whether the step at `start` has a predicate that may be positional."""
    i = start
    while i < len(xpath) and levels[i] == 0 and xpath[i] not in "/[":
        i += 1
    while i < len(xpath) and xpath[i] == "[":
        end = _closing(xpath, levels, i)
        if _may_be_positional(xpath[i + 1 : end]):
            return True
        i = end + 1
    return False


def descendant_parts(xpath: str) -> list[str]:
    """The XPath cut before each descendant step that follows another step: the first
    part is taken from the node select() is given, each later one from each outermost
    node the part before it found. One part: the expression is not cut."""
    levels = _levels(xpath)
    top = _top(xpath, levels)
    if _OPERATOR.search(top):
        return [xpath]
    parts, start, prefix = [], 0, ""
    i = 1
    while i < len(xpath):
        if levels[i] == 0 and xpath.startswith("//", i) and prefix + xpath[start:i] != ".":
            parts.append(prefix + xpath[start:i])
            start, prefix = i + 2, "descendant-or-self::node()/"
            i += 2
            continue
        axis = next(
            (a for a in ("/descendant::", "/descendant-or-self::") if top.startswith(a, i)), ""
        )
        if axis and not _positional_step(xpath, levels, i + len(axis)):
            parts.append(prefix + xpath[start:i])
            start, prefix = i + 1, ""
            i += len(axis)
            continue
        i += 1
    parts.append(prefix + xpath[start:])
    if (
        len(parts) == 1
        or not parts[0]
        or any(_LEAVES_SUBTREE.search(_top(part, _levels(part))) for part in parts[1:])
    ):
        return [xpath]
    return parts


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


def element_text(element: HtmlElement, drop: list[str] | tuple[str, ...] = ()) -> str:
    """The text a reader sees: one line per block, <br> kept as line breaks, spaces
    collapsed. `drop` lists selectors for parts to leave out (quotes, signatures)."""
    element = copy.deepcopy(element)
    for expression in drop:
        for node in select(element, expression):
            if not isinstance(node, HtmlElement) or node is element:
                continue
            parent = node.getparent()
            if parent is None:
                continue
            node.drop_tree()  # keeps the text that followed the removed node
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        if node.tag in ("script", "style"):
            node.text = ""
            for child in list(node):
                node.remove(child)
        if node.tag == "br":
            node.tail = "\n" + (node.tail or "")
        elif node.tag in _BLOCK_TAGS:
            node.tail = "\n" + (node.tail or "")
            node.text = "\n" + (node.text or "")
    raw = element.text_content().replace("\xa0", " ").translate(INVISIBLE)
    lines = (" ".join(line.split()) for line in raw.splitlines())
    return "\n".join(line for line in lines if line)


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


# Session ids that forums put in links for visitors without cookies (SESSION_PARAMS,
# with a value that looks like one): without them one author keeps one profile URL.
_SESSION_PARAM = re.compile(rf"^(?:{'|'.join(SESSION_PARAMS)})=[0-9a-z]{{16,}}$", re.IGNORECASE)


def _joined(base: str, link: str | None) -> str | None:
    """`link` made absolute; None for none, or for an address that cannot be read
    ("http://[::1")."""
    if not link:
        return None
    try:
        return urljoin(base, link)
    except ValueError:
        return None


def _without_session(url: str | None) -> str | None:
    if url is None:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    # split by hand: parse_qsl/urlencode would re-escape SMF's ";" separators
    kept = [pair for pair in parts.query.split("&") if pair and not _SESSION_PARAM.match(pair)]
    return urlunsplit(parts._replace(query="&".join(kept)))


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
                except PresetError as err:
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
                    author_url=_without_session(_joined(base, author_url)),
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
        hrefs = [_joined(base, _string(found)) for found in _first(page, expressions)]
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


def _read_spec_file(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise PresetError(f"{path}: not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise PresetError(f"{path}: a preset is a mapping of keys to selectors")
    return data


@cache
def _raw_presets() -> dict[str, dict[str, Any]]:
    raw = {}
    for path in sorted(PRESETS_DIR.glob("*.yaml")):
        data = _read_spec_file(path)
        raw[data.get("name", path.stem)] = data
    return raw


def preset_names() -> list[str]:
    return sorted(_raw_presets())


def _resolved(name: str, chain: tuple[str, ...] = ()) -> dict[str, Any]:
    raw = _raw_presets()
    if name not in raw:
        known = ", ".join(preset_names())
        raise PresetError(f"no preset named {name!r}; the presets are: {known}")
    if name in chain:
        raise PresetError(f"preset {name!r} extends itself through {' → '.join(chain)}")
    data = dict(raw[name])
    parent = data.get("extends")
    if parent:
        merged = _resolved(parent, (*chain, name))
        merged.update({k: v for k, v in data.items() if k != "extends"})
        merged["extends"] = parent
        merged["name"] = name
        return merged
    return data


def build_preset(name: str, overrides: dict[str, Any] | None = None) -> Preset:
    """The named preset with a source's overrides applied (each key replaced whole)."""
    data = _resolved(name)
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
