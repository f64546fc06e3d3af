"""How a page's bytes become text: the charset it declares when Python knows it, else
UTF-8 when the bytes are UTF-8, else Windows-1252; the same text for the posts, the
article and its title."""

from __future__ import annotations

import logging

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawlers.extract import page as page_module
from crawlers.extract.page import decode_html
from crawlers.reader import extract_page
from crawlers.spiders.feed import FeedSpider
from veille.core.config import Source

URL = "https://blog.example.fr/2026/11/panne/"
ARTICLE = (
    "Le service client de Fibrelia est très lent, la fibre très instable cette semaine. "
    "J'ai appelé trois fois, rien. Très déçu : c'est très pénible à la fin du mois. "
)


def blog_page(head: str = "") -> str:
    return (
        f"<html><head>{head}<title>Un avis très tranché</title></head><body>"
        f"<article id='post-1'><h1>Un avis très tranché</h1><div class='entry-content'>"
        f"<p>{ARTICLE}</p><p>{ARTICLE}</p><p>{ARTICLE}</p></div></article>"
        "<ol class='comment-list'><li id='comment-1' class='comment'>"
        "<article class='comment-body'><footer class='comment-meta'><div class='comment-author'>"
        "<b class='fn'>Zoé</b></div></footer><div class='comment-content'>"
        "<p>Pareil, très lent chez moi.</p></div></article></li></ol></body></html>"
    )


DECLARATIONS = {
    "meta charset unknown": ("<meta charset='x-unknown'>", None),
    "meta http-equiv unknown": (
        "<meta http-equiv='Content-Type' content='text/html; charset=foo'>",
        None,
    ),
    "header unknown": ("", "text/html; charset=foo"),
    "header and meta unknown": ("<meta charset='x-unknown'>", "text/html; charset=bar"),
    "none": ("", None),
}


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1"])
@pytest.mark.parametrize("declaration", list(DECLARATIONS))
def test_an_unknown_charset_reads_tres_right(declaration: str, encoding: str):
    """ "très" in UTF-8 and in Latin-1, the page naming a charset no one knows: the
    article's text and title were read by trafilatura's own guess ("trčs", "tr反")."""
    head, content_type = DECLARATIONS[declaration]
    body = blog_page(head).encode(encoding)
    assert "très" in decode_html(body, content_type)
    page = extract_page(body, URL, content_type=content_type)
    assert page.title == "Un avis très tranché"
    assert "Le service client de Fibrelia est très lent" in page.text
    assert "trčs" not in page.text and "\ufffd" not in page.text
    assert [post.text for post in page.posts] == ["Pareil, très lent chez moi."]
    assert [post.author for post in page.posts] == ["Zoé"]


RUSSIAN = "Оптоволокно Fibrelia очень медленное, служба поддержки не отвечает. "
RUSSIAN_PAGE = (
    f"<html><body><article><h1>Отзыв</h1><p>{RUSSIAN * 5}</p></article>"
    "<ol><li id='comment-1' class='comment'><article class='comment-body'>"
    "<div class='comment-content'><p>Да, у меня тоже.</p></div></article></li></ol>"
    "</body></html>"
).encode("cp1251")


def test_the_http_charset_decides_when_the_page_names_none():
    """A Cyrillic page in windows-1251, named only by the HTTP header: without the
    header its comments were read as Windows-1252."""
    page = extract_page(RUSSIAN_PAGE, URL, content_type="text/html; charset=windows-1251")
    assert "Оптоволокно Fibrelia очень медленное" in page.text
    assert [post.text for post in page.posts] == ["Да, у меня тоже."]


def _spider() -> FeedSpider:
    source = Source(id="blog", kind="feed", start_urls=["https://blog.example.fr/feed/"])
    crawler = get_crawler(FeedSpider)
    spider = FeedSpider.from_crawler(crawler, source=source)
    crawler.spider = spider
    crawler.stats.open_spider()
    return spider


def _response(body: bytes, **headers: str) -> HtmlResponse:
    return HtmlResponse(URL, body=body, headers=headers, request=Request(URL))


def test_the_feed_spider_reads_a_page_in_the_charset_its_server_names():
    response = _response(RUSSIAN_PAGE, **{"Content-Type": "text/html; charset=windows-1251"})
    page = _spider().extract(response)
    assert page is not None and "Оптоволокно Fibrelia очень медленное" in page.text
    assert [post.text for post in page.posts] == ["Да, у меня тоже."]


def test_the_feed_spider_logs_and_counts_a_page_read_in_part(monkeypatch, caplog):
    monkeypatch.setattr(page_module, "MAIN_TEXT_MAX_CHARS", 2_000)
    spider = _spider()
    response = _response(
        blog_page("<meta name='keywords' content='" + "fibre " * 600 + "'>").encode()
    )
    with caplog.at_level(logging.WARNING):
        page = spider.extract(response)
    assert page is not None and len(page.notes) == 1
    assert any(URL in r.getMessage() and page.notes[0] in r.getMessage() for r in caplog.records)
    assert spider.crawler.stats.get_value("veille/pages_read_in_part") == 1
