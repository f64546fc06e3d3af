"""French and English for the screens, the morning report and the emails: message
catalogs (gettext, through Babel), and dates, numbers and times in the brand's locale
and timezone.

The catalogs are the .po files under warehouse/locales/ (English is the source
language), one for all of Veille's words; they are compiled in memory when first used,
so no compiled file is kept beside them. `python -m veille.web.i18n` updates them from
the templates and code; tests/web/test_i18n.py checks that every message has its French.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from veille.core.config import UI_LOCALES

LOCALES_DIR = Path(__file__).parent / "locales"
# Written in the catalogs' headers, fixed so that updating them changes only messages.
CATALOG_DATE = datetime(2026, 12, 6, tzinfo=UTC)
DOMAIN = "veille"


def N_(message: str) -> str:
    """Marks a message for the catalogs; it is translated where it is shown."""
    return message


# Words that come from the data (a sentiment, a role, a flag, a status, a verdict), as
# the screens show them; templates translate them with label().
LABELS = {
    "negative": N_("negative"),
    "neutral": N_("neutral"),
    "positive": N_("positive"),
    "viewer": N_("viewer"),
    "analyst": N_("analyst"),
    "admin": N_("admin"),
    "offensive": N_("offensive"),
    "hate": N_("hate"),
    # the netiquette flags of owned communities (nlp/netiquette.py, view moderation_queue)
    "personal_data": N_("personal data"),
    "shouting": N_("shouting"),
    "competitor_link": N_("competitor link"),
    "repeated": N_("repeated post"),
    "ok": N_("ok"),
    "failed": N_("failed"),
    "acknowledged": N_("acknowledged"),
    "false_alarm": N_("false alarm"),
    "reopened": N_("reopened"),
    # what a decision was about, and what it did (the team's latest decisions)
    "correction": N_("correction:"),
    "mention": N_("mention:"),
    "alert": N_("alert:"),
    "not_about": N_("not about the brand"),
    "about": N_("about the brand after all"),
    "tag": N_("tagged"),
    "untag": N_("tag removed"),
    "handled": N_("handled"),
    "unhandled": N_("not handled"),
}


# The default aspects of nlp/aspects.py as people say them; a brand's own aspects are
# shown as brands.yaml writes them.
ASPECT_NAMES = {
    "price": N_("price"),
    "customer_service": N_("customer service"),
    "network": N_("network"),
    "product_quality": N_("product quality"),
    "delivery": N_("delivery"),
    "billing": N_("billing"),
    "app_website": N_("app or website"),
}


def aspect_name(aspect: str, locale: str) -> str:
    """An aspect as a reader of `locale` says it."""
    known = ASPECT_NAMES.get(aspect)
    return translations(locale).gettext(known) if known else aspect


def catalog_path(locale: str) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(locale: str) -> NullTranslations:
    """The messages in `locale` (English: the messages themselves)."""
    path = catalog_path(locale)
    if locale not in UI_LOCALES or not path.exists():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


class Formats:
    """Dates, times and numbers as a reader of `locale` writes them, times in `timezone`."""

    def __init__(self, locale: str, timezone: str = "UTC"):
        self.locale = locale if locale in UI_LOCALES else "en"
        self.zone = ZoneInfo(timezone)

    def day(self, value: date | None, form: str = "medium") -> str:
        return "" if value is None else dates.format_date(value, form, locale=self.locale)

    def weekday(self, value: date) -> str:
        """The day of the week: "Saturday", "samedi"."""
        return dates.format_date(value, "EEEE", locale=self.locale)

    def short_day(self, value: date | None) -> str:
        """ "6 déc." / "Dec 6": chart labels."""
        if value is None:
            return ""
        return dates.format_skeleton("MMMd", value, locale=self.locale)

    def moment(self, value: datetime | None) -> str:
        """A time in the brand's zone, to the minute: "6 déc. 2026, 09:14" / "Dec 6, 2026,
        9:14 AM"."""
        if value is None:
            return ""
        local = value.astimezone(self.zone)
        day = dates.format_date(local.date(), "medium", locale=self.locale)
        clock = dates.format_time(local, "short", tzinfo=self.zone, locale=self.locale)
        # the locale's own way of joining them: "{1}, {0}" / "{1} {0}" (date, time)
        joined = str(dates.get_datetime_format("medium", locale=self.locale))
        return joined.replace("{1}", day).replace("{0}", clock)

    def number(self, value: float | None, digits: int = 0) -> str:
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return numbers.format_decimal(value, pattern, locale=self.locale)

    def signed(self, value: float | None, digits: int = 2) -> str:
        """ "+0,25" / "-0.40": a net sentiment or a change, with its sign."""
        if value is None:
            return "–"
        decimals = "." + "0" * digits if digits else ""
        pattern = f"+#,##0{decimals};-#,##0{decimals}"
        return numbers.format_decimal(value, pattern, locale=self.locale)

    def percent(self, value: float | None) -> str:
        if value is None:
            return "–"
        return numbers.format_percent(value, locale=self.locale)
