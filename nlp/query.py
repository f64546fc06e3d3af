"""The Boolean query language of brands.yaml, compiled once, matched against posts.

    Fibrelia OR "Fibrelia Box"                 any of them (whole words)
    {Orange} AND (forfait OR box OR fibre)     {…}: case-sensitive; AND also implicit
    {Apple} NOT (pie OR tarte)                 NOT, or - before a term
    Orange NEAR/3 (panne OR coupure)           at most 3 words apart, either order (NEAR/0:
                                               side by side; at most NEAR/100)
    fibr*  {Fibr*}  "service cli*"             a word starting with "fibr" (also as written,
                                               or ending a phrase)
    title:panne site:forum.example lang:fr author:zoe
                                               fields: the title only, the URL's site (and
                                               its subdomains), the language, the author

Words are compared without case or accents ("fibrélia" finds "Fibrelia"), and a word
is whole: "Orange" is not found in "Orangeade", but is found in "l'Orange" and
"d'Orange" (French elisions split at the apostrophe). Invisible characters (soft
hyphens, zero-width spaces) do not split a word. Operators are upper case; "and", "or",
"not", "near" in lower case are words, but "near/3" and a bare "NEAR" are refused: NEAR
always takes a distance. Fields are lower case. Precedence: NOT, then AND, then OR;
at most 50 ( ) and NOT inside one another.

A query that cannot be read raises QueryError with the position and what was
expected, e.g. `Orange AND (box` → "position 15: expected ')' to close the '(' at
position 12".
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

FIELDS = ("title", "site", "lang", "author")
EXAMPLES = {"title": "title:panne", "site": "site:orange.fr", "lang": "lang:fr",
            "author": "author:zoe"}  # fmt: skip
MAX_DEPTH = 50  # ( ) and NOT inside one another: deeper is a mistake, and the stack's end
MAX_DISTANCE = 100  # NEAR/n: farther is not near (and a huge n is not a number to int())
_WORD = re.compile(r"\w+", re.UNICODE)

# Invisible characters that web pages and copy-paste put inside words (soft hyphen,
# zero-width spaces and joiners, word joiner, BOM): \w does not match them, so left in
# they would split "Fibre\u00adlia" in two.
_INVISIBLE = "\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff"
# Also combining marks (accents once NFKD has split them from their letters).
_MARKS = re.compile(
    f"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f{_INVISIBLE}]"
)
_INVISIBLES = re.compile(f"[{_INVISIBLE}]")


def fold(text: str) -> str:
    """Lower case without accents, apostrophes unified, for matching."""
    if not text.isascii():
        text = _MARKS.sub("", unicodedata.normalize("NFKD", text)).replace("’", "'")
    return text.casefold()


def as_written(text: str) -> str:
    """Case and accents kept, for {…}: one form for an accent typed as one character or
    as a letter and a mark, and for full-width or ligatured letters; invisibles out."""
    if text.isascii():
        return text
    return _INVISIBLES.sub("", unicodedata.normalize("NFKC", text))


class QueryError(ValueError):
    def __init__(self, query: str, position: int, expected: str):
        self.query, self.position, self.expected = query, position, expected
        # One visible character for each, so that the caret stays under the position: tabs
        # and line breaks as spaces, invisible characters as �.
        shown = "".join(" " if c.isspace() else c if c.isprintable() else "�" for c in query)
        pointer = " " * position + "^"
        super().__init__(f"position {position}: {expected}\n  {shown}\n  {pointer}")


# --- the document: a post, read once for every query ---------------------------------


@dataclass
class Document:
    """A post's words (folded and as written), indexed by position, and its fields."""

    text: str
    title: str | None = None
    url: str | None = None
    author: str | None = None
    lang: str | None = None
    detect_lang: Callable[[str], str] | None = None  # asked only when a lang: filter is
    _index: dict[tuple[str, bool], dict[str, list[int]]] = field(default_factory=dict, repr=False)

    @property
    def language(self) -> str:
        if self.lang is None and self.detect_lang is not None:
            self.lang = self.detect_lang(self.text)
        return self.lang or ""

    def vocabulary(self, where: str, exact: bool) -> dict[str, list[int]]:
        """Each word of the title ("title") or of the title and text ("all"), with its
        positions, ascending; `exact`: as written (case and accents), else folded. Read
        once per post and kind."""
        key = (where, exact)
        index = self._index.get(key)
        if index is None:
            source = (self.title or "") if where == "title" else f"{self.title or ''}\n{self.text}"
            index = {}
            words = _WORD.findall(as_written(source) if exact else fold(source))
            for position, w in enumerate(words):
                index.setdefault(w, []).append(position)
            self._index[key] = index
        return index

    @property
    def site(self) -> str:
        try:
            host = urlsplit(self.url or "").hostname or ""
        except ValueError:  # "http://[::1": a malformed URL is on no site
            return ""
        return host.removeprefix("www.")


# --- the syntax tree ------------------------------------------------------------------


class Node:
    def match(self, doc: Document, found: set[str]) -> bool:
        """Whether the post satisfies the node; adds the terms that made it so."""
        raise NotImplementedError


@dataclass
class Words(Node):
    """A word, a prefix (word*) or a phrase ("…"), in the text or the title."""

    words: list[str]
    written: str  # as the query has it, for the matched terms
    exact: bool = False  # {…}: case and accents as written
    prefix: bool = False  # trailing *
    where: str = "all"  # or "title"

    def spans(self, doc: Document) -> list[int]:
        """Start positions of the words in the post."""
        vocab = doc.vocabulary(self.where, self.exact)
        if self.prefix:
            stem = self.words[-1]
            last = sorted(p for w, ps in vocab.items() if w.startswith(stem) for p in ps)
        else:
            last = vocab.get(self.words[-1], [])
        if len(self.words) == 1 or not last:
            return last
        earlier = [vocab.get(w, []) for w in self.words[:-1]]
        starts = []
        for end in last:
            start = end - len(self.words) + 1
            if start >= 0 and all(_has(ps, start + k) for k, ps in enumerate(earlier)):
                starts.append(start)
        return starts

    def match(self, doc: Document, found: set[str]) -> bool:
        if not self.spans(doc):
            return False
        found.update(self.found_words(doc))
        return True

    def found_words(self, doc: Document) -> list[str]:
        """The terms as the post has them: a prefix's whole words, else the query's."""
        if not self.prefix:
            return [self.written]
        vocab = doc.vocabulary(self.where, self.exact)
        stem, before = self.words[-1], " ".join(self.words[:-1])
        return [f"{before} {w}".strip() for w in vocab if w.startswith(stem)]


@dataclass
class Field(Node):
    """site:, lang:, author: (title: makes a Words node)."""

    name: str
    value: str

    def match(self, doc: Document, found: set[str]) -> bool:
        if self.name == "lang":
            return doc.language.lower() == self.value.lower()
        if self.name == "author":
            return fold(doc.author or "") == fold(self.value)
        site = doc.site
        wanted = self.value.lower().removeprefix("www.")
        return site == wanted or site.endswith("." + wanted)


@dataclass
class Near(Node):
    """Any of `left` within `distance` words of any of `right`, in either order."""

    left: list[Words]
    right: list[Words]
    distance: int

    def match(self, doc: Document, found: set[str]) -> bool:
        hit = False
        for a in self.left:
            for b in self.right:
                if self._close(a, b, doc):
                    found.update([*a.found_words(doc), *b.found_words(doc)])
                    hit = True
        return hit

    def _close(self, left: Words, right: Words, doc: Document) -> bool:
        lefts = left.spans(doc)
        if not lefts:  # most posts: the right term need not be looked up
            return False
        after, before = len(left.words), len(right.words)
        rights = right.spans(doc)  # ascending, so each window is one bisection
        for a in lefts:
            # At most `distance` words strictly between the two, right after or before.
            for low in (a + after, a - before - self.distance):
                i = bisect_left(rights, low)
                if i < len(rights) and rights[i] <= low + self.distance:
                    return True
        return False


def _has(ascending: list[int], value: int) -> bool:
    i = bisect_left(ascending, value)
    return i < len(ascending) and ascending[i] == value


@dataclass
class Not(Node):
    inner: Node

    def match(self, doc: Document, found: set[str]) -> bool:
        return not self.inner.match(doc, set())


@dataclass
class And(Node):
    parts: list[Node]

    def match(self, doc: Document, found: set[str]) -> bool:
        mine: set[str] = set()
        if all(part.match(doc, mine) for part in self.parts):
            found.update(mine)
            return True
        return False


@dataclass
class Or(Node):
    parts: list[Node]

    def match(self, doc: Document, found: set[str]) -> bool:
        hit = False
        for part in self.parts:  # every alternative, so that all matched terms show
            hit = part.match(doc, found) or hit
        return hit


# --- reading a query ------------------------------------------------------------------

_TOKEN = re.compile(
    r"""(?:
      (?P<lparen>\() | (?P<rparen>\)) |
      (?P<near>NEAR/(?P<distance>\S*?)(?=[\s()"{]|$)) |
      (?P<field>[a-z]+):(?=\S) |
      (?P<phrase>"(?P<phrase_text>[^"]*)"?) |
      (?P<exact>\{(?P<exact_text>[^}]*)\}?) |
      (?P<minus>-)(?=[\w"{(]) |
      (?P<word>[^\s()"{}]+)
    )""",
    re.VERBOSE,
)
_NON_SPACE = re.compile(r"\S")
# Words that look like an operator or a field but are not one: near/3, Title:panne, title:
_NEAR_LIKE = re.compile(r"near/(\S*)", re.IGNORECASE)
_FIELD_LIKE = re.compile(rf"({'|'.join(FIELDS)}):(.*)", re.IGNORECASE | re.DOTALL)
# A trailing * after a letter or digit: the last word is a prefix.
_PREFIX = re.compile(r"(?<=\w)\*+\s*\Z")
_NO_WORDS = {
    "word": "expected a word with a letter or digit",
    "phrase": "expected words inside the quotes",
    "exact": "expected a word inside { }",
}


@dataclass
class _Token:
    kind: str  # lparen rparen near field phrase exact minus word and or not end
    text: str
    position: int
    value: str = ""


def _tokens(query: str) -> Iterator[_Token]:
    position = _skip_spaces(query, 0)
    while position < len(query):
        m = _TOKEN.match(query, position)
        if m is None:  # every character but '}' starts some token
            raise QueryError(
                query, position, "this '}' closes no '{': remove it, or write {Orange} for a "
                "case-sensitive term",
            )  # fmt: skip
        kind = m.lastgroup or ""
        if kind in ("distance", "phrase_text", "exact_text"):
            kind = {"distance": "near", "phrase_text": "phrase", "exact_text": "exact"}[kind]
        text = m.group(kind)
        if kind == "near":
            yield _Token("near", text, position, m.group("distance"))
        elif kind == "field":
            yield _Token("field", text, position, m.group("field"))
        elif kind == "phrase":
            if not text.endswith('"') or len(text) < 2:
                raise QueryError(query, position, 'expected a closing " for this phrase')
            yield _Token("phrase", text, position, m.group("phrase_text"))
        elif kind == "exact":
            if not text.endswith("}"):
                raise QueryError(query, position, "expected a closing } for this exact term")
            yield _Token("exact", text, position, m.group("exact_text"))
        elif kind == "word":
            yield _word(query, text, position)
        else:
            yield _Token(kind, text, position)
        position = _skip_spaces(query, m.end())
    yield _Token("end", "", len(query))


def _skip_spaces(query: str, position: int) -> int:
    found = _NON_SPACE.search(query, position)
    return found.start() if found else len(query)


def _word(query: str, text: str, position: int) -> _Token:
    """An operator, or a word; refused where it looks like an operator or a field that
    was mistyped, as taking it for a word would search for something never meant."""
    if text in ("AND", "OR", "NOT"):
        return _Token(text.lower(), text, position)
    if text == "NEAR":
        raise QueryError(
            query, position, "NEAR needs a distance: Fibrelia NEAR/5 panne finds them at most "
            '5 words apart (or quote "near" to search the word)',
        )  # fmt: skip
    if near := _NEAR_LIKE.fullmatch(text):
        distance = near.group(1) if near.group(1).isascii() and near.group(1).isdigit() else "n"
        raise QueryError(
            query, position,
            f'write NEAR/{distance} in capitals, or quote "{text}" to search the words',
        )  # fmt: skip
    if field := _FIELD_LIKE.fullmatch(text):
        name, rest = field.group(1).lower(), field.group(2)
        if field.group(1) != name:
            shown = f"{name}:{rest}" if rest else EXAMPLES[name]
            raise QueryError(query, position, f"write fields in lower case: {shown}")
        # Lower case, so the field rule did not read it: nothing right after the colon.
        raise QueryError(
            query,
            position,
            f"expected a value right after {name}: (no space), e.g. {EXAMPLES[name]}",
        )
    return _Token("word", text, position)


class _Parser:
    def __init__(self, query: str):
        self.query = query
        self.tokens = list(_tokens(query))
        self.at = 0
        self.depth = 0  # ( ) and NOT being read, inside one another

    @property
    def token(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.token
        self.at += 1
        return token

    def fail(self, expected: str, token: _Token | None = None) -> QueryError:
        token = token or self.token
        seen = "the end of the query" if token.kind == "end" else f"{token.text!r}"
        return QueryError(self.query, token.position, f"expected {expected}, found {seen}")

    def enter(self, token: _Token) -> None:
        """One level deeper, at `token`: refused past MAX_DEPTH rather than run out of stack."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(
                self.query, token.position,
                f"too many nested parentheses and NOTs: at most {MAX_DEPTH} inside one "
                "another; remove some",
            )  # fmt: skip

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise QueryError(self.query, 0, "expected a term, the query is empty")
        node = self.or_expr()
        if self.token.kind != "end":
            if self.token.kind == "rparen":
                raise QueryError(self.query, self.token.position, "this ')' closes no '('")
            raise self.fail("an operator or the end of the query")
        return node

    def or_expr(self) -> Node:
        parts = [self.and_expr()]
        while self.token.kind == "or":
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else Or(parts)

    def and_expr(self) -> Node:
        parts = [self.unary()]
        while self.token.kind not in ("or", "rparen", "end"):
            if self.token.kind == "and":
                self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(parts)

    def unary(self) -> Node:
        if self.token.kind in ("not", "minus"):
            self.enter(self.take())
            node = Not(self.unary())
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        token = self.token
        if token.kind == "lparen":
            self.enter(self.take())
            node = self.or_expr()
            if self.token.kind != "rparen":
                raise QueryError(
                    self.query,
                    self.token.position,
                    f"expected ')' to close the '(' at position {token.position}",
                )
            self.take()
            self.depth -= 1
            if self.token.kind == "near":  # (panne OR coupure) NEAR/3 Orange
                return self.near(self.group_terms(node, token))
            return node
        if token.kind == "field":
            return self.field()
        left = self.words()
        if self.token.kind == "near":
            return self.near([left])
        return left

    def group_terms(self, node: Node, opening: _Token) -> list[Words]:
        """The terms of a ( ) group before NEAR: one, or several joined by OR."""
        terms = node.parts if isinstance(node, Or) else [node]
        if not all(isinstance(t, Words) and t.where == "all" for t in terms):
            raise QueryError(
                self.query, opening.position,
                f"expected terms joined by OR in this ( ) before {self.token.text} "
                "(a NEAR group holds terms joined by OR)",
            )  # fmt: skip
        return [t for t in terms if isinstance(t, Words)]

    def near(self, left: list[Words]) -> Near:
        near = self.take()
        distance = near.value
        if not (distance.isascii() and distance.isdigit()):
            raise QueryError(
                self.query, near.position, "expected a number of words after NEAR/, e.g. NEAR/3"
            )
        # Length first: int() refuses strings of thousands of digits.
        if len(distance.lstrip("0")) > 3 or int(distance) > MAX_DISTANCE:
            raise QueryError(
                self.query, near.position,
                f"{near.text} is not near: at most NEAR/{MAX_DISTANCE}; write AND to find "
                "both anywhere in the post",
            )  # fmt: skip
        return Near(left, self.near_operand(), int(distance))

    def near_operand(self) -> list[Words]:
        """A term, or a group of terms joined by OR: NEAR/3 (panne OR coupure)."""
        if self.token.kind != "lparen":
            return [self.words()]
        opening = self.take()
        terms = [self.words()]
        while self.token.kind == "or":
            self.take()
            terms.append(self.words())
        if self.token.kind != "rparen":
            raise QueryError(
                self.query, self.token.position,
                f"expected OR or ')' to close the '(' at position {opening.position} "
                "(a NEAR group holds terms joined by OR)",
            )  # fmt: skip
        self.take()
        return terms

    def field(self) -> Node:
        token = self.take()
        name = token.value
        if name in ("http", "https"):
            raise QueryError(
                self.query, token.position, "expected site:orange.fr for a site, not a URL"
            )
        if name not in FIELDS:
            raise QueryError(
                self.query,
                token.position,
                f"unknown field {name!r}: use one of {', '.join(f + ':' for f in FIELDS)}",
            )
        if name == "title":
            node = self.words()
            node.where = "title"
            return node
        value = self.take()
        if value.kind not in ("word", "phrase"):
            raise self.fail(f"a value after {name}:, e.g. {EXAMPLES[name]}", value)
        # A value that can match no post is refused rather than kept, silently matching none.
        text = (value.value if value.kind == "phrase" else value.text).strip()
        if not text:
            raise QueryError(
                self.query, token.position,
                f"expected a value inside the quotes after {name}:, e.g. {EXAMPLES[name]}",
            )  # fmt: skip
        if "*" in text:
            hint = f"e.g. {EXAMPLES[name]}"
            if name == "site":
                hint = "site:orange.fr already covers its subdomains"
            raise QueryError(self.query, token.position, f"{name}: takes a value without *: {hint}")
        if name == "site" and "/" in text:
            raise QueryError(
                self.query, token.position, "site: takes a site without a path, e.g. site:orange.fr"
            )
        return Field(name, text)

    def words(self) -> Words:
        token = self.take()
        if token.kind in ("word", "phrase", "exact"):
            text = token.text if token.kind == "word" else token.value
            prefix = _PREFIX.search(text)
            stem = text[: prefix.start()] if prefix else text
            if "*" in stem:
                raise QueryError(
                    self.query, token.position, "expected a word; * only ends a word (fibr*)"
                )
            if text == "-":
                raise QueryError(
                    self.query, token.position,
                    "write - right before the term to leave out, without a space: fibre -lente",
                )  # fmt: skip
            exact = token.kind == "exact"
            words = _WORD.findall(as_written(stem) if exact else fold(stem))
            if not words:
                expected = _NO_WORDS[token.kind]
                if not any(c.isprintable() for c in text):
                    codes = ", ".join(f"U+{ord(c):04X}" for c in text)
                    expected += f"; this one is only invisible characters ({codes}): delete it"
                raise QueryError(self.query, token.position, expected)
            return Words(words, text, exact=exact, prefix=prefix is not None)
        if token.kind == "near":  # nothing, or no plain term, before the operator
            raise QueryError(
                self.query, token.position,
                f'expected a word, "phrase" or {{Case}} term before {token.text} (one on each '
                f"side: Orange {token.text} panne)",
            )  # fmt: skip
        raise self.fail("a term, a \"phrase\", a {Case} term, a field or '('", token)


def _positive(node: Node, negated: bool = False) -> bool:
    """Whether the node (or its negation) can only match by finding something, not by
    absence alone; NOT NOT panne is panne, and NOT (a AND b) is NOT a OR NOT b."""
    if isinstance(node, Not):
        return _positive(node.inner, not negated)
    if isinstance(node, And | Or):
        every = isinstance(node, Or) != negated
        parts = (_positive(part, negated) for part in node.parts)
        return all(parts) if every else any(parts)
    return not negated


def parse_query(query: str) -> Node:
    """The query's syntax tree; QueryError when it cannot be read."""
    node = _Parser(query).parse()
    if not _positive(node):
        raise QueryError(query, 0, "expected a term outside NOT: this query would match "
                         "every post that lacks something")  # fmt: skip
    return node


def uses_field(node: Node, name: str) -> bool:
    if isinstance(node, Field):
        return node.name == name
    if isinstance(node, Not):
        return uses_field(node.inner, name)
    if isinstance(node, And | Or):
        return any(uses_field(part, name) for part in node.parts)
    return False
