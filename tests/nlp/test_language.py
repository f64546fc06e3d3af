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


def test_only_the_configured_languages_are_answered():
    german = "Mein Internet ist seit gestern Abend ausgefallen und niemand hilft mir."
    assert detect_language(german, ("fr", "de")) == "de"
    assert detect_language(german) in ("fr", "en", UNKNOWN)  # never "de" unless configured
    assert (
        detect_language("Plus d'internet depuis hier soir, la box redémarre.", ("fr", "de")) == "fr"
    )


def test_languages_are_checked_in_brands_yaml():
    from veille.checks import CHECKS
    from veille.core.config import BrandsFile

    brands = {"brands": [{"name": "A", "queries": ["A"]}]}
    assert BrandsFile.model_validate(brands).languages == ["fr", "en"]
    assert BrandsFile.model_validate({**brands, "languages": ["FR", "de"]}).languages == [
        "fr",
        "de",
    ]
    with pytest.raises(ValueError, match="unknown language code xx"):
        BrandsFile.model_validate({**brands, "languages": ["fr", "xx"]}, context={"checks": CHECKS})
