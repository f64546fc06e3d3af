"""What a large page costs: extraction work grows with the page, not with its square, and
what is not read whole is said. (The seconds are in bench/extraction_cost.py: tests
count, they do not time.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from lxml import etree

from crawlers.extract import page as page_module
from crawlers.extract import xpath
from crawlers.extract.page import parse_html
from crawlers.extract.presets import detect_preset, get_preset
from crawlers.extract.xpath import select
from crawlers.reader import extract_page

URL = "https://forum.example.fr/viewtopic.php?t=1"


def thread_page(posts: int) -> str:
    """A phpBB 3 (prosilver) thread page with `posts` posts."""
    body = "".join(
        f"<div id='p{i}' class='post has-profile bg{1 + i % 2}'><div class='inner'>"
        f"<dl class='postprofile'><dt><a href='./memberlist.php?u={i}' class='username'>"
        f"membre{i}</a></dt></dl><div class='postbody'><div id='post_content{i}'>"
        f"<h3><a href='#p{i}'>Re: Panne</a></h3><p class='author'>par <strong>"
        f"<a href='./memberlist.php?u={i}' class='username'>membre{i}</a></strong> » "
        f"<time datetime='2026-11-20T10:00:00+00:00'>ven. 20 nov. 2026 11:00</time></p>"
        f"<div class='content'>Message {i} : ma box Fibrelia est en panne.</div>"
        f"<div class='signature'>Abonné depuis 2019</div></div></div></div></div>"
        for i in range(1, posts + 1)
    )
    return (
        "<html><head><title>Panne - Forum</title></head><body><div id='page-body'>"
        f"<h2 class='topic-title'>Panne</h2>{body}</div></body></html>"
    )


def comment_page(comments: int, article: str = "L'article sur la fibre Fibrelia.") -> str:
    """A WordPress article with `comments` comments (html5 markup: each comment an
    <article> with a <footer>, as wp_list_comments() renders them)."""
    items = "".join(
        f"<li id='comment-{i}' class='comment even depth-1'>"
        f"<article id='div-comment-{i}' class='comment-body'><footer class='comment-meta'>"
        f"<div class='comment-author vcard'><b class='fn'>Auteur {i}</b></div>"
        f"<div class='comment-metadata'><time datetime='2026-11-20T10:00:00+01:00'>"
        f"20 novembre 2026</time></div></footer><div class='comment-content'>"
        f"<p>Commentaire {i} : la connexion est lente depuis hier.</p></div></article></li>"
        for i in range(1, comments + 1)
    )
    return (
        "<html><head><title>Panne - Blog</title></head><body><article id='post-7'>"
        f"<h1 class='entry-title'>Panne</h1><div class='entry-content'><p>{article}</p>"
        f"</div></article><ol class='comment-list'>{items}</ol></body></html>"
    )


# --- descendant steps ------------------------------------------------------------------


def _steps_after_the_first(xpath: str) -> str:
    """The expression without its predicates and without a leading `.//`, `//` or
    descendant axis: what is left is taken from every node the first step found."""
    flat = xpath
    while True:
        shorter = re.sub(r"\[[^\[\]]*\]", "", flat)
        if shorter == flat:
            break
        flat = shorter
    flat = re.sub(r"^\.?(//|descendant(-or-self)?::(node\(\)/)?)", "", flat)
    return flat


def _descendant_step_from_many_nodes(xpath: str) -> bool:
    return re.search(r"//|/descendant(-or-self)?::", _steps_after_the_first(xpath)) is not None


@pytest.fixture
def evaluations(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, int]]]:
    """Every XPath the presets evaluate, with the size of the subtree it is taken from."""
    seen: list[tuple[str, int]] = []
    real = etree.XPath

    class Recording:
        def __init__(self, path: str, **options: object):
            self.path, self._xpath = path, real(path, **options)

        def __call__(self, node: etree._Element, **variables: object) -> object:
            seen.append((self.path, sum(1 for _ in node.iter())))
            return self._xpath(node, **variables)

    monkeypatch.setattr(xpath.etree, "XPath", Recording)
    xpath._compiled.cache_clear()
    yield seen
    xpath._compiled.cache_clear()


def test_no_descendant_step_is_taken_from_many_nodes_of_a_large_page(evaluations):
    """libxml2 takes `A//B` from every node A finds, merging each one's results into one
    set with a duplicate check against every node already there: quadratic in the page
    (a 2.5 MB thread took 26 s to detect its engine, a 5 MB one minutes). No expression
    evaluated on a large subtree may have a descendant step after its first step."""
    page = parse_html(thread_page(300), URL)
    assert detect_preset(page) is get_preset("phpbb")
    posts = get_preset("phpbb").posts(page, URL, timezone="UTC", now=None)
    assert len(posts) == 300
    select(page, "//div[starts-with(@id, 'p')]//div[has-class('postbody')]//h3//a")
    large = [(path, size) for path, size in evaluations if size >= 1000]
    assert large
    quadratic = [path for path, _ in large if _descendant_step_from_many_nodes(path)]
    assert quadratic == []


def test_the_page_level_selectors_of_a_comment_page_take_no_descendant_step_from_many_nodes(
    evaluations,
):
    """A comment page: each comment is an <article>, so the byline and date selectors
    ("//article//time") start from hundreds of nodes."""
    page = extract_page(comment_page(300), "https://blog.example.fr/2026/11/panne/")
    assert page.preset == "wordpress" and len(page.posts) == 300
    large = [path for path, size in evaluations if size >= 1000]
    assert any("article" in path for path in large)
    assert [path for path in large if _descendant_step_from_many_nodes(path)] == []


@pytest.mark.parametrize(
    "expression",
    [
        "//div[has-class('post')]//a",
        "//div//div//a/@href",
        ".pagination a[rel='next']::attr(href)",
        "//li[has-class('comment')]//p[1]",
        "(//div[has-class('post')])[2]//a",
        "//div[has-class('post')]/descendant::a[1]",
        "//div[has-class('post')]//a/..",
        "//div[has-class('post')]//a | //h1",
        "//div//a[position() = last()]",
        "//ol/descendant-or-self::*/li[has-class('x')]",
    ],
)
def test_select_finds_what_libxml2_finds(expression: str):
    """The same nodes in the same order, on nested markup where contexts overlap."""
    html = (
        "<html><body><h1>t</h1><div class='post'><div class='post'><a href='1'>a</a>"
        "<p>x</p><a href='2'>b</a></div><a href='3'>c</a><div class='pagination'>"
        "<a rel='next' href='4'>n</a><div class='pagination'><a rel='next' href='5'>m</a>"
        "</div></div></div><ol><li class='comment x'><p>1</p><p>2</p><ol><li class='comment'>"
        "<p>3</p></li></ol></li></ol></body></html>"
    )
    page = parse_html(html, URL)
    # parsel evaluates the expression as libxml2 does (has-class is its own function)
    found = page.css(expression) if expression.startswith(".pagination") else page.xpath(expression)
    assert select(page, expression) == [item.root for item in found]


# --- the main text of a large page ------------------------------------------------------


@pytest.fixture
def trafilatura_inputs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of every page trafilatura is given."""
    lengths: list[int] = []
    real = page_module.trafilatura.extract

    def recording(html: str | bytes, *args: Any, **kwargs: Any) -> str | None:
        lengths.append(len(html))
        return real(html, *args, **kwargs)

    monkeypatch.setattr(page_module.trafilatura, "extract", recording)
    return lengths


def test_a_page_over_the_budget_is_read_in_part_and_says_so(monkeypatch, trafilatura_inputs):
    """trafilatura's time grows faster than the page: beyond MAIN_TEXT_MAX_CHARS it reads
    the beginning of the page (where the article is), and the extraction's notes say
    what was left out. Every comment is still a post: nothing is lost."""
    monkeypatch.setattr(page_module, "MAIN_TEXT_MAX_CHARS", 20_000)
    html = comment_page(400, article="Le service client de Fibrelia ne répond plus.")
    assert len(html) > 100_000
    page = extract_page(html, "https://blog.example.fr/2026/11/panne/")
    assert trafilatura_inputs and max(trafilatura_inputs) <= 20_000
    assert "Le service client de Fibrelia ne répond plus." in page.text
    assert len(page.posts) == 400
    [note] = page.notes
    assert "20,000" in note and f"{len(html):,}" in note
    assert page.to_contract()["notes"] == [note]


def test_a_page_within_the_budget_is_read_whole(trafilatura_inputs):
    html = comment_page(5)
    page = extract_page(html, "https://blog.example.fr/2026/11/panne/")
    assert page.notes == [] and "notes" not in page.to_contract()
    assert set(trafilatura_inputs) == {len(html)}


def test_scripts_and_styles_do_not_count_against_the_budget():
    """A page made large by its scripts (a framework's inline state) is read whole."""
    html = comment_page(3).replace(
        "</head>",
        "<script>var state = '" + "x" * 30_000 + "';</script>"
        '<script type=\'application/ld+json\'>{"author": "Zoé"}</script>'
        "<style>" + "p{}" * 5_000 + "</style></head>",
    )
    text, note = page_module.within_budget(html, 20_000)
    assert note is None and len(text) <= 20_000
    assert "Commentaire 3" in text and "ld+json" in text and "var state" not in text


def test_a_budget_cut_falls_on_a_tag_and_keeps_most_of_the_budget():
    text, note = page_module.within_budget(
        "<p>" + "mot " * 1_000 + "</p>" + "<p>fin</p>" * 10_000, 30_000
    )
    assert note is not None and 29_990 <= len(text) <= 30_000 and text.endswith(("fin", "</p>"))
    # one text longer than the budget is cut inside, not before it
    text, note = page_module.within_budget("<p>" + "mot " * 10_000 + "</p>", 30_000)
    assert note is not None and len(text) == 30_000


def test_whether_the_text_is_made_of_posts_is_judged_on_the_first_posts():
    """Each post is looked for in the whole text: on a thread of thousands, the first
    ones decide (they are also those a text cut to the budget still has)."""
    posts = [f"Message {i} : ma box est en panne depuis trois jours." for i in range(5_000)]
    text = "\n".join(posts[:300])  # the text of a page cut after its 300th post
    assert page_module._made_of_posts(text, posts)
    assert not page_module._made_of_posts("\n".join(posts[4_000:]), posts)
