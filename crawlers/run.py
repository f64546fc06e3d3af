"""Run the crawl of one source in a subprocess and report what it collected."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from crawlers import state
from veille.config import Source


@dataclass
class CrawlResult:
    source_id: str
    path: Path | None
    posts: int
    pages: int
    errors: int
    seconds: float
    problem: str | None = None
    unchanged: int = 0  # pages answered 304: as the last crawl saw them
    read_in_part: int = 0  # pages whose main text was read from their beginning only

    @property
    def ok(self) -> bool:
        return self.problem is None


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
        answers = ", ".join(f"HTTP {s} ×{n}" for s, n in sorted(statuses.items())) or "none"
        problem = (
            f"no page could be fetched from {', '.join(source.start_urls)} (answers: {answers}); "
            f"see {log_path}"
        )
    elif unreadable and pages <= unreadable:
        problem = f"no usable page: {unreadable} could not be read; see {log_path}"
    else:
        problem = None
    if problem is not None:
        work_state.unlink(missing_ok=True)
        return CrawlResult(source.id, None, 0, pages, errors, seconds, problem)
    partial.replace(out)
    # The updated state waits beside the posts (state.pending_update) until the caller
    # has stored them: see state.commit_crawl.
    with out.open(encoding="utf-8") as handle:
        posts = sum(1 for line in handle if line.strip())
    unchanged = statuses.get(304, 0)
    read_in_part = int(stats.get("veille/pages_read_in_part", 0))
    return CrawlResult(
        source.id, out, posts, pages, errors, seconds, unchanged=unchanged,
        read_in_part=read_in_part,
    )  # fmt: skip


def _status_counts(stats: dict[str, object], prefix: str) -> dict[int, int]:
    """Scrapy's per-status response counters, as {status: count}."""
    return {
        int(key.removeprefix(prefix)): int(str(value))
        for key, value in stats.items()
        if key.startswith(prefix) and key.removeprefix(prefix).isdigit()
    }
