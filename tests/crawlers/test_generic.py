"""The generic post extractor (crawlers/extract/generic.py), with no preset: on a saved
page of an engine Veille has no preset for (tests/fixtures/forum_pages/generic, with its
fhgr/harvest gold), on article pages that hold no posts (they must give none: a false
post becomes a false brand mention), on a handmade page that declares its posts in
schema.org microdata and JSON-LD, through `veille extract --generic`, and in a real crawl
of a `kind: forum` source that names no preset."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bench.forums import (
    GENERIC_DEV_ENGINES,
    GENERIC_DEV_PAGES,
    Page,
    Score,
    load_pages,
    page_bytes,
    score_posts,
)
from crawlers.extract.generic import generic_posts
from crawlers.extract.page import parse_html
from crawlers.reader import extract_page
from crawlers.run import crawl_source
from tests.conftest import FIXTURES, REPO
from tests.local_server import serve
from veille.core.config import Source
from veille.core.record import read_mentions
from veille.demo.server import NOT_FOUND, Request
from veille.demo.server import Page as Answer

GENERIC_PAGES = {page.name: page for page in load_pages(FIXTURES / "forum_pages" / "generic")}
UBUNTUUSERS = "other__forum-ubuntuusers-de-topic-appimage-programm-in-alle-program"


def test_a_page_of_an_engine_with_no_preset_gives_its_posts_with_their_authors():
    page = GENERIC_PAGES[UBUNTUUSERS]
    html = page_bytes(page.html_path)
    posts = generic_posts(parse_html(html, page.url), page.url, now=page.now)
    score, misses = score_posts(page, posts)
    # in sample since its misses were read: the floors of tests/quality_floors.json
    _above_floors(score, misses, "generic_extractor_ubuntuusers")
    assert all(post.author and post.text for post in posts)
    # no preset detects this page: the generic extractor reads it
    extracted = extract_page(html, page.url, now=page.now)
    assert (extracted.preset, extracted.posts) == ("generic", posts)


def _above_floors(score: Score, misses: list[str], section: str) -> None:
    floors = json.loads((REPO / "tests" / "quality_floors.json").read_text(encoding="utf-8"))
    figures = score.figures()
    for key, floor in floors[section].items():
        value = figures[key]
        assert value is not None and value >= floor, f"{key}: {value} < {floor}: {misses}"


def _generic_score(pages: list[Page]) -> tuple[Score, list[str]]:
    """The generic extractor's score over saved pages, as the bench scores it."""
    total, misses = Score(), []
    for page in pages:
        html = page_bytes(page.html_path)
        language = page.lang if page.lang in ("fr", "en") else None
        posts = generic_posts(
            parse_html(html, page.url),
            page.url,
            timezone=page.timezone,
            now=page.now,
            language=language,
        )
        score, page_misses = score_posts(page, posts)
        total += score
        misses += [f"{page.name} {line}" for line in page_misses]
    return total, misses


FIXTURE_PAGES = load_pages(FIXTURES / "forum_pages") + list(GENERIC_PAGES.values())


def test_pages_of_engines_it_was_not_developed_on_stay_above_their_floors():
    """Out of sample: the fixture pages the generic extractor was not developed on
    (bench/forums.py GENERIC_DEV_ENGINES and GENERIC_DEV_PAGES list those it was)."""
    unseen = [
        page
        for page in FIXTURE_PAGES
        if page.engine not in GENERIC_DEV_ENGINES and page.name not in GENERIC_DEV_PAGES
    ]
    total, misses = _generic_score(unseen)
    assert total.gold >= 15  # the SMF page
    _above_floors(total, misses, "generic_extractor_out_of_sample")


def test_pages_of_custom_engines_read_while_developing_it_stay_above_their_floors():
    """In sample: the fixture pages of engines with no preset, or whose preset was left
    out, whose misses were read while developing the generic extractor."""
    read = [
        page
        for page in FIXTURE_PAGES
        if page.engine not in GENERIC_DEV_ENGINES and page.name in GENERIC_DEV_PAGES
    ]
    total, misses = _generic_score(read)
    assert total.gold >= 30  # fluxbb, inSided, ubuntuusers and two Vanilla pages
    _above_floors(total, misses, "generic_extractor_in_sample_custom")


class _Forum:
    """Saved pages at paths of 127.0.0.1: the ubuntuusers.de thread by default."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, int]] = []
        self.pages = {"/topic/appimage/": GENERIC_PAGES[UBUNTUUSERS].html_path.read_bytes()}

    def answer(self, request: Request) -> Answer:
        if request.target in self.pages:
            return Answer("text/html", self.pages[request.target])
        return NOT_FOUND


def test_a_forum_source_naming_no_preset_gives_the_posts_of_an_unknown_engine(tmp_path):
    """A real crawl of a plain `kind: forum` source: the generic extractor reads the
    thread of an engine no preset knows, with each post's author and date."""
    gold = GENERIC_PAGES[UBUNTUUSERS].gold
    with serve(_Forum()) as base:
        source = Source.model_validate(
            {
                "id": "ubuntuusers",
                "kind": "forum",
                "start_urls": [f"{base}/topic/appimage/"],
                "timezone": "Europe/Berlin",
                "allow_private_network": True,
            }
        )
        result = crawl_source(source, tmp_path)
    assert result.ok, result.problem
    assert result.path is not None
    posts = sorted(read_mentions(result.path), key=lambda mention: mention.position)
    assert [post.author_url for post in posts] == [expected.author for expected in gold]
    assert [post.author for post in posts][:2] == ["Liane", "fleet_street"]
    berlin = ZoneInfo("Europe/Berlin")
    assert posts[0].published_at == datetime(2020, 6, 14, 10, 23, tzinfo=berlin)
    assert posts[-1].published_at == datetime(2020, 6, 16, 1, 23, tzinfo=berlin)
    assert all(post.thread_url == f"{base}/topic/appimage/" for post in posts)


ARTICLES = [
    "pages/blog.wordpress.com.diverse.html",
    "pages/regards.fr.enquetes.html",
    "pages_eval/france.attc.org-privatisations.html",
    "pages_eval/jamaica.gleaner.com-victims.html",
    "pages_eval/psl.eu.luniversite.html",
    "pages_eval/salon.com.emissions.html",
    "pages_eval/sauvonsluniversite.com.spip.html",
    "pages_eval/wordsmith.org.maudlin.html",
]


@pytest.mark.parametrize("name", ARTICLES)
def test_an_article_page_without_comments_gives_no_post(name: str):
    html = (FIXTURES / name).read_bytes()
    url = "https://example.org/article"
    assert generic_posts(parse_html(html, url), url) == []


def test_an_article_with_comments_gives_its_comments():
    html = (FIXTURES / "pages" / "wordpress_lemon_tree.html").read_bytes()
    url = "https://youhadmeatgardening.com/lemon-tree"
    posts = generic_posts(parse_html(html, url), url)
    assert len(posts) == 25
    assert posts[0].author == "Roberta"
    assert posts[0].published_at == datetime(2019, 10, 20, 13, 31, 40, tzinfo=UTC)
    assert posts[0].text.startswith("I have grown a lemon tree from seed.")


# A theme no preset knows, declaring its posts in microdata; the shown dates are
# relative, only the markup holds the real ones. The second post quotes the first.
MICRODATA = """<html><body><div class="thread">
<div class="entry" itemscope itemtype="https://schema.org/DiscussionForumPosting" id="m-101">
  <span itemprop="author" itemscope itemtype="https://schema.org/Person">
    <a href="/people/ana" itemprop="url"><span itemprop="name">Ana</span></a></span>
  <meta itemprop="dateCreated" content="2024-03-01T10:15:00+01:00"><span>3 days ago</span>
  <div itemprop="text">My router drops the connection every evening.</div>
</div>
<div class="entry" itemscope itemtype="https://schema.org/Comment" id="m-102">
  <span itemprop="author" itemscope itemtype="https://schema.org/Person">
    <span itemprop="name">Bruno</span></span>
  <time itemprop="dateCreated" datetime="2024-03-02T08:00:00Z">2 days ago</time>
  <div itemprop="text"><blockquote>My router drops the connection</blockquote>
  Same here since the last firmware update.</div>
</div></div></body></html>"""

JSON_LD = """<html><head><script type="application/ld+json">
{"@context": "https://schema.org", "@type": "DiscussionForumPosting",
 "headline": "Router drops", "text": "My router drops the connection every evening.",
 "author": {"@type": "Person", "name": "Ana", "url": "/people/ana"},
 "datePublished": "2024-03-01T10:15:00+01:00", "url": "https://f.example/t/9#post-1",
 "comment": [{"@type": "Comment", "text": "Same here since the update.",
   "author": {"@type": "Person", "name": "Bruno"}, "dateCreated": "2024-03-02T08:00:00Z",
   "url": "https://f.example/t/9#post-2"}]}
</script></head><body><p>Loading…</p></body></html>"""


def test_declared_microdata_gives_the_posts_authors_and_exact_dates():
    url = "https://f.example/t/9"
    posts = generic_posts(parse_html(MICRODATA, url), url)
    assert [(p.post_id, p.author) for p in posts] == [("m-101", "Ana"), ("m-102", "Bruno")]
    assert posts[0].author_url == "https://f.example/people/ana"
    assert posts[0].published_at == datetime(2024, 3, 1, 9, 15, tzinfo=UTC)
    assert posts[1].published_at == datetime(2024, 3, 2, 8, 0, tzinfo=UTC)
    assert posts[1].text == "Same here since the last firmware update."  # quote dropped


def test_declared_json_ld_gives_the_posts_when_the_markup_has_none():
    url = "https://f.example/t/9"
    posts = generic_posts(parse_html(JSON_LD, url), url)
    assert [(p.post_id, p.author, p.text[:9]) for p in posts] == [
        ("1", "Ana", "My router"),
        ("2", "Bruno", "Same here"),
    ]
    assert posts[0].author_url == "https://f.example/people/ana"
    assert posts[1].published_at == datetime(2024, 3, 2, 8, 0, tzinfo=UTC)


def test_veille_extract_generic_prints_what_the_generic_extractor_finds(tmp_path):
    page = tmp_path / "thread.html"
    page.write_text(MICRODATA, encoding="utf-8")
    command = [sys.executable, "-m", "veille.cli", "extract", str(page), "--generic"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=600)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["preset"] == "generic"
    assert [post["author"] for post in data["posts"]] == ["Ana", "Bruno"]
    both = subprocess.run(
        [*command, "--preset", "phpbb"], capture_output=True, text=True, cwd=REPO, timeout=600
    )
    assert both.returncode == 2 and "exclude each other" in both.stderr


# A theme no preset knows: comments whose paragraphs sit beside the author line with no
# wrapper, classes that alternate (odd/even), a row of "Profile"/"Message" links in
# every post, a member's registration date beside the post's, an ad slot dressed as a
# post, and German numeric dates (day first).
HANDMADE = """<html lang="de"><body><div class="discussion">
<div class="entry odd"><div class="head">
  <span class="username">Ana</span> <span class="registered">01.02.2015</span>
  <span class="when">12.03.2020, 19:29</span></div>
  <ul class="links"><li><a href="/profile.php?u=1">Profile</a></li>
  <li><a href="/members/1/message">Message</a></li></ul>
  <p>Mein Router verliert jeden Abend die Verbindung.</p><p>Hat jemand eine Idee?</p>
  <div class="reply"><a href="#reply">Antworten</a></div></div>
<div class="entry even"><div class="head">
  <span class="username">Bruno</span> <span class="registered">05.06.2018</span>
  <span class="when">13.03.2020, 08:05</span></div>
  <ul class="links"><li><a href="/profile.php?u=2">Profile</a></li>
  <li><a href="/members/2/message">Message</a></li></ul>
  <p>Seit dem letzten Firmware-Update habe ich dasselbe Problem.</p>
  <div class="reply"><a href="#reply">Antworten</a></div></div>
<div class="entry odd"><div class="head">
  <span class="username">Werbung</span> <span class="when">Heute</span></div>
  <div class="slot"></div></div>
<div class="entry even"><div class="head">
  <span class="username">Clara</span> <span class="registered">09.09.2019</span>
  <span class="when">14.03.2020, 21:40</span></div>
  <ul class="links"><li><a href="/profile.php?u=3">Profile</a></li>
  <li><a href="/members/3/message">Message</a></li></ul>
  <p>Ein Neustart des Routers hat bei mir geholfen.</p>
  <div class="reply"><a href="#reply">Antworten</a></div></div>
</div></body></html>"""


def test_posts_without_a_text_wrapper_give_their_paragraphs_names_and_dates():
    url = "https://f.example/t/7"
    posts = generic_posts(parse_html(HANDMADE, url), url, now=datetime(2020, 6, 1, tzinfo=UTC))
    # the ad slot (an empty box with "Heute") is no post
    assert [post.author for post in posts] == ["Ana", "Bruno", "Clara"]
    # the paragraphs beside the author line, without the header nor the "Antworten" link
    assert (
        posts[0].text == "Mein Router verliert jeden Abend die Verbindung.\nHat jemand eine Idee?"
    )
    assert posts[2].text == "Ein Neustart des Routers hat bei mir geholfen."
    # the post's date, not the member's registration; day first on a German page
    assert posts[0].published_at == datetime(2020, 3, 12, 19, 29, tzinfo=UTC)
    assert posts[1].published_at == datetime(2020, 3, 13, 8, 5, tzinfo=UTC)


def test_a_profile_link_relative_to_the_page_names_the_author():
    html = """<html><body><ol class="messages">
    <li class="message"><a href="members/ana.12/" class="avatar"><span>A</span></a>
      <a href="members/ana.12/" class="username">Ana</a> <span>Mar 1, 2024</span>
      <div class="body">My router drops the connection every evening.</div></li>
    <li class="message"><a href="members/bruno.13/" class="avatar"><span>B</span></a>
      <a href="members/bruno.13/" class="username">Bruno</a> <span>Mar 2, 2024</span>
      <div class="body">Same here since the last firmware update.</div></li>
    </ol></body></html>"""
    url = "https://f.example/threads/router.9/"
    posts = generic_posts(parse_html(html, url), url)
    # the name, not the avatar's initial; the link is relative (no host to skip)
    assert [(p.author, p.author_url) for p in posts] == [
        ("Ana", "https://f.example/threads/router.9/members/ana.12/"),
        ("Bruno", "https://f.example/threads/router.9/members/bruno.13/"),
    ]


def _table_post(number: int, row_class: str) -> str:
    return f"""<table class="post" id="post{number}"><tr class="{row_class}">
<td class="userinfo"><a href="/member.php?u={number}">user{number}</a></td>
<td class="postbody">Message number {number}, long enough to be a post.</td>
<td class="postdate">Apr {number}, 2020 1:0{number} PM</td></tr></table>"""


def test_a_post_whose_row_class_most_posts_lack_keeps_its_text():
    """Something Awful marks the rows of posts already read "seen" and the others
    "altcolor": the text is found at the same place in both."""
    rows = ["seen", "seen", "altcolor", "altcolor", "altcolor"]
    html = "<html><body><div class='thread'>" + "".join(
        _table_post(number, row) for number, row in enumerate(rows, 1)
    )
    url = "https://f.example/showthread.php?t=1"
    posts = generic_posts(parse_html(html + "</div></body></html>", url), url)
    assert [post.text for post in posts] == [
        f"Message number {number}, long enough to be a post." for number in range(1, 6)
    ]


def test_a_lead_post_marked_up_apart_from_the_replies_is_the_first_post():
    """bbPress themes show the topic before a wrapper of its replies, with other
    classes and another layout: it is the thread's first post all the same."""
    lead = """<div class="topic-post topic hentry"><article><div class="user">
<a href="/members/ana/">ana</a> <span class="date">15/05/19</span></div>
<div class="topic-title">CBD oil?</div>
<div class="topic-content"><p>Hi folks, is CBD oil as good as the reports say?</p></div>
</article></div>"""
    replies = "".join(
        f"""<div class="topic-post reply hentry"><div class="reply-author">
<a href="/members/{name}/">{name}</a></div><div class="reply-date">1{day}/05/19</div>
<div class="reply-content"><p>Reply from {name}, with a few words of advice.</p></div></div>"""
        for day, name in enumerate(["bruno", "clara", "dan"], 6)
    )
    html = f"<html><body><div class='replies'>{lead}<div>{replies}</div></div></body></html>"
    url = "https://f.example/topic/cbd-oil"
    posts = generic_posts(parse_html(html, url), url)
    assert [post.author for post in posts] == ["ana", "bruno", "clara", "dan"]
    assert posts[0].text == "Hi folks, is CBD oil as good as the reports say?"
    assert posts[0].published_at == datetime(2019, 5, 15, tzinfo=UTC)


def test_posts_split_over_two_rows_with_bare_names_give_their_authors_and_dates():
    """Old table boards (hifi-forum.de) give each post a row with the author, in bold
    with no profile link, and the date, then a row with the text."""
    rows = "".join(
        f"""<tr><td rowspan="2" class="td1"><a name="{number}"></a><div class="box">
<b>{name}</b><br/><span>Stammgast</span></div></td>
<td class="td1 actions">#{number} erstellt: {day}. Apr 2004, <span class="time">10:1{number}</span>
</td></tr><tr class="posting-row"><td class="td1"><div class="text">{text}</div></td></tr>"""
        for number, (name, day, text) in enumerate(
            [
                ("Sober", 20, "Ich habe mir überlegt, ein Fotoalbum anzulegen."),
                ("Django8", 20, "Finde ich eine tolle Idee, ich mache mit!"),
                ("Sober", 21, "Danke, dann fange ich heute Abend an."),
            ],
            1,
        )
    )
    html = f'<html lang="de"><body><table class="tbl">{rows}</table></body></html>'
    url = "https://f.example/viewthread-84-87.html"
    posts = generic_posts(parse_html(html, url), url)
    assert [post.author for post in posts] == ["Sober", "Django8", "Sober"]
    assert posts[1].text == "Finde ich eine tolle Idee, ich mache mit!"
    assert posts[2].published_at == datetime(2004, 4, 21, 10, 13, tzinfo=UTC)


def test_a_date_left_at_unix_time_zero_is_no_date():
    items = ",".join(
        f'{{"@type": "Comment", "text": "Comment {n} with some words.", '
        f'"author": {{"@type": "Person", "name": "rockett"}}, '
        f'"dateCreated": "1970-01-01T00:00:00+0000"}}'
        for n in range(3)
    )
    html = (
        '<html><head><script type="application/ld+json">{"@context": "https://schema.org",'
        f'"@type": "DiscussionForumPosting", "comment": [{items}]}}</script></head>'
        "<body><p>A page.</p></body></html>"
    )
    url = "https://f.example/topic/1"
    posts = generic_posts(parse_html(html, url), url)
    assert len(posts) == 3 and all(post.published_at is None for post in posts)


def _hfr_post(number: int, name: str, text: str) -> str:
    return f"""<table class="messagetable"><tr class="message cBackCouleurTab{number % 2 + 1}">
<td class="messCase1"><a name="t{number}"></a><div><b class="s2">{name}</b></div></td>
<td class="messCase2"><div class="toolbar"><div class="left">Posté le 1{number}-02-2015 à
20:1{number}:15</div></div><div id="para{number}"><p>{text}</p><div class="edited">Message
édité par {name} le 2{number}-02-2015 à 07:37:29</div></div></td></tr></table>"""


def test_an_author_cell_and_a_post_cell_numbered_apart_are_two_places():
    """forum.hardware.fr: each post a table whose cells are messCase1 (the author, in
    bold, and the post's anchor) and messCase2 (the date, the text, an edit notice)."""
    posts_in = [("wingames", "Procédure d'installation de la ROM."), ("Tomlechti", "Avec le M9")]
    posts_in.append(("wingames", "Pareil, j'y crois pas !"))
    html = "<html lang='fr'><body><div class='mesdiscussions'>" + "".join(
        _hfr_post(number, name, text) for number, (name, text) in enumerate(posts_in, 1)
    )
    url = "https://forum.example/hfr/sujet_1.htm"
    posts = generic_posts(parse_html(html + "</div></body></html>", url), url)
    assert [(p.post_id, p.author, p.text) for p in posts] == [
        (f"t{number}", name, text) for number, (name, text) in enumerate(posts_in, 1)
    ]
    assert posts[1].published_at == datetime(2015, 2, 12, 20, 12, 15, tzinfo=UTC)


def test_a_date_written_day_month_year_with_hyphens_is_read():
    """Phorum's "10-August-2011 20:18"."""
    rows = "".join(
        f"""<div class="message"><div class="message-author"><a href="/profile.php?id={n}">
user{n}</a></div><div class="message-date">1{n}-August-2011 20:1{n}</div>
<div class="message-body">Message {n}, with enough words to be a post.</div></div>"""
        for n in range(3)
    )
    url = "https://f.example/read.php?2,132"
    posts = generic_posts(parse_html(f"<html><body>{rows}</body></html>", url), url)
    assert [post.published_at for post in posts] == [
        datetime(2011, 8, 10 + n, 20, 10 + n, tzinfo=UTC) for n in range(3)
    ]


def test_rows_of_buttons_between_the_posts_do_not_hide_them():
    """phpBB 2: each post row is followed by a row of buttons and a spacer row; only
    the rows with text decide whether the rows are posts."""
    rows = "".join(
        f"""<tr><td class="row1"><span class="name"><a name="{n}"></a><b>user{n}</b></span></td>
<td class="row1"><span class="postdetails">Posted: Wed Jun 0{n}, 2010 11:01 pm</span>
<span class="postbody">Message number {n}, about the engine and the gearbox.</span></td></tr>
<tr><td class="row1"><a href="#top"><img src="up.gif" alt=""/></a></td>
<td class="row1"><a href="profile.php?u={n}"><img src="profile.gif" alt=""/></a></td></tr>
<tr><td class="spacerow" colspan="2"><img src="spacer.gif" alt=""/></td></tr>"""
        for n in range(1, 4)
    )
    html = f"""<html><body><table class="forumline"><tr><th>Author</th><th>Message</th></tr>
{rows}</table></body></html>"""
    url = "https://f.example/viewtopic.php?t=805"
    posts = generic_posts(parse_html(html, url), url)
    assert [(post.post_id, post.author) for post in posts] == [
        (str(n), f"user{n}") for n in range(1, 4)
    ]


def test_a_header_row_and_a_text_row_of_the_same_kind_make_one_post():
    """amsel.de: three plain rows per post (author, date and title; the text; a reply
    link), all of the same kind."""
    rows = "".join(
        f"""<tr id="m{n}"><td rowspan="3"><p><a href="index.php?user_profile={n}">user{n}</a></p>
<p>1{n}.11.2019, 16:3{n}</p></td><td><strong>Alternative zu Corti-Puls</strong></td></tr>
<tr><td class="forum_message">Antwort Nummer {n}: die Bezugsquelle hatte ich angegeben.</td></tr>
<tr><td><a href="index.php?refer={n}">Antworten</a></td></tr>"""
        for n in range(1, 4)
    )
    html = f'<html lang="de"><body><table id="forum">{rows}</table></body></html>'
    url = "https://f.example/forum/?mnr=1"
    posts = generic_posts(parse_html(html, url), url)
    assert [(post.author, post.text) for post in posts] == [
        (f"user{n}", f"Antwort Nummer {n}: die Bezugsquelle hatte ich angegeben.")
        for n in range(1, 4)
    ]
    assert posts[0].published_at == datetime(2019, 11, 11, 16, 31, tzinfo=UTC)


def test_a_date_in_any_data_attribute_naming_time_and_not_its_edit_date():
    """fanfiction.net: `<span data-xutime="1514673228">12/30/2017</span> . Edited <span
    data-xutime="…">`: the post's date is the first; the one after "Edited" is not."""
    rows = "".join(
        f"""<tr><td><a id="16868{n}" href="/u/255446{n}/user{n}">user{n}</a>
<div>Message {n} of the topic, with its own words.</div>
<small class="xgray"><span class="xdate" data-xutime="{1514673228 + n * 86400}">12/3{n}/2017
</span> . Edited <span data-xutime="1600000000">9/13/2020</span> #{n}</small></td></tr>"""
        for n in range(3)
    )
    html = f"<html><body><table class='forum'><tbody>{rows}</tbody></table></body></html>"
    url = "https://f.example/topic/146535/168685925/1/"
    posts = generic_posts(parse_html(html, url), url)
    assert [post.published_at for post in posts] == [
        datetime.fromtimestamp(1514673228 + n * 86400, UTC) for n in range(3)
    ]


def test_row_classes_joined_to_odd_even_or_first_do_not_split_the_posts():
    """FluxBB: `blockpost rowodd firstpost blockpost1`, then `blockpost roweven
    blockpost2`: one kind of block, whose heading holds the date."""
    kinds = ["rowodd firstpost", "roweven", "rowodd", "roweven lastpost"]
    posts_html = "".join(
        f"""<div id="p{n}" class="blockpost {kind} blockpost{n}"><h2><span>#{n}
<a href="viewtopic.php?pid={n}#p{n}">2019-09-2{n} 10:46:47</a></span></h2>
<div class="box"><div class="postleft"><dl><dt><a href="profile.php?id={n}">user{n}</a></dt>
</dl></div><div class="postright"><div class="postmsg"><p>Post number {n} about the
kernel and the driver.</p></div></div></div></div>"""
        for n, kind in enumerate(kinds, 1)
    )
    html = f"<html><body><div id='punviewtopic'>{posts_html}</div></body></html>"
    url = "https://f.example/viewtopic.php?id=1"
    posts = generic_posts(parse_html(html, url), url)
    assert [(post.post_id, post.author, post.published_at) for post in posts] == [
        (f"p{n}", f"user{n}", datetime(2019, 9, 20 + n, 10, 46, 47, tzinfo=UTC))
        for n in range(1, 5)
    ]


def _vanilla_item(kind: str, name: str, day: int, text: str) -> str:
    """A Vanilla post's markup (moneysavingexpert.com's), with its own class names."""
    date = f"""<span class="MItem DateCreated"><a href="/discussion/comment/{day}/#Comment_{day}"
class="Permalink"><time datetime="2016-12-{day}T23:25:55+00:00">{day} December 2016 at
12:25AM</time></a></span>"""
    before = '<div class="Options"></div>' if kind == "Comment" else ""
    return f"""<div class="{kind}">{before}
<div class="Item-Header {kind}Header"><div class="AuthorWrap"><span class="Author">
<a href="/profile/{name}" class="Username">{name}</a></span><span class="AuthorInfo">
<span class="MItem RoleTitle">Forumite</span></span></div>
<div class="Meta {kind}Meta">{date}</div></div>
<div class="Item-BodyWrap"><div class="Item-Body"><div class="Message userContent">{text}</div>
<div class="Signature UserSignature userContent">What goes around comes around</div>
</div></div></div>"""


def test_a_lead_post_with_its_own_tag_and_classes_but_the_same_parts_is_the_first_post():
    """Vanilla: the discussion (`div.Discussion`) sits above the list of its comments
    (`li > div.Comment`), with no class in common, but built of the same parts. The
    replies name the first poster (`@christine`, a link to her profile)."""
    lead = _vanilla_item("Discussion", "christine", 20, "I have just been told I have copd.")
    mention = '<a href="/profile/christine">@christine</a>'
    comments = "".join(
        f'<li class="Item ItemComment" id="Comment_{n}">'
        + _vanilla_item("Comment", f"user{n}", 20 + n, f"Reply {n} to {mention}: see a GP.")
        + "</li>"
        for n in range(1, 4)
    )
    html = f"""<html><body><div class="MessageList Discussion"><h1>Copd</h1>
<div id="Discussion_1" class="Item ItemDiscussion">{lead}</div></div>
<div class="CommentsWrap"><div class="DataBox"><h2>Replies</h2>
<ul class="MessageList DataList Comments">{comments}</ul></div></div></body></html>"""
    url = "https://f.example/discussion/1/copd"
    posts = generic_posts(parse_html(html, url), url)
    assert [(post.author, post.text) for post in posts] == [
        ("christine", "I have just been told I have copd."),
        *((f"user{n}", f"Reply {n} to @christine: see a GP.") for n in range(1, 4)),
    ]


def test_a_short_thread_beside_a_longer_sidebar_in_the_same_frame_gives_its_posts():
    """Two frames of one kind (`div.Container`): a sidebar (the forum's rules, recent
    discussions with their authors and dates) and the thread, three short posts, less
    text than the sidebar: neither frame is a post, the thread's posts are."""
    recent = "".join(
        f"""<li><a href="/discussion/{n}">Discussion {n}</a> by
<a href="/profile/member{n}">member{n}</a> <time datetime="2020-04-0{n}T10:00:00Z">April {n}</time>
</li>"""
        for n in range(1, 8)
    )
    recent += "<p>" + "Be kind to each other and stay on topic in every thread. " * 6 + "</p>"
    posts_html = "".join(
        f"""<div class="Comment"><a href="/profile/user{n}">user{n}</a>
<time datetime="2020-04-2{n}T13:55:19Z">April 2{n}</time>
<div class="Message">Reply {n}: apply at the start of the year.</div></div>"""
        for n in range(1, 4)
    )
    html = f"""<html><body><div class="Frame"><div class="Container"><ul>{recent}</ul></div>
<div class="Container"><h1>Application</h1>{posts_html}</div></div></body></html>"""
    url = "https://f.example/discussion/1/application"
    posts = generic_posts(parse_html(html, url), url)
    assert [(post.author, post.text) for post in posts] == [
        (f"user{n}", f"Reply {n}: apply at the start of the year.") for n in range(1, 4)
    ]


def test_posts_that_show_author_and_date_win_over_their_bodies_that_show_a_date():
    """collegeconfidential.com (Vanilla): each post's body repeats its date below the
    text; the bodies, the lead post's among them, are one more than the replies, but
    show no author: the posts are the blocks that show both."""
    info = '<div class="Meta DiscussionInfo"><time datetime="2020-04-23T13:55:19Z">April 23</time>'
    lead = _vanilla_item("Discussion", "tommy", 20, "Can I apply before my results?")
    lead = lead.replace('<div class="Signature', info + '</div><div class="Signature')
    comments = "".join(
        f'<li class="Item ItemComment" id="Comment_{n}">'
        + _vanilla_item("Comment", f"user{n}", 20 + n, f"Reply {n}: apply in the fall.").replace(
            '<div class="Signature', info + '</div><div class="Signature'
        )
        + "</li>"
        for n in range(1, 4)
    )
    html = f"""<html><body><div class="MessageList Discussion"><h1>Application</h1>
<div id="Discussion_1" class="Item ItemDiscussion">{lead}</div></div>
<ul class="MessageList DataList Comments">{comments}</ul></body></html>"""
    url = "https://f.example/discussion/1/application"
    posts = generic_posts(parse_html(html, url), url)
    assert [post.author for post in posts] == ["tommy", "user1", "user2", "user3"]


def test_a_post_marked_apart_by_one_more_class_is_still_a_post():
    """inSided: `post post--odd js-toggle-target` (the question), `post post--even
    post--bestanswer`, then `post post--odd`, `post post--even`...: a modifier of parity,
    a script's hook and a best answer's mark do not take a post out of the thread."""
    kinds = ["post--odd js-toggle-target", "post--even post--bestanswer"]
    kinds += ["post--odd", "post--even"] * 3
    posts_html = "".join(
        f"""<div class="post box__pad qa-topic-post-box {kind}" id="post{n}">
<div class="post__user"><a href="/members/user-{n}" class="username">user{n}</a></div>
<div class="post__content">Answer {n}: please clean install, then reboot.
<time datetime="2020-01-1{n}">4 months ago</time></div></div>"""
        for n, kind in enumerate(kinds, 1)
    )
    html = f"<html><body><div class='box__content'>{posts_html}</div></body></html>"
    url = "https://f.example/rootkit-scan-6849"
    posts = generic_posts(parse_html(html, url), url)
    assert [(post.post_id, post.author) for post in posts] == [
        (f"post{n}", f"user{n}") for n in range(1, 9)
    ]


def test_a_login_link_is_no_author_and_the_box_around_it_no_post():
    """An old board's table: a row of links (Login among them: `user_login.pl`), then
    "You are not logged in"; then the posts, each a header row and a text row."""
    posts_html = "".join(
        f"""<tr><td>By <a href="user_info.pl?id={n}">user{n}</a> On 2019.08.0{n} 15:35</td></tr>
<tr><td>Post number {n} on giving up driving, and what the doctor said.</td></tr>"""
        for n in range(1, 4)
    )
    html = f"""<html><body><table><tr><td>[<a href="forum_show.pl">Forum</a>]
[<a href="user_login.pl">Login</a>]</td></tr><tr><td>You are not logged in</td></tr></table>
<table>{posts_html}</table></body></html>"""
    url = "https://f.example/cgi-bin/forum/topic_show.pl?id=1"
    posts = generic_posts(parse_html(html, url), url)
    assert [post.author for post in posts] == ["user1", "user2", "user3"]


def test_a_count_beside_an_authors_name_is_not_part_of_it():
    """Invision: `<h3 class="cAuthorPane_author"><span>Wanyoike Alex</span> <span
    title="reputation"><i></i> 5</span></h3>`, no profile link."""
    posts_html = "".join(
        f"""<article class="cPost"><aside><h3 class="cAuthorPane_author"><strong>
<span>{name}</span></strong> <span class="ipsRepBadge"><i class="fa"></i> {count}</span></h3>
</aside><div class="ipsComment_meta"><time datetime="2020-04-0{n}T19:10:49Z">April {n}</time>
</div><div class="ipsType_richText"><p>Message {n} from {name}, about the phone.</p></div>
</article>"""
        for n, (name, count) in enumerate([("Wanyoike Alex", 5), ("Raze", "17,536")], 1)
    )
    html = f"<html><body><div class='cTopic'>{posts_html}</div></body></html>"
    url = "https://f.example/topic/1-hello/"
    posts = generic_posts(parse_html(html, url), url)
    assert [post.author for post in posts] == ["Wanyoike Alex", "Raze"]


def test_a_forum_source_naming_no_preset_whose_pages_hold_no_thread_fails_loudly(tmp_path):
    """A board's index with no preset named: nothing reads its listing, so the crawl
    finds no post; the source is failed, saying what to do, rather than empty."""
    forum = _Forum()
    with serve(forum) as base:
        source = Source.model_validate(
            {
                "id": "board",
                "kind": "forum",
                "start_urls": [f"{base}/index.php"],
                "allow_private_network": True,
            }
        )
        forum_index = b"<html><body><h1>Board</h1><ul><li><a href='/t/1'>A topic</a></li></ul>"
        forum.pages = {"/index.php": forum_index}
        result = crawl_source(source, tmp_path)
    assert not result.ok
    assert result.problem is not None and "name the forum's preset" in result.problem
