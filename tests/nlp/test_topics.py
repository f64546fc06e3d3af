"""Topics on real posts and the shipped model's vectors: ids that hold across runs,
no topic from a handful of posts, keywords that are words, rows that round-trip."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

import numpy as np
import pytest

from nlp.query import fold
from nlp.topics import (
    Topic,
    TopicIndex,
    c_tf_idf,
    keyphrase_candidates,
    keyword_candidates,
    label_exclusions,
    stopwords,
    topic_id,
)

DELIVERY = [
    "Ma commande Fibrelia devait arriver lundi, toujours pas de livraison vendredi.",
    "Trois semaines d'attente pour recevoir le colis, le livreur n'est jamais passé.",
    "Livraison encore reportée, le suivi du colis n'a pas bougé depuis dix jours.",
    "Le transporteur a perdu mon colis et personne ne sait où est ma commande.",
    "Commande passée il y a un mois, la livraison est sans cesse repoussée.",
    "My parcel was supposed to arrive on Monday and the delivery is still delayed.",
    "Two weeks waiting for my order, the courier never showed up with the package.",
    "The delivery date keeps slipping, tracking says the parcel is stuck in transit.",
    "Still no delivery after three weeks, the package tracking has not moved.",
    "Order shipped ten days ago and the parcel has still not been delivered.",
    "Le colis est arrivé avec deux semaines de retard, livraison catastrophique.",
    "Delivery was late again, the courier rescheduled my parcel three times.",
    "Colis toujours pas livré, le transporteur annonce encore une semaine de retard.",
    "La livraison promise en 48 heures a pris trois semaines, commande reçue hier.",
    "The package arrived three weeks late, the worst delivery I have ever had.",
    "Where is my parcel? The delivery has been postponed for the fourth time.",
]
PRICES = [
    "L'abonnement passe de 29 à 35 euros par mois sans aucune explication.",
    "Encore une hausse de prix sur mon forfait, c'est la troisième cette année.",
    "Le tarif de la box a augmenté de six euros, je vais résilier.",
    "Augmentation du prix de l'abonnement annoncée par mail, c'est abusé.",
    "Les prix ont encore grimpé, le forfait coûte maintenant bien trop cher.",
    "They raised the monthly price of my subscription again without warning.",
    "Another price increase on my plan, it is now way too expensive.",
    "The subscription fee went up by six dollars this month, time to cancel.",
    "My bill jumped after the latest price hike on the internet plan.",
    "The new pricing makes the plan twice as expensive as last year.",
    "Hausse tarifaire inadmissible, mon abonnement internet coûte dix euros de plus.",
    "Prices keep going up every year and the plan gets more expensive.",
    "Le prix du forfait mobile augmente encore de cinq euros par mois.",
    "Nouvelle hausse des tarifs de l'abonnement, la facture devient trop chère.",
    "The price of my mobile plan went up again, five dollars more each month.",
    "Yet another subscription price increase, the bill is getting too expensive.",
]
APP = [
    "L'application plante dès l'ouverture depuis la dernière mise à jour.",
    "Impossible de me connecter à l'appli, elle se ferme toute seule sur Android.",
    "La nouvelle version de l'application bugue, l'écran reste blanc au démarrage.",
    "Depuis la mise à jour l'appli crashe à chaque fois que j'ouvre mes factures.",
    "L'application mobile affiche un message d'erreur et refuse de se lancer.",
    "L'appli iPhone se bloque sur l'écran de chargement depuis la nouvelle version.",
    "The app crashes as soon as I open it since the last update.",
    "Can't log in to the mobile app, it keeps closing itself on Android.",
    "The new version of the app is buggy, the screen stays blank at startup.",
    "Since the update the app crashes every time I open my bills.",
    "The mobile app shows an error message and refuses to launch.",
    "The iPhone app freezes on the loading screen since the new version.",
]
OUTAGE = [
    "Panne de réseau depuis ce matin, plus d'internet ni de téléphone.",
    "Coupure internet générale dans tout le quartier depuis hier soir.",
    "Le réseau mobile est complètement en panne, aucune barre de signal.",
    "Encore une panne de la fibre, la connexion coupe toutes les heures.",
    "Internet coupé depuis deux jours, la box clignote rouge.",
    "Network outage since this morning, no internet and no phone signal.",
    "The whole neighbourhood has been without internet since last night.",
    "Mobile network is down again, zero bars of signal all day.",
    "Another fibre outage, the connection drops every hour.",
    "Internet has been down for two days and the router light is red.",
    "Panne générale de la fibre dans la ville, aucune connexion depuis midi.",
    "Toujours pas de réseau ce soir, la coupure internet dure depuis hier.",
    "Massive internet outage in town, no connection since noon.",
    "Still no network tonight, the internet outage started yesterday.",
]


@pytest.fixture(scope="module")
def encode() -> Callable[[list[str]], np.ndarray]:
    """The shipped model's topic vectors (the sentiment pass's frozen layer)."""
    from nlp.finetuned import FinetunedSentiment

    model = FinetunedSentiment()

    def topic_vectors(texts: list[str]) -> np.ndarray:
        return model.predict_with_topic_vectors(texts)[2]

    return topic_vectors


def keyed(prefix: str, texts: list[str]) -> list[str]:
    return [f"{prefix}{i}" for i in range(len(texts))]


def test_topic_ids_hold_across_runs_and_a_new_subject_founds_one_topic(encode):
    run_one = DELIVERY[:12] + PRICES[:12] + OUTAGE[:10]
    index = TopicIndex()
    assigned = index.update(keyed("a", run_one), encode(run_one), run_one)
    ids = [t.topic_id for t in index.topics]
    # Each subject is a topic of its own, its French and English posts together.
    subjects = [assigned[:12], assigned[12:24], assigned[24:]]
    majority = [Counter(s).most_common(1)[0][0] for s in subjects]
    assert len(ids) == 3 and set(ids) == set(majority)
    assert all(s.count(m) >= len(s) - 1 and set(s) <= {m, None}
               for s, m in zip(subjects, majority, strict=True))  # fmt: skip

    # Run 2, from the stored rows: new posts on the same subjects join their topics,
    # and a new subject with enough posts founds exactly one topic.
    stored = TopicIndex.from_rows(json.loads(json.dumps(index.to_rows())))
    run_two = DELIVERY[12:] + PRICES[12:] + OUTAGE[10:] + APP
    later = stored.update(keyed("b", run_two), encode(run_two), run_two)
    for start, topic in zip((0, 4, 8), majority, strict=True):
        joined = later[start : start + 4]
        assert joined.count(topic) >= 3 and set(joined) <= {topic, None}, later
    assert [t.topic_id for t in stored.topics[:3]] == ids
    assert len(stored) == 4
    new = stored.topics[3].topic_id
    assert new not in ids and later[12:].count(new) >= 9 and new not in later[:12]

    # A fresh index on the same posts gives the same ids.
    again = TopicIndex()
    assert again.update(keyed("a", run_one), encode(run_one), run_one) == assigned


def test_too_few_unfitting_posts_found_no_topic(encode):
    run_one = DELIVERY + PRICES
    index = TopicIndex()
    index.update(keyed("a", run_one), encode(run_one), run_one)
    few = APP[:3] + APP[6:9]
    assert index.update(keyed("c", few), encode(few), few) == [None] * 6
    assert len(index) == 2


def test_labels_are_keywords_without_stop_words(encode):
    texts = DELIVERY + PRICES + OUTAGE
    index = TopicIndex()
    index.update(keyed("a", texts), encode(texts), texts)
    stop = stopwords()
    assert len(index) == 3
    for topic in index.topics:
        assert len(topic.keywords) == 8 and topic.label == " · ".join(topic.keywords[:3])
        for keyword in topic.keywords:  # a word, or two side by side
            assert 1 <= len(keyword.split()) <= 2, keyword
            for word in keyword.split():
                assert fold(word) not in stop and len(word) >= 3 and word.isalpha(), word
    labels = sorted(fold(" ".join(t.keywords)) for t in index.topics)
    assert any("livraison" in k or "delivery" in k or "colis" in k for k in labels), labels
    assert any("prix" in k or "price" in k for k in labels), labels
    assert any("panne" in k or "outage" in k or "internet" in k for k in labels), labels


def test_labels_hold_no_brand_name_nor_query_word_and_topics_show_their_posts(encode):
    """Each subject's posts name one brand, so that its name is what sets the topic
    apart: without the exclusions it names the topic; with them, never."""
    texts = (
        [f"Orbix : {t}" for t in DELIVERY]
        + [f"{t} #Kalio" for t in PRICES]
        + [f"Fibrelia Box, {t}" for t in OUTAGE]
    )
    keys = keyed("a", texts)
    vectors = encode(texts)
    plain = TopicIndex()
    plain.update(keys, vectors, texts)
    named = " ".join(fold(t.label) for t in plain.topics)
    assert "orbix" in named and "kalio" in named, named
    excluded = label_exclusions(
        ["Orbix", "Kalio", "Fibrelia"], ["Orbix", "kalio*", 'Fibrelia OR "Fibrelia Box"']
    )
    assert {"orbix", "kalio", "kalio*", "fibrelia", "box"} == excluded
    index = TopicIndex(excluded=excluded)
    assigned = index.update(keys, vectors, texts)
    assert len(index) == 3
    for topic in index.topics:
        for word in " ".join(topic.keywords).split():
            assert fold(word) not in {"orbix", "kalio", "fibrelia", "box"}, topic.keywords
        # its most representative posts: members, nearest its centroid first
        members = {k for k, a in zip(keys, assigned, strict=True) if a == topic.topic_id}
        assert len(topic.examples) == 3 and {k for k, _ in topic.examples} <= members
        similarities = [s for _, s in topic.examples]
        assert similarities == sorted(similarities, reverse=True) and similarities[-1] > 0.9
    # The rows keep the exclusions' effect and the examples.
    again = TopicIndex.from_rows(json.loads(json.dumps(index.to_rows())), excluded=excluded)
    assert [t.examples for t in again.topics] == [t.examples for t in index.topics]


def test_phrases_stand_for_the_words_mostly_used_in_them():
    assert keyphrase_candidates("Le service client ne répond pas, service client injoignable") == [
        "service", "client", "répond", "service", "client", "injoignable",
        "service client", "service client", "client injoignable",
    ]  # fmt: skip
    # not across punctuation, a stop word or a URL
    assert keyphrase_candidates("délai, livraison de colis https://x.example/a suivi") == [
        "délai", "livraison", "colis", "suivi",
    ]  # fmt: skip
    support = {"service": 6, "client": 5, "service client": 5, "attente": 3, "client fidèle": 1}
    delivery = {"livraison": 6, "colis": 5, "service": 1}
    first, second = c_tf_idf([support, delivery], top=3)
    assert first == ["service client", "attente"]  # "client" shown once, in the phrase
    assert second == ["livraison", "colis", "service"]
    # A word used mostly alone stays a word.
    assert c_tf_idf([{"retard": 8, "retard livraison": 2}, {"prix": 3}], top=1)[0] == ["retard"]
    excluded = label_exclusions(["Fibrelia"], ["service"])
    assert c_tf_idf([support, delivery], top=2, excluded=excluded)[0] == ["client", "attente"]


def test_keyword_candidates_drop_stop_words_elisions_numbers_and_urls():
    text = (
        "L'abonnement qu'ils m'ont vendu coûte 35 € : https://fibrelia.example/tarifs "
        "@fibrelia it's the company's worst offer, and they don't care"
    )
    assert keyword_candidates(text) == [
        "abonnement", "vendu", "coûte", "company", "worst", "offer", "care",
    ]  # fmt: skip


def test_c_tf_idf_ranks_words_peculiar_to_a_topic_and_merges_spellings():
    delivery = {"livraison": 6, "colis": 4, "retard": 3, "client": 2, "télé": 1}
    support = {"client": 6, "service": 5, "attente": 3, "livraison": 1, "tele": 2}
    first, second = c_tf_idf([delivery, support], top=3)
    assert first == ["livraison", "colis", "retard"]
    assert second == ["service", "client", "attente"]
    assert c_tf_idf([{"télé": 1, "tele": 2}, {"colis": 3}], top=1)[0] == ["tele"]


def test_rows_round_trip():
    centroid = np.array([3.0, 4.0, 0.0], dtype=np.float32) / 5
    topic = Topic(topic_id(["k2", "k1"]), "colis · livraison", ["colis", "livraison"],
                  centroid, 9, terms=Counter({"colis": 5, "livraison": 4}))  # fmt: skip
    index = TopicIndex([topic])
    rows = json.loads(json.dumps(index.to_rows()))
    back = TopicIndex.from_rows(rows)
    [again] = back.topics
    assert again.topic_id == topic_id(["k1", "k2"]) == topic.topic_id
    assert again.topic_id.startswith("t") and len(again.topic_id) == 9
    assert (again.label, again.keywords, again.size) == (topic.label, topic.keywords, 9)
    assert again.terms == topic.terms and again.centroid.dtype == np.float32
    np.testing.assert_allclose(again.centroid, centroid, rtol=1e-6)
    assert back.to_rows() == rows


def test_update_refuses_mismatched_inputs_and_takes_an_empty_run():
    assert TopicIndex().update([], np.zeros((0, 384), dtype=np.float32), []) == []
    with pytest.raises(ValueError, match="2 keys, 1 vectors, 2 texts"):
        TopicIndex().update(["a", "b"], np.ones((1, 4), dtype=np.float32), ["x", "y"])
