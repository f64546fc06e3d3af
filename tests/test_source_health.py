"""Sources that fail loudly: real crawls (Scrapy subprocesses) of a feed served on
127.0.0.1 whose article links fail, the run's record in a real DuckDB warehouse (table
`source_runs`, view `source_health`), and the operator's email received by a real SMTP
server (aiosmtpd) once a source has failed three runs in a row."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from crawlers.run import crawl_source
from crawlers.state import commit_crawl
from tests.local_server import serve
from tests.test_cli import veille
from veille.checks import load_checked_model
from veille.core.config import ConfigError, OperatorSettings, Source, SourcesFile
from veille.core.crawl_result import CrawlResult
from veille.core.record import read_mentions
from veille.demo.server import Page, Request
from veille.pipeline import new_run_dir, source_health_step
from warehouse.access import open_warehouse
from warehouse.mail import SmtpSettings

ARTICLES = 20


@dataclass
class Blog:
    """A blog whose feed lists ARTICLES articles: answered as pages (`articles`
    "ok"), as 404 ("missing"), or as pages whose markup holds no article ("empty")."""

    articles: str = "missing"
    requests: list[tuple[str, int]] = field(default_factory=list)

    def answer(self, request: Request) -> Page:
        path, base = request.target, request.base_url
        if path == "/robots.txt":
            return Page("text/plain", b"User-agent: *\nAllow: /\n")
        if path == "/feed/":
            items = "".join(
                f"<item><title>Article {n}</title><link>{base}/article/{n}/</link>"
                f"<pubDate>Mon, 09 Nov 2026 {8 + n % 10:02d}:00:00 +0000</pubDate></item>"
                for n in range(ARTICLES)
            )
            feed = (
                '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>Le blog</title><link>{base}/</link>{items}</channel></rss>"
            )
            return Page("application/rss+xml", feed.encode())
        if path.startswith("/article/") and self.articles != "missing":
            n = path.split("/")[2]
            text = (
                ""
                if self.articles == "empty"
                else f"<article><h1>Article {n}</h1><p>La box Fibrelia tient ses promesses "
                "depuis trois mois, le débit est stable le soir comme le matin.</p>"
                "<p>Le service client a répondu vite à ma seule question.</p></article>"
            )
            html = (
                f"<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'><title>Article {n}"
                f"</title></head><body>{text}</body></html>"
            )
            return Page("text/html; charset=utf-8", html.encode())
        return Page("text/plain", b"not found", 404)


@pytest.fixture
def blog() -> Iterator[tuple[Blog, str]]:
    site = Blog()
    with serve(site) as base:
        yield site, base


def feed_source(base: str) -> Source:
    return Source.model_validate(
        {
            "id": "blog-mort",
            "kind": "feed",
            "start_urls": [f"{base}/feed/"],
            "language": "fr",
            "allow_private_network": True,
            "limits": {"retries": 0},
        }
    )


def test_a_feed_whose_article_links_all_fail_is_a_failed_source(blog, tmp_path: Path):
    """The issue's repro: it was "0 posts from 1 pages", problem null."""
    _, base = blog
    result = crawl_source(feed_source(base), tmp_path)
    assert not result.ok
    log = tmp_path / "blog-mort.log"
    assert result.problem == (
        f"most pages failed: {ARTICLES} of the {ARTICLES} pages reached from {base}/feed/ "
        f"(answers: HTTP 200 ×1, HTTP 404 ×{ARTICLES}); see {log}"
    )
    assert (result.fetched, result.failed, result.posts, result.log_path) == (1, ARTICLES, 0, log)


def test_a_feed_whose_articles_mostly_answer_is_not_failed_and_counts_dateless_posts(
    blog, tmp_path: Path
):
    site, base = blog
    site.articles = "ok"
    result = crawl_source(feed_source(base), tmp_path)
    assert result.ok, result.problem
    assert (result.fetched, result.failed) == (ARTICLES + 1, 0)
    assert result.path is not None and result.posts == ARTICLES
    undated = [m for m in read_mentions(result.path) if m.published_at is None]
    assert result.posts_without_date == len(undated)


def health(
    result: CrawlResult, home: Path, port: int, operator: OperatorSettings | None = None
) -> tuple[str, Any]:
    """The source health step of a new run, as `veille run` calls it."""
    run_dir = new_run_dir(home)
    smtp = SmtpSettings(port=port, sender="veille@test.example")
    operator = operator or OperatorSettings(email="ops@example.org")
    [state] = source_health_step(
        [result], run_dir, home / "veille.duckdb", operator, home, smtp=smtp
    )
    return run_dir.name, state


def health_rows(home: Path) -> list[tuple[Any, ...]]:
    with open_warehouse(home / "veille.duckdb") as con:
        return con.execute(
            "SELECT run_id, status, failed_in_a_row, pages_fetched, pages_failed, posts, "
            "operator_emailed_at IS NOT NULL FROM source_health ORDER BY run_number"
        ).fetchall()


def test_the_operator_is_emailed_once_after_three_failed_runs_in_a_row(blog, tmp_path: Path, smtp):
    inbox, port = smtp
    site, base = blog
    home = tmp_path / "home"
    failed = crawl_source(feed_source(base), tmp_path / "failed")
    assert not failed.ok
    runs = []
    for n in (1, 2):
        run_id, state = health(failed, home, port)
        runs.append(run_id)
        assert state.failed_in_a_row == n and not state.emailed
        assert inbox.messages == []  # not before the third
    run_id, state = health(failed, home, port)
    runs.append(run_id)
    assert state.failed_in_a_row == 3 and state.emailed_now and state.email_problem is None
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert b"Subject: [Veille] Source blog-mort has failed 3 runs in a row" in message
    assert b"To: ops@example.org" in message and b"HTTP 404" in message
    assert state.email_path is not None and state.email_path.read_bytes().startswith(b"Subject")
    # The fourth failed run of the same streak sends nothing.
    run_id, state = health(failed, home, port)
    runs.append(run_id)
    assert state.failed_in_a_row == 4 and state.emailed and not state.emailed_now
    assert len(inbox.messages) == 1
    rows = health_rows(home)
    assert [r[0] for r in rows] == runs[::-1]
    assert [(r[1], r[2], r[6]) for r in rows] == [
        ("failed", 4, False), ("failed", 3, True), ("failed", 2, False), ("failed", 1, False),
    ]  # fmt: skip
    assert rows[0][3:6] == (1, ARTICLES, 0)
    # The source works again, then fails three runs in a row: one more email.
    site.articles = "ok"
    good = crawl_source(feed_source(base), tmp_path / "good")
    assert good.ok
    _, state = health(good, home, port)
    assert state.failed_in_a_row == 0 and not state.failed
    for n in (1, 2, 3):
        _, state = health(failed, home, port)
        assert state.failed_in_a_row == n
        assert len(inbox.messages) == (2 if n == 3 else 1)
    assert [r[1:3] for r in health_rows(home)[2:5]] == [("failed", 1), ("ok", 0), ("failed", 4)]


def test_an_email_that_cannot_go_out_is_sent_by_the_next_failed_run(blog, tmp_path: Path, smtp):
    from veille.demo.run import free_port

    inbox, port = smtp
    _, base = blog
    home = tmp_path / "home"
    failed = crawl_source(feed_source(base), tmp_path / "failed")
    operator = OperatorSettings(email="ops@example.org", failures_before_email=1)
    _, state = health(failed, home, free_port(), operator)  # nothing listens there
    assert state.email_problem and "retried on the next run" in state.email_problem
    _, state = health(failed, home, port, operator)
    assert state.emailed_now and state.failed_in_a_row == 2
    _, state = health(failed, home, port, operator)
    assert not state.emailed_now and len(inbox.messages) == 1


def test_no_post_where_the_last_run_found_some_fails_unless_pages_were_unchanged(
    blog, tmp_path: Path, smtp
):
    _, port = smtp
    site, base = blog
    site.articles = "ok"
    home = tmp_path / "home"
    state_dir = home / "state"
    first = crawl_source(feed_source(base), tmp_path / "1", state_dir=state_dir)
    first_run, state = health(first, home, port)
    assert first.posts == ARTICLES and not state.failed
    assert first.path is not None and commit_crawl(first.path, state_dir)
    # Nothing changed: every article answers 304, no post is new, and that is fine.
    same = crawl_source(feed_source(base), tmp_path / "2", state_dir=state_dir)
    _, state = health(same, home, port)
    assert (same.posts, same.unchanged) == (0, ARTICLES) and same.ok and not state.failed
    # The site changed its markup: its pages are new and give no post.
    site.articles = "empty"
    broken = crawl_source(feed_source(base), tmp_path / "3", state_dir=state_dir)
    assert broken.ok and broken.posts == 0  # as far as the crawl can tell
    assert broken.path is not None
    _, state = health(broken, home, port)
    assert broken.problem is not None and state.failed
    assert broken.problem.startswith(
        f"no post found in {ARTICLES + 1} pages, where run {first_run} found {ARTICLES}"
    )
    assert str(broken.log_path) in broken.problem
    # Its crawl state is not kept: the next run asks for its pages again.
    assert not commit_crawl(broken.path, state_dir)


def test_operator_settings_are_checked():
    sources = [{"id": "a", "kind": "feed", "start_urls": ["https://example.org/feed/"]}]
    given = SourcesFile.model_validate({"sources": sources})
    assert given.operator == OperatorSettings(email=None, failures_before_email=3)


def test_a_bad_operator_address_is_refused(tmp_path: Path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        "operator:\n  email: 'Ops <ops@example.org>'\n  failures_before_email: 0\n"
        "sources:\n  - id: a\n    kind: feed\n    start_urls: ['https://example.org/feed/']\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_checked_model(path, SourcesFile)
    text = str(caught.value)
    assert "operator.email" in text and "operator.failures_before_email" in text


def test_veille_run_names_the_failed_source_records_it_and_emails_after_three_runs(
    blog, tmp_path: Path, smtp
):
    """`veille run` as a user runs it, three times on a feed whose articles all fail
    (no model: no post to score)."""
    inbox, port = smtp
    _, base = blog
    config = tmp_path / "config"
    config.mkdir()
    (config / "brands.yaml").write_text("brands:\n  - name: Fibrelia\n    queries: [Fibrelia]\n")
    (config / "sources.yaml").write_text(
        "operator: {email: ops@example.org}\n"
        f"sources:\n  - id: blog-mort\n    kind: feed\n    start_urls: ['{base}/feed/']\n"
        "    allow_private_network: true\n    limits: {retries: 0}\n"
    )
    home = tmp_path / "home"
    env = {"VEILLE_HOME": str(home), "VEILLE_SMTP_PORT": str(port)}
    for n in (1, 2, 3):
        assert len(inbox.messages) == 0
        result = veille("run", "--config", str(config), env=env)
        assert result.returncode == 3, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        assert "Source blog-mort failed: most pages failed" in result.stdout
        assert "HTTP 404 ×20" in result.stdout and "blog-mort.log" in result.stdout
        assert f"failed runs in a row: {n} (view source_health)" in result.stdout
    assert len(inbox.messages) == 1
    assert "operator emailed: " in result.stdout
    with open_warehouse(home / "veille.duckdb") as con:
        rows = con.execute(
            "SELECT status, failed_in_a_row, pages_failed, problem, log_path FROM source_health "
            "WHERE source_id = 'blog-mort' ORDER BY run_number"
        ).fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [("failed", n, 20) for n in (3, 2, 1)]
    assert all(
        r[3].startswith("most pages failed") and r[4].endswith("blog-mort.log") for r in rows
    )
