"""The Boolean query language: reading, errors that point at the problem, matching."""

import pytest

from nlp.query import Document, QueryError, parse_query


def matches(query: str, text: str, **fields: str) -> bool:
    return parse_query(query).match(Document(text, **fields), set())


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
