"""Keeping the message catalogs (warehouse/locales/, read by warehouse/i18n.py) in line
with what the screens, the report and the emails say: `python -m veille.web.i18n`."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from veille.core.config import UI_LOCALES
from warehouse.i18n import CATALOG_DATE, DOMAIN, catalog_path

# Where the messages are: the app's templates and code, the warehouse's (report, emails).
SOURCES = (Path(__file__).parent, Path(__file__).resolve().parents[2] / "warehouse")


# A message: its text, or (singular, plural) for one that counts (ngettext).
Message = str | tuple[str, ...]


def source_messages() -> list[Message]:
    """Every message the templates and the code mark for translation."""
    from babel.messages.extract import extract_from_dir

    found: set[Message] = set()
    for folder in SOURCES:
        for _, _, message, _, _ in extract_from_dir(
            str(folder),
            method_map=[("templates/**.html", "jinja2"), ("**.py", "python")],
            options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
            keywords={"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)},
        ):
            found.add(tuple(message) if isinstance(message, tuple | list) else str(message))
    return sorted(found, key=lambda m: m if isinstance(m, str) else m[0])


def translated(message: Message, known: dict[Message, Message]) -> bool:
    text = known.get(message)
    if isinstance(text, tuple):
        return all(text)
    return bool(text)


def update_catalogs() -> dict[str, list[Message]]:
    """Bring each .po file in line with the sources: new messages added untranslated,
    gone ones dropped, translations kept. Returns the untranslated messages per locale."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    messages = source_messages()
    missing: dict[str, list[Message]] = {}
    for locale in UI_LOCALES:
        if locale == "en":
            continue
        path = catalog_path(locale)
        known = read_catalog(locale) if path.exists() else {}
        catalog = Catalog(
            locale=locale,
            domain=DOMAIN,
            project="Veille",
            version="",
            copyright_holder="Veille's authors",
            header_comment=f"# The {locale} messages of Veille's screens, report and emails; "
            "`python -m veille.web.i18n` updates this file.",
            creation_date=CATALOG_DATE,
            revision_date=CATALOG_DATE,
            last_translator="Veille's authors",
            language_team=f"{locale}",
            fuzzy=False,
        )
        for message in messages:
            empty: Message = "" if isinstance(message, str) else ("", "")
            catalog.add(message, known.get(message) or empty)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as po:
            write_po(po, catalog, width=100, omit_header=False, sort_output=True)
        missing[locale] = [m for m in messages if not translated(m, known)]
    return missing


def read_catalog(locale: str) -> dict[Message, Message]:
    """A catalog's messages and their translations."""
    with catalog_path(locale).open("rb") as po:
        return {
            (m.id if isinstance(m.id, str) else tuple(m.id)): (
                m.string if isinstance(m.string, str) else tuple(m.string or ())
            )
            for m in read_po(po, locale=locale)
            if m.id
        }


if __name__ == "__main__":  # python -m veille.web.i18n: update the catalogs
    for code, untranslated in update_catalogs().items():
        print(f"{catalog_path(code)}: {len(untranslated)} messages to translate")
        for text in untranslated:
            print(f"  {text}")
