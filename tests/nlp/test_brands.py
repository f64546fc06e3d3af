import pytest

from nlp.brands import BrandMatcher
from veille.core.config import BrandsFile

BRANDS = BrandsFile.model_validate(
    {
        "brands": [
            {
                "name": "Fibrelia",
                "queries": ["Fibrelia", '"Fibrelia Box"'],
                "competitors": ["Orbix"],
            },
            {"name": "Kalio", "queries": ["Kalio"], "exclude": ['"Kalio Pharma"']},
            {"name": "Orbix", "role": "competitor", "queries": ["Orbix"]},
        ]
    }
)
MATCHER = BrandMatcher(BRANDS)


def brands_in(text: str, title: str | None = None) -> dict[str, list[str]]:
    return {m.brand: m.terms for m in MATCHER.match(text, title)}


def test_case_accents_and_elisions():
    assert brands_in("l'appli FIBRÉLIA plante encore") == {"Fibrelia": ["Fibrelia"]}
    assert brands_in("je pars d’Orbix, trop cher") == {"Orbix": ["Orbix"]}


def test_phrases_and_several_brands():
    found = brands_in("Ma Fibrelia   Box contre la box d'Orbix")
    assert found == {"Fibrelia": ["Fibrelia", "Fibrelia Box"], "Orbix": ["Orbix"]}


def test_brand_inside_another_word_does_not_match():
    assert brands_in("Orbixa et Kaliope ne sont pas des marques") == {}


def test_exclusion_drops_the_brand():
    assert brands_in("Kalio Pharma rachète un labo") == {}
    assert brands_in("Mon forfait Kalio est top") == {"Kalio": ["Kalio"]}


def test_title_counts():
    assert brands_in("Pareil chez moi", title="Re: Panne Fibrelia") == {"Fibrelia": ["Fibrelia"]}


# Generic names, as community managers of real brands write their queries.
TRAPS = BrandsFile.model_validate(
    {
        "brands": [
            {"name": "Orange", "queries": [
                "{Orange} AND (forfait* OR box OR fibre OR réseau OR 4G OR 5G OR boutique OR "
                "opérateur OR panne OR Livebox OR Sosh)",
                "Livebox OR site:orange.fr",
            ], "exclude": ['"orange mécanique"', "jus", "agrume*"]},
            {"name": "Apple", "queries": ["{Apple} -pie -tarte", "iPhone OR MacBook"],
             "exclude": ['"Apple Records"']},
            {"name": "Free", "queries": ["{Free} NEAR/4 (box OR freebox OR forfait OR mobile)"]},
        ]
    }
)  # fmt: skip
TRAP_MATCHER = BrandMatcher(TRAPS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ma box Orange est encore en panne depuis hier", {"Orange"}),
        ("La fibre d'Orange arrive enfin dans mon village", {"Orange"}),
        ("Chez l'Orange du coin, la boutique était fermée", {"Orange"}),
        ("J'ai mangé une orange et bu un jus de fruit", set()),  # the fruit
        ("Un pull orange et une box noire", set()),  # the colour, lower case
        ("ORANGE BOX", set()),  # shouting is not the brand: {Orange} is case-sensitive
        ("Une Orangeade en boutique", set()),  # inside another word
        ("Orange mécanique, le film, passe ce soir à la boutique du cinéma", set()),
        ("Mon iPhone ne charge plus", {"Apple"}),
        ("L'iPhone d'Apple coûte cher", {"Apple"}),
        ("Apple pie recipe with cinnamon", set()),
        ("apple juice is overrated", set()),
        ("Apple Records reissued the album", set()),
        ("Free augmente son forfait mobile", {"Free"}),
        ("Feel free to ask about my box", set()),  # lower case
        ("Free entry to the museum, and a gift box at the end of the long visit", set()),
    ],
)
def test_generic_brand_names(text: str, expected: set[str]):
    assert {m.brand for m in TRAP_MATCHER.match(text)} == expected


def test_fields_and_matched_terms():
    found = TRAP_MATCHER.match("Rien à signaler", url="https://boutique.orange.fr/x")
    assert [(m.brand, m.terms) for m in found] == [("Orange", [])]
    hit = TRAP_MATCHER.match("Mon forfait Orange et ma Livebox")
    assert hit[0].terms == ["Livebox", "Orange", "forfait"]
