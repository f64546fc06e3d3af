from nlp.brands import BrandMatcher
from veille.config import BrandsFile

BRANDS = BrandsFile.model_validate(
    {
        "brands": [
            {"name": "Fibrelia", "queries": ["Fibrelia", "Fibrelia Box"], "competitors": ["Orbix"]},
            {"name": "Kalio", "queries": ["Kalio"], "exclude": ["Kalio Pharma"]},
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
    assert found == {"Fibrelia": ["Fibrelia Box"], "Orbix": ["Orbix"]}


def test_brand_inside_another_word_does_not_match():
    assert brands_in("Orbixa et Kaliope ne sont pas des marques") == {}


def test_exclusion_drops_the_brand():
    assert brands_in("Kalio Pharma rachète un labo") == {}
    assert brands_in("Mon forfait Kalio est top") == {"Kalio": ["Kalio"]}


def test_title_counts():
    assert brands_in("Pareil chez moi", title="Re: Panne Fibrelia") == {"Fibrelia": ["Fibrelia"]}
