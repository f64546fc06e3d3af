"""Brand matching: which configured brands a post talks about, and with which words.

Each brand has queries in Veille's Boolean language (nlp/query.py): a post matches the
brand when one of its queries matches and none of its `exclude` queries does. Queries
are compiled once per brands file; a post is read once for all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nlp.query import Document, Node, Or, parse_query, uses_field
from veille.config import Brand, BrandsFile
from veille.record import BrandMatch


@dataclass(frozen=True)
class _CompiledBrand:
    brand: Brand
    include: Node
    exclude: Node | None


def _any(queries: list[str]) -> Node:
    nodes = [parse_query(q) for q in queries]
    return nodes[0] if len(nodes) == 1 else Or(nodes)


class BrandMatcher:
    def __init__(self, brands: BrandsFile):
        self._brands = [
            _CompiledBrand(b, _any(b.queries), _any(b.exclude) if b.exclude else None)
            for b in brands.brands
        ]
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
            if compiled.exclude is not None and compiled.exclude.match(doc, set()):
                continue
            matches.append(BrandMatch(brand=compiled.brand.name, terms=sorted(found)))
        return matches
