"""Page objects: for a site whose pages need code rather than selectors, one small class
bound to its domain, with a saved page and its expected output as its test
(tests/fixtures/page_objects/<domain>/).

A page object answers what a preset answers (crawlers/engine.py): the posts of a page,
the thread's title, the links to follow. Register it with `@handles("domain")`; a source
of `kind: page_object` uses the page object of its start URLs' domain, or the one it
names (`page_object: name`).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from parsel import Selector

from crawlers.extract.post import ExtractedPost

_REGISTRY: dict[str, type[PageObject]] = {}


class PageObject:
    """Base of page objects; the defaults suit a site of single-page threads."""

    name = ""
    domains: tuple[str, ...] = ()

    def posts(
        self,
        page: Selector,
        url: str,
        *,
        timezone: str,
        now: datetime | None,
        language: str | None = None,
    ) -> list[ExtractedPost]:
        raise NotImplementedError

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


def handles(*domains: str) -> Callable[[type[PageObject]], type[PageObject]]:
    """Bind a page object class to the domains it extracts (subdomains included)."""

    def register(cls: type[PageObject]) -> type[PageObject]:
        cls.domains = domains
        cls.name = cls.name or cls.__name__
        for domain in domains:
            _REGISTRY[domain.lower()] = cls
        return cls

    return register


def _load_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def page_object_for(url: str) -> PageObject | None:
    """The page object bound to the URL's domain or to one of its parent domains."""
    _load_all()
    host = (urlsplit(url).hostname or "").lower()
    parts = host.split(".")
    for start in range(len(parts) - 1):
        cls = _REGISTRY.get(".".join(parts[start:]))
        if cls is not None:
            return cls()
    return None


def registered() -> dict[str, type[PageObject]]:
    """Page object classes by domain."""
    _load_all()
    return dict(_REGISTRY)


def page_object_named(name: str) -> PageObject | None:
    """A page object chosen by name, e.g. for a mirror of the site on another host."""
    for cls in registered().values():
        if cls.name == name:
            return cls()
    return None
