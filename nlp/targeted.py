"""What a post says about one brand: the sentences that name it.

A forum post can praise one provider and slam another; the whole post's sentiment says
little about either. The brand-targeted score is the model's score of the sentences
that name the brand, each with the sentence after it, where people often go on about it
("J'ai pris Fibrelia. Trois jours sans internet."), unless that one names another brand.
A sentence naming two brands is cut into clauses at its contrast words ("mais", "but",
"alors que", "whereas", ";"), and each brand keeps its own clauses. A brand named only
in the title gets the whole post's score.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from nlp.query import fold

# A sentence ends at . ! ? … (once or repeated) followed by a space, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
# Where a sentence turns from one thing to another: the clause after it is about
# something else (French and English).
_CONTRAST = re.compile(
    r"\s*(?:;|\s[–—]\s|,?\s+(?:mais|but|alors que|tandis que|whereas|while|however|"
    r"contrairement à|unlike|par contre|en revanche|on the other hand)\b)\s*",
    re.IGNORECASE,
)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def _names(text: str, terms: Sequence[str]) -> bool:
    folded = fold(text)
    return any(re.search(rf"(?<!\w){re.escape(fold(term))}(?!\w)", folded) for term in terms)


def _own_clauses(sentence: str, terms: Sequence[str], others: Sequence[str]) -> str:
    """The part of a sentence naming several brands that is about this one."""
    clauses = [c for c in _CONTRAST.split(sentence) if c.strip()]
    mine = [c for c in clauses if _names(c, terms) and not _names(c, others)]
    return " ".join(mine) if mine else sentence


def brand_passage(text: str, terms: Sequence[str], others: Sequence[str] = ()) -> str | None:
    """The part of `text` about the brand whose matched terms are `terms` (`others`:
    the terms matched for the post's other brands); None when no sentence names it."""
    parts = sentences(text)
    chosen: list[str] = []
    taken: set[int] = set()
    for index, sentence in enumerate(parts):
        if index in taken or not _names(sentence, terms):
            continue
        taken.add(index)
        shared = _names(sentence, others)
        chosen.append(_own_clauses(sentence, terms, others) if shared else sentence)
        # The next sentence goes on about this brand only when nothing else was named.
        following = index + 1
        if (
            not shared
            and following < len(parts)
            and following not in taken
            and not _names(parts[following], [*terms, *others])
        ):
            taken.add(following)
            chosen.append(parts[following])
    return " ".join(chosen) if chosen else None


def training_rows(corrected: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """Analysts' corrections (warehouse/corrections.py corrected_texts) as training data
    {text, label}: the whole post for a post correction, the sentences naming the brand
    for a brand correction."""
    out = []
    for row in corrected:
        terms = row.get("terms")
        passage = brand_passage(row["text"], terms) if terms else None
        out.append({"text": passage or row["text"], "label": row["label"]})
    return out
