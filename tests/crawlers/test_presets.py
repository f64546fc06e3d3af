"""Engine presets on saved real pages (tests/fixtures/forum_pages, one or two per engine,
with their gold): how many posts, their ids, authors and dates, the post's own text kept
and quoted replies, signatures and edit notices left out; a source's overrides; preset
errors; engine detection; and the per-engine floors of tests/quality_floors.json, scored
the way bench/forums.py scores the whole data set."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

import pytest

from bench.forums import HARVEST_FETCH, Score, load_pages, page_bytes, score_posts
from crawlers.extract.dates import at_offset, shown_offset
from crawlers.extract.page import PageExtraction, parse_html
from crawlers.extract.preset_spec import PresetError, preset_names
from crawlers.extract.presets import build_preset, detect_preset, get_preset
from crawlers.reader import extract_page
from tests.conftest import FIXTURES, REPO

FORUM_PAGES = FIXTURES / "forum_pages"
FLOORS = REPO / "tests" / "quality_floors.json"
PAGES = {page.name: page for page in load_pages(FORUM_PAGES)}

# Pages without a gold file in the data set: SPIP's is the article page the main-text
# tests use, Blogger's an excerpt of a page's comment list (see tests/fixtures/README.md).
EXTRA_PAGES = {
    "spip__regards-fr-macronie-enquetes": (
        FIXTURES / "pages" / "regards.fr.enquetes.html",
        "http://www.regards.fr/politique/article/"
        "deux-ans-et-demi-en-macronie-9-mises-en-examen-10-enquetes-en-cours-et-2",
        "spip",
    ),
    "blogger__luxuryhaven-hyatt-phuquoc": (
        FORUM_PAGES / "blogger__luxuryhaven-hyatt-phuquoc.excerpt.html",
        "https://www.luxuryhaven.co/2019/05/"
        "nam-nghi-phu-quoc-unbound-collection-by-hyatt-officially-opens.html",
        "blogger",
    ),
}
FETCHED = HARVEST_FETCH  # relative dates are read from the pages' fetch time


def _source(name: str) -> tuple[bytes, str, str]:
    """The page's bytes, URL and engine preset."""
    if name in PAGES:
        page = PAGES[name]
        return page_bytes(page.html_path), page.url, page.preset
    path, url, preset = EXTRA_PAGES[name]
    return path.read_bytes(), url, preset


@cache
def extracted(name: str) -> PageExtraction:
    """The page read as its source in sources.yaml would read it (bench.forums.SOURCES:
    its timezone, the preset keys it overrides)."""
    html, url, name_of_preset = _source(name)
    page = PAGES.get(name)
    preset = build_preset(name_of_preset, page.overrides) if page else name_of_preset
    timezone = page.timezone if page else "UTC"
    return extract_page(html, url, preset=preset, timezone=timezone, now=FETCHED)


@dataclass(frozen=True)
class Case:
    name: str
    count: int
    ids: tuple[str, ...]  # the first posts' ids
    authors: tuple[str, ...]  # the first posts' authors
    published: datetime  # the first post's date
    author_url: str | None  # the first post's profile URL
    contains: dict[str, str] = field(default_factory=dict)  # post id → its own words
    lacks: dict[str, tuple[str, ...]] = field(default_factory=dict)  # quotes, signatures
    nowhere: tuple[str, ...] = ()  # in no post of the page
    quoted: dict[str, list[str]] = field(default_factory=dict)  # post id → quoted ids


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


CASES = [
    Case(
        "phpbb__ebaumsworld-viewtopic-78519",
        count=6,
        ids=("172747", "172754", "172765", "172769", "172781", "172783"),
        authors=("Vegan4Life", "almostapathetic", "Vegan4Life", "lemmiwinx"),
        published=_utc(2020, 4, 2, 3, 40),
        # the visitor's session id (sid=…) is left out
        author_url="http://forum.ebaumsworld.com/memberlist.php?mode=viewprofile&u=27187",
        contains={"172765": "You sound like @Demeter's Doppelganger."},
        lacks={"172765": ("wrote:",), "172783": ("If you add both of you together",)},
        quoted={"172765": ["172754"], "172783": ["172781"]},
    ),
    Case(
        "phpbb__nationstates-viewtopic-419",
        count=5,
        ids=("6352", "6910", "6934", "7588", "13828"),
        authors=("Keahou", "Naivetry", "Chancellor Aldoz", "Chancellor Naumann", "Caninope"),
        published=_utc(2009, 5, 8, 2, 3),
        author_url="https://forum.nationstates.net/memberlist.php?mode=viewprofile&u=3863",
        contains={"13828": "The region the Commonwealth let go of you"},
        # Caninope's signature, which holds quotes of its own
        lacks={"13828": ("I'm the Pope", "Silver Medal for Debating", "wrote")},
    ),
    Case(
        "phpbb__phpbb2-freeman-cruiser-viewtopic-805",
        count=3,
        ids=("4513", "4514", "4537"),
        authors=("prestbury2", "Deano", "prestbury2"),
        published=_utc(2010, 6, 2, 23, 1),
        author_url="http://forum.invalid/profile.php?mode=viewprofile&u=124",
        contains={"4513": "keep you posted", "4514": "Enjoy the good weather"},
        lacks={"4513": ("George Newton", "Cheshire Cat"), "4514": ("Cruising on the Gt. Ouse",)},
        nowhere=("_____",),
    ),
    Case(
        "vbulletin__msworld-showthread-143493",
        count=4,
        ids=("1504900", "1505375", "1505554", "1505588"),
        authors=("its2much", "its2much", "alanpgh", "Mamabug"),
        # "10-04-2017, 11:00 AM": the board writes the month first
        published=_utc(2017, 10, 4, 11, 0),
        author_url="https://www.msworld.org/forum/member.php?70024-its2much",
        contains={"1505588": "I am a Copaxone 40 user"},
        nowhere=("MSWorld Volunteer",),
    ),
    Case(
        "vbulletin__futura-sciences-latex-12735",
        count=5,
        ids=("96558", "197864", "1106404", "5123374", "5429535"),
        authors=("Futura", "Futura", "Futura", "LPFR", "LPFR"),
        published=datetime(2004, 7, 29, 19, 46, tzinfo=ZoneInfo("Europe/Paris")),
        author_url=None,
        # a code block is part of the post; the signature is not
        contains={"96558": "[tex]\\sqr{x^2+y^2}[/tex]", "1106404": "Pour les fans"},
        nowhere=("Just do it !",),
    ),
    Case(
        "vbulletin__somethingawful-showthread-3507451",
        count=40,
        ids=("407741839", "407742778", "407748226"),
        authors=("Majuju", "Pinterest Mom", "OSI bean dip"),
        published=_utc(2012, 9, 20, 11, 16),
        author_url="https://forums.somethingawful.com/member.php?action=getinfo&userid=108110",
        contains={"407741839": "Hey, now, there's a lot of room for debate on this one."},
        lacks={"407741839": ("MikeSevigny posted", "BC's most evil premier")},
        nowhere=("around with this message at",),
        quoted={"407741839": ["407732523"], "407768162": ["407741839", "407748226"]},
    ),
    Case(
        "xenforo__macrumors-x-vs-8-2183765",
        count=5,
        ids=("27414749", "27415262", "27415527", "27415728", "27418765"),
        authors=("ilikewhey", "robrobrobro", "ilikewhey", "robrobrobro", "snow755"),
        published=_utc(2019, 6, 3, 16, 12, 17),
        author_url="https://forums.macrumors.com/members/ilikewhey.891227/",
        contains={"27415728": "I can only speak for the two examples I’ve had"},
        lacks={"27415728": ("ilikewhey said:", "i'm currently using the 7 right now")},
        nowhere=("Click to expand",),
        quoted={"27415728": ["27415527"]},
    ),
    Case(
        "smf__contribs-topic-38573",
        count=15,
        ids=("174916", "174924", "174925", "174927"),
        authors=("gregswallow", "imcintyre", "mmccarn", "gregswallow"),
        published=_utc(2007, 9, 19, 13, 8, 14),
        author_url="http://forums.contribs.org/index.php?action=profile;u=3061",
        contains={"174927": "1 - I would say 'Don't provide instructions"},
        lacks={"174927": ("Quote from", "If a configuration setting cannot be set")},
        nowhere=("Last Edit", "Before starting a new topic"),
        quoted={"174927": ["174925"], "175024": ["174983"]},
    ),
    Case(
        "discourse__glamour-de-aknenormin-345148",
        count=3,
        ids=("1", "2", "3"),
        authors=("Steffi_Schramm", "Divina", "flowerprint"),
        published=_utc(2020, 3, 7, 23, 20, 43),
        author_url="https://forum.glamour.de/u/Steffi_Schramm",
        # a link to another topic shows as a quote without a username: it stays
        contains={"3": "Die Tabletten absetzen und zum Arzt gehen?", "2": "Isotretinoin"},
        lacks={"3": ("Habt ihr einen Tip", "Steffi_Schramm:")},
        quoted={"3": ["1"]},
    ),
    Case(
        "invision__neowin-1393830",
        count=11,
        ids=("598535152", "598535167", "598535182"),
        authors=("Wanyoike Alex", "+Raze", "Wanyoike Alex"),
        published=_utc(2020, 4, 1, 19, 10, 50),
        author_url=None,  # neowin shows no profile links to visitors
        contains={"598535667": "Y'all making me feel like i belong here"},
        lacks={"598535667": ("cork1958 said", "Feel free to post about anything")},
        quoted={"598535667": ["598535385"], "598536025": ["598535893"]},
    ),
    Case(
        "vanilla__bitdefender-82059",
        count=6,
        ids=("Discussion_82059", "295068", "295081"),
        authors=("JOJOshaun", "Alex D.", "JOJOshaun"),
        published=_utc(2020, 3, 30, 16, 9, 49),
        author_url="https://community.bitdefender.com/en/profile/JOJOshaun",
        contains={"295849": "how it will killed ?"},
    ),
    Case(
        "fluxbb__archlinux-bbs-viewtopic",
        count=5,
        ids=("1865954", "1866986", "1867716"),
        authors=("wzrdtales", "nickl", "wzrdtales"),
        published=_utc(2019, 9, 29, 10, 46, 47),
        author_url=None,
        contains={"1865954": "I was coming from the following thread"},
        nowhere=("Last edited by",),
    ),
    Case(
        "bbpress__shift-ms-myelin-repair",
        count=5,
        ids=("1729124", "1729348", "1729803"),
        authors=("watsoncraig", "vixen", "watsoncraig"),
        published=_utc(2020, 5, 26),  # "26/05/20"
        author_url="https://shift.ms/members/watsoncraig/",
        contains={"1729348": "seems those early mornings are paying off"},
    ),
    Case(
        "phorum__angelman-asa-read-2-132",
        count=5,
        ids=("132", "133", "160", "165", "48063"),
        authors=("Ana", "julia", "Amparo Blanco"),
        published=_utc(2011, 8, 10, 20, 18),
        author_url="http://blog.angelman-asa.org/profile.php?2,2",
        contains={"133": "Hola, soy Julia"},
        nowhere=("Responder",),
    ),
    Case(
        "hfr__topic-single-page-cat1-999395",
        count=14,
        ids=("9760188", "9762063", "9762116"),
        authors=("jubjub", "Mitch2Pain", "fafarex"),
        published=_utc(2016, 3, 14, 11, 24, 58),
        author_url="https://forum.hardware.fr/hfr/profil-212685.htm",
        contains={"9762063": "Un ordinateur fonctionne avec de l'électricité"},
        lacks={
            "9762063": ("jubjub a écrit", "Quand je débranche mon ordi"),
            # a bare "Citation :" quote
            "9762789": ("Citation", "Un ordinateur fonctionne"),
        },
        quoted={"9762063": ["9760188"]},
    ),
    Case(
        "hfr__viepratique-84540-page2",
        count=41,
        ids=("16628071", "16628102", "16628106"),
        authors=("Mora1651", "reelooz10", "groux"),
        published=_utc(2008, 11, 3, 21, 40),
        author_url="https://forum.hardware.fr/hfr/profil-599674.htm",
        contains={"16628102": "ET sinon, vous êtes plus matin au saut du lit"},
        # page 2 opens with page 1's last message, under a label, with a signature
        lacks={"16628071": ("Reprise du message précédent", "Babouchka a écrit", "zzz")},
        nowhere=("---------------", "Message édité par"),
        quoted={"16628071": ["16628023"]},
    ),
    Case(
        "wordpress__thenervousbreakdown-loneliest",
        count=11,
        ids=("comment-148542", "comment-148568", "comment-148573"),
        authors=("Art Edwards", "Harry Paterson", "dwoz"),
        published=_utc(2011, 7, 11, 12, 25),
        author_url="http://www.artedwards.com",
        contains={"comment-148568": "Now that was great writing."},
        nowhere=("says:",),
    ),
    Case(
        "spip__regards-fr-macronie-enquetes",
        count=11,
        ids=("37729", "39138", "39218", "39223", "39219"),
        authors=("gabriel sempéré", "lebrec jacques", "un citoyen", "rageul", "lafolie"),
        published=_utc(2018, 9, 11, 10, 57, 27),
        author_url=None,
        contains={"39218": "belle france"},
        # replies are posts of their own, not part of the message they answer
        lacks={"37729": ("Articles très bien faits",), "39218": ("bande de mafieux",)},
        nowhere=("Répondre",),
    ),
    Case(
        "blogger__luxuryhaven-hyatt-phuquoc",
        count=6,
        ids=("5096451107316814108", "2461350786486794426", "6384775904495872246"),
        authors=("RaeAbigael", "Królowa Karo", "Carmen Cotugno"),
        # showComment=1559498345844 (milliseconds); the page shows "June 3, 2019 at 1:59 AM"
        published=datetime(2019, 6, 2, 17, 59, 5, 844000, tzinfo=UTC),
        author_url="https://www.blogger.com/profile/07402494876447027461",
        contains={"4932663984335708254": "Beautiful place"},
        nowhere=("Reply", "Delete"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_preset_extracts_the_posts_of_a_real_page(case: Case):
    posts = extracted(case.name).posts
    by_id = {post.post_id: post for post in posts}
    assert len(posts) == case.count
    assert [post.post_id for post in posts[: len(case.ids)]] == list(case.ids)
    assert [post.author for post in posts[: len(case.authors)]] == list(case.authors)
    assert posts[0].published_at == case.published
    assert posts[0].author_url == case.author_url
    assert all(post.published_at is not None for post in posts)
    for post_id, words in case.contains.items():
        assert words in by_id[post_id].text
    for post_id, quoted in case.lacks.items():
        for words in quoted:
            assert words not in by_id[post_id].text, f"{post_id} keeps {words!r}"
    for words in case.nowhere:
        assert not [p.post_id for p in posts if words in p.text], f"{words!r} left in"
    for post_id, quoted_ids in case.quoted.items():
        assert by_id[post_id].quoted_post_ids == quoted_ids


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_detection_picks_the_engine_and_only_that_one(case: Case):
    html, url, preset = _source(case.name)
    page = parse_html(html, url)
    assert [n for n in preset_names() if get_preset(n).detect(page)] == [preset]
    assert extract_page(html, url, now=FETCHED).preset == preset


def test_detection_leaves_a_page_without_posts_alone():
    page = parse_html(b"<html><body><article><p>Un billet.</p></article></body></html>", "http://a")
    assert detect_preset(page) is None


def test_later_pages_continue_the_thread_and_point_to_its_first_page():
    page2 = extracted("hfr__viepratique-84540-page2")
    assert [post.position for post in page2.posts[:2]] == [41, 42]
    hfr, smf, xenforo = get_preset("hfr"), get_preset("smf"), get_preset("xenforo")
    topic = "https://forum.hardware.fr/hfr/Discussions/Viepratique/unique-sujet_84540"
    assert hfr.thread_url(f"{topic}_2.htm") == f"{topic}_1.htm"
    assert smf.page_offset("http://f.test/index.php/topic,38573.15.html") == 15
    assert smf.thread_url("http://f.test/index.php?topic=38573.30") == (
        "http://f.test/index.php?topic=38573.0"
    )
    assert xenforo.page_offset("https://f.test/threads/x-vs-8.2183765/page-3") == 40
    assert xenforo.thread_url("https://f.test/threads/x-vs-8.2183765/page-3") == (
        "https://f.test/threads/x-vs-8.2183765"
    )


def test_a_french_board_reads_numeric_dates_day_first_when_its_source_says_so():
    html, url, _ = _source("vbulletin__futura-sciences-latex-12735")
    paris = ZoneInfo("Europe/Paris")
    # "04/02/2005, 12h25": read in the page's language (<html lang="fr">), day first
    read = extract_page(html, url, preset="vbulletin", timezone="Europe/Paris").posts[1]
    assert read.published_at == datetime(2005, 2, 4, 12, 25, tzinfo=paris)
    # a source that says English reads it month first, unless it gives the board's order
    english = {"timezone": "Europe/Paris", "language": "en"}
    guessed = extract_page(html, url, preset="vbulletin", **english).posts[1]
    assert guessed.published_at == datetime(2005, 4, 2, 12, 25, tzinfo=paris)
    day_first = build_preset("vbulletin", {"date_order": "DMY"})
    told = extract_page(html, url, preset=day_first, **english).posts[1]
    assert told.published_at == datetime(2005, 2, 4, 12, 25, tzinfo=paris)


# A XenForo 1 theme that moved the permalink out of messageMeta, on a German board with
# a <base href>: the markup of musiker-board.de and gtplanet.net, cut to one post.
_XENFORO_1_THEMED = """<html lang="de-DE"><head><base href="https://forum.test/"/></head><body>
<ol><li id="post-7" class="message" data-author="Marlon1999">
<div class="messageUserInfo"><a href="members/marlon1999.230740/" class="username">Marlon1999</a>
</div><div class="messageInfo"><a href="threads/t.706841/" class="datePermalink">Erstellt:
<span class="DateTime" title="21.04.20 um 10:58 Uhr">21.04.20</span></a>
<blockquote class="messageText">Die Kopfplatte ist gebrochen.</blockquote></div></li></ol>
</body></html>"""


def test_links_start_from_the_base_the_page_declares_and_dates_read_in_its_language():
    url = "https://forum.test/threads/t.706841/"
    (post,) = extract_page(_XENFORO_1_THEMED, url, timezone="Europe/Berlin").posts
    assert post.author_url == "https://forum.test/members/marlon1999.230740/"
    berlin = ZoneInfo("Europe/Berlin")
    assert post.published_at == datetime(2020, 4, 21, 10, 58, tzinfo=berlin)


# juraforum.de's XenForo 1 theme: the date sits in the author's box, in no element the
# preset knows; the second post's text holds a date that is not the post's.
_XENFORO_1_DATE_MOVED = """<html lang="de"><body><ol>
<li id="post-1970331" class="message" data-author="GuntherHH">
<div class="messageUserInfo"><h3 class="userText">GuntherHH <em class="userTitle">Boardneuling
</em><small><span style="float:right">12.03.2020, 19:29</span></small></h3></div>
<blockquote class="messageText">Meine Mutter wurde entlassen.</blockquote></li>
<li id="post-1970341" class="message" data-author="Anna">
<div class="messageUserInfo"><h3 class="userText">Anna<small><span>13.03.2020, 08:05</span>
</small></h3></div><blockquote class="messageText">Der Termin am 01.04.2020 steht.</blockquote>
</li></ol></body></html>"""


def test_a_post_whose_date_the_preset_cannot_find_gets_the_date_it_shows():
    url = "https://forum.test/t/entlassen.678903/"
    posts = extract_page(_XENFORO_1_DATE_MOVED, url, timezone="Europe/Berlin").posts
    berlin = ZoneInfo("Europe/Berlin")
    assert [post.published_at for post in posts] == [
        datetime(2020, 3, 12, 19, 29, tzinfo=berlin),
        datetime(2020, 3, 13, 8, 5, tzinfo=berlin),
    ]


def test_a_source_overrides_one_key_and_keeps_the_rest():
    html, url, _ = _source("phpbb__ebaumsworld-viewtopic-78519")
    # a source that wants the quotes kept: only `drop` changes
    keeping = build_preset("phpbb", {"drop": [".//*[has-class('signature')]"]})
    posts = {p.post_id: p for p in extract_page(html, url, preset=keeping).posts}
    assert "If you add both of you together" in posts["172783"].text
    assert posts["172783"].author == "almostapathetic"
    # the shared preset is not changed by it
    stock = {p.post_id: p for p in extract_page(html, url, preset="phpbb").posts}
    assert "If you add both of you together" not in stock["172783"].text
    # a field given with a pattern
    named = build_preset(
        "phpbb", {"author": {"select": ".//a[has-class('username')]", "pattern": "^(\\w)"}}
    )
    assert extract_page(html, url, preset=named).posts[0].author == "V"


@pytest.mark.parametrize(
    ("name", "overrides", "message"),
    [
        ("phpbb3", None, "no preset named 'phpbb3'; the presets are: bbpress, blogger"),
        ("phpbb", {"post": "//div[@id="}, "key 'post': selector '//div[@id=' is not valid"),
        ("phpbb", {"author": "a::attr("}, "key 'author': selector 'a::attr(' is not valid"),
        (
            "phpbb",
            {"post_id": {"select": "@id", "pattern": "p(\\d+"}},
            "post_id.pattern: Value error, pattern 'p(\\\\d+' is not a valid regular expression",
        ),
        ("phpbb", {"paging": {"path": "/page"}}, "needs a group around the page number"),
        ("phpbb", {"contnet": ".//div"}, "contnet: Extra inputs are not permitted"),
    ],
)
def test_preset_errors_say_what_is_wrong(name: str, overrides: dict | None, message: str):
    with pytest.raises(PresetError) as raised:
        build_preset(name, overrides)
    assert message in str(raised.value)


def test_forum_figures_stay_above_their_floors():
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))["forum_engines"]
    totals: dict[str, Score] = {}
    for page in PAGES.values():
        score, _ = score_posts(page, extracted(page.name).posts)
        totals[page.engine] = totals.get(page.engine, Score()) + score
    assert set(floors) == set(totals), "each engine of the fixtures has its floors"
    for engine, score in totals.items():
        figures = score.figures()
        for key, floor in floors[engine].items():
            value = figures[key]
            assert value is not None and value >= floor, f"{engine} {key}: {value} < {floor}"


def test_every_preset_has_a_fixture_and_every_fixture_a_case():
    presets = {page.preset for page in PAGES.values()}
    assert presets | {preset for _, _, preset in EXTRA_PAGES.values()} == set(preset_names())
    assert {case.name for case in CASES} == set(PAGES) | set(EXTRA_PAGES)


def test_a_date_keeps_the_offset_its_page_shows():
    """Blogger's comment links hold the Unix time; the page shows the blog's time: the
    post is at the offset the page shows (the same instant), on the day its readers saw."""
    html, url, preset = _source("blogger__luxuryhaven-hyatt-phuquoc")
    first = extract_page(html, url, preset=preset).posts[0]
    assert first.date_text == "June 3, 2019 at 1:59 AM"
    assert first.published_at is not None
    assert first.published_at.isoformat(timespec="minutes") == "2019-06-03T01:59+08:00"
    assert first.published_at == datetime(2019, 6, 2, 17, 59, 5, 844000, tzinfo=UTC)
    # no time shown: a UTC instant is put at the source's timezone
    instant = datetime(2019, 6, 2, 17, 59, tzinfo=UTC)
    assert shown_offset(instant, "June 2, 2019") is None
    paris = at_offset(instant, None, timezone="Europe/Paris")
    assert paris is not None and paris.isoformat() == "2019-06-02T19:59:00+02:00"
