"""Extraction on saved real pages: WordPress comments, phpBB posts, main content."""

import json
from datetime import UTC, datetime

import pytest

from crawlers.extract.dates import parse_date
from crawlers.extract.page import ExtractionError
from crawlers.extract.text import element_text
from crawlers.reader import extract_page
from tests.conftest import FIXTURES

PAGES = FIXTURES / "pages"


def test_wordpress_comments_match_gold():
    gold = json.loads((PAGES / "wordpress_lemon_tree.gold.json").read_text())
    page = extract_page(
        (PAGES / "wordpress_lemon_tree.html").read_bytes(),
        "https://youhadmeatgardening.com/lemon-tree-from-seed",
    )
    assert page.preset == "wordpress"
    assert len(page.posts) == gold["n_posts"] == 25
    for post, expected in zip(page.posts, gold["posts"], strict=True):
        assert post.post_id == expected["post_id"]
        assert post.author == expected["author"]
        assert post.date_text == expected["date"]
        assert post.text.replace("\n", " ").startswith(expected["text_first60"].rstrip())
        assert post.published_at is not None and post.published_at.tzinfo is not None
    # Comments are posts of their own, not part of the article's text.
    assert gold["posts"][0]["text_first60"] not in page.text
    assert "lemon" in page.text.lower()


def test_phpbb_posts_match_gold():
    gold = json.loads((PAGES / "phpbb_openoffice.gold.json").read_text())
    page = extract_page((PAGES / "phpbb_openoffice.html").read_bytes(), gold["url"])
    assert page.preset == "phpbb"
    assert page.title == "Documentation"
    assert len(page.posts) == len(gold["posts"]) == 7
    for position, (post, expected) in enumerate(zip(page.posts, gold["posts"], strict=True), 1):
        assert expected["post_link"].endswith(f"#p{post.post_id}")
        assert post.date_text == expected["datetime"]
        assert post.position == position
        flat = " ".join(post.text.split())
        assert flat[:40] == " ".join(expected["text_first60"].split())[:40]
    first = page.posts[0]
    assert first.author == "Hagar Delest"
    assert first.published_at == datetime(2013, 7, 28, 11, 59, tzinfo=UTC)


def test_phpbb_positions_continue_on_later_pages():
    gold = json.loads((PAGES / "phpbb_openoffice.gold.json").read_text())
    page = extract_page((PAGES / "phpbb_openoffice.html").read_bytes(), gold["url"] + "&start=10")
    assert [p.position for p in page.posts] == list(range(11, 18))


@pytest.mark.parametrize("name", ["blog.wordpress.com.diverse", "regards.fr.enquetes"])
def test_main_text_has_the_article_and_not_the_boilerplate(name: str):
    expected = json.loads((PAGES / f"{name}.eval.json").read_text())
    page = extract_page((PAGES / f"{name}.html").read_bytes(), expected["url"])
    for snippet in expected["with"]:
        assert snippet in page.text
    for snippet in expected["without"]:
        assert snippet not in page.text
    assert page.title


def test_quotes_and_signatures_are_left_out_and_quoted_id_kept():
    html = b"""<html><body><div id="p12" class="post bg2"><div class="postbody">
    <h3><a href="#p12">Re: Panne</a></h3>
    <p class="author">par <strong><a href="./memberlist.php?u=2" class="username">Zoe</a>
    </strong> &raquo;
    <time datetime="2026-11-22T13:05:00+00:00">dim. 22 nov. 2026 14:05</time></p>
    <div class="content"><blockquote cite="./viewtopic.php?p=11#p11">
    <div><cite>Max a \xc3\xa9crit :</cite>
    Ma box est morte</div></blockquote>Pareil chez moi depuis hier.<br>Trois jours sans internet.
    </div><div id="sig12" class="signature">Abonn\xc3\xa9e depuis 2019</div>
    </div></div></body></html>"""
    page = extract_page(html, "http://forum.test/viewtopic.php?t=1", preset="phpbb")
    post = page.posts[0]
    assert post.text == "Pareil chez moi depuis hier.\nTrois jours sans internet."
    assert post.quoted_post_ids == ["11"]
    assert post.author == "Zoe"
    assert post.author_url == "http://forum.test/memberlist.php?u=2"
    assert post.title == "Re: Panne"


def test_empty_page_is_a_clear_error():
    with pytest.raises(ExtractionError, match=r"http://x\.test/: the page is empty"):
        extract_page(b"  ", "http://x.test/")


def test_element_text_keeps_line_breaks_and_drops_scripts():
    from lxml import html

    element = html.fromstring(
        "<div><p>Un <b>deux</b></p><script>x=1</script><p>trois<br>quatre</p></div>"
    )
    assert element_text(element) == "Un deux\ntrois\nquatre"


NOW = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected_local"),
    [
        ("il y a 3 heures", "2026-11-24 08:30"),
        ("hier à 14h05", "2026-11-23 14:05"),
        ("Aujourd'hui, 09:12", "2026-11-24 09:12"),
        ("Yesterday at 2:05 PM", "2026-11-23 14:05"),
        ("3 days ago", "2026-11-21 11:30"),
        ("3 novembre 2026 à 14 h 05", "2026-11-03 14:05"),
        ("November 3, 2026 at 2:05 pm", "2026-11-03 14:05"),
        ("ven. 20 nov. 2026 14:05", "2026-11-20 14:05"),
    ],
)
def test_dates_french_and_english_in_the_source_timezone(text: str, expected_local: str):
    parsed = parse_date(text, timezone="Europe/Paris", now=NOW)
    assert parsed is not None and parsed.tzinfo is not None
    assert parsed.strftime("%Y-%m-%d %H:%M") == expected_local
    assert parsed.utcoffset() is not None


def test_iso_dates_keep_their_offset_and_no_date_is_none():
    parsed = parse_date("2026-11-20T13:05:00+00:00", timezone="Europe/Paris")
    assert parsed == datetime(2026, 11, 20, 13, 5, tzinfo=UTC)
    assert parse_date("Répondre", timezone="Europe/Paris", now=NOW) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("02.01.13 19:14", datetime(2013, 1, 2, 19, 14, tzinfo=UTC)),
        ("12.03.2020", datetime(2020, 3, 12, tzinfo=UTC)),
        ("31.12.99, 23:59", datetime(1999, 12, 31, 23, 59, tzinfo=UTC)),
    ],
)
def test_a_dotted_numeric_date_is_day_first_whatever_the_languages(text: str, expected: datetime):
    # English among the languages makes dateparser read "02.01.13" as February 1.
    assert parse_date(text, timezone="UTC", now=NOW, languages=["en", "fr"]) == expected
    assert parse_date("version 1.2.2020", timezone="UTC", now=NOW, languages=["en"]) is None


def test_numeric_dates_read_in_the_page_language():
    """A French vBulletin board writes "04/02/2005": 4 February, not April 2."""
    page = FIXTURES / "forum_pages" / "vbulletin__futura-sciences-latex-12735.html"
    url = "https://forums.futura-sciences.com/annonces-officielles/12735-latex.html"
    french = extract_page(page.read_bytes(), url, preset="vbulletin", timezone="Europe/Paris",
                          language="fr")  # fmt: skip
    dates = [(p.date_text, p.published_at.strftime("%Y-%m-%d %H:%M")) for p in french.posts[:2]]
    assert dates == [
        ("29/07/2004, 19h46", "2004-07-29 19:46"),
        ("04/02/2005, 12h25", "2005-02-04 12:25"),
    ]
