"""Run the crawl of one source in a subprocess and report what it collected."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawlers import state
from veille.core.config import Source
from veille.core.crawl_result import CrawlResult


def crawl_source(
    source: Source,
    out_dir: Path,
    *,
    contact: str | None = None,
    timeout_s: float = 1800,
    settings: dict[str, object] | None = None,
    state_dir: Path | None = None,
) -> CrawlResult:
    """Crawl `source` into `out_dir/<source id>.jsonl`. A crawl that fails or times out
    is reported in the result (with its log file), never raised, so that the other
    sources still run. `settings` overrides Scrapy settings (benchmarks, tests).

    With `state_dir`, the crawl is incremental: it reads the source's state from there.
    The state it leaves is not the source's yet: `state.commit_crawl(result.path,
    state_dir)` makes it so once the crawled posts are safely stored, so that a run that
    fails after its crawl (scoring, a busy warehouse, a kill) fetches them again."""
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{source.id}.jsonl"
    partial = out.with_suffix(".jsonl.partial")
    stats_path = out.with_suffix(".stats.json")
    log_path = out.with_suffix(".log")
    source_path = out.with_suffix(".source.json")
    source_path.write_text(source.model_dump_json(indent=1), encoding="utf-8")
    command = [
        sys.executable, "-m", "crawlers.crawl_one",
        "--source", str(source_path), "--out", str(partial), "--stats", str(stats_path),
    ]  # fmt: skip
    if contact:
        command += ["--contact", contact]
    if settings:
        command += ["--settings", json.dumps(settings)]
    state_path = state_dir / f"{source.id}.sqlite" if state_dir is not None else None
    work_state = state.pending_update(out)
    if state_path is not None:
        command += ["--state", str(state.working_copy(state_path, work_state))]
    started_at = datetime.now(UTC)
    started = time.monotonic()
    with log_path.open("w", encoding="utf-8") as log:
        try:
            completed = subprocess.run(
                command, stdout=log, stderr=subprocess.STDOUT, timeout=timeout_s, check=False
            )
            code: int | None = completed.returncode
        except subprocess.TimeoutExpired:
            code = None
    seconds = time.monotonic() - started
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    # Answers of the site's pages, robots.txt left out.
    robots = _status_counts(stats, "robotstxt/response_status_count/")
    statuses = {
        status: n - robots.get(status, 0)
        for status, n in _status_counts(stats, "downloader/response_status_count/").items()
        if n > robots.get(status, 0)
    }
    # Pages that answered as a page should: fetched (2xx) or unchanged since last time (304).
    pages = sum(n for status, n in statuses.items() if 200 <= status < 300 or status == 304)
    errors = int(stats.get("veille/fetch_errors", 0)) + int(stats.get("log_count/ERROR", 0))
    unreadable = sum(
        int(stats.get(key, 0))
        for key in (
            "veille/feeds_unreadable",
            "veille/pages_unreadable",
            "veille/sitemaps_unreadable",
        )
    )
    refused = int(stats.get("veille/refused", 0))
    failed = _failed_pages(stats, statuses, refused)
    fetched = sum(n for status, n in statuses.items() if 200 <= status < 300)
    answers = _answers(statuses, stats, refused)
    mostly_failed = False
    # The start pages (a feed, a forum's index) lead to the pages that hold the posts:
    # a feed fetched whose every article failed is a failed source. A page source's
    # start pages hold the posts themselves: only its sitemaps lead to them.
    leads = len(source.sitemaps) if source.kind == "page" else len(source.start_urls)
    content = pages - min(pages, leads)
    if code is None:
        problem = f"timed out after {timeout_s:.0f} s; see {log_path}"
    elif code != 0 or not partial.exists():
        problem = f"crawler exited with code {code}; see {log_path}"
    elif pages == 0 and refused:
        # The network guard (crawlers.middlewares) refused them: say why, not "no answer".
        how_many = f" {refused} requests" if refused > 1 else ""
        reason = stats.get("veille/refused_reason") or "see the log"
        problem = f"refused{how_many}: {reason}; see {log_path}"
    elif pages == 0:
        problem = (
            f"no page could be fetched from {', '.join([*source.start_urls, *source.sitemaps])} "
            f"(answers: {answers}); see {log_path}"
        )
    elif unreadable and pages <= unreadable:
        problem = f"no usable page: {unreadable} could not be read; see {log_path}"
    elif failed > content:
        mostly_failed = True
        # Most pages failed: what was fetched is kept (its posts are stored), but the
        # source failed, and its state is left as it was so the next run asks again.
        problem = (
            f"most pages failed: {failed} of the {failed + content} pages reached from "
            f"{', '.join([*source.start_urls, *source.sitemaps])} (answers: {answers}); "
            f"see {log_path}"
        )
    else:
        problem = None
    details: dict[str, Any] = {
        "fetched": fetched, "failed": failed, "started_at": started_at, "log_path": log_path,
        "answers": answers, "unchanged": statuses.get(304, 0),
    }  # fmt: skip
    if problem is not None:
        work_state.unlink(missing_ok=True)
    if problem is not None and not mostly_failed:
        return CrawlResult(source.id, None, 0, pages, errors, seconds, problem, **details)
    partial.replace(out)
    # The updated state waits beside the posts (state.pending_update) until the caller
    # has stored them: see state.commit_crawl.
    posts, without_date = _count_posts(out)
    if problem is None and not posts and fetched and _reads_pages_alone(source):
        # nothing told the crawler where the posts are, and no page it read was a thread
        problem = (
            f"no preset named and none of the {fetched} pages fetched from "
            f"{', '.join(source.start_urls)} reads as a thread: name the forum's preset "
            f"(crawlers/presets/) or list its threads' pages as start URLs; see {log_path}"
        )
        work_state.unlink(missing_ok=True)
    read_in_part = int(stats.get("veille/pages_read_in_part", 0))
    return CrawlResult(
        source.id, out, posts, pages, errors, seconds, problem, read_in_part=read_in_part,
        posts_without_date=without_date, **details,
    )  # fmt: skip


def _reads_pages_alone(source: Source) -> bool:
    """A forum source that names neither a preset nor a page object: its pages are read
    by detection or the generic extractor, which follow no forum listing."""
    return source.kind == "forum" and source.preset is None and source.page_object is None


def _count_posts(path: Path) -> tuple[int, int]:
    """The posts of a crawl file, and how many of them have no date."""
    posts = without_date = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            posts += 1
            with contextlib.suppress(ValueError, AttributeError):  # not a record: not ours
                without_date += json.loads(line).get("published_at") is None
    return posts, without_date


def _failed_pages(stats: dict[str, Any], statuses: dict[int, int], refused: int) -> int:
    """Pages that failed, each once: HTTP errors after their retries (a 500 retried twice
    is three answers and one failed page), fetch errors, requests refused (the network
    guard) or forbidden by robots.txt."""
    retried = _retried(stats)
    http = sum(
        max(0, n - retried.get(status, 0)) for status, n in statuses.items() if status >= 400
    )
    fetch = int(stats.get("veille/fetch_errors", 0))
    robots = int(stats.get("robotstxt/forbidden", 0))
    return http + fetch + refused + robots


def _retried(stats: dict[str, Any]) -> dict[int, int]:
    """Answers that were retried, per status (Scrapy's "retry/reason_count/500 Internal
    Server Error")."""
    prefix = "retry/reason_count/"
    counts: dict[int, int] = {}
    for key, value in stats.items():
        code = key.removeprefix(prefix).split(" ", 1)[0]
        if key.startswith(prefix) and code.isdigit():
            counts[int(code)] = counts.get(int(code), 0) + int(str(value))
    return counts


def _answers(statuses: dict[int, int], stats: dict[str, Any], refused: int) -> str:
    """The site's answers, then the requests that got none, for a message: "HTTP 200 ×1,
    HTTP 404 ×20", "none; fetch errors (connection, timeout) ×1"."""
    answers = ", ".join(f"HTTP {status} ×{n}" for status, n in sorted(statuses.items()))
    others = [
        f"{what} ×{count}"
        for count, what in (
            (int(stats.get("veille/fetch_errors", 0)), "fetch errors (connection, timeout)"),
            (refused, "refused by the network guard"),
            (int(stats.get("robotstxt/forbidden", 0)), "forbidden by robots.txt"),
        )
        if count
    ]
    return "; ".join([answers or "none", *others])


def _status_counts(stats: dict[str, object], prefix: str) -> dict[int, int]:
    """Scrapy's per-status response counters, as {status: count}."""
    return {
        int(key.removeprefix(prefix)): int(str(value))
        for key, value in stats.items()
        if key.startswith(prefix) and key.removeprefix(prefix).isdigit()
    }
