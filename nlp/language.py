"""Language identification, restricted to the languages Veille is configured for
(brands.yaml `languages`, French and English by default).

Restricting lingua to the configured languages makes it fast (0.4 s to load for two,
about 100 MB) and accurate: it answers which of those a post is in, not which of 75.
A text too short to tell, or one lingua is unsure about, is "unknown" rather than a
guess.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

UNKNOWN = "unknown"
DEFAULT_LANGUAGES = ("fr", "en")
_MIN_LETTERS = 12  # below this, even people disagree on the language
_MIN_CONFIDENCE = 0.6


def known_language(code: str) -> bool:
    """Whether lingua knows the ISO 639-1 code (fr, en, de, …)."""
    from lingua import IsoCode639_1

    return hasattr(IsoCode639_1, code.upper())


@lru_cache(maxsize=4)
def _detector(languages: tuple[str, ...]) -> Any:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    chosen = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in languages]
    if len(chosen) == 1:  # one language configured: every post long enough is taken as it
        return None
    return LanguageDetectorBuilder.from_languages(*chosen).build()


def detect_language(text: str, languages: tuple[str, ...] = DEFAULT_LANGUAGES) -> str:
    """ISO 639-1 code of the text's language among `languages`, or "unknown"."""
    if sum(ch.isalpha() for ch in text) < _MIN_LETTERS:
        return UNKNOWN
    detector = _detector(tuple(sorted(languages)))
    if detector is None:
        return languages[0]
    best = max(detector.compute_language_confidence_values(text), key=lambda c: c.value)
    if best.value < _MIN_CONFIDENCE:
        return UNKNOWN
    return str(best.language.iso_code_639_1.name).lower()
