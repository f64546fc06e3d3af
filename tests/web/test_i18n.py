"""The screens' messages in French, dates and numbers as a French reader writes them."""

from datetime import UTC, date, datetime

from veille.web.i18n import read_catalog, source_messages, translated
from warehouse.i18n import Formats, catalog_path, translations


def test_every_message_of_the_screens_has_its_french():
    messages = source_messages()
    assert len(messages) > 100  # the extraction found the templates' messages
    french = read_catalog("fr")
    untranslated = [m for m in messages if not translated(m, french)]
    assert untranslated == [], f"translate them in {catalog_path('fr')} (python -m veille.web.i18n)"
    assert translations("fr").gettext("Overview") == "Synthèse"


def test_dates_numbers_and_times_follow_the_locale_and_the_brands_zone():
    fr, en = Formats("fr", "Europe/Paris"), Formats("en", "America/New_York")
    moment = datetime(2026, 12, 6, 8, 30, tzinfo=UTC)
    assert fr.day(date(2026, 12, 6)) == "6 déc. 2026"
    assert en.day(date(2026, 12, 6)) == "Dec 6, 2026"
    assert "09:30" in fr.moment(moment)  # Paris is UTC+1 in December
    assert "3:30" in en.moment(moment)  # New York is UTC-5
    assert fr.number(1234567) == "1\u202f234\u202f567"
    assert en.number(1234567) == "1,234,567"
    assert fr.signed(-0.25) == "-0,25" and en.signed(0.5) == "+0.50"
    assert fr.percent(0.75) == "75\xa0%" and en.percent(0.75) == "75%"
