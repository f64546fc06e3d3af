"""Brand-targeted sentiment: what a post says about each brand it names."""

import pytest

from nlp.scoring import score_mentions
from nlp.sentiment import load_sentiment_model
from nlp.targeted import brand_passage, sentences
from tests.factories import scored_mention
from veille.core.record import BrandMatch


def test_sentences_and_passages():
    text = "Je suis chez Fibrelia depuis 2 ans. Trois jours sans internet !! Orbix, nickel. Bref."
    assert sentences(text) == [
        "Je suis chez Fibrelia depuis 2 ans.",
        "Trois jours sans internet !!",
        "Orbix, nickel.",
        "Bref.",
    ]
    assert brand_passage(text, ["Fibrelia"], ["Orbix"]) == (
        "Je suis chez Fibrelia depuis 2 ans. Trois jours sans internet !!"
    )
    assert brand_passage(text, ["Orbix"], ["Fibrelia"]) == "Orbix, nickel. Bref."
    assert brand_passage(text, ["Kalio"]) is None


def test_a_sentence_naming_two_brands_is_cut_at_its_contrast():
    text = "J'adore mon téléphone Kalio, mais la box Fibrelia plante tous les jours."
    assert brand_passage(text, ["Kalio"], ["Fibrelia"]) == "J'adore mon téléphone Kalio"
    assert brand_passage(text, ["Fibrelia"], ["Kalio"]) == "la box Fibrelia plante tous les jours."


@pytest.fixture(scope="module")
def model():
    return load_sentiment_model()


@pytest.mark.parametrize(
    ("text", "brands", "expected"),
    [
        (
            "J'adore mon nouveau téléphone Kalio, super écran et batterie géniale. "
            "Par contre la box Fibrelia plante tous les soirs, c'est insupportable.",
            ["Kalio", "Fibrelia"],
            {"Kalio": "positive", "Fibrelia": "negative"},
        ),
        (
            "Orbix support was useless and rude, a total waste of time. "
            "Switching to Fibrelia fixed everything, fast and friendly, love it.",
            ["Orbix", "Fibrelia"],
            {"Orbix": "negative", "Fibrelia": "positive"},
        ),
    ],
)
def test_targeted_scores_differ_from_the_post(model, text, brands, expected):
    mention = scored_mention(1, text=text)
    mention.brands = [BrandMatch(b, [b]) for b in brands]
    score_mentions([mention], model)
    assert {b.brand: b.sentiment for b in mention.brands} == expected
    assert mention.model_name == model.name and mention.model_version == model.version


@pytest.mark.parametrize(
    ("text", "label"),
    [
        pytest.param(
            "Franchement, pas mal du tout cette box, je recommande.",
            "positive",
            marks=pytest.mark.xfail(
                strict=True,
                reason="French litotes: since recipe '+dev bal' (classes balanced within "
                "each training set) 'pas' leans negative; neutral, P(positive) 0.34",
            ),
        ),
        ("Not bad at all, the setup took five minutes and it just works.", "positive"),
        ("Pas facile de joindre le service client, trois heures d'attente.", "negative"),
        ("Pas top la nouvelle box, elle redémarre toute seule deux fois par jour.", "negative"),
        ("The app is not good: it crashes every time I open it.", "negative"),
    ],
)
def test_negation(model, text: str, label: str):
    assert model.score([text])[0].label == label
