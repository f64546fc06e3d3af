import pytest

from nlp.netiquette import (
    NETIQUETTE_FLAGS,
    competitor_links,
    is_shouting,
    netiquette_flags,
    personal_data,
)

SITES = {"Orbix": ["orbix.fr", "orbix.com"], "Télécâble": ["telecable.fr"]}


# personal_data: e-mail addresses


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Écrivez-moi à jean.dupont@gmail.com pour le suivi.", ["jean.dupont@gmail.com"]),
        ("Mail me at john_smith+forum@example.co.uk, thanks", ["john_smith+forum@example.co.uk"]),
        ("mon adresse : jean.dupont [at] gmail.com", ["jean.dupont [at] gmail.com"]),
        ("contact: marie(at)orange.fr merci", ["marie(at)orange.fr"]),
        ("Write to JANE.DOE[AT]YAHOO.COM please", ["JANE.DOE[AT]YAHOO.COM"]),
        ("Répondez sur paul@free.fr.", ["paul@free.fr"]),
    ],
)
def test_email_addresses_are_personal_data(text: str, expected: list[str]):
    assert personal_data(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Suivez @Orbix_FR sur Twitter pour les pannes.",
        "Le tarif est de 19,99 €/mois at home, pas cher.",
        "Rendez-vous at orbix.fr pour les offres.",  # " at " is not a disguise we catch
        "Merci @jean, ton astuce a marché !",
    ],
)
def test_mentions_and_handles_are_not_email_addresses(text: str):
    assert personal_data(text) == []


# personal_data: phone numbers


@pytest.mark.parametrize(
    "number",
    [
        "06 12 34 56 78",
        "06.12.34.56.78",
        "0612345678",
        "06-12-34-56-78",
        "01 42 68 53 00",
        "06\u00a012\u00a034\u00a056\u00a078",  # no-break spaces, as French keyboards type
        "+33 6 12 34 56 78",
        "+33612345678",
        "+33 (0)6 12 34 56 78",
        "0033 6 12 34 56 78",
    ],
)
def test_french_phone_numbers(number: str):
    assert personal_data(f"Appelez-moi au {number} après 18h.") == [number]


@pytest.mark.parametrize(
    "number",
    [
        "+44 20 7946 0958",
        "+1 415 555 2671",
        "+1 (415) 555-2671",
        "+44 (0)20 7946 0958",
        "+34 612 345 678",
        "+49 30 1234567",
        "+447911123456",
    ],
)
def test_international_phone_numbers(number: str):
    assert personal_data(f"Call me on {number} tomorrow") == [number]


@pytest.mark.parametrize(
    "text",
    [
        "Le forfait passe à 29,99 € par mois, scandaleux.",
        "Le nouveau téléphone coûte 1 299 € chez eux.",
        "Panne depuis le 12/03/2024, toujours rien.",
        "Ticket ouvert le 2024-03-12 à 20:45.",
        "Depuis la mise à jour iOS 17.4.1 le wifi décroche.",
        "Ma commande n° 123456789 n'est jamais arrivée.",
        "Order #98765432101 still not shipped.",
        "La box répond sur 192.168.1.254 mais pas d'internet.",
        "Voir https://forum.orbix.fr/t/panne/0612345678 pour le fil.",
        "Client depuis 2012, abonné depuis 2015.",
        "Le 06.12.2024 à 20:45 plus de réseau.",
        "Ils revendiquent +12 500 000 abonnés.",
        "Une hausse de +15000000 vues sur la vidéo.",
        "Résultat net +2 500 000 € cette année.",
        "Call 415-555-2671 for US support.",  # no "+": not required
        "Numéro trop court : +33 6 12 34 56",
        "Référence 06 12 34 56 78 90 sur la facture.",  # pairs cut from a longer number
    ],
)
def test_numbers_that_are_not_phone_numbers(text: str):
    assert personal_data(text) == []


def test_personal_data_in_the_order_written():
    text = "Tel 06 12 34 56 78 ou mail jean@free.fr, sinon +44 20 7946 0958."
    assert personal_data(text) == ["06 12 34 56 78", "jean@free.fr", "+44 20 7946 0958"]


def test_digits_of_an_email_address_are_not_a_phone_number():
    assert personal_data("jean0612345678@gmail.com") == ["jean0612345678@gmail.com"]


def test_a_number_after_a_longer_sentence_is_still_found():
    text = "Bonjour, j'ai eu le SAV, dispo au 0712345678. Merci !"
    assert personal_data(text) == ["0712345678"]


# is_shouting


@pytest.mark.parametrize(
    "text",
    [
        "C'EST INADMISSIBLE, TROIS SEMAINES SANS INTERNET !!!",
        "WORST CUSTOMER SERVICE EVER, CANCELLING TODAY",
        "RÉSILIEZ TOUT DE SUITE, ÇA NE MARCHE JAMAIS",
        "PLUS DE RÉSEAU DEPUIS HIER SOIR, Merci",  # a few lowercase letters stay above 70%
        "REMBOURSEZ IMMÉDIATEMENT https://www.orbix.fr/offres/promo-noel",
    ],
)
def test_shouting(text: str):
    assert is_shouting(text)


@pytest.mark.parametrize(
    "text",
    [
        "Le SAV de SFR en 4G sur iOS, OK",
        "Plus d'internet depuis hier soir, la box redémarre en boucle.",
        "My phone plan doubled in price and nobody told me.",
        "MERCI !!!",  # too short to tell
        "SAV SFR USA OK 4G iOS TV",  # acronyms only
        "",
        "1234 5678 !!!",
        "Écrivez à SUPPORT.CLIENT@ORBIX.FR ou https://WWW.ORBIX.FR/CONTACT svp merci",
        "Bonjour, depuis la mise à jour de la box, le wifi coupe toutes les heures et "
        "le débit tombe à rien le soir. J'ai appelé trois fois le service client. "
        "C'EST VRAIMENT INSUPPORTABLE. Quelqu'un a une solution ou une astuce ?",
        "Half Upper Half lower TEXT here and MORE text",
    ],
)
def test_not_shouting(text: str):
    assert not is_shouting(text)


def test_shouting_threshold_is_seventy_percent_of_letters():
    # 7 upper out of 10 letters is shouting; 6 out of 10 is not (12-letter minimum met).
    assert is_shouting("ABCDEFGhij ABCDEFGhij")
    assert not is_shouting("ABCDEFghij ABCDEFghij")


def test_shouting_needs_twelve_letters():
    assert not is_shouting("ARRÊTEZ TOUT")  # 11 letters
    assert is_shouting("ARRÊTEZ TOUTES")  # 13 letters


# competitor_links


@pytest.mark.parametrize(
    "text",
    [
        "Allez plutôt voir https://www.orbix.fr/offres, bien moins cher.",
        "Chez eux c'est mieux : http://orbix.fr",
        "Try www.orbix.com instead.",
        "Regardez orbix.fr/offres/fibre-1g !",
        "Leur site orbix.fr.",
        "https://boutique.orbix.fr:8443/panier?id=3",
        "Lien : HTTPS://WWW.ORBIX.FR./promo",
        "(voir orbix.fr)",
    ],
)
def test_links_to_a_competitor(text: str):
    assert competitor_links(text, SITES) == ["Orbix"]


@pytest.mark.parametrize(
    "text",
    [
        "Écrivez à contact@orbix.fr pour résilier.",
        "Mail support@www.orbix.fr",
        "contact [at] orbix.fr",
        "https://notorbix.fr/offres",
        "https://orbix.fr.evil.com/login",
        "orbix.fr-promo.net",
        "Les offres Orbix sont moins chères.",
        "https://www.example.com/?ref=orbix.fr",
        "",
    ],
)
def test_not_a_link_to_a_competitor(text: str):
    assert competitor_links(text, SITES) == []


def test_each_competitor_once_in_sites_order():
    text = "Comparez telecable.fr/tarifs, www.orbix.fr et https://orbix.com/en, https://orbix.fr"
    assert competitor_links(text, SITES) == ["Orbix", "Télécâble"]


def test_configured_domains_are_normalised():
    sites = {"Orbix": ["WWW.Orbix.FR."]}
    assert competitor_links("voir https://boutique.orbix.fr/x", sites) == ["Orbix"]
    assert competitor_links("voir https://notorbix.fr/x", sites) == []


def test_no_sites_no_competitor():
    assert competitor_links("https://www.orbix.fr", {}) == []


# netiquette_flags


def test_all_flags_in_netiquette_flags_order():
    text = "APPELEZ LE 06 12 34 56 78 OU ALLEZ SUR WWW.ORBIX.FR, C'EST MIEUX QU'ICI"
    assert netiquette_flags(text, competitor_sites=SITES) == list(NETIQUETTE_FLAGS)
    assert list(NETIQUETTE_FLAGS) == ["personal_data", "shouting", "competitor_link"]


def test_flags_are_raised_one_by_one():
    assert netiquette_flags("Mon mail : jean@free.fr") == ["personal_data"]
    assert netiquette_flags("REMBOURSEZ-MOI IMMÉDIATEMENT") == ["shouting"]
    assert netiquette_flags("voir orbix.fr/offres", competitor_sites=SITES) == ["competitor_link"]
    shouted_link = "ALLEZ SUR ORBIX.FR/OFFRES, BEAUCOUP MOINS CHER"
    assert netiquette_flags(shouted_link, competitor_sites=SITES) == ["shouting", "competitor_link"]


def test_competitor_link_needs_competitor_sites():
    assert netiquette_flags("voir https://www.orbix.fr") == []
    assert netiquette_flags("voir https://www.orbix.fr", competitor_sites={}) == []


def test_a_calm_post_raises_nothing():
    text = "Le SAV de SFR en 4G sur iOS, OK. Panne le 12/03/2024, facture de 29,99 €."
    assert netiquette_flags(text, competitor_sites=SITES) == []


def test_empty_text():
    assert personal_data("") == []
    assert not is_shouting("")
    assert competitor_links("", SITES) == []
    assert netiquette_flags("", competitor_sites=SITES) == []
