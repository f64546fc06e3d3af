"""Aspects: the sentences of a brand's passage that name each aspect, with the defaults
and a brand's own, and their sentiment through the real model."""

from __future__ import annotations

import pytest

from nlp.aspects import DEFAULT_ASPECTS, AspectFinder
from nlp.query import parse_query
from veille.core.record import BrandMatch, Mention


def test_each_aspect_gets_the_sentences_that_name_it_and_the_verdict_after():
    finder = AspectFinder()
    text = (
        "Service client Fibrelia injoignable. Une heure d'attente, inadmissible. "
        "Le prix reste correct. Panne réseau depuis hier soir ! La facture, elle, arrive "
        "toujours à l'heure."
    )
    assert finder.passages("Fibrelia", text) == {
        # the verdict after it names no aspect: it goes with the sentence before
        "customer_service": "Service client Fibrelia injoignable. Une heure d'attente, "
        "inadmissible.",
        # the next sentence names the network: it is the network's, not the price's
        "price": "Le prix reste correct.",
        "network": "Panne réseau depuis hier soir !",
        "billing": "La facture, elle, arrive toujours à l'heure.",
    }
    english = "The app keeps crashing. My parcel never arrived. Way too expensive for that."
    assert set(finder.passages("Kalio", english)) == {"app_website", "delivery", "price"}
    assert finder.passages("Kalio", "Merci pour le conseil, bonne journée.") == {}


def test_a_brand_adds_its_own_aspects_and_replaces_a_default():
    finder = AspectFinder({"Kalio": {"roaming": "roaming OR itinérance", "price": "forfait*"}})
    text = "Itinérance hors de prix en Espagne. Le forfait reste raisonnable."
    assert finder.passages("Kalio", text) == {
        "roaming": "Itinérance hors de prix en Espagne.",
        "price": "Le forfait reste raisonnable.",
    }
    assert "roaming" in finder.names("Kalio") and "roaming" not in finder.names("Fibrelia")
    # Another brand keeps the defaults: "prix" names the price.
    assert "price" in AspectFinder().passages("Fibrelia", text)


@pytest.mark.parametrize("name", sorted(DEFAULT_ASPECTS))
def test_every_default_aspect_is_a_readable_query(name: str):
    parse_query(DEFAULT_ASPECTS[name])


def test_scoring_gives_each_brand_the_sentiment_of_its_aspects():
    from nlp.scoring import score_mentions
    from nlp.sentiment import load_sentiment_model
    from tests.factories import NOW

    mention = Mention(
        mention_id="m1", source_id="forum", source_kind="forum", url="http://f.test/1",
        crawled_at=NOW, language="fr",
        text="Fibrelia : le service client est injoignable, c'est scandaleux, une honte. "
        "Par contre le débit de la fibre est excellent, je suis ravi.",
        brands=[BrandMatch("Fibrelia", ["Fibrelia"])],
    )  # fmt: skip
    score_mentions([mention], load_sentiment_model(), aspects=AspectFinder())
    said = {a.aspect: a.sentiment for a in mention.brands[0].aspects}
    assert said == {"customer_service": "negative", "network": "positive"}
    assert all(-1 <= a.sentiment_score <= 1 for a in mention.brands[0].aspects)
    # Without a finder, no aspect (what the caller asks for).
    score_mentions([mention], load_sentiment_model())
    assert mention.brands[0].aspects == []
