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
   left out: phpBB's "post bg1"/"post bg2" are one; classes that alternate or mark one
   post, "rowodd", "post--even", "firstpost", and script hooks "js-…" too); elements
   sharing a signature, or a signature under the same parent signature, form a
   candidate group. A member counts when it holds user text (text outside links, of
   some length) and evidence of a post (a date or a profile link outside a quote; a
   login or sign-up link is none); the group whose counting members cover the most text
   wins, provided at least two members count and they are most of the group. A group
   whose members wrap several posts of another is left out: the posts cover half its
   text, or one of its members holds half of them (a page's frame around a short
   thread). Among groups covering nearly as much, the one whose members show both a date
   and a profile link wins (the posts, not their bodies), then the one with the most
   members, then the outermost (it carries the author and date). A lead post marked up
   apart from the replies (an element before them, near them, with text and evidence,
   of their tag with a class they all share, or built of the same inner parts: bbPress's
   topic, Vanilla's discussion) is the first post; a sibling of the posts with one more
   class (a best answer, a moderator's post) is a post.
   Old table layouts split a post over two sibling rows (author and date, then text):
   a group of text rows without evidence, each after a row with it, makes one block
   per pair.
3. Within each block: the date (microdata, time[datetime], data-time/data-timestamp,
   a title attribute holding a full date, then the shortest text that reads as a date),
   the author (microdata, then a profile link, then an element whose class names an
   author, a count beside the name left out), the post id (the block's id or data
   attribute, else a permalink or anchor), and the text: the element, at the same place
   in every block, holding the most text and neither the date nor the author. Quotes,
   signatures and edit notices are dropped. A place is named by tags and the classes
   most blocks share (odd/even, "has an ad" left out); text that several blocks repeat
   at one place (a "Re:" title, a member's details) counts for none; an element holding
   the author line and the paragraphs gives the paragraphs. Profile-link texts that
   most posts show ("Profile", "Message") are labels, not names; a member's
   joined/last-seen date is not the post's; numeric dates are read in the page's
   declared language when the source gives none. Where most posts show no linked
   author, the first place that holds a short name in nearly every post, not the same
   in all, gives it ("<b>Sober</b>"). A date word inside a sentence is no date, nor is
   one before 1980 (Unix time 0 in a theme's JSON-LD).

A page whose blocks lack that evidence (an article, a product page, a list of links)
gives no post: a false post would become a false brand mention. Each step is linear in
the page's size: one walk over the tree, then work per block.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml.html import HtmlElement
from parsel import Selector

from crawlers.extract.dates import parse_iso
from crawlers.extract.declared import link_base, page_language
from crawlers.extract.links import absolute_url, without_session
from crawlers.extract.post import ExtractedPost
from crawlers.extract.shown_dates import (
    DATE_PROPS,
    DATE_TEXT,
    FIRST_YEAR,
    date_of,
    first_date,
    is_date_marker,
    one_line,
    own_text,
)
from crawlers.extract.text import element_text

NAME = "generic"

# Never user text.
_SKIP = {"script", "style", "noscript", "template", "svg", "select", "option", "button", "iframe"}
# Page furniture: a block inside one of these is no post.
_FURNITURE = {"nav", "aside", "footer"}
# A post's text has at least this many characters that are not link text.
MIN_TEXT = 12
# Among groups whose text is at least this share of the best one's, the most members win.
_NEAR_BEST = 0.85
# The counting members must be at least this share of the group's members with text.
_COUNTING_SHARE = 0.5

# The post's text is the deepest element holding this share of the most text found at one
# place (a post's title and "Re:" line sit beside it).
_CONTENT_SHARE = 0.85
# A class names a place in a post when at least this share of the blocks use it; these
# alternate from post to post.
_COMMON_CLASS = 0.6
# A profile link's text that at least this share of the posts show is a label.
_LABEL_SHARE = 0.8
# A place that shows one link text per this many posts or fewer shows labels.
_FEW_NAMES = 8
# The shares of posts with an author and with a date below which repeated blocks found
# with no preset are not taken for a thread (see reads_like_a_thread).
THREAD_EVIDENCE = 0.8
# A place names the authors of bare-name posts when it holds a name in this share of them.
_NAME_PLACE_SHARE = 0.8
_PARITY = {"odd", "even", "alt", "first", "last", "new", "old", "unread", "read"}
# The same words joined to another ("rowodd"/"roweven" in FluxBB, "firstpost", "row-last").
_PARITY_JOINED = re.compile(
    r"^(?:odd|even|first|last)[-_]*\w|\w[-_]*(?:odd|even|first|last)$", re.I
)
# Classes that script hooks onto ("js-toggle-target"): behaviour, not a kind of element.
_SCRIPT_HOOK = re.compile(r"^js[-_]", re.I)

_SCHEMA_TYPES = ("DiscussionForumPosting", "Comment", "Answer", "Question", "SocialMediaPosting")

_DIGITS = re.compile(r"\d+")
# A link to a member's profile: the words engines and CMSs put in such paths.
_PROFILE = re.compile(
    r"(?:^|[/?&._=#-])(?:members?|users?|profiles?|u|uid|userid|user_id|author|authors"
    r"|viewprofile|showuser|benutzer|membres?|utilisateurs?|people|profil|mitglied\w*)"
    r"(?:[/?&._=-]|\d|$)",
    re.IGNORECASE,
)
# A member's account pages, not a member: "user_login.pl", "/users/sign_in".
_ACCOUNT = re.compile(r"log_?(?:in|out|on|off)|sign_?(?:in|up|on)|regist|passw", re.IGNORECASE)
_ABSOLUTE = re.compile(r"(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_AUTHOR_CLASS = re.compile(r"author|user|poster|nick|member|byline|\bfn\b", re.IGNORECASE)
_NOT_AUTHOR_CLASS = re.compile(r"avatar|title|rank|info|stats|signature|sig\b", re.IGNORECASE)
# What a post's text leaves out: quoted replies, signatures, edit notices.
_DROP_CLASS = re.compile(
    r"quote|citation|zitat|signature|(?:^|[-_\s])sig(?:$|[-_\s])"
    r"|edit(?:ed|note|notice|_note|-note)|lastedit"
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
_AUTHOR_ATTRIBUTES = ("data-author", "data-username", "data-user-name", "data-poster")
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
    date_text: int = 0  # characters of dates shown, outside links
    furniture: bool = False
    in_link: bool = False


def _classes(element: HtmlElement) -> list[str]:
    """The element's classes, digits left out ("bg1", "bg2": "bg"), without those that
    alternate from post to post (odd, even, rowodd) or mark one post (firstpost)."""
    value = element.get("class") or ""
    names = {_DIGITS.sub("", name) for name in value.split() if name}
    return sorted(name for name in names if not _alternates(name))


def _alternates(name: str) -> bool:
    """Whether a class alternates from post to post (odd, `post--even`), marks one post
    of a series (firstpost), or is a script's hook, not a kind of element."""
    return bool(name.lower() in _PARITY or _PARITY_JOINED.search(name) or _SCRIPT_HOOK.search(name))


def _signature(element: HtmlElement) -> str:
    classes = _classes(element)
    return element.tag + "".join("." + name for name in classes[:4])


def _length(text: str | None) -> int:
    """Characters of text, spaces left out."""
    return sum(len(word) for word in text.split()) if text else 0


def _is_profile_link(element: HtmlElement) -> bool:
    if element.tag != "a":
        return False
    href = element.get("href") or ""
    if not href or href.startswith(("javascript:", "mailto:")):
        return False
    if element.get("rel") == "author" or (element.get("itemprop") or "") == "author":
        return True
    # the path and query: a host's name ("user.example.org") says nothing
    absolute = _ABSOLUTE.match(href)
    path = href[absolute.end() :].partition("/")[2] if absolute else href
    return _PROFILE.search(path) is not None and _ACCOUNT.search(path) is None


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
        node.in_link = bool(up and up.in_link) or element.tag == "a"
        own = _length(element.text) + sum(_length(child.tail) for child in element)
        node.text = own
        if element.tag == "a":
            node.link_text = own
        node.dates = int(is_date_marker(element))
        if node.dates and not node.in_link:
            node.date_text = own
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
        up.date_text += node.date_text
        up.profiles += node.profiles
    return nodes


@dataclass
class _Group:
    members: list[_Node]
    counting: list[_Node]
    covered: int
    depth: float
    # a post split over two sibling elements (a table row with the author and date,
    # then a row with the text): each counting member's sibling before it
    heads: dict[HtmlElement, HtmlElement] = field(default_factory=dict)
    # the counting members that show both a date and a profile link (their heads' too)
    signed: int = 0


def _user_text(node: _Node) -> int:
    """What a person wrote: the text that is neither links nor dates."""
    return max(0, node.text - node.link_text - node.date_text)


def _previous_element(element: HtmlElement) -> HtmlElement | None:
    previous = element.getprevious()
    while previous is not None and not isinstance(previous.tag, str):  # a comment
        previous = previous.getprevious()
    return previous


def _split_posts(outer: list[_Node], index: dict[HtmlElement, _Node]) -> dict[HtmlElement, _Node]:
    """The members holding a post's text but no evidence of one, whose sibling just
    before them shows the author or date: old table layouts give each post a header row
    and a text row (of the same kind or not). Each such member with that sibling's
    node."""
    heads = {}
    for member in outer:
        if _user_text(member) < MIN_TEXT or member.dates or member.profiles:
            continue
        previous = _previous_element(member.element)
        head = index.get(previous) if previous is not None else None
        if head is not None and (head.dates or head.profiles):
            heads[member.element] = head
    return heads


def _groups(nodes: list[_Node]) -> Iterator[_Group]:
    index = {node.element: node for node in nodes}
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
        heads: dict[HtmlElement, HtmlElement] = {}
        # members without text (a row of buttons, a spacer row after each post) neither
        # count nor count against the group
        worded = sum(1 for m in outer if _user_text(m) >= MIN_TEXT)
        split = _split_posts(outer, index)
        # the text rows, each after its header row, hold more than the header rows
        split_text = sum(_user_text(m) for m in outer if m.element in split)
        if len(split) >= 2 and split_text > sum(_user_text(m) for m in counting):
            heads = {element: head.element for element, head in split.items()}
            counting = [m for m in outer if m.element in split]
            worded -= len({id(h) for h in split.values() if _user_text(h) >= MIN_TEXT})
        if len(counting) < 2 or len(counting) < _COUNTING_SHARE * worded:
            continue
        # a member holding nested members (threaded comments) counts its own text
        covered = sum(_user_text(m) for m in counting)
        depth = sum(len(list(m.element.iterancestors())) for m in counting) / len(counting)
        signed = 0
        for m in counting:
            head = split.get(m.element) if heads else None
            dates, profiles = (
                m.dates + (head.dates if head else 0),
                m.profiles + (head.profiles if head else 0),
            )
            signed += bool(dates and profiles)
        yield _Group(members, counting, covered, depth, heads, signed)


def _containers(groups: list[_Group]) -> set[int]:
    """The groups whose members wrap several posts of another group, with more members:
    that group covers at least half their text, or one of their members holds at least
    half of its members (a page's frame around a short thread, among other frames).
    Quotes are no such posts: a reply quoting two others is still one post."""
    member_of: dict[HtmlElement, list[int]] = defaultdict(list)
    for number, group in enumerate(groups):
        for node in group.counting:
            if not _quote_like(node.element):
                member_of[node.element].append(number)
    inside: dict[tuple[int, int], int] = defaultdict(int)
    held: dict[tuple[int, int], dict[HtmlElement, int]] = defaultdict(lambda: defaultdict(int))
    for number, group in enumerate(groups):
        for node in group.counting:
            for ancestor in node.element.iterancestors():
                for outer in member_of.get(ancestor, ()):
                    if outer != number:
                        inside[outer, number] += _user_text(node)
                        held[outer, number][ancestor] += 1
    found = set()
    for (outer, inner), text in inside.items():
        if len(groups[inner].counting) <= len(groups[outer].counting):
            continue
        most = max(held[outer, inner].values())
        if most < 2:  # each holds one: a post and its body, not a wrapper of posts
            continue
        posts = groups[inner]
        # a frame around a thread: the posts in it show who wrote them and when
        framed = most >= 0.5 * len(posts.counting) and 2 * posts.signed >= len(posts.counting)
        if text >= 0.5 * groups[outer].covered or framed:
            found.add(outer)
    return found


def _quote_like(element: HtmlElement) -> bool:
    return element.tag == "blockquote" or _DROP_CLASS.search(element.get("class") or "") is not None


def _one_block(head: HtmlElement, body: HtmlElement) -> HtmlElement:
    """A post's two sibling elements as one block (copies, the page left as it is)."""
    block = head.makeelement("div", {})
    block.extend([deepcopy(head), deepcopy(body)])
    for copy in block:
        copy.tail = None
    return block


# How far above the first reply a lead post is looked for (Vanilla puts the discussion
# four levels above the list of its comments).
_LEAD_SCOPE = 5
# A lead post with classes of its own is built like a reply: at least this share of the
# classes used inside either is used inside both.
_ALIKE = 0.5


def _lead_post(group: _Group, nodes: list[_Node]) -> _Node | None:
    """The thread's first post where its markup differs from the replies' (bbPress's
    topic before its replies, Vanilla's discussion before its comments): an element
    before the first member, near it in the tree, holding user text and evidence of a
    post, inside no member and holding none, and either of the members' tag with a
    class they all share or built of the same parts (_alike); the one most alike."""
    first = group.counting[0].element
    shared = set.intersection(*(set(_classes(node.element)) for node in group.counting))
    parts = _inner_classes(first)
    scope = first
    for _ in range(_LEAD_SCOPE):
        parent = scope.getparent()
        if parent is None:
            break
        scope = parent
    members = {node.element for node in group.members}
    by_element = {node.element: node for node in nodes}
    lead, lead_alike = None, -1.0
    for element in scope.iterdescendants():
        if element is first:
            break
        node = by_element.get(element)
        if (
            node is not None
            and element not in members
            and _user_text(node) >= MIN_TEXT
            and (node.dates > 0 or node.profiles > 0)
            and not any(m in members for m in element.iterdescendants())
            and not any(a in members for a in element.iterancestors())
        ):
            alike = _alike(element, parts)
            kin = element.tag == first.tag and shared & set(_classes(element))
            if (kin or alike >= _ALIKE) and alike > lead_alike:
                lead, lead_alike = node, alike
    return lead


def _with_marked_posts(group: _Group, nodes: list[_Node]) -> list[_Node]:
    """The group's posts with their siblings that carry one more class (a best answer,
    a moderator's or a highlighted post: `post post--bestanswer`): of the members' tag,
    with every class the members share, user text and evidence of a post; in page
    order."""
    shared = set.intersection(*(set(_classes(node.element)) for node in group.counting))
    if not shared or group.heads:
        return group.counting
    tag = group.counting[0].element.tag
    members = {node.element for node in group.members}
    parents = {node.element.getparent() for node in group.counting}
    order = {node.element: number for number, node in enumerate(nodes)}
    marked = [
        node
        for node in nodes
        if node.element.getparent() in parents
        and node.element.tag == tag
        and node.element not in members
        and shared <= set(_classes(node.element))
        and _user_text(node) >= MIN_TEXT
        and (node.dates > 0 or node.profiles > 0)
    ]
    return sorted(group.counting + marked, key=lambda node: order[node.element])


def _inner_classes(element: HtmlElement) -> set[str]:
    return {name for inner in element.iterdescendants() for name in _classes(inner)}


def _alike(element: HtmlElement, parts: set[str]) -> float:
    """How far an element is built of the same parts as a post: the share of the classes
    used inside either ("AuthorWrap", "Item-Body", "Message") used inside both."""
    own = _inner_classes(element)
    return len(own & parts) / len(own | parts) if own | parts else 0.0


def _best_group(nodes: list[_Node]) -> _Group | None:
    groups = list(_groups(nodes))
    containers = _containers(groups)
    groups = [group for number, group in enumerate(groups) if number not in containers]
    if not groups:
        return None
    best = max(group.covered for group in groups)
    near = [group for group in groups if group.covered >= _NEAR_BEST * best]
    # posts show who wrote them and when: a group of parts of posts that show only the
    # date (the text and its date below it) yields to the posts
    return max(near, key=lambda g: (g.signed, len(g.counting), g.covered, -g.depth))


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


def _author_of(
    elements: list[HtmlElement], block: HtmlElement, url: str, labels: frozenset[str] = frozenset()
) -> tuple[str | None, str | None, HtmlElement | None]:
    """The author's name and profile URL, and the element that shows them. `labels`: link
    texts that every post shows (a "Profile" link), which name no one."""

    def _is_name(name: str) -> bool:
        return _name_like(name) and name.casefold() not in labels

    for element in elements:
        prop = (element.get("itemprop") or "").lower()
        if prop == "author" or prop == "creator":
            names = element.xpath(".//*[@itemprop='name']")
            name = one_line((names[0] if names else element).text_content()) or one_line(
                element.get("content")
            )
            # the profile link inside it, or around it (<a><span itemprop=author>)
            link = element if element.tag == "a" else next(iter(element.xpath(".//a[@href]")), None)
            if link is None:
                link = next(iter(element.xpath("ancestor::a[@href][1]")), None)
            href = link.get("href") if link is not None else None
            if name and len(name) <= 80:
                return name, without_session(absolute_url(url, href)), element
    declared = next(
        (one_line(block.get(name)) for name in _AUTHOR_ATTRIBUTES if block.get(name)), None
    )
    profiles = [e for e in elements if _is_profile_link(e) and not _in_quote(e, block)]
    for element in profiles:
        name = one_line(element.text_content())
        if _is_name(name):
            # the same profile's other links: the avatar's initial, the full name
            href = element.get("href")
            same = [e for e in profiles if e.get("href") == href]
            element = max(same, key=lambda e: len(one_line(e.text_content())))
            name = one_line(element.text_content())
            if declared and declared.casefold() != name.casefold():
                continue
            return name, without_session(absolute_url(url, href)), element
    if declared and _is_name(declared):
        return declared, None, None
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
                and not _NOT_AUTHOR_CLASS.search(e.get("class") or "")
                and _name_like(one_line(e.text_content()))
            ]
            if inner:  # "<div class=comment-author><cite class=fn>A</cite> says:</div>"
                element = inner[-1]
            link = next(iter(element.xpath(".//a[@href]")), None)
            name = _name_text(link if link is not None else element)
            if not _is_name(name):  # "<h3 class=userText>A <em class=userTitle>…"
                name = own_text(element)
            if not _is_name(name):
                name = _name_text(element)
            if _is_name(name):
                href = link.get("href") if link is not None else None
                return name, without_session(absolute_url(url, href)), element
    return None, None, None


_LETTER = re.compile(r"[^\W\d_]")


def _name_text(element: HtmlElement) -> str:
    """The element's text on one line, without the inner elements that hold no letter
    (a reputation or post count beside the name: "Wanyoike Alex <span>5</span>")."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and _LETTER.search(child.text_content()):
            parts.append(_name_text(child))
        parts.append(child.tail or "")
    return one_line(" ".join(parts))


def _name_like(name: str) -> bool:
    """A display name: short, with a letter, not a date."""
    return 0 < len(name) <= 60 and _LETTER.search(name) is not None and not DATE_TEXT.search(name)


def _post_id(block: HtmlElement, elements: list[HtmlElement]) -> str | None:
    for element in (block, *elements[1:4]):
        for name in _ID_ATTRIBUTES:
            value = element.get(name) or ""
            if _DIGITS.search(value):
                return value
        value = element.get("id") or ""
        if _DIGITS.search(value):
            return value
    own = [e for e in elements if e.tag == "a" and not _in_quote(e, block)]
    for element in own:  # the post's own anchor (<a name="t1885526">)
        value = element.get("name") or ""
        if _DIGITS.search(value):
            return value
    previous = block.getprevious()  # an anchor just before the post
    for element in (previous,) if previous is not None else ():
        for anchor in (element, *element.xpath(".//a[@name or @id]")[:2]):
            value = anchor.get("name") or anchor.get("id") or ""
            if _DIGITS.search(value):
                return value
    for element in own:  # a permalink
        match = _POST_LINK.search(element.get("href") or "")
        if match:
            return match.group(1)
    return None


def _common_classes(blocks: list[_Block]) -> set[str]:
    """The class names (digits left out) that most blocks use: those that name a place
    in a post. A class that only some posts carry (odd/even, the thread starter's, a
    moderator's, "has an ad") would make the same place look different from post to
    post."""
    seen: dict[str, int] = defaultdict(int)
    for block in blocks:
        for name in {name for element in block.elements for name in _classes(element)}:
            seen[name] += 1
    return {
        name
        for name, number in seen.items()
        if number >= _COMMON_CLASS * len(blocks) and not _alternates(name)
    }


def _place_paths(block: _Block, common: set[str]) -> None:
    """Each element's place in the block: the tags and common classes down from it.
    Siblings whose classes differ only by their digits ("messCase1", "messCase2": the
    author's cell and the post's) are two places, told apart by those digits."""
    paths = {block.element: ""}
    for element in block.elements[1:]:
        parent = element.getparent()
        names = [name for name in _classes(element) if name in common][:4]
        step = element.tag + "".join("." + name for name in names)
        if parent is not None and _numbered_apart(element, parent):
            step += "~" + "".join(_DIGITS.findall(element.get("class") or ""))
        paths[element] = f"{paths.get(parent, '')}/{step}"
    block.paths = {element: path.lstrip("/") for element, path in paths.items()}


def _numbered_apart(element: HtmlElement, parent: HtmlElement) -> bool:
    """Whether a sibling has the same tag and classes but for their digits."""
    raw = element.get("class") or ""
    if not _DIGITS.search(raw):
        return False
    stripped = _classes(element)
    return any(
        sibling is not element
        and sibling.tag == element.tag
        and (sibling.get("class") or "") != raw
        and _classes(sibling) == stripped
        for sibling in parent
    )


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
    url: str = ""
    paths: dict[HtmlElement, str] = field(default_factory=dict)
    avoid: set[HtmlElement] = field(default_factory=set)


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
    published, date_text, date_element = first_date(
        (e for e in elements if not _in_quote(e, block)), timezone, now, language
    )
    return _Block(
        block,
        elements,
        author,
        author_url,
        author_element,
        published,
        date_text,
        date_element,
        url,
    )


def _relabel_authors(blocks: list[_Block], url: str) -> None:
    """A profile link's text that (nearly) every post shows ("Profile", "Message") is a
    label, not a name: the authors are read again without such labels, unless that
    leaves most posts without one."""
    if len(blocks) < 3:
        return
    shown: dict[str, int] = defaultdict(int)
    at_place: dict[str, set[str]] = defaultdict(set)
    place_blocks: dict[str, int] = defaultdict(int)
    linking = 0  # blocks with profile links
    for block in blocks:
        links = {e: one_line(e.text_content()).casefold() for e in block.elements}
        links = {e: text for e, text in links.items() if text and _is_profile_link(e)}
        for text in set(links.values()):
            shown[text] += 1
        linking += bool(links)
        for place in {block.paths[e] for e in links}:
            place_blocks[place] += 1
        for element, text in links.items():
            at_place[block.paths[element]].add(text)
    # a text most posts show; the few texts a place shows in many posts (a row of
    # "Profile", "Message" links), where names would vary from post to post
    labels = frozenset(
        {t for t, n in shown.items() if n >= max(3, _LABEL_SHARE * linking)}
        | {
            text
            for place, texts in at_place.items()
            if len(texts) * _FEW_NAMES <= place_blocks[place]
            for text in texts
        }
    )
    if not labels or not any(b.author and b.author.casefold() in labels for b in blocks):
        return
    found = [_author_of(b.elements, b.element, url, labels) for b in blocks]
    if 2 * sum(name is not None for name, _, _ in found) < len(blocks):
        return  # no other name: the one all posts show is their author's after all
    for block, (name, href, element) in zip(blocks, found, strict=True):
        if name is not None and block.author and block.author.casefold() in labels:
            block.author, block.author_url, block.author_element = name, href, element


# Elements that show a bare name in the posts of old boards ("<b>Sober</b>").
_NAME_TAGS = {"b", "strong", "span", "cite", "em", "font", "div", "p", "td", "h3", "h4", "h5"}


def _placed_authors(blocks: list[_Block]) -> None:
    """Posts that show their author as a bare name (no profile link, no class naming an
    author): the first place, the same in (nearly) every post, holding only a short
    name that is not the same in every post (a label) nor a date. Blocks with an author
    keep theirs."""
    if len(blocks) < 2 or 2 * sum(b.author is not None for b in blocks) >= len(blocks):
        return
    names: dict[str, dict[int, tuple[str, HtmlElement]]] = defaultdict(dict)
    first_at: dict[str, int] = {}
    for number, block in enumerate(blocks):
        for order, element in enumerate(block.elements):
            if element.tag not in _NAME_TAGS or _in_quote(element, block):
                continue
            if any(isinstance(c.tag, str) and one_line(c.text_content()) for c in element):
                continue  # a name is a leaf
            name = one_line(element.text_content())
            if not (_name_like(name) and len(name) <= 40 and len(name.split()) <= 4):
                continue
            place = block.paths[element]
            if number not in names[place]:
                names[place][number] = (name, element)
                first_at[place] = min(first_at.get(place, order), order)
    places = [
        place
        for place, found in names.items()
        if len(found) >= _NAME_PLACE_SHARE * len(blocks)
        and len({name.casefold() for name, _ in found.values()}) > 1
    ]
    if not places:
        return
    place = min(places, key=lambda p: first_at[p])
    for number, block in enumerate(blocks):
        if block.author is None and number in names[place]:
            block.author, block.author_element = names[place][number]


def _evidence(block: _Block) -> set[HtmlElement]:
    """The block's elements that show the post's date or its author (the author's other
    links too: the avatar's). Other profile links and dates are not evidence: a post's
    text may mention a member or a day."""
    found = {e for e in (block.author_element, block.date_element) if e is not None}
    if block.author_url:
        for element in block.elements[1:]:
            href = element.get("href") if element.tag == "a" else None
            if (
                href
                and without_session(absolute_url(block.url, href)) == block.author_url
                and not _in_quote(element, block.element)
            ):
                found.add(element)
    return found


def _content_path(blocks: list[_Block]) -> str | None:
    """The place, the same in every block, of the element holding the post's text: the
    most text over all blocks, in elements that do not sit inside what shows the date or
    the author. An element that holds them (a comment whose paragraphs follow its author
    line) counts the text of its other children: those are left out of the post."""
    totals: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    several: set[str] = set()
    # the text of each place in each block; a text that several blocks show at the same
    # place (a title "Re: …", a member's details, a signature) is no one post's text
    shown = [{e: one_line(e.text_content()) for e in block.elements} for block in blocks]
    repeats: dict[tuple[str, str], int] = defaultdict(int)
    for block, texts_of in zip(blocks, shown, strict=True):
        for key in {(block.paths[e], text) for e, text in texts_of.items() if text}:
            repeats[key] += 1
    for block, texts_of in zip(blocks, shown, strict=True):
        evidence = _evidence(block)
        avoid: set[HtmlElement] = set(evidence)
        for element in evidence:
            avoid.update(element.iterancestors())
        block.avoid = avoid
        novel = _novel_text(block, texts_of, repeats)
        seen: dict[str, int] = defaultdict(int)
        texts: dict[str, int] = {}
        for element in block.elements:
            if element in evidence or element.tag in ("a", "br", "img"):
                continue
            if any(a in evidence for a in element.iterancestors()):
                continue
            path = block.paths[element]
            seen[path] += 1
            if element in avoid:
                texts[path] = _length(element.text) + sum(
                    novel.get(child, 0) + _length(child.tail)
                    for child in _kept_children(element, avoid)
                )
            else:
                texts[path] = novel[element]
        for path, number in seen.items():
            if number == 1:
                totals[path] += texts[path]
                counts[path] += 1
            else:  # a place some post repeats (its paragraphs) holds no one post's text
                several.add(path)
    if not totals:
        return None
    enough = [p for p in totals if counts[p] >= 0.6 * len(blocks) and p not in several]
    if not enough:
        return None
    best = max(totals[p] for p in enough)
    if best == 0:
        return None
    near = [p for p in enough if totals[p] >= _CONTENT_SHARE * best]
    return max(near, key=lambda p: (p.count("/") + bool(p), totals[p]))


def _novel_text(
    block: _Block, texts_of: dict[HtmlElement, str], repeats: dict[tuple[str, str], int]
) -> dict[HtmlElement, int]:
    """Each element's text, less that of the parts whose text other blocks repeat at the
    same place."""
    repeated: dict[HtmlElement, int] = {}
    inner: dict[HtmlElement, int] = defaultdict(int)
    for element in reversed(block.elements):  # children before their parents
        text = texts_of[element]
        if text and repeats[block.paths[element], text] >= 2:
            repeated[element] = _length(text)
        else:
            repeated[element] = inner[element]
        parent = element.getparent()
        if element is not block.element and parent is not None:
            inner[parent] += repeated[element]
    return {e: _length(texts_of[e]) - repeated[e] for e in block.elements}


def _kept_children(element: HtmlElement, avoid: set[HtmlElement]) -> list[HtmlElement]:
    """The children of an element holding the date or author that belong to the post:
    not those that show the date or author, nor a bare link (Reply, Quote)."""
    kept = []
    for child in element:
        if not isinstance(child.tag, str) or child in avoid or child.tag in _SKIP:
            continue
        links = sum(_length(a.text_content()) for a in child.iter("a"))
        text = _length(child.text_content())
        if text and links >= text and text <= 30:
            continue
        kept.append(child)
    return kept


def _post_body(content: HtmlElement, avoid: set[HtmlElement]) -> HtmlElement:
    """The content element, without the children that show the date or author when it
    holds them."""
    if content not in avoid:
        return content
    kept = {id(child) for child in _kept_children(content, avoid)}
    copy = deepcopy(content)
    for original, copied in zip(list(content), list(copy), strict=True):
        if isinstance(original.tag, str) and id(original) not in kept:
            copied.drop_tree()
    return copy


def _largest_text(block: _Block) -> HtmlElement | None:
    """The element of the block holding the most text and neither its date nor its
    author: the text of a lead post whose markup the replies do not share."""
    evidence = _evidence(block)
    best, longest = None, 0
    for element in block.elements:
        if element in block.avoid or any(a in evidence for a in element.iterancestors()):
            continue
        length = _length(element.text_content())
        if length > longest:
            best, longest = element, length
    return best


def _has_media(content: HtmlElement) -> bool:
    return any(
        isinstance(e.tag, str) and e.tag in ("img", "video", "audio", "iframe", "embed", "object")
        for e in content.iter()
    )


def _inner_body(content: HtmlElement) -> HtmlElement:
    """The post's body when the engine marks it up as a blockquote (vBulletin's
    blockquote.postcontent), so that dropping quotes does not drop the post."""
    total = _length(content.text_content())
    for quote in content.iter("blockquote"):
        if total and _length(quote.text_content()) >= 0.8 * total:
            return quote
    return content


def _find_path(block: _Block, path: str) -> HtmlElement | None:
    """The block's element at that place; else the one element whose place differs only
    by steps with no class on one side (a row of the posts already read, whose class
    most posts do not share); else the one element at the same tags."""
    for element in block.elements:
        if block.paths[element] == path:
            return element
    for same in (_same_but_unnamed, _same_tags):
        found = [e for e in block.elements if same(block.paths[e], path)]
        if len(found) == 1:
            return found[0]
    return None


def _same_but_unnamed(one: str, other: str) -> bool:
    def same(step: str, other_step: str) -> bool:
        tag, _, names = step.partition(".")
        other_tag, _, other_names = other_step.partition(".")
        return tag == other_tag and (names == other_names or not names or not other_names)

    steps, others = one.split("/"), other.split("/")
    return len(steps) == len(others) and all(map(same, steps, others))


def _same_tags(one: str, other: str) -> bool:
    return _tags_only(one) == _tags_only(other)


def _tags_only(path: str) -> str:
    return "/".join(step.partition(".")[0] for step in path.split("/"))


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
        declared = [e for e in elements if (e.get("itemprop") or "").lower() in DATE_PROPS]
        published, date_text = block.published, block.date_text
        for element in declared:
            found, shown = date_of(element, timezone, now, language)
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
        published = parse_iso(date, timezone) if isinstance(date, str) else None
        if published is not None and published.year < FIRST_YEAR:
            published = None  # "1970-01-01T00:00:00+0000": a template's empty date
        posts.append(
            ExtractedPost(
                post_id=match.group(1) if match else None,
                position=len(posts) + 1,
                text="\n".join(line.strip() for line in text.splitlines() if line.strip()),
                author=author,
                author_url=absolute_url(url, author_url),
                published_at=published,
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
    lead = _lead_post(group, nodes)
    reads = []
    counting = _with_marked_posts(group, nodes)
    for node in ([lead] if lead and lead not in counting else []) + counting:
        element = node.element
        if element in group.heads:  # one block of copies of the two
            element = _one_block(group.heads[element], element)
        nested = {e for e in element.iterdescendants() if e in members}
        reads.append(_read_block(element, nested, url, timezone, now, language))
    common = _common_classes(reads)
    for block in reads:
        _place_paths(block, common)
    _relabel_authors(reads, url)
    _placed_authors(reads)
    # a post shows its date or its author: a block with neither is no post
    reads = [b for b in reads if b.published is not None or b.author is not None]
    if len(reads) < 2:
        return []
    path = _content_path(reads)
    posts: list[ExtractedPost] = []
    for block in reads:
        content = _find_path(block, path) if path is not None else None
        if content is None and lead is not None and block.element is lead.element:
            content = _largest_text(block)
        if content is None:
            continue
        content = _inner_body(_post_body(content, block.avoid))
        text = element_text(content, _drops(content))
        if not text and (
            block.author is None or block.published is None or not _has_media(content)
        ):
            continue  # an empty post (an image alone) counts when it shows both; an ad
            # slot dressed as a post (an empty box) does not
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
    url = link_base(root, url)
    if language is None:  # the page's own: "12.03.2020" on a German page is 12 March
        language = page_language(root)
    declared = _microdata_posts(root, url, timezone, now, language)
    found = declared or structural_posts(root, url, timezone, now, language)
    from_ld = _json_ld_posts(root, url, timezone)
    # JSON-LD a theme fills in badly (no dates) does not replace the markup's posts
    if len(from_ld) > len(found) and (not found or reads_like_a_thread(from_ld)):
        return from_ld
    return found


def reads_like_a_thread(posts: list[ExtractedPost]) -> bool:
    """Whether blocks found with no preset are a thread's or a comment section's posts:
    at least two, and (nearly) all of them signed and dated, as messages are. Repeated
    blocks of an article page (related articles, a share bar, a tag list) seldom are:
    on trafilatura's 81 article pages the generic extractor finds such blocks on 8, and
    this keeps 2 of them (bench/forums.py measures what it costs on threads)."""
    if len(posts) < 2:
        return False
    signed = sum(1 for post in posts if post.author or post.author_url)
    dated = sum(1 for post in posts if post.published_at is not None)
    return min(signed, dated) >= THREAD_EVIDENCE * len(posts)
