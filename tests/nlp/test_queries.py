"""The Boolean query language: reading, errors that point at the problem, matching."""

import unicodedata

import pytest

from nlp.query import Document, QueryError, parse_query


def matches(
    query: str,
    text: str,
    *,
    title: str | None = None,
    url: str | None = None,
    author: str | None = None,
    lang: str | None = None,
) -> bool:
    return parse_query(query).match(Document(text, title, url, author, lang), set())


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("panne OR coupure", "une coupure ce matin", True),
        ("panne coupure", "une coupure ce matin", False),  # implicit AND
        ("panne AND coupure", "panne puis coupure", True),
        ("a OR b AND c", "a", True),  # AND binds tighter: a OR (b AND c)
        ("(a OR b) AND c", "a", False),
        ("fibre NOT lente", "la fibre est lente", False),
        ("fibre -lente", "la fibre est rapide", True),
        ('"service client"', "le service du client", False),
        ('"service client"', "Le SERVICE   client", True),
        ("fibr*", "la fibre optique", True),
        ("fibr*", "les fibrés", True),  # accents folded
        ("déçu", "Franchement decu", True),
        ("{Orange}", "une orange", False),
        ("{Orange}", "la box d'Orange", True),
        ("Orange NEAR/2 panne", "Orange a encore une panne", False),
        ("Orange NEAR/3 panne", "Orange a encore une panne", True),
        ("Orange NEAR/3 panne", "panne chez Orange", True),  # either order
        ('"box internet" NEAR/1 Orange', "la box internet d'Orange", True),
        ("Orange NEAR/2 (panne OR coupure)", "Orange : coupure générale", True),
        ("title:panne", "panne partout", False),
    ],
)
def test_operators(query: str, text: str, expected: bool):
    assert matches(query, text) is expected


def test_fields():
    assert matches("title:panne box", "ma box", title="Panne générale")
    assert matches("box site:forum.example", "box", url="https://www.forum.example/t/1")
    assert matches("box site:example", "box", url="https://forum.example/t/1")
    assert not matches("box site:example", "box", url="https://notexample/t/1")
    assert matches("box lang:fr", "box", lang="fr") and not matches("box lang:fr", "box", lang="en")
    assert matches('box author:"Zoé M"', "box", author="zoe m")
    assert not matches("box author:zoe", "box")


def test_language_is_detected_only_when_a_query_asks():
    asked = []

    def detect(text: str) -> str:
        asked.append(text)
        return "fr"

    assert parse_query("box").match(Document("la box", detect_lang=detect), set())
    assert asked == []
    assert parse_query("box lang:fr").match(Document("la box", detect_lang=detect), set())
    assert asked == ["la box"]


@pytest.mark.parametrize(
    ("query", "position", "expected"),
    [
        ("", 0, "the query is empty"),
        ("Orange AND (box", 15, "expected ')' to close the '(' at position 11"),
        ("Orange)", 6, "this ')' closes no '('"),
        ("Orange AND", 10, "expected a term"),
        ("Orange OR OR box", 10, "expected a term"),
        ('"service client', 0, 'expected a closing "'),
        ("{Orange", 0, "expected a closing }"),
        ("Orange NEAR/x box", 7, "expected a number of words after NEAR/"),
        ("color:orange", 0, "unknown field 'color'"),
        ("fi*bre", 0, "* only ends a word"),
        ("NOT box", 0, "expected a term outside NOT"),
        ("Orange NEAR/3 (box AND fibre)", 19, "a NEAR group holds terms joined by OR"),
    ],
)
def test_errors_point_at_the_problem(query: str, position: int, expected: str):
    with pytest.raises(QueryError) as caught:
        parse_query(query)
    assert caught.value.position == position
    assert expected in str(caught.value)
    # The message shows the query with a caret under the position.
    assert str(caught.value).splitlines()[-1] == "  " + " " * position + "^"


def refused(query: str) -> QueryError:
    """The QueryError the query raises, its caret checked under the position."""
    with pytest.raises(QueryError) as caught:
        parse_query(query)
    assert str(caught.value).splitlines()[-1] == "  " + " " * caught.value.position + "^"
    return caught.value


# NEAR, like AND/OR/NOT, is an operator only in capitals; lower case "near" is a word.
@pytest.mark.parametrize(
    ("query", "position", "expected"),
    [
        ("Fibrelia NEAR panne", 9, "NEAR needs a distance: Fibrelia NEAR/5 panne"),
        ("Fibrelia near/3 panne", 9, "write NEAR/3 in capitals"),
        ("Fibrelia Near/3 panne", 9, "write NEAR/3 in capitals"),
        ("Fibrelia near/ panne", 9, "write NEAR/n in capitals"),
    ],
)
def test_near_without_a_distance_or_in_lower_case_is_refused(
    query: str, position: int, expected: str
):
    error = refused(query)
    assert (error.position, expected in error.expected) == (position, True), error


def test_lower_case_near_is_a_word():
    assert matches("Fibrelia near panne", "une panne near Fibrelia")
    assert not matches("Fibrelia near panne", "Fibrelia en panne")
    assert matches('Fibrelia "NEAR"', "Fibrelia near me")  # quoted: the word, any case


def test_near_distances():
    # NEAR/0: side by side, in either order.
    assert matches("Orange NEAR/0 panne", "Orange panne")
    assert matches("Orange NEAR/0 panne", "panne Orange")
    assert not matches("Orange NEAR/0 panne", "Orange en panne")
    assert matches("Orange NEAR/100 panne", "Orange " + "x " * 100 + "panne")
    assert refused("Orange NEAR/101 panne").position == 7
    assert "at most NEAR/100" in refused("Orange NEAR/99999 panne").expected
    # Not ASCII digits (superscript, Arabic-Indic) and numbers too long for int().
    for distance in ("³", "٣", "9" * 5000, "-1", "3.5"):
        assert refused(f"a NEAR/{distance} b").position == 2


def test_a_group_of_terms_may_stand_before_near():
    assert matches("(panne OR coupure) NEAR/3 Orange", "Orange : coupure générale")
    assert not matches("(panne OR coupure) NEAR/1 Orange", "coupure chez nous, Orange")
    assert "terms joined by OR" in refused("(a AND b) NEAR/3 c").expected
    assert "before NEAR/3" in refused("a NEAR/3 b NEAR/3 c").expected


def test_deep_nesting_is_refused_not_a_crash():
    assert matches("(" * 50 + "panne" + ")" * 50, "une panne")
    assert matches("NOT " * 50 + "panne", "une panne")  # an even number of NOTs
    assert refused("(" * 300 + "panne" + ")" * 300).position == 50  # the 51st '('
    assert refused("NOT " * 300 + "panne").position == 200
    assert refused("-(" * 300 + "panne" + ")" * 300).position == 50
    assert "at most 50 inside one another" in refused("(" * 51 + "a" + ")" * 51).expected


@pytest.mark.parametrize(
    ("query", "position", "expected"),
    [
        ("title:", 0, "expected a value right after title: (no space), e.g. title:panne"),
        ("title: panne", 0, "right after title:"),
        ("panne site:", 6, "right after site:"),
        ("Title:panne", 0, "write fields in lower case: title:panne"),
        ("box LANG:fr", 4, "in lower case: lang:fr"),
        ('box site:""', 4, "expected a value inside the quotes"),
        ("box site:*.orange.fr", 4, "site:orange.fr already covers its subdomains"),
        ("box site:orange.fr/forum", 4, "a site without a path"),
        ("box author:zo*", 4, "without *"),
        ("fibre - lente", 6, "without a space: fibre -lente"),
        ("Orange}", 6, "this '}' closes no '{'"),
        ("a \u200b b", 2, "only invisible characters (U+200B): delete it"),
        ("http://orange.fr", 0, "site:orange.fr for a site, not a URL"),
        ("{Fi*brelia}", 0, "* only ends a word"),
        ('"service cl*ient"', 0, "* only ends a word"),
        ("NEAR/3 panne", 0, 'expected a word, "phrase" or {Case} term before NEAR/3'),
    ],
)
def test_stray_prefixes_and_signs_are_refused(query: str, position: int, expected: str):
    error = refused(query)
    assert (error.position, expected in error.expected) == (position, True), error


def test_star_ends_a_word_in_quotes_and_braces_too():
    assert matches("{Fibr*}", "la Fibrelia Box") and not matches("{Fibr*}", "la fibrelia")
    assert matches('"service cli*"', "le service clientèle")
    assert not matches('"service cli*"', "le service du client")


def test_invisible_characters_and_unicode_forms():
    assert matches("Fibrelia", "ma Fibre\u00adlia plante")  # soft hyphen, as web pages have
    assert matches("Fibre\u200blia", "ma Fibrelia plante")  # zero-width space pasted in
    nfd = unicodedata.normalize("NFD", "Une Évian fraîche")
    assert matches("{Évian}", nfd) and matches("{Évian}", "Une Évian")
    assert matches("{Fibrelia}", "ma Ｆｉｂｒｅｌｉａ")  # full-width letters


def test_a_malformed_url_does_not_stop_matching():
    assert not matches("box site:orange.fr", "box", url="http://[::1")
    assert matches("box", "box", url="http://[::1")


def test_the_caret_stays_under_the_position_across_lines_and_tabs():
    error = refused("Orange AND\n\t(box")
    assert error.position == 16
    assert str(error).splitlines()[1] == "  Orange AND  (box"


def test_long_posts_and_long_queries():
    # Once 40 s, 3 s and 8 s; bench/queries.py times them ("worst case").
    far_apart = "a " * 20_000 + "x " * 10 + "b " * 20_000
    assert not matches("a NEAR/3 b", far_apart)
    assert matches("a NEAR/10 b", far_apart)
    assert matches('"a a"', "a " * 20_000)
    assert parse_query("panne OR " * 50_000 + "coupure") is not None
