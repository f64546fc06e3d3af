import pytest

from nlp.language import UNKNOWN, detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Plus d'internet depuis hier soir, la box redémarre en boucle.", "fr"),
        ("My phone plan doubled in price and nobody told me.", "en"),
        ("Franchement le service client est top, merci !", "fr"),
        ("Roaming worked fine in Spain, no complaints at all.", "en"),
    ],
)
def test_french_and_english(text: str, expected: str):
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["ok", "+1", "lol", "👍👍", "A&B <3"])
def test_too_short_to_tell_is_unknown(text: str):
    assert detect_language(text) == UNKNOWN


def test_mixed_text_goes_to_the_dominant_language():
    text = "Le débit est correct mais le wifi décroche tous les soirs, so annoying."
    assert detect_language(text) == "fr"
