"""The pipeline's steps: crawl → select → score → load (validated) → alert.

Each step is a plain function that takes paths and returns paths (or a small report),
so the command line (`veille run`, `veille demo`), the Airflow DAG and the tests call
the same code. Each arrow is a file under the run's folder, never rows passed in memory
through the scheduler.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawlers.run import crawl_source
from veille.core.config import BrandsFile, Config, PrivacySettings, Source
from veille.core.crawl_result import CrawlResult
from veille.core.home import (
    Warehouse,
    emails_dir,
    reports_dir,
    runs_dir,
    state_dir,
    warehouse_exists,
    warehouse_location,
)
from veille.core.progress import every
from veille.core.record import Mention, read_mentions, write_mentions

if TYPE_CHECKING:
    from nlp.moderation import ModerationHeads
    from veille.core.config import OperatorSettings
    from warehouse.alerts.emails import Delivery
    from warehouse.report import ReportDelivery
    from warehouse.source_health import SourceHealth
    from warehouse.topics import TopicIndexFactory

log = logging.getLogger(__name__)


def new_run_dir(home: Path, now: datetime | None = None) -> Path:
    """A fresh folder for a run started by hand (`veille run`), named from the moment."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    path = runs_dir(home) / stamp
    path.mkdir(parents=True, exist_ok=False)
    return path


def interval_run_dir(home: Path, start: datetime, end: datetime) -> Path:
    """The folder of a scheduled run, named from its data interval (UTC), so that a
    retried, cleared or re-run task of that interval rewrites the same files."""
    stamps = [moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") for moment in (start, end)]
    path = runs_dir(home) / "_".join(stamps)
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- crawl -------------------------------------------------------------------------


def crawl_step(
    source: Source, run_dir: Path, contact: str | None, home: Path | None
) -> CrawlResult:
    """Crawl one source into `run_dir/crawl/<id>.jsonl` (in a subprocess); with a home,
    incrementally from the state the last crawl left there."""
    log.info(f"crawl {source.id}: {', '.join(source.start_urls) or 'sitemaps'}")
    state = state_dir(home) if home is not None else None
    result = crawl_source(source, run_dir / "crawl", contact=contact, state_dir=state)
    if result.ok:
        unchanged = (
            f", {result.unchanged} unchanged since the last crawl" if result.unchanged else ""
        )
        log.info(
            f"crawl {source.id}: {result.posts} posts from {result.pages} pages{unchanged} "
            f"in {result.seconds:.1f} s"
        )
        if result.read_in_part:
            log.info(
                f"crawl {source.id}: {result.read_in_part} pages so large that their main "
                "text was read from their first 1,000,000 characters (their posts all were)"
            )
    else:
        kept = f" ({result.posts} posts kept)" if result.posts else ""
        log.warning(f"crawl {source.id}: FAILED, {result.problem}{kept}")
    save_crawl_result(result, run_dir)
    return result


def save_crawl_result(result: CrawlResult, run_dir: Path) -> Path:
    """The crawl's result beside its files (`crawl/<id>.result.json`): the DAG's source
    health task reads them."""
    path = run_dir / "crawl" / f"{result.source_id}.result.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(result.to_json(), encoding="utf-8")
    return path


def read_crawl_results(run_dir: Path) -> list[CrawlResult]:
    """The results the run's crawls saved, by source id."""
    paths = sorted((run_dir / "crawl").glob("*.result.json"))
    return [CrawlResult.from_json(p.read_text(encoding="utf-8")) for p in paths]


def crawled_files(run_dir: Path) -> list[Path]:
    """The crawl files of the run's sources that found posts, failed or not (the posts
    of a source whose pages mostly failed are kept)."""
    return [
        r.path
        for r in read_crawl_results(run_dir)
        if r.path is not None and r.path.exists() and (r.ok or r.posts)
    ]


# --- source health: every run's crawls recorded, failing sources told -------------


def source_health_step(
    results: list[CrawlResult],
    run_dir: Path,
    db_path: Warehouse,
    operator: OperatorSettings,
    home: Path,
    *,
    smtp: Any = None,
) -> list[SourceHealth]:
    """Record what each crawl of this run fetched and found (table `source_runs`, view
    `source_health`), whether or not the rest of the run gets through. A crawl that found
    no post where an earlier run found some (no page unchanged to explain it) is failed
    here: its `problem` is set and its crawl state is not kept, so the next run asks for
    its pages again. A source that has failed `operator.failures_before_email` runs in a
    row is emailed to the operator, and told to the operator's channels
    (`operator.notify`), once a streak."""
    from crawlers.state import pending_update
    from warehouse.db import writer
    from warehouse.mail import SmtpSettings
    from warehouse.notifications import mark_notices, send_notices
    from warehouse.source_health import (
        check_streaks,
        no_posts_problem,
        prepare_operator_notices,
        record_runs,
    )

    run_id = run_dir.name
    settings = smtp or SmtpSettings.from_env()
    with writer(db_path) as con:
        for result in results:
            problem = no_posts_problem(con, run_id, result)
            if problem is not None and result.path is not None:
                result.problem = problem
                pending_update(result.path).unlink(missing_ok=True)
                log.warning(f"crawl {result.source_id}: FAILED, {problem}")
                save_crawl_result(result, run_dir)
        record_runs(con, run_id, results)
        healths = check_streaks(con, run_id, results, operator, settings, emails_dir(home))
        notices = prepare_operator_notices(con, operator, healths)
    # The channels' notices go out with the warehouse let go, then are marked.
    send_notices(notices)
    if notices:
        with writer(db_path) as con:
            mark_notices(con, notices, datetime.now(UTC))
    for notice in notices:
        level = logging.WARNING if notice.delivery.failed else logging.INFO
        log.log(level, f"source {notice.delivery.source_id}: {notice.delivery.state}")
    for health in healths:
        if not health.failed:
            continue
        said = f"source {health.source_id}: failed runs in a row: {health.failed_in_a_row}"
        if health.email_problem:
            log.info(f"{said}; {health.email_problem}")
        elif health.emailed_now:
            log.info(f"{said}; operator emailed ({health.email_path})")
        elif health.failed_in_a_row >= operator.failures_before_email and operator.email is None:
            log.info(f"{said}; no operator to email (operator.email in sources.yaml)")
        else:
            log.info(said)
    return healths


# --- select: language and brands ---------------------------------------------------


def select_step(crawl_files: list[Path], brands: BrandsFile, out_path: Path) -> Path:
    """Posts that match a brand, with their language and matched terms, and every post
    of an owned community (sources.yaml `owned: true`), with the netiquette flags it
    raises (nlp/netiquette.py). A post seen twice (the same id on two pages) is kept once.

    Thread context: the posts of a thread about a brand (its title, or its opening post
    when this crawl holds it, matches the brand) are mentions of it too, with
    `match="context"` (nlp/brands.py), unless they match the brand's `exclude` queries or
    the brand has `thread_context: false`. The crawl files are read twice: once to match
    each post and learn what each thread is about, once to give the threads' brands to
    their other posts."""
    from nlp.brands import BrandMatcher, Thread
    from nlp.language import UNKNOWN, detect_language
    from nlp.netiquette import netiquette_flags

    def language(mention: Mention) -> str | None:
        # A post too short to tell keeps the source's configured language, if any.
        detected = detect_language(mention.text, tuple(brands.languages))
        return detected if detected != UNKNOWN or mention.language is None else mention.language

    matcher = BrandMatcher(brands)
    seen: dict[str, Mention] = {}
    threads: dict[tuple[str, str], Thread] = {}
    total = 0
    for path in crawl_files:
        for mention in read_mentions(path):
            total += 1
            if matcher.uses_language:  # a lang: filter needs it before matching
                mention.language = language(mention)
            mention.brands = matcher.match(
                mention.text, mention.title, url=mention.url, author=mention.author,
                lang=mention.language,
            )  # fmt: skip
            if mention.brands or mention.owned:
                seen[mention.mention_id] = mention
            if matcher.uses_thread_context and mention.thread_url:
                key = (mention.source_id, mention.thread_url)
                threads.setdefault(key, Thread(lang=mention.language)).note(mention)
    about: dict[tuple[str, str], dict[str, list[str]]] = {}
    for key, thread in threads.items():
        brands_of = matcher.thread_brands(
            thread.title, thread.opening_brands, url=key[1], lang=thread.lang
        )
        if brands_of:
            about[key] = brands_of
    in_context = 0
    if about:
        for path in crawl_files:
            for mention in read_mentions(path):
                thread_brands = about.get((mention.source_id, mention.thread_url or ""))
                if not thread_brands:
                    continue
                kept = seen.get(mention.mention_id)
                post = kept or mention
                if kept is None:  # it matched no brand itself
                    post.brands = []
                named = {b.brand for b in post.brands}
                wanted = {b: t for b, t in thread_brands.items() if b not in named}
                if not wanted:
                    continue
                if kept is None and matcher.uses_language:
                    post.language = language(post)
                context = matcher.in_context(
                    wanted, post.text, post.title, url=post.url, author=post.author,
                    lang=post.language,
                )  # fmt: skip
                if context:
                    in_context += kept is None
                    post.brands = [*post.brands, *context]
                    seen[post.mention_id] = post
    if not matcher.uses_language:
        for mention in seen.values():
            mention.language = language(mention)
    sites = {b.name: b.sites for b in brands.brands if b.role == "competitor" and b.sites}
    owned_only = 0
    for mention in seen.values():
        if mention.owned:
            mention.netiquette = netiquette_flags(mention.text, competitor_sites=sites)
            owned_only += not mention.brands
    count = write_mentions(out_path, seen.values())
    by_context = f" ({in_context} by their thread only)" if in_context else ""
    owned = f"; {owned_only} more from owned communities, kept for moderation" if owned_only else ""
    log.info(
        f"select: {count - owned_only} of {total} crawled posts mention a brand{by_context}{owned}"
    )
    return out_path


# --- score -------------------------------------------------------------------------


def split_step(in_path: Path, out_dir: Path, size: int) -> list[Path]:
    """The selected mentions in batches of `size` (`out_dir/part-NNNN.jsonl`), one score
    task each, so that scoring spreads over the workers. Parts an earlier try of the same
    run left are replaced."""
    if size < 1:
        raise ValueError(f"batch size {size}: give at least 1")
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("part-*"):
        old.unlink()
    parts: list[Path] = []
    batch: list[Mention] = []

    def flush() -> None:
        parts.append(out_dir / f"part-{len(parts):04d}.jsonl")
        write_mentions(parts[-1], batch)
        batch.clear()

    total = 0
    for mention in read_mentions(in_path):
        total += 1
        batch.append(mention)
        if len(batch) == size:
            flush()
    if batch or not parts:
        flush()  # an empty selection is one empty part: the load still runs
    log.info(f"select: {total} mentions in {len(parts)} batches of at most {size}")
    return parts


def merge_step(parts: list[Path], out_path: Path) -> Path:
    """The scored batches as one file, with their topic vectors, for one load (one
    transaction)."""
    from warehouse.topics import read_topic_vectors, save_topic_vectors, topic_vectors_path

    mentions: list[Mention] = []
    vectors: dict[str, Any] = {}
    for part in sorted(parts):
        mentions += read_mentions(part)
        vectors.update(read_topic_vectors(part))
    write_mentions(out_path, mentions)
    if vectors:
        import numpy as np

        ids = [m.mention_id for m in mentions if m.mention_id in vectors]
        save_topic_vectors(out_path, ids, np.stack([vectors[i] for i in ids]))
    else:  # none from this try's batches: none from an earlier try either
        topic_vectors_path(out_path).unlink(missing_ok=True)
    return out_path


def score_step(in_path: Path, out_path: Path, brands: BrandsFile | None = None) -> Path:
    """Sentiment of every mention, and what it says about each brand it names and about
    each aspect of it (the defaults of nlp/aspects.py, and the brands' own), with the
    model's name and version; moderation flags; the topic vectors, in a file beside the
    output that the load reads (warehouse/topics.py)."""
    from nlp.aspects import AspectFinder
    from nlp.scoring import score_mentions
    from nlp.sentiment import load_sentiment_model
    from warehouse.topics import save_topic_vectors

    mentions = list(read_mentions(in_path))
    model = load_sentiment_model()
    log.info(f"score: {len(mentions)} mentions with {model.name} {model.version}")
    moderation = moderation_heads(model)
    topics = model.gives_topic_vectors
    if not topics:
        log.info(f"topics: none, {model.name} gives no topic vectors")
    vectors = score_mentions(
        mentions,
        model,
        # the model reads each post, and apart the sentences about each brand and aspect
        progress=every(log, "score: texts read (posts, brand and aspect passages) "),
        moderation=moderation,
        topics=topics,
        aspects=AspectFinder({b.name: b.aspects for b in brands.brands} if brands else None),
    )
    write_mentions(out_path, mentions)
    if vectors is not None:
        save_topic_vectors(out_path, [m.mention_id for m in mentions], vectors)
    return out_path


def moderation_heads(model: Any) -> ModerationHeads | None:
    """The moderation heads that read this sentiment model's vectors, or None (said in
    the log: sentiment is scored all the same)."""
    from nlp.moderation import load_moderation

    if not model.gives_vectors:
        log.info(f"moderation: no flags, {model.name} gives no vectors the heads read")
        return None
    try:
        heads = load_moderation(model.version)
    except (FileNotFoundError, ValueError) as err:
        log.info(f"moderation: no flags: {err}")
        return None
    log.info(f"moderation: flags with {heads.name} {heads.version}")
    return heads


# --- load --------------------------------------------------------------------------


def topic_index_factory(brands: BrandsFile | None) -> TopicIndexFactory:
    """The topic index rebuilt from the stored topics, naming topics by what is said,
    never by the brands' names or their queries' words (nlp/topics.py)."""
    from functools import partial

    from nlp.topics import TopicIndex, label_exclusions

    if brands is None:
        return TopicIndex.from_rows
    excluded = label_exclusions(
        [b.name for b in brands.brands], [q for b in brands.brands for q in b.queries]
    )
    return partial(TopicIndex.from_rows, excluded=excluded)


def load_step(
    in_path: Path,
    db_path: Warehouse,
    brands: BrandsFile | None = None,
    *,
    home: Path | None = None,
) -> dict[str, int]:
    """Validate the batch and load it; rows that fail the checks are quarantined. The
    brands (and their competitors, for share of voice) are recorded with it. Each post
    is first made what brands.yaml's `privacy:` allows to keep (veille/privacy.py), with
    the pseudonym keys of the data folder `home` (default: VEILLE_HOME's)."""
    from nlp import duplicates
    from veille.core.home import veille_home
    from veille.privacy import post_privacy
    from warehouse.load import load_mentions

    prepare = None
    if brands is not None or warehouse_exists(db_path):  # without a config, erasures hold
        settings = brands.privacy if brands is not None else PrivacySettings()
        privacy = post_privacy(settings, home or veille_home(), db_path)
        prepare = privacy.prepare if privacy.active else None
    # nlp finds the copies and the topics; the warehouse stores them
    report = load_mentions(
        in_path, db_path, brands, copies=duplicates, topic_index=topic_index_factory(brands),
        prepare=prepare,
    )  # fmt: skip
    withheld = f", {report.withheld} withheld (erasure requests)" if report.withheld else ""
    log.info(
        f"load: {report.inserted} new, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.quarantined} quarantined{withheld} → {db_path}"
    )
    if report.topics is not None:
        log.info(
            f"topics: {report.topics.joined} posts given a topic, {report.topics.founded} new "
            f"topics, {report.topics.pending} posts waiting for one"
        )
    return {
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "quarantined": report.quarantined,
        "withheld": report.withheld,
    }


def privacy_step(db_path: Warehouse, brands: BrandsFile, home: Path) -> dict[str, int]:
    """Retention (brands.yaml `privacy.retention_days`): what is past it loses its text,
    author and URL; returns what was removed, per place (nothing when no retention)."""
    from veille.privacy import apply_retention

    answer = apply_retention(brands.privacy, home, db_path)
    if answer is None:
        return {}
    said = ", ".join(f"{n} {place}" for place, n in answer.counts.items()) or "nothing"
    log.info(f"privacy: retention removed {said}")
    return answer.counts


# --- remember: the crawl state moves forward ---------------------------------------


def remember_step(crawl_files: list[Path], home: Path) -> int:
    """Once the crawled posts are stored (after the load), each crawl's updated state
    becomes its source's, so the next run asks only for what changed. Before this, a
    failed or killed run leaves the state as it was and the next one fetches the same
    pages again (loads are idempotent): no post is lost between crawl and warehouse."""
    from crawlers.state import commit_crawl

    committed = sum(commit_crawl(path, state_dir(home)) for path in crawl_files)
    if committed:
        log.info(f"crawl state: {committed} sources will resume from this run")
    return committed


# --- alert -------------------------------------------------------------------------


def alert_step(
    db_path: Warehouse,
    brands: BrandsFile,
    home: Path,
    *,
    smtp: Any = None,
    as_of: date | None = None,
    lookback_days: int = 3,
) -> list[Delivery]:
    """The alerts of the last `lookback_days` detected, stored and sent (see
    warehouse.alerts.step.run_alerts), their emails saved under the data folder."""
    from warehouse.alerts.step import run_alerts

    return run_alerts(
        db_path, brands, emails_dir(home), smtp=smtp, as_of=as_of,
        lookback_days=lookback_days,
    )  # fmt: skip


def report_step(
    db_path: Warehouse, brands: BrandsFile, home: Path, *, smtp: Any = None
) -> list[ReportDelivery]:
    """The morning reports brands.yaml asks for, made once a day and emailed (see
    warehouse.report.email_reports), kept under the data folder."""
    from warehouse.report import email_reports

    return email_reports(db_path, brands, reports_dir(home), emails_dir(home), smtp=smtp)


# --- the whole run -----------------------------------------------------------------


@dataclass
class RunReport:
    run_dir: Path
    db_path: Warehouse
    crawls: list[CrawlResult] = field(default_factory=list)
    load: dict[str, int] = field(default_factory=dict)
    alerts: list[Delivery] = field(default_factory=list)
    reports: list[ReportDelivery] = field(default_factory=list)
    health: list[SourceHealth] = field(default_factory=list)
    privacy: dict[str, int] = field(default_factory=dict)  # what retention removed

    @property
    def complete(self) -> bool:
        """Every source crawled and every alert's and report's email and every channel's
        message out (or waiting for its digest): otherwise `veille run` exits 3."""
        return (
            all(r.ok for r in self.crawls)
            and not any(a.failed for a in self.alerts)
            and not any(r.failed for r in self.reports)
            and not any(h.told_in_part for h in self.health)
        )


def run_pipeline(
    config: Config, home: Path, *, smtp: Any = None, warehouse: Warehouse | None = None
) -> RunReport:
    """Every step, in one process (the crawls in subprocesses, one at a time), into
    `warehouse` (default: VEILLE_WAREHOUSE's DuckLake, else the data folder's file)."""
    run_dir = new_run_dir(home)
    db_path = warehouse or warehouse_location(home)
    report = RunReport(run_dir=run_dir, db_path=db_path)
    contact = config.sources.user_agent_contact
    for source in config.sources.sources:
        report.crawls.append(crawl_step(source, run_dir, contact, home))
    # Recorded before the rest: a run stopped later (a busy warehouse, a kill) still
    # counts in each source's health.
    report.health = source_health_step(
        report.crawls, run_dir, db_path, config.sources.operator, home, smtp=smtp
    )
    # A failed source whose crawl still found posts (most pages failed, not all) has
    # them stored; its crawl state is not kept (crawlers/run.py).
    crawled = crawled_files(run_dir)
    if crawled:
        selected = select_step(crawled, config.brands, run_dir / "mentions.jsonl")
        scored = score_step(selected, run_dir / "scored.jsonl", config.brands)
        report.load = load_step(scored, db_path, config.brands, home=home)
        remember_step(crawled, home)
    else:
        log.info(
            f"no source could be crawled: nothing to load; see the logs in {run_dir / 'crawl'}"
        )
    if warehouse_exists(db_path):  # alerts left pending by an earlier run still go out
        report.privacy = privacy_step(db_path, config.brands, home)
        report.alerts = alert_step(db_path, config.brands, home, smtp=smtp)
        report.reports = report_step(db_path, config.brands, home, smtp=smtp)
    (run_dir / "report.json").write_text(
        json.dumps(
            {
                "crawls": [
                    {
                        "source": r.source_id,
                        "posts": r.posts,
                        "posts_without_date": r.posts_without_date,
                        "pages": r.pages,
                        "pages_fetched": r.fetched,
                        "pages_unchanged": r.unchanged,
                        "pages_failed": r.failed,
                        "problem": r.problem,
                        "log": str(r.log_path) if r.log_path else None,
                    }
                    for r in report.crawls
                ],
                "failed_sources": [
                    {
                        "source": h.source_id,
                        "problem": h.problem,
                        "failed_in_a_row": h.failed_in_a_row,
                        "operator_emailed": h.emailed,
                        "email_problem": h.email_problem,
                        "channels": [c.state for c in h.channels],
                    }
                    for h in report.health
                    if h.failed
                ],
                "load": report.load,
                "alerts": [a.summary for a in report.alerts],
                "reports": [
                    {
                        "brand": r.brand,
                        "day": r.day.isoformat(),
                        "sent": r.sent,
                        "problem": r.problem,
                    }
                    for r in report.reports
                ],
            },
            indent=1,
        )
    )
    return report


def iter_summary(db_path: Warehouse, report: RunReport) -> Iterator[str]:
    """The lines a community manager reads at the end of a run: what this run added,
    then the warehouse as it stands."""
    load = report.load
    if load:
        yield (
            f"This run: {load.get('inserted', 0)} new posts, {load.get('updated', 0)} "
            f"updated, {load.get('unchanged', 0)} unchanged, {load.get('quarantined', 0)} "
            f"quarantined; {len(report.alerts)} alerts"
        )
    else:
        yield "This run: nothing loaded"
    if warehouse_exists(db_path):
        yield from _warehouse_summary(db_path)
    else:
        yield "Warehouse: none yet, nothing was loaded"
    failed = [r for r in report.crawls if not r.ok]
    health = {h.source_id: h for h in report.health}
    for result in failed:
        yield f"Source {result.source_id} failed: {result.problem}"
        if (h := health.get(result.source_id)) is not None:
            kept = f"; its {result.posts} posts were stored" if result.posts else ""
            yield f"  failed runs in a row: {h.failed_in_a_row} (view source_health){kept}"
            if h.email_problem:
                yield f"  {h.email_problem}"
            elif h.emailed_now:
                yield f"  operator emailed: {h.email_path}"
            for channel in h.channels:
                yield f"  {channel.state}"
    if report.alerts:
        yield "Alerts:"
        for alert in report.alerts:
            yield f"  {alert.summary} [{alert.state}]"
            if alert.email_path:
                yield f"    email: {alert.email_path}"
            for channel in alert.channels:
                yield f"    {channel.state}"
    else:
        yield "Alerts: none"
    yield f"Warehouse: {db_path}"
    yield f"Run files: {report.run_dir}"


def _warehouse_summary(db_path: Warehouse) -> Iterator[str]:
    from warehouse.db import connect

    con = connect(db_path, read_only=True)
    try:
        stored = con.execute("SELECT count(*) FROM mentions").fetchone()
        if not stored or not stored[0]:
            # Every run records its sources' health: the file may hold nothing else yet.
            yield "Warehouse: no mention stored yet, nothing was loaded"
            return
        yield "Mentions per brand and source:"
        for brand, source, count in con.execute(
            "SELECT brand, source_id, count(*) FROM brand_mentions GROUP BY ALL ORDER BY 1, 2"
        ).fetchall():
            yield f"  {brand:<12} {source:<16} {count:>5}"
        yield "What the posts say about each brand (negative / neutral / positive):"
        for brand, neg, neu, pos in con.execute(
            "SELECT brand, count(*) FILTER (WHERE sentiment = 'negative'), "
            "count(*) FILTER (WHERE sentiment = 'neutral'), "
            "count(*) FILTER (WHERE sentiment = 'positive') "
            "FROM brand_mentions GROUP BY 1 ORDER BY 1"
        ).fetchall():
            yield f"  {brand:<12} {neg:>4} / {neu:>4} / {pos:>4}"
        authors = con.execute(
            "SELECT count(DISTINCT author), count(DISTINCT author) FILTER "
            "(WHERE starts_with(author, 'author-')), min(author) FILTER "
            "(WHERE starts_with(author, 'author-')) FROM mentions"
        ).fetchone()
        if authors and authors[0]:
            kept = (
                f"pseudonymised (e.g. {authors[2]}; docs/privacy.md)"
                if authors[1] == authors[0]
                else "as the sites show them"
                if not authors[1]
                else f"{authors[1]} of them pseudonymised"
            )
            yield f"Authors: {authors[0]}, {kept}"
        quarantined = con.execute("SELECT count(*) FROM quarantine").fetchone()
        yield f"Quarantined records: {quarantined[0] if quarantined else 0}"
        flagged = con.execute("SELECT count(*) FROM moderation_queue").fetchone()
        flagged_count = flagged[0] if flagged else 0
        yield f"Posts flagged for moderation: {flagged_count} (view moderation_queue)"
        newest = con.execute("SELECT max(day) FROM reputation_index").fetchone()
        last_day = newest[0] if newest else None
        yield (
            f"Reputation index (0-100, the 7 days to {last_day}; 50 = as many positive as "
            "negative posts):"
        )
        today = datetime.now(UTC).date()
        if last_day is not None and last_day < today:
            # the index of the newest posts, not of this week: say how old it is
            yield f"  (no post since {last_day}: {(today - last_day).days} days ago)"
        for brand, index, change in con.execute(
            "SELECT brand, reputation_index, change_7d FROM reputation_index "
            "WHERE day = ? ORDER BY brand",
            [last_day],
        ).fetchall():
            moved = f" ({change:+.0f} in a week)" if change is not None else ""
            yield f"  {brand:<12} {index:>5.0f}{moved}"
    finally:
        con.close()
