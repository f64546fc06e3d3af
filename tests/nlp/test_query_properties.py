"""Properties of the query language, on strings no one would write: reading any string
gives a query or a QueryError (never another exception, never a long wait), and a query
that was read gives True or False on any post."""

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.query import FIELDS, Document, Node, QueryError, parse_query, uses_field

# Each example takes milliseconds; the deadline catches a quadratic or stuck one.
FAST = settings(
    max_examples=200, deadline=timedelta(seconds=1), suppress_health_check=[HealthCheck.too_slow]
)

# Pieces of the language, right and wrong, so that random queries reach the parser's
# deep paths (groups, NEAR, fields, stars) and not only the tokenizer's first error.
PIECES = [
    "(", ")", "AND", "OR", "NOT", "and", "or", "not", "-", "*", '"', "{", "}", ":",
    "NEAR", "near", "NEAR/", "NEAR/0", "NEAR/3", "NEAR/100", "NEAR/101", "NEAR/99999",
    "near/3", "Near/2", "title:", "site:", "lang:", "author:", "Title:", "color:",
    "panne", "Orange", "fibr*", "{Orange}", "{Fibr*}", '"service client"', '"cli*"', '""',
    "{}", "orange.fr", "l'Orange", "é", "ß", "İ", "ﬁ", "\u00ad", "\u200b", "\ufeff",
    "\u0301", "３", "³", "٣", "NEAR/³", "NEAR/①", "\t", "\n", "\x00", "\x1c", "🙂",
]  # fmt: skip
distances = st.text(st.characters(categories=["Nd", "No"]) | st.sampled_from("0123-x"), max_size=6)
piece = st.sampled_from(PIECES) | st.text(max_size=4) | distances.map(lambda d: f"NEAR/{d}")
token_soup = st.lists(st.tuples(piece, st.sampled_from(["", " ", "  "])), max_size=40).map(
    lambda parts: "".join(p + gap for p, gap in parts)
)


@st.composite
def nested(draw: st.DrawFn) -> str:
    """A query wrapped in ( ) and NOT, up to past the stack hypothesis gives (it raises
    the recursion limit by 2,000 frames while a test runs)."""
    inner = draw(token_soup)
    for _ in range(draw(st.integers(0, 1000))):
        inner = draw(st.sampled_from(["({})", "NOT {}", "-({})", "a OR ({})", "({}) b"])).format(
            inner
        )
    return inner


queries = st.text(max_size=200) | token_soup | nested()


def read(query: str) -> Node | None:
    """The query, or None where it raises a QueryError pointing inside it."""
    try:
        return parse_query(query)
    except QueryError as error:
        assert 0 <= error.position <= len(query)
        assert error.expected
        return None


@FAST
@given(st.text(max_size=300))
def test_any_string_is_a_query_or_a_query_error(query: str):
    read(query)


@FAST
@given(token_soup | nested())
def test_strings_of_the_language_pieces_are_a_query_or_a_query_error(query: str):
    read(query)


words = st.sampled_from(["panne", "Orange", "orange", "fibre", "client", "service", "near"])
texts = st.text(max_size=200) | st.lists(words | st.text(max_size=6), max_size=30).map(" ".join)


@settings(FAST, max_examples=200, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    query=queries,
    text=texts,
    title=st.none() | texts,
    url=st.none() | st.text(max_size=40) | st.just("http://[::1"),
    author=st.none() | st.text(max_size=10),
    lang=st.none() | st.sampled_from(["fr", "en", ""]),
)
def test_a_query_read_gives_a_bool_on_any_post(
    query: str,
    text: str,
    title: str | None,
    url: str | None,
    author: str | None,
    lang: str | None,
):
    node = read(query)
    if node is None:
        return
    found: set[str] = set()
    doc = Document(text, title, url, author, lang, detect_lang=lambda _: "fr")
    assert node.match(doc, found) in (True, False)
    assert all(isinstance(term, str) for term in found)


# The words of each term, to count NEAR's distance on the post's words one by one.
TERMS = {"a": ["a"], '"a x"': ["a", "x"], "a*": ["a"], "b": ["b"], '"x b"': ["x", "b"], "x": ["x"]}


@FAST
@given(
    st.lists(st.sampled_from("abx"), max_size=40),
    st.integers(0, 6),
    st.sampled_from([["a"], ['"a x"'], ["a*"], ["a", '"x b"']]),
    st.sampled_from([["b"], ['"x b"'], ["b", "x"]]),
)
def test_near_is_at_most_n_words_apart_in_either_order(
    post: list[str], distance: int, left: list[str], right: list[str]
):
    def spans(terms: list[str]) -> list[tuple[int, int]]:  # (first word, length)
        return [
            (i, len(TERMS[t]))
            for t in terms
            for i in range(len(post))
            if post[i : i + len(TERMS[t])] == TERMS[t]
        ]

    def side(terms: list[str]) -> str:
        return terms[0] if len(terms) == 1 else f"({' OR '.join(terms)})"

    expected = any(
        0 <= (b - (a + la) if b >= a else a - (b + lb)) <= distance
        for a, la in spans(left)
        for b, lb in spans(right)
    )
    node = parse_query(f"{side(left)} NEAR/{distance} {side(right)}")
    assert node.match(Document(" ".join(post)), set()) is expected


@FAST
@given(token_soup | nested())
def test_a_query_read_never_matches_a_post_for_what_it_lacks(query: str):
    """Queries that would match by absence alone (NOT box) are refused, so a query read
    finds nothing in an empty post (fields aside: lang:fr is about the post, not its words)."""
    node = read(query)
    if node is not None and not any(uses_field(node, name) for name in FIELDS):
        assert node.match(Document(""), set()) is False
