"""Crawl throughput and memory: the real forum crawl over a large generated phpBB board.

    .venv/bin/python bench/crawl.py [--pages 2000] [--concurrency 1,4,8,16] [--seed 0]

The defaults take about five minutes on 2 cores (11 crawls of the whole board);
`--pages 1000 --concurrency 1,8` takes about two. What one run does:

1. Generates a phpBB 3.3 board of about --pages pages (bench/sitegen.py: 10 forums,
   topic lists of 25, topics of 1 to 12 pages of 15 posts, prosilver markup from the
   demo's phpBB templates, topic pages of 15 to 80 kB) and serves it from memory on
   127.0.0.1 (a free port).
2. Ceiling: fetches every page of the board with plain keep-alive HTTP clients, as many
   connections as the highest --concurrency, to show what the server alone can give.
3. Fixed cost: a crawl stopped after its first page (`limits.max_pages: 1`): process
   start, imports, reactor start and stop, so that the steady rate can be told apart.
4. The crawl as shipped: `crawlers.run.crawl_source` on a `kind: forum, preset: phpbb`
   source with default limits and no settings (AutoThrottle on, 4 requests at once).
5. The same crawl at each --concurrency: the source's `limits.concurrency` (Scrapy's
   CONCURRENT_REQUESTS_PER_DOMAIN) and CONCURRENT_REQUESTS through crawl_source's
   `settings`, with AutoThrottle on as shipped, then off.
6. Two sources at once, as Airflow runs them (one mapped task per source): the board
   split into two sources of five forums each, crawled side by side, as shipped and at
   the best concurrency with AutoThrottle off. This is what a second core buys, since
   one crawl is one process with one reactor thread.
7. Extraction alone, in this process, on a sample of the board's pages in the crawl's
   own mix: lxml parsing, then the phpBB preset (`Preset.posts` and the link selectors),
   then the whole spider callback (`ForumSpider.parse`, making the Mention records)
   with the JSON line the feed writes for each.

Figures per crawl: pages (as CrawlResult counts them: robots.txt left out), posts, wall
seconds (as `crawl_source` measures them: process start to exit), pages/s, posts/s,
peak RSS and CPU seconds of the crawl process, the CPU the board's server spent and the
connections it accepted. Peak RSS and CPU come from `resource.getrusage(RUSAGE_CHILDREN)`
in a fresh worker process per crawl whose only child is the crawl: exact (the kernel's
high-water mark), where sampling with psutil could miss the peak.

Where the server runs, and why: in threads of this process. Every measured client (the
crawls, the ceiling's fetchers) runs in a worker process, and this process only waits
for it, so the server has this process's GIL to itself. It still shares the machine's
cores with the crawl: its CPU seconds are printed beside each crawl.

Benchmarks print figures; nothing here asserts a time. Numbers vary with what else runs
on the machine: the load average is printed first and last.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sitegen import POSTS_PER_PAGE, TOPICS_PER_PAGE, Document, ForumSite

from crawlers.run import crawl_source
from veille.core.config import Source, SourceLimits

TARGET_PAGES_PER_S = 100.0
CRAWL_TIMEOUT_S = 900.0
EXTRACTION_SAMPLE = 400


# ---------------------------------------------------------------------- measurements


@dataclass
class CrawlFigures:
    name: str
    concurrency: int
    autothrottle: bool
    pages: int
    posts: int
    errors: int
    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    problems: list[str] = field(default_factory=list)
    started_at: float = 0.0  # time.time(), comparable across processes
    ended_at: float = 0.0
    server_cpu_s: float = 0.0
    connections: int = 0
    expected: tuple[int, int] = (0, 0)  # the pages and posts a complete crawl gets
    load: float = 0.0  # the machine's 1-minute load average when the crawl ended

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall_s if self.wall_s else 0.0

    @property
    def posts_per_s(self) -> float:
        return self.posts / self.wall_s if self.wall_s else 0.0

    @property
    def label(self) -> str:
        return (
            f"{self.name}, concurrency {self.concurrency}, "
            f"AutoThrottle {'on' if self.autothrottle else 'off'}"
        )


@dataclass
class FetchFigures:
    pages: int
    megabytes: float
    wall_s: float
    cpu_s: float
    server_cpu_s: float = 0.0
    connections: int = 0


def crawl_in_worker(
    name: str, source_json: str, out_dir: str, settings: dict[str, Any]
) -> CrawlFigures:
    """One crawl (crawl_source, which runs it in a subprocess), called from a fresh worker
    process whose only child is the crawl, so that RUSAGE_CHILDREN is the crawl's own."""
    source = Source.model_validate_json(source_json)
    started_at = time.time()
    result = crawl_source(
        source, Path(out_dir), timeout_s=CRAWL_TIMEOUT_S, settings=settings or None
    )
    ended_at = time.time()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return CrawlFigures(
        name=name,
        concurrency=source.limits.concurrency,
        autothrottle=bool(settings.get("AUTOTHROTTLE_ENABLED", True)),
        pages=result.pages,
        posts=result.posts,
        errors=result.errors,
        wall_s=result.seconds,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_mib=usage.ru_maxrss / 1024,  # ru_maxrss is in KiB on Linux
        problems=[result.problem] if result.problem else [],
        started_at=started_at,
        ended_at=ended_at,
    )


def fetch_in_worker(urls: list[str], connections: int) -> FetchFigures:
    """Every URL once, by `connections` threads with one keep-alive connection each."""
    pending = iter(urls)
    lock = threading.Lock()
    received = [0] * connections

    def next_url() -> str | None:
        with lock:
            return next(pending, None)

    def fetcher(slot: int) -> None:
        connection = HTTPConnection(urlsplit(urls[0]).netloc, timeout=30)
        while (url := next_url()) is not None:
            parts = urlsplit(url)
            connection.request("GET", f"{parts.path}?{parts.query}" if parts.query else parts.path)
            response = connection.getresponse()
            received[slot] += len(response.read())
            if response.status != 200:
                raise RuntimeError(f"{url}: HTTP {response.status}")
        connection.close()

    cpu_started = time.process_time()
    started = time.perf_counter()
    threads = [threading.Thread(target=fetcher, args=(slot,)) for slot in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return FetchFigures(len(urls), sum(received) / 1e6, wall, time.process_time() - cpu_started)


def combined(name: str, parts: list[CrawlFigures]) -> CrawlFigures:
    """Crawls that ran side by side as one row: wall from the first start to the last
    end, pages, posts and CPU added, peak RSS added (the memory they needed together)."""
    started_at = min(p.started_at for p in parts)
    ended_at = max(p.ended_at for p in parts)
    return CrawlFigures(
        name=name,
        concurrency=parts[0].concurrency,
        autothrottle=parts[0].autothrottle,
        pages=sum(p.pages for p in parts),
        posts=sum(p.posts for p in parts),
        errors=sum(p.errors for p in parts),
        wall_s=ended_at - started_at,
        cpu_s=sum(p.cpu_s for p in parts),
        peak_rss_mib=sum(p.peak_rss_mib for p in parts),
        problems=[problem for p in parts for problem in p.problems],
        started_at=started_at,
        ended_at=ended_at,
    )


class Bench:
    """Runs measured clients in fresh worker processes (one pool per measurement, so no
    worker starts while another one is measured) and charges the server's CPU, threads
    of this process, to them."""

    def __init__(self, site: ForumSite, out_dir: Path):
        self.site = site
        self.out_dir = out_dir
        self.context = multiprocessing.get_context("spawn")  # no fork of a threaded process

    def _in_workers(self, calls: list[tuple[Callable[..., Any], tuple[Any, ...]]]) -> Any:
        connections = self.site.connections
        cpu = time.process_time()
        with ProcessPoolExecutor(
            len(calls), mp_context=self.context, max_tasks_per_child=1
        ) as pool:
            results = [f.result() for f in [pool.submit(call, *args) for call, args in calls]]
        return results, time.process_time() - cpu, self.site.connections - connections

    def fetch(self, connections: int) -> FetchFigures:
        urls = [doc.url for doc in self.site.documents]
        [figures], server_cpu, opened = self._in_workers([(fetch_in_worker, (urls, connections))])
        figures.server_cpu_s, figures.connections = server_cpu, opened
        assert isinstance(figures, FetchFigures)
        return figures

    def crawl(
        self,
        name: str,
        sources: list[Source],
        settings: dict[str, Any] | None = None,
        expected: tuple[int, int] = (0, 0),
    ) -> CrawlFigures:
        """Crawl the sources side by side (one worker and one crawl process each)."""
        folder = self.out_dir / f"{len(list(self.out_dir.iterdir())):02d}"
        calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
            (crawl_in_worker, (name, source.model_dump_json(), str(folder), settings or {}))
            for source in sources
        ]
        parts, server_cpu, opened = self._in_workers(calls)
        figures = parts[0] if len(parts) == 1 else combined(name, parts)
        figures.server_cpu_s, figures.connections, figures.expected = server_cpu, opened, expected
        figures.load = os.getloadavg()[0]
        assert isinstance(figures, CrawlFigures)
        return figures


@dataclass
class StageFigures:
    name: str
    pages: int
    wall_s: float

    @property
    def ms_per_page(self) -> float:
        return self.wall_s * 1000 / self.pages

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall_s


def measure_extraction(documents: list[Document], source: Source) -> list[StageFigures]:
    """Parsing and extraction of a sample of the board's pages, in this process, in the
    crawl's mix of page kinds (every n-th page, in crawl order)."""
    import scrapy
    from scrapy.http import HtmlResponse
    from scrapy.utils.serialize import ScrapyJSONEncoder

    from crawlers.extract.page import parse_html
    from crawlers.spiders.forum import ForumSpider

    sample = documents[:: max(1, len(documents) // EXTRACTION_SAMPLE)]
    spider = ForumSpider(source=source)
    preset = spider.preset
    assert preset is not None
    encoder = ScrapyJSONEncoder(ensure_ascii=False)  # what the jsonlines feed uses

    def parse_only(doc: Document) -> None:
        parse_html(doc.body, doc.url)

    def preset_extraction(doc: Document) -> None:
        page = parse_html(doc.body, doc.url)
        if preset.posts(page, doc.url, timezone=source.timezone, now=None):
            preset.thread_title(page)
        else:
            preset.forum_links(page, doc.url)
            preset.thread_links(page, doc.url)
        preset.next_page(page, doc.url)

    def spider_callback(doc: Document) -> None:
        request = scrapy.Request(doc.url)
        response = HtmlResponse(doc.url, body=doc.body, encoding="utf-8", request=request)
        for item in spider.parse(response):
            if isinstance(item, dict):
                (encoder.encode(item) + "\n").encode("utf-8")

    stages = []
    for name, work in (
        ("lxml parse (parse_html)", parse_only),
        ("parse + phpBB preset (posts, links)", preset_extraction),
        ("ForumSpider.parse + JSON lines", spider_callback),
    ):
        for doc in sample[:20]:  # warm up: selectors compiled, lazy imports done
            work(doc)
        started = time.perf_counter()
        for doc in sample:
            work(doc)
        stages.append(StageFigures(name, len(sample), time.perf_counter() - started))
    return stages


# ---------------------------------------------------------------------- the report


def _percentile(values: list[int], fraction: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def describe_site(site: ForumSite) -> None:
    kinds = Counter(doc.kind for doc in site.documents)
    topic_sizes = [len(doc.body) for doc in site.documents if doc.kind == "topic"]
    total = sum(len(doc.body) for doc in site.documents)
    topics = sum(len(forum.topics) for forum in site.forums)
    print(
        f"board: {len(site.documents)} pages ({kinds['index']} index, {kinds['forum']} topic "
        f"lists of {TOPICS_PER_PAGE}, {kinds['topic']} topic pages of up to {POSTS_PER_PAGE} "
        f"posts), {len(site.forums)} forums, {topics} topics, {site.post_count} posts, "
        f"{total / 1e6:.0f} MB of HTML"
    )
    print(
        "topic page size: "
        f"min {min(topic_sizes) / 1000:.0f} kB, p10 {_percentile(topic_sizes, 0.1) / 1000:.0f}, "
        f"median {statistics.median(topic_sizes) / 1000:.0f}, "
        f"p90 {_percentile(topic_sizes, 0.9) / 1000:.0f}, max {max(topic_sizes) / 1000:.0f} kB"
    )


def print_crawls(rows: list[CrawlFigures]) -> None:
    header = (
        f"{'crawl':<18} {'conc':>4} {'AT':>3} {'pages':>6} {'posts':>6} {'wall s':>7} "
        f"{'pages/s':>8} {'posts/s':>8} {'peak RSS':>9} {'CPU s':>6} {'CPU %':>6} "
        f"{'server CPU s':>12} {'conns':>5} {'load':>5}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        mark = "" if (row.pages, row.posts) == row.expected else " *"
        print(
            f"{row.name:<18} {row.concurrency:>4} {'on' if row.autothrottle else 'off':>3} "
            f"{row.pages:>6} {row.posts:>6} {row.wall_s:>7.1f} {row.pages_per_s:>8.1f} "
            f"{row.posts_per_s:>8.0f} {row.peak_rss_mib:>5.0f} MiB {row.cpu_s:>6.1f} "
            f"{100 * row.cpu_s / row.wall_s:>5.0f}% {row.server_cpu_s:>12.1f} "
            f"{row.connections:>5} {row.load:>5.2f}{mark}"
        )
        for problem in row.problems:
            print(f"    problem: {problem}")
    print(
        "conc = CONCURRENT_REQUESTS(_PER_DOMAIN); AT = AutoThrottle (target concurrency 2 as "
        "shipped). Pages leave robots.txt out. CPU % = the crawl's CPU s / wall s (100% = one "
        "core busy). Two sources at once: pages, posts, CPU and peak RSS added up. conns = TCP "
        "connections the server accepted. load = 1-minute load average at the end (2 = both "
        "cores busy, the crawl included). * = a crawl that missed pages or posts."
    )


def conclude(
    rows: list[CrawlFigures],
    fixed: CrawlFigures,
    stages: list[StageFigures],
    ceiling: FetchFigures,
) -> None:
    complete = [r for r in rows if not r.problems and (r.pages, r.posts) == r.expected]
    singles = [r for r in complete if r.name != "2 sources at once"]
    shipped = rows[0]
    best = max(singles, key=lambda r: r.pages_per_s)
    met = [r for r in complete if r.pages_per_s >= TARGET_PAGES_PER_S]
    steady = (best.pages - fixed.pages) / max(1e-9, best.wall_s - fixed.wall_s)
    cpu_ms = 1000 * (best.cpu_s - fixed.cpu_s) / max(1, best.pages - fixed.pages)
    callback_ms = stages[-1].ms_per_page
    throttled = [r for r in singles if r.autothrottle]
    unthrottled = [r for r in singles if not r.autothrottle]
    pairs = [r for r in complete if r.name == "2 sources at once"]
    print("conclusion:")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    verdict = "not met"
    if met:
        verdict = "met by " + "; ".join(f"{r.label} ({r.pages_per_s:.0f} pages/s)" for r in met)
    print(
        f"- {TARGET_PAGES_PER_S:.0f} pages/s on {cores} cores: {verdict}. "
        f"One source at best: {best.pages_per_s:.0f} pages/s."
    )
    print(
        f"- one source as shipped: {shipped.pages_per_s:.1f} pages/s. Best single source: "
        f"{best.pages_per_s:.1f} pages/s ({best.label}); {steady:.0f} pages/s once started "
        f"(fixed cost {fixed.wall_s:.1f} s a crawl)."
    )
    if throttled and unthrottled:
        on = max(throttled, key=lambda r: r.pages_per_s)
        off = max(unthrottled, key=lambda r: r.pages_per_s)
        print(
            f"- AutoThrottle: one source at best {on.pages_per_s:.0f} pages/s on (concurrency "
            f"{on.concurrency}), {off.pages_per_s:.0f} off (concurrency {off.concurrency}). On, "
            "Scrapy keeps about its target of 2 requests in flight whatever the concurrency "
            "(conns), with a delay that grows with the latency it sees, the crawl's own CPU "
            "time included: it costs little while one core is the limit, more when CPU is spare."
        )
    if pairs:
        print(
            "- two sources at once (one crawl process each, as Airflow's mapped tasks): "
            + "; ".join(f"{r.pages_per_s:.0f} pages/s together at concurrency {r.concurrency}, "
                        f"AutoThrottle {'on' if r.autothrottle else 'off'}" for r in pairs)
            + "."
        )  # fmt: skip
    print(
        f"- what limits one source is CPU: the best crawl kept one core "
        f"{100 * best.cpu_s / best.wall_s:.0f}% busy, {cpu_ms:.1f} ms of CPU a page past "
        f"start-up, of which the spider callback (lxml parse, phpBB preset, Mention records, "
        f"JSON line) is {callback_ms:.1f} ms ({100 * callback_ms / cpu_ms:.0f}%) and Scrapy "
        f"(downloader, scheduler, middlewares, signals, feed export) the rest. One source is one "
        f"process with one reactor thread: a second core only helps with a second source."
    )
    print(
        f"- the server is not the limit: {ceiling.pages / ceiling.wall_s:.0f} pages/s to plain "
        f"clients, {1000 * ceiling.server_cpu_s / ceiling.pages:.2f} ms of its CPU a page."
    )


# ---------------------------------------------------------------------- main


def _parse_concurrency(value: str) -> list[int]:
    levels = [int(part) for part in value.split(",") if part.strip()]
    if not levels or min(levels) < 1 or max(levels) > 32:
        raise argparse.ArgumentTypeError("give levels from 1 to 32, comma-separated: 1,4,8,16")
    return levels


def _load() -> str:
    return ", ".join(f"{load:.2f}" for load in os.getloadavg())


def _machine() -> Iterator[str]:
    import scrapy
    import twisted

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    yield (
        f"machine: {os.cpu_count()} CPUs ({usable} usable), Python {platform.python_version()}, "
        f"scrapy {scrapy.__version__}, twisted {twisted.__version__}; load average {_load()}"
    )


def _split(site: ForumSite, base: Source) -> list[Source]:
    """The board as two sources of five forums each (their topic lists as start URLs)."""
    halves = (site.forums[::2], site.forums[1::2])
    return [
        base.model_copy(
            update={
                "id": f"{base.id}-{part}",
                "start_urls": [f"{site.base_url}/viewforum.php?f={forum.id}" for forum in half],
            }
        )
        for part, half in zip("ab", halves, strict=True)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=2000, help="pages of the board, about")
    parser.add_argument(
        "--concurrency", type=_parse_concurrency, default=[1, 4, 8, 16],
        help="CONCURRENT_REQUESTS(_PER_DOMAIN) levels, comma-separated",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated board")
    args = parser.parse_args()

    for line in _machine():
        print(line)
    started = time.perf_counter()
    site = ForumSite(args.pages, args.seed)
    with site, tempfile.TemporaryDirectory(prefix="veille-bench-crawl-") as tmp:
        print(f"generated in {time.perf_counter() - started:.1f} s, served at {site.base_url}")
        describe_site(site)
        bench = Bench(site, Path(tmp))
        source = Source(
            id="bench-board",
            kind="forum",
            preset="phpbb",
            start_urls=[site.start_url],
            language="fr",
            timezone="Europe/Paris",
            allow_private_network=True,
            limits=SourceLimits(max_pages=len(site.documents) + 100),
        )
        whole = (len(site.documents), site.post_count)

        connections = max(args.concurrency)
        ceiling = bench.fetch(connections)
        print(
            f"\nceiling (server alone): {ceiling.pages} pages, {ceiling.megabytes:.0f} MB in "
            f"{ceiling.wall_s:.1f} s = {ceiling.pages / ceiling.wall_s:.0f} pages/s, "
            f"{ceiling.megabytes / ceiling.wall_s:.0f} MB/s, {connections} keep-alive "
            f"connections from {connections} Python threads in another process; server "
            f"{ceiling.server_cpu_s:.1f} CPU s ({1000 * ceiling.server_cpu_s / ceiling.pages:.2f}"
            f" ms a page), client {ceiling.cpu_s:.1f} CPU s"
        )

        print("\ncrawling: one subprocess a crawl, each of the whole board…", flush=True)

        def limited(base: Source, **limits: Any) -> Source:
            return base.model_copy(update={"limits": base.limits.model_copy(update=limits)})

        def report(row: CrawlFigures) -> CrawlFigures:
            print(f"  {row.label}: {row.pages_per_s:.1f} pages/s", flush=True)
            return row

        fixed = bench.crawl("fixed cost", [limited(source, max_pages=1)])
        rows = [report(bench.crawl("as shipped", [source], expected=whole))]
        for autothrottle in (True, False):
            for level in args.concurrency:
                settings = {"CONCURRENT_REQUESTS": level, "AUTOTHROTTLE_ENABLED": autothrottle}
                tuned = limited(source, concurrency=level)
                rows.append(report(bench.crawl("one source", [tuned], settings, whole)))
        halves = _split(site, source)
        without_index = (whole[0] - 1, whole[1])
        rows.append(report(bench.crawl("2 sources at once", halves, expected=without_index)))
        fastest = max((r for r in rows if not r.autothrottle), key=lambda r: r.pages_per_s)
        level = fastest.concurrency
        settings = {"CONCURRENT_REQUESTS": level, "AUTOTHROTTLE_ENABLED": False}
        tuned_halves = [limited(half, concurrency=level) for half in halves]
        rows.append(report(bench.crawl("2 sources at once", tuned_halves, settings, without_index)))
    print()
    print_crawls(rows)
    print(
        f"fixed cost: {fixed.wall_s:.1f} s wall, {fixed.cpu_s:.1f} CPU s, "
        f"{fixed.peak_rss_mib:.0f} MiB peak RSS for a crawl stopped after its first page."
    )

    stages = measure_extraction(site.documents, source)
    print("\nextraction alone (this process, one thread, no network):")
    for stage in stages:
        print(
            f"  {stage.name:<38} {stage.pages_per_s:>6.0f} pages/s  "
            f"{stage.ms_per_page:>5.1f} ms a page  ({stage.pages} pages)"
        )
    print()
    conclude(rows, fixed, stages, ceiling)
    print(f"\ntotal {time.perf_counter() - started:.0f} s; load average at the end {_load()}")


if __name__ == "__main__":
    main()
