"""Post extraction with no preset: the page's repeated blocks of user-written text.

A forum thread or a comment section repeats one block per post; each carries text that a
person wrote, and the post's author and date. The extractor (after the approach fhgr/harvest
published: the node path that yields repeated, similar blocks covering most of the
page's text) proceeds in this order:

1. What the page declares: schema.org microdata (itemtype DiscussionForumPosting,
   Comment, Answer, Question) marks the blocks, their text (itemprop text/articleBody),
   author and date. JSON-LD items of those types are used when the markup gives fewer
   posts.
2. Else the repeated structure: every element gets a signature (tag and classes, digits
   left out: phpBB's "post bg1"/"post bg2" are one); elements sharing a signature, or a
   signature under the same parent signature, form a candidate group. A member counts
   when it holds user text (non-link text of some length) and evidence of a post (a date
   or a profile link outside a quote); the group whose counting members cover the most
   text wins, provided at least two members count and they are most of the group. Among
   groups covering nearly as much, the one with the most members wins (a wrapper of
   several posts has fewer), then the outermost (it carries the author and date).
3. Within each block: the date (microdata, time[datetime], data-time/data-timestamp,
   a title attribute holding a full date, then the shortest text that reads as a date),
   the author (microdata, then a profile link, then an element whose class names an
   author), the post id (the block's id or data attribute, else a permalink or anchor),
   and the text: the element, at the same place in every block, holding the most text
   and neither the date nor the author. Quotes, signatures and edit notices are dropped.

A page whose blocks lack that evidence (an article, a product page, a list of links)
gives no post: a false post would become a false brand mention. Each step is linear in
the page's size: one walk over the tree, then work per block.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lxml.html import HtmlElement
from parsel import Selector

from crawlers.extract.dates import parse_date, parse_iso
from crawlers.extract.presets import (
    ExtractedPost,
    _joined,
    _without_session,
    element_text,
)

NAME = "generic"

# Never user text.
_SKIP = {"script", "style", "noscript", "template", "svg", "select", "option", "button", "iframe"}
# Page furniture: a block inside one of these is no post.
_FURNITURE = {"nav", "aside", "footer"}
# A post's text has at least this many characters that are not link text.
MIN_TEXT = 12
# Among groups whose text is at least this share of the best one's, the most members win.
_NEAR_BEST = 0.85
# The counting members must be at least this share of the group.
_COUNTING_SHARE = 0.5

# The post's text is the deepest element holding this share of the most text found at one
# place (a post's title and "Re:" line sit beside it).
_CONTENT_SHARE = 0.85

_SCHEMA_TYPES = ("DiscussionForumPosting", "Comment", "Answer", "Question", "SocialMediaPosting")

_DIGITS = re.compile(r"\d+")
_MONTHS = (
    r"jan|feb|f[ée]v|mar|m[äa]r|apr|avr|may|mai|jun|juin|jul|juil|aug|ao[uû]|sep|oct|okt|nov"
    r"|dec|d[ée]c|dez|janv|janvier|f[ée]vrier|mars|avril|juillet|septembre|octobre|novembre"
    r"|d[ée]cembre|januar|februar|m[äa]rz|juni|juli|august|oktober|dezember"
)
_DATE_TEXT = re.compile(
    rf"(?<!\w)(?:\d{{1,4}}[./-]\d{{1,2}}[./-]\d{{2,4}}"
    rf"|\d{{1,2}}\.?\s+(?:{_MONTHS})\w*\.?,?\s+\d{{2,4}}"
    rf"|(?:{_MONTHS})\w*\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    r"|\d+\s+(?:seconds?|minutes?|mins?|hours?|days?|weeks?|months?|years?)\s+ago"
    r"|il y a\s+\d+\s+\w+|vor\s+\d+\s+\w+"
    r"|(?:yesterday|today|hier|aujourd'hui|gestern|heute)\b)",
    re.IGNORECASE,
)
# A member's details beside the post, not the post's date.
_MEMBER_SINCE = re.compile(
    r"joined|registered|member since|inscrit|inscription|registriert|dabei seit|mitglied seit"
    r"|seit\b|last (?:seen|visit|active)|derni[èe]re visite|birthday|geburtstag|anniversaire",
    re.IGNORECASE,
)
_TIME_TEXT = re.compile(r"\d{1,2}\s*[:h]\s*\d{2}")
_YEAR_OR_TIME = re.compile(r"(?:19|20)\d\d|\d:\d\d")
_DATE_ATTRIBUTES = ("data-time", "data-timestamp", "data-datetime", "data-date", "datetime")
_DATE_PROPS = {"datecreated", "datepublished", "commenttime", "uploaddate"}
# A link to a member's profile: the words engines and CMSs put in such paths.
_PROFILE = re.compile(
    r"(?:^|[/?&._=#-])(?:members?|users?|profiles?|u|uid|userid|user_id|author|authors"
    r"|viewprofile|showuser|benutzer|membres?|utilisateurs?|people|profil|mitglied\w*)"
    r"(?:[/?&._=-]|\d|$)",
    re.IGNORECASE,
)
_AUTHOR_CLASS = re.compile(r"author|user|poster|nick|member|byline|\bfn\b", re.IGNORECASE)
_NOT_AUTHOR_CLASS = re.compile(r"avatar|title|rank|info|stats|signature|sig\b", re.IGNORECASE)
# What a post's text leaves out: quoted replies, signatures, edit notices.
_DROP_CLASS = re.compile(
    r"quote|signature|(?:^|[-_\s])sig(?:$|[-_\s])|edit(?:ed|note|notice|_note|-note)|lastedit"
    r"|likes?bar|reactions?|share|(?:^|[-_\s])ad(?:s|vert\w*)?(?:$|[-_\s])",
    re.IGNORECASE,
)
_DROP = (
    ".//blockquote",
    ".//script",
    ".//style",
    ".//noscript",
    ".//button",
)
# A permalink or anchor naming a post: #p123, ?p=123, #post-123, /post/123, #comment-45.
_POST_LINK = re.compile(
    r"(?:[#?&/](?:p|post|postid|pid|comment|comments|msg|reply|entry|message)[-_=/]?)(\d+)",
    re.IGNORECASE,
)
_ID_ATTRIBUTES = ("data-post-id", "data-postid", "data-pid", "data-comment-id", "data-id")


@dataclass
class _Node:
    """What the walk learns about one element."""

    element: HtmlElement
    signature: str
    key: str  # parent signature > signature
    text: int = 0  # characters of text, links included
    link_text: int = 0
    dates: int = 0  # date evidence inside
    profiles: int = 0  # profile links inside
    furniture: bool = False


def _classes(element: HtmlElement) -> list[str]:
    value = element.get("class") or ""
    return sorted({_DIGITS.sub("", name) for name in value.split() if name})


def _signature(element: HtmlElement) -> str:
    classes = _classes(element)
    return element.tag + "".join("." + name for name in classes[:4])


def _length(text: str | None) -> int:
    """Characters of text, spaces left out."""
    return sum(len(word) for word in text.split()) if text else 0


def _is_date_marker(element: HtmlElement) -> bool:
    """Markup that declares a date, or a short text that reads as one."""
    if element.tag == "time" and element.get("datetime"):
        return True
    if (element.get("itemprop") or "").lower() in _DATE_PROPS:
        return True
    if any(element.get(name) for name in _DATE_ATTRIBUTES):
        return True
    title = element.get("title")
    if title and len(title) < 60 and _YEAR_OR_TIME.search(title) and _DATE_TEXT.search(title):
        return True
    own = _own_text(element)
    return 0 < len(own) < 100 and _DATE_TEXT.search(own) is not None


def _own_text(element: HtmlElement) -> str:
    """The element's own text nodes (not its children's), joined."""
    parts = [element.text or ""]
    parts += [child.tail or "" for child in element]
    return " ".join(" ".join(parts).split())


def _is_profile_link(element: HtmlElement) -> bool:
    if element.tag != "a":
        return False
    href = element.get("href") or ""
    if not href or href.startswith(("javascript:", "mailto:")):
        return False
    if element.get("rel") == "author" or (element.get("itemprop") or "") == "author":
        return True
    return _PROFILE.search(href.split("//", 1)[-1].partition("/")[2] or href) is not None


def _walk(root: HtmlElement) -> list[_Node]:
    """Every element with its text, link text and evidence counts, children summed into
    their parents: one pass down, one pass up."""
    nodes: list[_Node] = []
    index: dict[HtmlElement, _Node] = {}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        parent = element.getparent()
        up = index.get(parent) if parent is not None else None
        if parent is not None and up is None:  # inside a skipped element
            continue
        if element.tag in _SKIP:
            continue
        signature = _signature(element)
        node = _Node(element, signature, f"{up.signature if up else ''}>{signature}")
        node.furniture = bool(up and up.furniture) or element.tag in _FURNITURE
        own = _length(element.text) + sum(_length(child.tail) for child in element)
        node.text = own
        if element.tag == "a":
            node.link_text = own
        node.dates = int(_is_date_marker(element))
        node.profiles = int(_is_profile_link(element) and own > 0)
        index[element] = node
        nodes.append(node)
    # sum up: children come after their parents in document order
    for node in reversed(nodes):
        parent = node.element.getparent()
        up = index.get(parent) if parent is not None else None
        if up is None:
            continue
        up.text += node.text
        up.link_text += node.text if up.element.tag == "a" else node.link_text
        up.dates += node.dates
        up.profiles += node.profiles
    return nodes


@dataclass
class _Group:
    members: list[_Node]
    counting: list[_Node]
    covered: int
    depth: float


def _user_text(node: _Node) -> int:
    return node.text - node.link_text


def _groups(nodes: list[_Node]) -> Iterator[_Group]:
    by_key: dict[str, list[_Node]] = defaultdict(list)
    for node in nodes:
        if node.furniture or node.element.tag in ("html", "body", "head", "a", "br"):
            continue
        by_key["k:" + node.key].append(node)
        if "." in node.signature:
            by_key["s:" + node.signature].append(node)
    for members in by_key.values():
        if len(members) < 2:
            continue
        chosen = set(id(m.element) for m in members)
        outer = [m for m in members if not any(id(a) in chosen for a in m.element.iterancestors())]
        counting = [
            m for m in outer if _user_text(m) >= MIN_TEXT and (m.dates > 0 or m.profiles > 0)
        ]
        if len(counting) < 2 or len(counting) < _COUNTING_SHARE * len(outer):
            continue
        # a member holding nested members (threaded comments) counts its own text
        covered = sum(_user_text(m) for m in counting)
        depth = sum(len(list(m.element.iterancestors())) for m in counting) / len(counting)
        yield _Group(members, counting, covered, depth)


def _containers(groups: list[_Group]) -> set[int]:
    """The groups whose members each wrap several posts of another group: that group,
    with more members, covers at least half their text."""
    member_of: dict[HtmlElement, list[int]] = defaultdict(list)
    for number, group in enumerate(groups):
        for node in group.counting:
            member_of[node.element].append(number)
    inside: dict[tuple[int, int], int] = defaultdict(int)
    for number, group in enumerate(groups):
        for node in group.counting:
            for ancestor in node.element.iterancestors():
                for outer in member_of.get(ancestor, ()):
                    if outer != number:
                        inside[outer, number] += _user_text(node)
    return {
        outer
        for (outer, inner), text in inside.items()
        if len(groups[inner].counting) > len(groups[outer].counting)
        and text >= 0.5 * groups[outer].covered
    }


def _best_group(nodes: list[_Node]) -> _Group | None:
    groups = list(_groups(nodes))
    containers = _containers(groups)
    groups = [group for number, group in enumerate(groups) if number not in containers]
    if not groups:
        return None
    best = max(group.covered for group in groups)
    near = [group for group in groups if group.covered >= _NEAR_BEST * best]
    return max(near, key=lambda g: (len(g.counting), g.covered, -g.depth))


# --- within a block ---------------------------------------------------------------------


def _inside(element: HtmlElement, ancestors: set[HtmlElement]) -> bool:
    return any(a in ancestors for a in element.iterancestors())


def _in_quote(element: HtmlElement, block: HtmlElement) -> bool:
    for ancestor in element.iterancestors():
        if ancestor is block:
            return False
        if ancestor.tag == "blockquote" or _DROP_CLASS.search(ancestor.get("class") or ""):
            return True
    return False


def _block_elements(block: HtmlElement, nested: set[HtmlElement]) -> Iterator[HtmlElement]:
    """The block's elements, without those of nested posts or of skipped tags."""
    stack = [block]
    while stack:
        element = stack.pop()
        yield element
        for child in reversed(element):
            if isinstance(child.tag, str) and child not in nested and child.tag not in _SKIP:
                stack.append(child)


def _string(text: str | None) -> str:
    return " ".join((text or "").replace("\xa0", " ").split())


def _date_of(
    element: HtmlElement, timezone: str, now: datetime | None, language: str | None
) -> tuple[datetime | None, str | None]:
    """The date an element declares or shows, and the text shown."""
    shown = _string(element.text_content())[:120] or None
    for value in (element.get("datetime"), element.get("content")):
        if value and (element.tag == "time" or element.get("itemprop")):
            parsed = parse_iso(value, timezone)
            if parsed is not None:
                return parsed, shown
    for name in ("data-time", "data-timestamp"):
        value = element.get(name) or ""
        if value.isdigit():
            number = int(value)
            try:
                return datetime.fromtimestamp(number / (1000 if number > 10**11 else 1), UTC), shown
            except (ValueError, OverflowError, OSError):
                pass
    for name in ("data-datetime", "data-date", "datetime"):
        parsed = parse_iso(element.get(name), timezone)
        if parsed is not None:
            return parsed, shown
    title = element.get("title")
    if title and _YEAR_OR_TIME.search(title) and _DATE_TEXT.search(title):
        parsed = parse_date(title, timezone=timezone, now=now, language=language)
        if parsed is not None:
            return parsed, shown or title
    own = _own_text(element)
    for text in (shown, own):
        if not text or len(text) > 80:
            continue
        match = _DATE_TEXT.search(text)
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
    time = _TIME_TEXT.search(text, end)
    if time is not None and time.start() - end < 12:
        end = time.end()
        rest = re.match(r"\s*(?:[ap]\.?m\.?)", text[end:], re.IGNORECASE)
        if rest:
            end += rest.end()
    return text[match.start() : end]


def _author_of(
    elements: list[HtmlElement], block: HtmlElement, url: str
) -> tuple[str | None, str | None, HtmlElement | None]:
    """The author's name and profile URL, and the element that shows them."""
    for element in elements:
        prop = (element.get("itemprop") or "").lower()
        if prop == "author" or prop == "creator":
            names = element.xpath(".//*[@itemprop='name']")
            name = _string((names[0] if names else element).text_content()) or _string(
                element.get("content")
            )
            link = element if element.tag == "a" else next(iter(element.xpath(".//a[@href]")), None)
            href = link.get("href") if link is not None else None
            if name and len(name) <= 80:
                return name, _without_session(_joined(url, href)), element
    for element in elements:
        if _is_profile_link(element) and not _in_quote(element, block):
            name = _string(element.text_content())
            if _is_name(name):
                return name, _without_session(_joined(url, element.get("href"))), element
    for element in elements:
        classes = element.get("class") or ""
        if (
            _AUTHOR_CLASS.search(classes)
            and not _NOT_AUTHOR_CLASS.search(classes)
            and not _in_quote(element, block)
        ):
            inner = [
                e
                for e in element.iterdescendants()
                if isinstance(e.tag, str)
                and _AUTHOR_CLASS.search(e.get("class") or "")
                and _is_name(_string(e.text_content()))
            ]
            if inner:  # "<div class=comment-author><cite class=fn>A</cite> says:</div>"
                element = inner[-1]
            link = next(iter(element.xpath(".//a[@href]")), None)
            name = _string((link if link is not None else element).text_content())
            if not _is_name(name):
                name = _string(element.text_content())
            if _is_name(name):
                href = link.get("href") if link is not None else None
                return name, _without_session(_joined(url, href)), element
    return None, None, None


_LETTER = re.compile(r"[^\W\d_]")


def _is_name(name: str) -> bool:
    """A display name: short, with a letter, not a date."""
    return 0 < len(name) <= 60 and _LETTER.search(name) is not None and not _DATE_TEXT.search(name)


def _post_id(block: HtmlElement, elements: list[HtmlElement]) -> str | None:
    for element in (block, *elements[1:4]):
        for name in _ID_ATTRIBUTES:
            value = element.get(name) or ""
            if _DIGITS.search(value):
                return value
        value = element.get("id") or ""
        if _DIGITS.search(value):
            return value
    previous = block.getprevious()
    for element in (previous,) if previous is not None else ():
        for anchor in (element, *element.xpath(".//a[@name or @id]")[:2]):
            value = anchor.get("name") or anchor.get("id") or ""
            if _DIGITS.search(value):
                return value
    for element in elements:
        if element.tag == "a" and not _in_quote(element, block):
            value = element.get("name") or ""
            if _DIGITS.search(value):
                return value
            match = _POST_LINK.search(element.get("href") or "")
            if match:
                return match.group(1)
    return None


def _relative_path(element: HtmlElement, block: HtmlElement) -> str:
    parts = []
    while element is not block:
        parts.append(_signature(element))
        parent = element.getparent()
        if parent is None:
            break
        element = parent
    return "/".join(reversed(parts))


def _quote_ids(content: HtmlElement) -> list[str]:
    ids = []
    for quote in content.xpath(".//blockquote|.//*[contains(@class, 'quote')]"):
        for link in quote.xpath(".//a[@href]|.//*[@data-source]"):
            value = link.get("data-source") or link.get("href") or ""
            match = _POST_LINK.search(value) or _DIGITS.search(value)
            if match and match.group(match.lastindex or 0) not in ids:
                ids.append(match.group(match.lastindex or 0))
    return ids


def _drops(content: HtmlElement) -> list[str]:
    return [*_DROP, *(_class_drops(content))]


def _class_drops(content: HtmlElement) -> list[str]:
    found = set()
    for element in content.iterdescendants():
        if isinstance(element.tag, str):
            classes = element.get("class") or ""
            if classes and _DROP_CLASS.search(classes):
                for name in classes.split():
                    if _DROP_CLASS.search(name):
                        found.add(name)
    return [f".//*[contains(concat(' ', normalize-space(@class), ' '), ' {n} ')]" for n in found]


@dataclass
class _Block:
    element: HtmlElement
    elements: list[HtmlElement]
    author: str | None
    author_url: str | None
    author_element: HtmlElement | None
    published: datetime | None
    date_text: str | None
    date_element: HtmlElement | None


def _read_block(
    block: HtmlElement,
    nested: set[HtmlElement],
    url: str,
    timezone: str,
    now: datetime | None,
    language: str | None,
) -> _Block:
    elements = list(_block_elements(block, nested))
    author, author_url, author_element = _author_of(elements, block, url)
    published = date_text = date_element = None
    candidates = [
        e
        for e in elements
        if _is_date_marker(e) and not _in_quote(e, block) and not _member_detail(e)
    ]
    # machine-readable first, then dates with a time of day
    candidates.sort(
        key=lambda e: (0 if _declares_date(e) else 1, 0 if _TIME_TEXT.search(_own_text(e)) else 1)
    )
    for element in candidates[:6]:
        published, date_text = _date_of(element, timezone, now, language)
        if published is not None:
            date_element = element
            break
    return _Block(
        block, elements, author, author_url, author_element, published, date_text, date_element
    )


def _member_detail(element: HtmlElement) -> bool:
    """Whether a date is a member's (joined, last seen), by its label: in its own text,
    its parent's, or the element before it."""
    texts = [_string(element.text_content())[:100], _own_text(element.getparent())[:100]]
    previous = element.getprevious()
    if previous is not None:
        texts.append(_string(previous.text_content())[:60])
    return any(_MEMBER_SINCE.search(text) for text in texts)


def _declares_date(element: HtmlElement) -> bool:
    return bool(
        (element.tag == "time" and element.get("datetime"))
        or (element.get("itemprop") or "").lower() in _DATE_PROPS
        or any(element.get(name) for name in _DATE_ATTRIBUTES)
    )


def _evidence(block: _Block) -> set[HtmlElement]:
    """The block's elements that show a date or an author, outside quotes."""
    found = {e for e in (block.author_element, block.date_element) if e is not None}
    for element in block.elements[1:]:
        if (_is_date_marker(element) or _is_profile_link(element)) and not _in_quote(
            element, block.element
        ):
            found.add(element)
    return found


def _content_path(blocks: list[_Block]) -> str | None:
    """The place, the same in every block, of the element holding the post's text: the
    most text over all blocks, in elements that neither hold nor sit inside what shows
    the date or the author."""
    totals: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    for block in blocks:
        evidence = _evidence(block)
        avoid: set[HtmlElement] = set(evidence)
        for element in evidence:
            avoid.update(element.iterancestors())
        seen: dict[str, int] = defaultdict(int)
        texts: dict[str, int] = {}
        for element in block.elements[1:]:
            if element in avoid or element.tag in ("a", "br", "img"):
                continue
            if any(a in evidence for a in element.iterancestors()):
                continue
            path = _relative_path(element, block.element)
            seen[path] += 1
            texts[path] = _length(element.text_content())
        for path, number in seen.items():
            if number == 1:
                totals[path] += texts[path]
                counts[path] += 1
    if not totals:
        return None
    enough = [p for p in totals if counts[p] >= 0.6 * len(blocks)]
    if not enough:
        return None
    best = max(totals[p] for p in enough)
    near = [p for p in enough if totals[p] >= _CONTENT_SHARE * best]
    return max(near, key=lambda p: (p.count("/"), totals[p]))


def _inner_body(content: HtmlElement) -> HtmlElement:
    """The post's body when the engine marks it up as a blockquote (vBulletin's
    blockquote.postcontent), so that dropping quotes does not drop the post."""
    total = _length(content.text_content())
    for quote in content.iter("blockquote"):
        if total and _length(quote.text_content()) >= 0.8 * total:
            return quote
    return content


def _find_path(block: _Block, path: str) -> HtmlElement | None:
    for element in block.elements[1:]:
        if _relative_path(element, block.element) == path:
            return element
    return None


# --- declared posts -------------------------------------------------------------------------


def _schema_type(element: HtmlElement) -> bool:
    itemtype = element.get("itemtype") or ""
    return any(itemtype.rstrip("/").endswith("/" + name) for name in _SCHEMA_TYPES)


def _microdata_posts(
    root: HtmlElement, url: str, timezone: str, now: datetime | None, language: str | None
) -> list[ExtractedPost]:
    """Posts the page marks up as schema.org items, with their declared text."""
    items = [e for e in root.iter() if isinstance(e.tag, str) and _schema_type(e)]
    posts: list[ExtractedPost] = []
    item_set = set(items)
    for item in items:
        nested = {e for e in item.iterdescendants() if e in item_set}
        elements = list(_block_elements(item, nested))
        bodies = [
            e
            for e in elements
            if (e.get("itemprop") or "") in ("text", "articleBody", "commentText")
        ]
        if not bodies:
            continue
        block = _read_block(item, nested, url, timezone, now, language)
        declared = [e for e in elements if (e.get("itemprop") or "").lower() in _DATE_PROPS]
        published, date_text = block.published, block.date_text
        for element in declared:
            found, shown = _date_of(element, timezone, now, language)
            if found is not None:
                published, date_text = found, shown
                break
        text = element_text(bodies[0], _drops(bodies[0]))
        if not text:
            continue
        posts.append(
            ExtractedPost(
                post_id=_post_id(item, elements),
                position=len(posts) + 1,
                text=text,
                author=block.author,
                author_url=block.author_url,
                published_at=published,
                date_text=date_text,
                quoted_post_ids=_quote_ids(bodies[0]),
            )
        )
    return posts if len(posts) >= 2 else []


def _json_ld_items(root: HtmlElement) -> Iterator[dict[str, Any]]:
    for script in root.iter("script"):
        if "ld+json" not in (script.get("type") or ""):
            continue
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        yield from _ld_walk(data)


def _ld_walk(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _ld_walk(item)
    elif isinstance(data, dict):
        kind = data.get("@type")
        kinds = kind if isinstance(kind, list) else [kind]
        if any(k in _SCHEMA_TYPES for k in kinds if isinstance(k, str)):
            yield data
        for key, value in data.items():
            if key != "@context" and isinstance(value, dict | list):
                yield from _ld_walk(value)


def _ld_name(value: Any) -> tuple[str | None, str | None]:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict):
        name = value.get("name") or value.get("alternateName")
        return (str(name) if name else None), (str(value["url"]) if value.get("url") else None)
    return None, None


def _json_ld_posts(root: HtmlElement, url: str, timezone: str) -> list[ExtractedPost]:
    posts: list[ExtractedPost] = []
    for item in _json_ld_items(root):
        text = item.get("text") or item.get("articleBody") or item.get("commentText")
        if not isinstance(text, str) or not text.strip():
            continue
        author, author_url = _ld_name(item.get("author") or item.get("creator"))
        date = item.get("dateCreated") or item.get("datePublished")
        item_url = item.get("url") or item.get("@id")
        match = _POST_LINK.search(item_url) if isinstance(item_url, str) else None
        posts.append(
            ExtractedPost(
                post_id=match.group(1) if match else None,
                position=len(posts) + 1,
                text="\n".join(line.strip() for line in text.splitlines() if line.strip()),
                author=author,
                author_url=_joined(url, author_url),
                published_at=parse_iso(date, timezone) if isinstance(date, str) else None,
                date_text=date if isinstance(date, str) else None,
            )
        )
    return posts if len(posts) >= 2 else []


# --- the extractor ----------------------------------------------------------------------------


def _root(page: Selector | HtmlElement) -> HtmlElement:
    root = page.root if isinstance(page, Selector) else page
    return root


def structural_posts(
    root: HtmlElement, url: str, timezone: str, now: datetime | None, language: str | None
) -> list[ExtractedPost]:
    """The posts found from the page's repeated structure alone."""
    nodes = _walk(root)
    group = _best_group(nodes)
    if group is None:
        return []
    members = {m.element for m in group.members}
    reads = []
    for node in group.counting:
        nested = {e for e in node.element.iterdescendants() if e in members}
        reads.append(_read_block(node.element, nested, url, timezone, now, language))
    # a post shows its date or its author: a block with neither is no post
    reads = [b for b in reads if b.published is not None or b.author is not None]
    if len(reads) < 2:
        return []
    path = _content_path(reads)
    posts: list[ExtractedPost] = []
    for block in reads:
        content = _find_path(block, path) if path else None
        if content is None:
            continue
        content = _inner_body(content)
        text = element_text(content, _drops(content))
        if not text and (block.author is None or block.published is None):
            continue  # an empty post (an image alone) counts when it shows both
        posts.append(
            ExtractedPost(
                post_id=_post_id(block.element, block.elements),
                position=len(posts) + 1,
                text=text,
                author=block.author,
                author_url=block.author_url,
                published_at=block.published,
                date_text=block.date_text,
                quoted_post_ids=_quote_ids(content),
            )
        )
    # a thread's posts show who wrote them: a list of dated links or teasers does not
    if len(posts) < 2 or 2 * sum(post.author is not None for post in posts) < len(posts):
        return []
    return posts


def generic_posts(
    page: Selector | HtmlElement,
    url: str,
    *,
    timezone: str = "UTC",
    now: datetime | None = None,
    language: str | None = None,
) -> list[ExtractedPost]:
    """The page's posts, found with no preset; [] for a page without posts."""
    root = _root(page)
    base = root.xpath("//base/@href")
    if base:  # links are relative to the page's <base>
        url = _joined(url, str(base[0]).strip()) or url
    declared = _microdata_posts(root, url, timezone, now, language)
    found = declared or structural_posts(root, url, timezone, now, language)
    from_ld = _json_ld_posts(root, url, timezone)
    if len(from_ld) > len(found):
        return from_ld
    return found


class GenericEngine:
    """The generic extractor as an Engine (crawlers/engine.py): posts only; it knows no
    links between a forum's pages."""

    name = NAME

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

    def thread_title(self, page: Selector) -> str | None:
        return None

    def forum_links(self, page: Selector, url: str) -> list[str]:
        return []

    def thread_links(self, page: Selector, url: str) -> list[str]:
        return []

    def next_page(self, page: Selector, url: str) -> str | None:
        return None

    def thread_url(self, url: str) -> str:
        return url
