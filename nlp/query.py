"""The Boolean query language of brands.yaml, compiled once, matched against posts.

    Fibrelia OR "Fibrelia Box"                 any of them (whole words)
    {Orange} AND (forfait OR box OR fibre)     {…}: case-sensitive; AND also implicit
    {Apple} NOT (pie OR tarte)                 NOT, or - before a term
    Orange NEAR/3 (panne OR coupure)           at most 3 words apart, either order
    fibr*                                      a word starting with "fibr"
    title:panne site:forum.example lang:fr author:zoe
                                               fields: the title only, the URL's site (and
                                               its subdomains), the language, the author

Words are compared without case or accents ("fibrélia" finds "Fibrelia"), and a word
is whole: "Orange" is not found in "Orangeade", but is found in "l'Orange" and
"d'Orange" (French elisions split at the apostrophe). Operators are upper case; "and",
"or", "not" in lower case are words. Precedence: NOT, then AND, then OR.

A query that cannot be read raises QueryError with the position and what was
expected, e.g. `Orange AND (box` → "position 15: expected ')' to close the '(' at
position 12".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

FIELDS = ("title", "site", "lang", "author")
_WORD = re.compile(r"\w+", re.UNICODE)


# Combining marks (accents once NFKD has split them from their letters).
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Lower case without accents, apostrophes unified, for matching."""
    if not text.isascii():
        text = _MARKS.sub("", unicodedata.normalize("NFKD", text)).replace("’", "'")
    return text.casefold()


class QueryError(ValueError):
    def __init__(self, query: str, position: int, expected: str):
        self.query, self.position, self.expected = query, position, expected
        pointer = " " * position + "^"
        super().__init__(f"position {position}: {expected}\n  {query}\n  {pointer}")


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
    _index: dict[str, dict[str, list[int]]] = field(default_factory=dict, repr=False)

    @property
    def language(self) -> str:
        if self.lang is None and self.detect_lang is not None:
            self.lang = self.detect_lang(self.text)
        return self.lang or ""

    def positions(self, where: str, word: str, exact: bool) -> list[int]:
        """Where `word` stands in the title ("title") or in the title and text ("all");
        `exact`: as written (case and accents), else folded."""
        return self.vocabulary(where, exact).get(word, [])

    def vocabulary(self, where: str, exact: bool) -> dict[str, list[int]]:
        """Each word of the title or of the title and text, with its positions; read
        once per post and kind."""
        key = f"{where}:{'exact' if exact else 'folded'}"
        if key not in self._index:
            source = (self.title or "") if where == "title" else f"{self.title or ''}\n{self.text}"
            index: dict[str, list[int]] = {}
            for position, w in enumerate(_WORD.findall(source if exact else fold(source))):
                index.setdefault(w, []).append(position)
            self._index[key] = index
        return self._index[key]

    @property
    def site(self) -> str:
        host = urlsplit(self.url or "").hostname or ""
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
        if self.prefix:
            stem = self.words[-1]
            vocab = doc.vocabulary(self.where, self.exact)
            last = sorted(p for w, ps in vocab.items() if w.startswith(stem) for p in ps)
        else:
            last = doc.positions(self.where, self.words[-1], self.exact)
        if len(self.words) == 1:
            return last
        starts = []
        for end in last:
            start = end - len(self.words) + 1
            if start >= 0 and all(
                start + k in doc.positions(self.where, w, self.exact)
                for k, w in enumerate(self.words[:-1])
            ):
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
        for a in left.spans(doc):
            for b in right.spans(doc):
                # Words strictly between the two, in either order.
                gap = b - (a + len(left.words)) if b >= a else a - (b + len(right.words))
                if 0 <= gap <= self.distance:
                    return True
        return False


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
    r"""\s*(?:
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


@dataclass
class _Token:
    kind: str  # lparen rparen near field phrase exact minus word and or not end
    text: str
    position: int
    value: str = ""


def _tokens(query: str) -> Iterator[_Token]:
    position = 0
    while position < len(query):
        if query[position:].strip() == "":
            break
        m = _TOKEN.match(query, position)
        if m is None or m.end() == position:
            raise QueryError(query, position, "unreadable character")
        start = m.start(m.lastgroup or 0)
        kind = m.lastgroup or ""
        if kind in ("distance", "phrase_text", "exact_text"):
            kind = {"distance": "near", "phrase_text": "phrase", "exact_text": "exact"}[kind]
        text = m.group(kind)
        if kind == "near":
            yield _Token("near", text, start, m.group("distance"))
        elif kind == "field":
            yield _Token("field", text, start, m.group("field"))
        elif kind == "phrase":
            if not text.endswith('"') or len(text) < 2:
                raise QueryError(query, start, 'expected a closing " for this phrase')
            yield _Token("phrase", text, start, m.group("phrase_text"))
        elif kind == "exact":
            if not text.endswith("}"):
                raise QueryError(query, start, "expected a closing } for this exact term")
            yield _Token("exact", text, start, m.group("exact_text"))
        elif kind == "word" and text in ("AND", "OR", "NOT"):
            yield _Token(text.lower(), text, start)
        else:
            yield _Token(kind, text, start)
        position = m.end()
    yield _Token("end", "", len(query))


class _Parser:
    def __init__(self, query: str):
        self.query = query
        self.tokens = list(_tokens(query))
        self.at = 0

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
            self.take()
            return Not(self.unary())
        return self.primary()

    def primary(self) -> Node:
        token = self.token
        if token.kind == "lparen":
            self.take()
            node = self.or_expr()
            if self.token.kind != "rparen":
                raise QueryError(
                    self.query,
                    self.token.position,
                    f"expected ')' to close the '(' at position {token.position}",
                )
            self.take()
            return node
        if token.kind == "field":
            return self.field()
        left = self.words()
        if self.token.kind == "near":
            near = self.take()
            if not near.value.isdigit():
                raise QueryError(
                    self.query, near.position, "expected a number of words after NEAR/, e.g. NEAR/3"
                )
            return Near([left], self.near_operand(), int(near.value))
        return left

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
        if token.value not in FIELDS:
            raise QueryError(
                self.query,
                token.position,
                f"unknown field {token.value!r}: use one of {', '.join(f + ':' for f in FIELDS)}",
            )
        if token.value == "title":
            node = self.words()
            node.where = "title"
            return node
        value = self.take()
        if value.kind not in ("word", "phrase"):
            raise self.fail(f"a value after {token.value}:", value)
        return Field(token.value, value.value or value.text)

    def words(self) -> Words:
        token = self.take()
        if token.kind == "word":
            prefix = token.text.endswith("*")
            stem = token.text.rstrip("*")
            words = _WORD.findall(fold(stem))
            if not words or "*" in stem:
                raise QueryError(
                    self.query,
                    token.position,
                    "expected a word; * only ends a word (fibr*)"
                    if "*" in token.text
                    else "expected a word with a letter or digit",
                )
            return Words(words, token.text, prefix=prefix)
        if token.kind == "phrase":
            words = _WORD.findall(fold(token.value))
            if not words:
                raise QueryError(self.query, token.position, "expected words inside the quotes")
            return Words(words, token.value)
        if token.kind == "exact":
            words = _WORD.findall(token.value)
            if not words:
                raise QueryError(self.query, token.position, "expected a word inside { }")
            return Words(words, token.value, exact=True)
        raise self.fail("a term, a \"phrase\", a {Case} term, a field or '('", token)


def _positive(node: Node) -> bool:
    """Whether the node can only match by finding something (not by absence alone)."""
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_positive(part) for part in node.parts)
    if isinstance(node, Or):
        return all(_positive(part) for part in node.parts)
    return True


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
