"""What a page declares about itself and every reader of it needs: the address its
relative links start from, and its language."""

from __future__ import annotations

from urllib.parse import urljoin

from lxml.html import HtmlElement
from parsel import Selector


def _root(page: Selector | HtmlElement) -> HtmlElement:
    root = page.root if isinstance(page, Selector) else page
    assert isinstance(root, HtmlElement)
    return root


def link_base(page: Selector | HtmlElement, url: str) -> str:
    """The address the page's relative links are relative to: its `<base href>` where
    it declares one (XenForo and vBulletin boards do, "https://forum.example/"), else
    its own URL."""
    found = _root(page).xpath("//base/@href")
    if not found:
        return url
    try:
        return urljoin(url, str(found[0]).strip())
    except ValueError:  # an address that cannot be read ("http://[::1")
        return url


def page_language(page: Selector | HtmlElement) -> str | None:
    """The language the page declares (<html lang="de-DE">): its primary subtag."""
    root = _root(page)
    for element in (root, *root.iter("html")):
        value = (element.get("lang") or element.get("xml:lang") or "").strip()
        if value:
            code = value.replace("_", "-").split("-")[0].lower()
            return code if code.isalpha() and len(code) in (2, 3) else None
    return None
