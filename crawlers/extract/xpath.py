"""Selectors compiled to XPath and run in linear time.

A selector is CSS (with parsel's `::attr(name)` and `::text`) or, when it starts with
`/`, `./`, `(` or `@`, XPath (with `has-class("name")`). Each is compiled once per
process; a descendant step after a step that finds several nodes is taken from the
outermost of those nodes only, so that each node of a page is scanned once.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from cssselect import SelectorError as CssSelectorError
from lxml import etree
from lxml.html import HtmlElement
from parsel import Selector
from parsel.csstranslator import css2xpath


class SelectorError(ValueError):
    """A selector that is not valid CSS or XPath, or that fails on a page."""


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
    except (ValueError, CssSelectorError, etree.XPathError) as err:  # bad CSS, bad XPath
        raise SelectorError(f"selector {expression!r} is not valid: {err}") from err
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
        raise SelectorError(f"selector {expression!r} failed: {err}") from err
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
