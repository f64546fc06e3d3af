"""Brand matching: which configured brands a post talks about, and with which words.

Each brand has queries in Veille's Boolean language (nlp/query.py): a post matches the
brand when one of its queries matches and none of its `exclude` queries does. Queries
are compiled once per brands file; a post is read once for all of them.

Thread context: a reply in a thread about a brand is about the brand too, even when it
does not name it ("useless GPS, I'm furious" under "iPhone X vs 8"). A thread is about
the brands its title matches and those its opening post names (a forum thread's first
post; `thread_brands`); its other posts get each of those brands, with
`match="context"` and the terms of the title or opening post, unless the post matches
the brand's `exclude` queries or the brand has `thread_context: false` (`in_context`).
A thread's opening post counts only when the crawl holds it: a re-crawl that resumes a
thread at its last page relies on the title, which every page shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from nlp.query import Document, Node, Or, parse_query, uses_field
from veille.core.config import Brand, BrandsFile
from veille.core.record import BrandMatch, Mention


@dataclass(frozen=True)
class _CompiledBrand:
    brand: Brand
    include: Node
    exclude: Node | None

    def excluded(self, doc: Document) -> bool:
        """Whether one of the brand's `exclude` queries matches the post."""
        return self.exclude is not None and self.exclude.match(doc, set())


@dataclass
class Thread:
    """What a crawl shows of one thread: its title, and, for a forum thread, its opening
    post's own brand matches when the crawl holds that post (position 1); `lang`: its
    posts' language, for lang: filters. An article's text is not an opening post: it
    names in passing brands its comments are not about (its title counts)."""

    lang: str | None = None
    title: str | None = None
    opening_brands: list[BrandMatch] = field(default_factory=list)

    def note(self, post: Mention) -> None:
        """Take in one post of the thread, once its own brands are matched."""
        if post.thread_title:
            self.title = post.thread_title
        if post.position == 1 and post.source_kind == "forum":
            self.opening_brands = list(post.brands)


def _any(queries: list[str]) -> Node:
    nodes = [parse_query(q) for q in queries]
    return nodes[0] if len(nodes) == 1 else Or(nodes)


class BrandMatcher:
    def __init__(self, brands: BrandsFile):
        self._brands = [
            _CompiledBrand(b, _any(b.queries), _any(b.exclude) if b.exclude else None)
            for b in brands.brands
        ]
        self.uses_thread_context = any(b.thread_context for b in brands.brands)
        self.uses_language = any(
            uses_field(node, "lang")
            for c in self._brands
            for node in (c.include, c.exclude)
            if node is not None
        )

    def match(
        self,
        text: str,
        title: str | None = None,
        *,
        url: str | None = None,
        author: str | None = None,
        lang: str | None = None,
        detect_lang: Callable[[str], str] | None = None,
    ) -> list[BrandMatch]:
        """The brands the post matches, each with the query terms found."""
        doc = Document(text, title, url, author, lang, detect_lang)
        matches = []
        for compiled in self._brands:
            found: set[str] = set()
            if not compiled.include.match(doc, found):
                continue
            if compiled.excluded(doc):
                continue
            matches.append(BrandMatch(brand=compiled.brand.name, terms=sorted(found)))
        return matches

    def thread_brands(
        self,
        thread_title: str | None,
        opening: list[BrandMatch] | None = None,
        *,
        url: str | None = None,
        lang: str | None = None,
    ) -> dict[str, list[str]]:
        """The brands a thread is about, each with the terms that make it so: the brands
        its title matches (`url`: the thread's, for site:; `lang`: its posts' language,
        for lang:) and those its opening post names (`opening`: that post's own
        matches). Brands with `thread_context: false` are left out."""
        about: dict[str, set[str]] = {}
        if thread_title and thread_title.strip():
            for m in self.match("", thread_title, url=url, lang=lang):
                about.setdefault(m.brand, set()).update(m.terms)
        for m in opening or []:
            if m.match == "text":
                about.setdefault(m.brand, set()).update(m.terms)
        allowed = {c.brand.name for c in self._brands if c.brand.thread_context}
        return {brand: sorted(terms) for brand, terms in about.items() if brand in allowed}

    def in_context(
        self,
        about: dict[str, list[str]],
        text: str,
        title: str | None = None,
        *,
        url: str | None = None,
        author: str | None = None,
        lang: str | None = None,
        detect_lang: Callable[[str], str] | None = None,
    ) -> list[BrandMatch]:
        """The brands of `about` (thread_brands) that a post of the thread is about by
        context: all but those whose `exclude` queries the post matches."""
        doc = Document(text, title, url, author, lang, detect_lang)
        matches = []
        for compiled in self._brands:
            terms = about.get(compiled.brand.name)
            if terms is None:
                continue
            if compiled.excluded(doc):
                continue
            matches.append(BrandMatch(compiled.brand.name, list(terms), match="context"))
        return matches
