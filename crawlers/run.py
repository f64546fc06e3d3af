"""Run the crawl of one source in a subprocess and report what it collected."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

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

    @property
    def ok(self) -> bool:
        return self.problem is None


def crawl_source(
    source: Source,
    out_dir: Path,
    *,
    contact: str | None = None,
    timeout_s: float = 1800,
) -> CrawlResult:
    """Crawl `source` into `out_dir/<source id>.jsonl`. A crawl that fails or times out
    is reported in the result (with its log file), never raised, so that the other
    sources still run."""
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
    pages = int(stats.get("response_received_count", 0))
    errors = int(stats.get("veille/fetch_errors", 0)) + int(stats.get("log_count/ERROR", 0))
    if code is None:
        problem = f"timed out after {timeout_s:.0f} s; see {log_path}"
    elif code != 0 or not partial.exists():
        problem = f"crawler exited with code {code}; see {log_path}"
    elif pages == 0:
        problem = f"no page could be fetched from {', '.join(source.start_urls)}; see {log_path}"
    else:
        problem = None
    if problem is not None:
        return CrawlResult(source.id, None, 0, pages, errors, seconds, problem)
    partial.replace(out)
    with out.open(encoding="utf-8") as handle:
        posts = sum(1 for line in handle if line.strip())
    return CrawlResult(source.id, out, posts, pages, errors, seconds)
