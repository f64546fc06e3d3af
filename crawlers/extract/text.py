"""The text a reader sees in an element: one line per block, line breaks kept, spaces
collapsed, quotes and signatures left out on request."""

from __future__ import annotations

import copy

from lxml.html import HtmlElement

from crawlers.extract.shown_dates import INVISIBLE
from crawlers.extract.xpath import select

_BLOCK_TAGS = {
    "p", "div", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "tr", "dd", "dt", "dl", "section", "article", "header", "footer",
}  # fmt: skip


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
