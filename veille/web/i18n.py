"""Keeping the message catalogs (warehouse/locales/, read by warehouse/i18n.py) in line
with what the screens, the report and the emails say: `python -m veille.web.i18n`."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from veille.core.config import UI_LOCALES
from warehouse.i18n import CATALOG_DATE, DOMAIN, catalog_path

# Where the messages are: the app's templates and code, the warehouse's (report, emails).
SOURCES = (Path(__file__).parent, Path(__file__).resolve().parents[2] / "warehouse")


def source_messages() -> list[str]:
    """Every message the templates and the app's code mark for translation."""
    from babel.messages.extract import extract_from_dir

    found: set[str] = set()
    for folder in SOURCES:
        for _, _, message, _, _ in extract_from_dir(
            str(folder),
            method_map=[("templates/**.html", "jinja2"), ("**.py", "python")],
            options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
            keywords={"_": None, "N_": None, "gettext": None},
        ):
            found.add(str(message))
    return sorted(found)


def update_catalogs() -> dict[str, list[str]]:
    """Bring each .po file in line with the sources: new messages added untranslated,
    gone ones dropped, translations kept. Returns the untranslated messages per locale."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    messages = source_messages()
    missing: dict[str, list[str]] = {}
    for locale in UI_LOCALES:
        if locale == "en":
            continue
        path = catalog_path(locale)
        known: dict[str, str] = {}
        if path.exists():
            with path.open("rb") as po:
                known = {
                    str(m.id): str(m.string)
                    for m in read_po(po, locale=locale)
                    if m.id and m.string
                }
        catalog = Catalog(
            locale=locale,
            domain=DOMAIN,
            project="Veille",
            version="",
            copyright_holder="Veille's authors",
            header_comment=f"# The {locale} messages of veille web; "
            "`python -m veille.web.i18n` updates this file.",
            creation_date=CATALOG_DATE,
            revision_date=CATALOG_DATE,
            last_translator="Veille's authors",
            language_team=f"{locale}",
            fuzzy=False,
        )
        for message in messages:
            catalog.add(message, known.get(message, ""))
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as po:
            write_po(po, catalog, width=100, omit_header=False, sort_output=True)
        missing[locale] = [m for m in messages if not known.get(m)]
    return missing


if __name__ == "__main__":  # python -m veille.web.i18n: update the catalogs
    for code, untranslated in update_catalogs().items():
        print(f"{catalog_path(code)}: {len(untranslated)} messages to translate")
        for text in untranslated:
            print(f"  {text}")
