"""Brand matching: which configured brands a post talks about, and with which words.

A brand's queries are terms or phrases; a post matches when one of them appears as
whole words in its title or text, whatever the case and accents ("fibrélia" matches
"Fibrelia"), French elisions included ("l'appli Fibrelia", "d'Orbix"). An `exclude`
term drops the brand from that post. Queries are compiled once per brands file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from veille.config import Brand, BrandsFile
from veille.record import BrandMatch


def fold(text: str) -> str:
    """Lower case without accents, apostrophes unified, for matching."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold().replace("’", "'")


def _pattern(terms: list[str]) -> re.Pattern[str]:
    # Whole words: no letter or digit right before or after; inner spaces flexible.
    alternatives = sorted(
        (r"\s+".join(re.escape(word) for word in fold(t).split()) for t in terms if t.strip()),
        key=len,
        reverse=True,
    )
    return re.compile(r"(?<![\w])(" + "|".join(alternatives) + r")(?![\w])")


@dataclass(frozen=True)
class _CompiledBrand:
    brand: Brand
    include: re.Pattern[str]
    exclude: re.Pattern[str] | None
    terms_by_folded: dict[str, str]


class BrandMatcher:
    def __init__(self, brands: BrandsFile):
        self._brands = [
            _CompiledBrand(
                brand=b,
                include=_pattern(b.queries),
                exclude=_pattern(b.exclude) if b.exclude else None,
                terms_by_folded={" ".join(fold(t).split()): t for t in b.queries},
            )
            for b in brands.brands
        ]

    def match(self, text: str, title: str | None = None) -> list[BrandMatch]:
        haystack = fold(f"{title}\n{text}" if title else text)
        matches = []
        for compiled in self._brands:
            if compiled.exclude is not None and compiled.exclude.search(haystack):
                continue
            found = {" ".join(m.group(1).split()) for m in compiled.include.finditer(haystack)}
            if found:
                terms = sorted(compiled.terms_by_folded.get(f, f) for f in found)
                matches.append(BrandMatch(brand=compiled.brand.name, terms=terms))
        return matches
