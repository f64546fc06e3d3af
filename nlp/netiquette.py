"""Netiquette flags: rule-based checks for the forums a brand owns, beside the toxicity
heads of nlp/moderation.py. A community manager moderating an owned community also
wants to know when a post gives away personal data (an e-mail address, a phone number),
shouts (all caps), or links to a competitor's site. These are rules, not a model, so
they work in French too, where there is no toxicity head.

Why regexes rather than Microsoft Presidio: Presidio needs spaCy models downloaded at
run time and is English-first; a small, tested pattern set covers e-mail addresses and
French and international phone numbers, in pure Python.

False positives cost a moderator time, so every rule is conservative: a price, a date,
a time, a version or an order number is not a phone number, and an acronym is not
shouting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

NETIQUETTE_FLAGS = ("personal_data", "shouting", "competitor_link")

SHOUTING_MIN_LETTERS = 12  # fewer letters than this ("MERCI !!") is too short to shout
SHOUTING_MIN_UPPER = 0.7  # share of uppercase letters, over the whole post
ACRONYM_MAX_LETTERS = 4  # SAV, SFR, 4G, iOS, USA, OK, eSIM: not shouting

# A pragmatic address, not RFC 5322; "[at]" and "(at)" are the usual light disguises.
_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]+(?:@|\s?[\[(]at[\])]\s?)[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b",
    re.IGNORECASE,
)

# A link: optional scheme, a dotted host ending in a letters-only TLD, optional port and
# path. The lookbehind keeps hosts inside e-mail addresses and longer names out; the
# lookahead rejects "orbix.fr.evil.com" cut short and "orbix.fr-promo".
_URL = re.compile(
    r"(?<![\w@.-])(?:https?://)?"
    r"(?P<host>(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63})\.?(?::\d{1,5})?"
    r"(?P<path>[/?#][^\s<>\"]*)?"
    r"(?![\w@-]|\.\w)",
    re.IGNORECASE,
)

_SEP = r"[ \u00a0\u202f.-]"  # French typists use (narrow) no-break spaces too

# French numbers: 0 then 1-9 then four pairs, or +33 / 0033 (and an optional "(0)")
# then 1-9 and four pairs. One separator throughout (backreference), so a date such as
# 06.12.2024 does not pass; no digit or grouped digits on either side, so the pairs
# are not cut out of a longer reference number.
_FRENCH_PHONE = (
    rf"(?:(?:\+|00)33{_SEP}?(?:\(0\){_SEP}?)?|0)[1-9]"
    rf"(?P<sep>{_SEP}?)\d{{2}}(?:(?P=sep)\d{{2}}){{3}}(?!\d|[.,]\d|(?P=sep)\d)"
)
# International: "+", a country code (or the whole number unspaced), a first group that
# may be one digit ("+33 6") or in brackets ("+1 (415)"), then groups of 2 digits or
# more (a German "+49 30 1234567"). _is_phone then checks the digit count and amounts.
_INTERNATIONAL_PHONE = (
    rf"\+[1-9]\d{{0,14}}"
    rf"(?:(?:{_SEP}?\(0\){_SEP}?|{_SEP}?\(\d{{1,4}}\){_SEP}?|{_SEP})\d{{1,10}})?"
    rf"(?:{_SEP}\d{{2,10}})*(?!\d|[.,]\d)"
)
_PHONE = re.compile(
    rf"(?<![\w+])(?<!\d[ .,/-])(?:(?P<fr>{_FRENCH_PHONE})|(?P<intl>{_INTERNATIONAL_PHONE}))"
)
_CURRENCY_AFTER = re.compile(r"\s?(?:[€$£%]|euros?\b|dollars?\b)", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")


def _blank(pattern: re.Pattern[str], text: str) -> str:
    """The text with the pattern's matches replaced by spaces (offsets are kept)."""
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _is_phone(match: re.Match[str], text: str) -> bool:
    """Whether an international-looking match is a phone number, not an amount."""
    written = match.group(0)
    digits = re.sub(r"\D", "", written.replace("(0)", ""))
    if not 8 <= len(digits) <= 15 or _CURRENCY_AFTER.match(text, match.end()):
        return False
    if digits.startswith("33") and len(digits) != 11:  # +33: nine digits after it
        return False
    groups = re.split(_SEP + "+", written)
    if len(groups) == 1:  # unspaced: "+15000000" is a count more often than a number
        return len(digits) >= 10
    # "+12 500 000" (abonnés) is thousands grouping; a Spanish "+34 612 345 678" is not
    return not (all(len(g) == 3 for g in groups[1:]) and groups[-1] == "000")


def personal_data_spans(text: str) -> list[tuple[int, int, str]]:
    """Where the post gives an e-mail address or a phone number: (start, end, "email" or
    "phone"), in the order they appear."""
    found = [(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    # Digits inside addresses and URLs (order numbers, ids) are not phone numbers.
    rest = _blank(_URL, _blank(_EMAIL, text))
    found += [
        (m.start(), m.end(), "phone")
        for m in _PHONE.finditer(rest)
        if m.group("fr") or _is_phone(m, rest)
    ]
    return sorted(found)


def personal_data(text: str) -> list[str]:
    """The e-mail addresses and phone numbers a post gives, in the order they appear
    (as written)."""
    return [text[start:end] for start, end, _ in personal_data_spans(text)]


def mask_personal_data(text: str) -> tuple[str, int]:
    """The text with each e-mail address and phone number replaced by "[email]" or
    "[phone]", and how many were masked."""
    spans = personal_data_spans(text)
    for start, end, kind in reversed(spans):
        text = f"{text[:start]}[{kind}]{text[end:]}"
    return text, len(spans)


def _is_acronym(word: str) -> bool:
    """A short word in capitals, maybe with a lowercase first letter (iOS) or digits (4G)."""
    letters = [c for c in word if c.isalpha()]
    return (
        0 < len(letters) <= ACRONYM_MAX_LETTERS
        and any(c.isupper() for c in letters)
        and all(c.isupper() for c in letters[1:])
    )


def is_shouting(text: str) -> bool:
    """All-caps shouting: at least SHOUTING_MIN_LETTERS cased letters once URLs, e-mail
    addresses and acronyms (words of at most ACRONYM_MAX_LETTERS letters in capitals)
    are set aside, and at least SHOUTING_MIN_UPPER of them uppercase. The share is over
    the whole post, so one shouted sentence in a long calm post is not shouting."""
    rest = _blank(_URL, _blank(_EMAIL, text))
    upper = cased = 0
    for word in _WORD.findall(rest):
        if _is_acronym(word):
            continue
        for c in word:
            # Only cased letters count: digits and uncased scripts say nothing of caps.
            if c.isupper():
                upper += 1
                cased += 1
            elif c.islower():
                cased += 1
    return cased >= SHOUTING_MIN_LETTERS and upper >= SHOUTING_MIN_UPPER * cased


def _normal_domain(domain: str) -> str:
    """A configured domain as compared: lowercase, no trailing dot, no "www." prefix."""
    return domain.strip().lower().rstrip(".").removeprefix("www.")


def competitor_links(text: str, sites: Mapping[str, Sequence[str]]) -> list[str]:
    """The competitors (keys of `sites`, brand name -> its web domains such as "orbix.fr")
    whose site the post links to: a URL (http/https, or a bare www./domain form like
    "orbix.fr/offres") whose host is one of the domains or a subdomain of one
    (www.orbix.fr, boutique.orbix.fr; NOT notorbix.fr, NOT orbix.fr.evil.com). Each
    competitor once, in `sites` order."""
    # An address (even disguised, "contact [at] orbix.fr") is not a link to the site.
    hosts = {m.group("host").lower() for m in _URL.finditer(_blank(_EMAIL, text))}
    linked = []
    for brand, domains in sites.items():
        wanted = {_normal_domain(d) for d in domains}
        if any(h == d or h.endswith("." + d) for h in hosts for d in wanted if d):
            linked.append(brand)
    return linked


def netiquette_flags(
    text: str, *, competitor_sites: Mapping[str, Sequence[str]] | None = None
) -> list[str]:
    """The flags of NETIQUETTE_FLAGS the text raises, in NETIQUETTE_FLAGS order."""
    raised = {
        "personal_data": bool(personal_data(text)),
        "shouting": is_shouting(text),
        "competitor_link": bool(competitor_sites and competitor_links(text, competitor_sites)),
    }
    return [flag for flag in NETIQUETTE_FLAGS if raised[flag]]
