"""Aspects: what a brand mention talks about (price, customer service, the network...),
so that a community manager sees what drives a brand's sentiment, not only that it fell.

An aspect is a Boolean query of brands.yaml's language (nlp/query.py), matched against
each sentence of the passage a post gives the brand (nlp/targeted.py: the sentences
naming it and the one after each; the whole post when the brand is named everywhere or
in the title only). The sentences that name an aspect, each with the one after it when
that one names none, are what the post says about it: the scoring step scores them as
one text (nlp/scoring.py), as it scores the brand's passage.

DEFAULT_ASPECTS are French and English queries for the subjects a telecom, retail or
software brand is talked about for; a brand adds its own, or replaces one, under
`aspects:` in brands.yaml. They are word lists, not a model: an aspect named in other
words is missed, and a word that names two subjects counts for both ("réseau" is the
network even in "réseaux sociaux" unless the query says otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nlp.query import Document, Node, parse_query
from nlp.targeted import sentences

DEFAULT_ASPECTS: dict[str, str] = {
    "price": (
        "prix OR tarif* OR cher OR chère OR chers OR chères OR coût* OR coute* OR coûte* OR "
        '"hausse de prix" OR price* OR pricing OR expensive OR cheap* OR cost* OR overpriced'
    ),
    "customer_service": (
        '"service client*" OR "service après-vente" OR sav OR hotline OR conseiller* OR '
        'conseillère* OR injoignable OR "customer service" OR "customer support" OR '
        '"customer care" OR helpdesk OR "support team" OR "on hold"'
    ),
    "network": (
        "réseau OR panne* OR coupure* OR connexion OR débit* OR fibre OR 4G OR 5G OR "
        "signal OR couverture OR network OR outage* OR coverage OR connection OR "
        'bandwidth OR "no signal" OR wifi OR "wi-fi"'
    ),
    "product_quality": (
        'qualité OR défectueu* OR défaut* OR cassé* OR "ne marche plus" OR '
        '"ne fonctionne plus" OR fragile OR quality OR defective OR faulty OR broken OR '
        '"stopped working" OR "fell apart"'
    ),
    "delivery": (
        "livraison* OR livré* OR livreur* OR colis OR transporteur* OR expédi* OR delivery OR "
        "delivered OR parcel* OR courier* OR shipping OR shipment OR tracking"
    ),
    "billing": (
        'factur* OR prélèvement* OR prélevé* OR rembours* OR "trop perçu" OR bill OR bills OR '
        'billing OR invoice* OR refund* OR overcharg* OR "charged twice"'
    ),
    "app_website": (
        'appli OR application OR "site web" OR "site internet" OR "espace client" OR app OR '
        'apps OR website OR "mot de passe" OR "log in" OR login OR password'
    ),
}


@dataclass(frozen=True)
class Aspect:
    name: str
    query: Node


class AspectFinder:
    """The aspects of each brand (the defaults, and its own from brands.yaml), compiled
    once."""

    def __init__(self, own: Mapping[str, Mapping[str, str]] | None = None):
        """`own`: brand name -> {aspect name: query}, added to (or replacing) the
        defaults for that brand."""
        defaults = [Aspect(name, parse_query(q)) for name, q in DEFAULT_ASPECTS.items()]
        self._default = defaults
        self._by_brand: dict[str, list[Aspect]] = {}
        for brand, queries in (own or {}).items():
            if queries:
                mine = {a.name: a for a in defaults}
                mine.update({n: Aspect(n, parse_query(q)) for n, q in queries.items()})
                self._by_brand[brand] = list(mine.values())

    def passages(self, brand: str, text: str) -> dict[str, str]:
        """Aspect name -> the sentences of `text` (a brand's passage) that name it, each
        with the sentence after it when that one names no aspect (where the verdict
        often is: "Service client injoignable. Inadmissible."), joined."""
        aspects = self._by_brand.get(brand, self._default)
        said = sentences(text)
        docs = [Document(sentence) for sentence in said]  # each read once for all aspects
        named = [[a.name for a in aspects if a.query.match(doc, set())] for doc in docs]
        found: dict[str, list[int]] = {}
        for i, names in enumerate(named):
            for name in names:
                kept = found.setdefault(name, [])
                kept += [k for k in (i, i + 1) if k < len(said) and k not in kept
                         and (k == i or not named[k])]  # fmt: skip
        return {name: " ".join(said[k] for k in sorted(ks)) for name, ks in found.items()}

    def names(self, brand: str) -> Sequence[str]:
        return [a.name for a in self._by_brand.get(brand, self._default)]
