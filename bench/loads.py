"""Warehouse loads and views at scale: generated mentions into a real DuckDB file.

    .venv/bin/python bench/loads.py [--sizes 100000,1000000] [--batch 100000]

For each size, in a fresh process (so its peak memory is its own), into an empty
warehouse in a temporary folder:

1. Generates that many scored mentions, written as JSON lines batch files of --batch
   mentions, as the pipeline's score step writes them: 20 brands (5 monitored, each with
   3 competitors), 60 sources, 8,000 authors, two years of posts, 1 or 2 brands and 1 or
   2 of 40 topics per post, 3% copies of an earlier post under another URL.
2. Loads the batches one after the other with `warehouse.load.load_mentions` (given nlp's
   finder of copies and topic index, as veille/pipeline.py load_step gives them), as runs
   do: parse, Great Expectations checks, one transaction per batch with
   `MERGE INTO` on each table's key. Prints rows/s for the first batch (empty warehouse), for the
   last (full warehouse) and overall, with the share of the time spent in the checks.
3. Baseline, same run, same rows: a bare `INSERT INTO … SELECT` of the whole table from
   pandas frames into a fresh file, without checks or conflict handling: the ceiling.
4. Re-loads the last batch: it must report 0 new and 0 updated.
5. Times each view, materialised whole (`CREATE TEMP TABLE … AS SELECT * FROM view`),
   and a typical analyst query on it (one brand, last 30 days).

Prints the process's peak RSS (VmHWM) per size. With both sizes this takes about 10
minutes on 2 cores; the 1M size needs about 1.5 GB of free disk (batch files, the
warehouse and the baseline's) and 3.5 GB of memory.
"""

from __future__ import annotations

import argparse
import multiprocessing
import queue as queues
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from veille.core.config import BrandsFile
from veille.core.record import BrandMatch, Mention, write_mentions

WORDS = (  # noqa: SIM905
    "box fibre débit panne réseau appli forfait support client facture mobile "
    "internet connexion lenteur coupure installation technicien offre prix abonnement "
    "service wifi routeur signal 5G 4G couverture remboursement attente conseiller "
    "mise à jour the great slow outage bill plan price coverage help router signal "
    "speed app update"
).split()
SENTIMENTS = ("negative", "neutral", "positive")
PROBABILITIES = {
    "negative": {"negative": 0.8, "neutral": 0.15, "positive": 0.05},
    "neutral": {"negative": 0.1, "neutral": 0.8, "positive": 0.1},
    "positive": {"negative": 0.05, "neutral": 0.15, "positive": 0.8},
}


def brands() -> BrandsFile:
    entries: list[dict[str, Any]] = []
    for b in range(5):
        competitors = [f"Rival{b}{c}" for c in range(3)]
        entries.append({"name": f"Brand{b}", "queries": [f"Brand{b}"], "competitors": competitors})
        entries += [{"name": c, "role": "competitor", "queries": [c]} for c in competitors]
    return BrandsFile.model_validate({"brands": entries})


def generate(n: int, batch: int, folder: Path, seed: int = 0) -> list[Path]:
    rng = random.Random(seed)
    names = [b.name for b in brands().brands]
    now = datetime.now(UTC).replace(microsecond=0)
    files: list[Path] = []
    chunk: list[Mention] = []
    texts: list[str] = []
    for i in range(n):
        source = rng.randrange(60)
        if texts and rng.random() < 0.03:
            text = rng.choice(texts)  # a copy of an earlier post, elsewhere
        else:
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 80)))
            if len(texts) < 5000:
                texts.append(text)
        sentiment = rng.choices(SENTIMENTS, weights=(3, 4, 3))[0]
        probabilities = PROBABILITIES[sentiment]
        score = probabilities["positive"] - probabilities["negative"]
        named = rng.sample(names, rng.choice((1, 1, 1, 2)))
        thread = rng.randrange(20_000)
        chunk.append(
            Mention(
                mention_id=f"{i:012x}",
                source_id=f"source-{source}",
                source_kind="forum" if source % 3 else "blog",
                url=f"https://site{source}.example/t/{thread}?page={i % 5}",
                thread_url=f"https://site{source}.example/t/{thread}",
                thread_title=f"Sujet {thread}",
                text=text,
                crawled_at=now,
                position=i % 40,
                post_id=str(i),
                author=f"user{rng.randrange(8000)}",
                published_at=now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60)),
                language=rng.choice(("fr", "fr", "en")),
                brands=[BrandMatch(b, [b], sentiment, score, probabilities) for b in named],
                sentiment=sentiment,
                sentiment_score=score,
                probabilities=probabilities,
                model_name="bench-model",
                model_version="1",
                topics=[f"topic{rng.randrange(40)}" for _ in range(rng.choice((1, 2)))],
            )
        )
        if len(chunk) == batch or i == n - 1:
            path = folder / f"batch-{len(files):03d}.jsonl"
            write_mentions(path, chunk)
            files.append(path)
            chunk = []
    return files


def typical_query(con: Any, view: str, last_day: Any) -> str:
    """An analyst's everyday question to `view`: one brand, the last 30 days (where the
    view has a brand or days)."""
    columns = {r[0] for r in con.execute(f"DESCRIBE {view}").fetchall()}
    where = ["brand = 'Brand0'"] if "brand" in columns else []
    for day in ("day", "week"):
        if day in columns and last_day is not None:
            where.append(f"{day} >= DATE '{last_day}' - INTERVAL 30 DAY")
            break
    return f"SELECT * FROM {view}" + (" WHERE " + " AND ".join(where) if where else "")


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_size(n: int, batch: int, queue: Any) -> None:
    import warehouse.load as load_module
    from nlp import duplicates
    from nlp.topics import TopicIndex
    from warehouse.db import connect
    from warehouse.load import mention_frame
    from warehouse.migrations import VIEWS_DIR

    def load_mentions(path: Path, db: Path, config: Any) -> Any:
        # as the pipeline loads (veille/pipeline.py load_step): nlp finds copies and topics
        return load_module.load_mentions(
            path, db, config, copies=duplicates, topic_index=TopicIndex.from_rows
        )

    out: list[str] = []

    def say(line: str) -> None:
        out.append(line)
        print(line, flush=True)

    with tempfile.TemporaryDirectory(prefix="veille-bench-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        files = generate(n, batch, folder)
        say(f"\n== {n:,} mentions: generated {len(files)} batch files in "
            f"{time.perf_counter() - started:.0f} s")  # fmt: skip

        # Time spent in the Great Expectations checks, measured around the real function.
        real_validate = load_module.validate_mentions
        checks = [0.0]

        def timed_validate(*args: Any, **kwargs: Any) -> Any:
            begun = time.perf_counter()
            try:
                return real_validate(*args, **kwargs)
            finally:
                checks[0] += time.perf_counter() - begun

        load_module.validate_mentions = timed_validate
        db = folder / "veille.duckdb"
        config = brands()
        per_batch = []
        total_started = time.perf_counter()
        for path in files:
            begun = time.perf_counter()
            report = load_mentions(path, db, config)
            per_batch.append((report.inserted, time.perf_counter() - begun))
        total = time.perf_counter() - total_started
        rows = sum(r for r, _ in per_batch)
        say(f"load: {rows:,} rows in {total:.1f} s = {rows / total:,.0f} rows/s overall; "
            f"first batch {per_batch[0][0] / per_batch[0][1]:,.0f} rows/s, "
            f"last batch {per_batch[-1][0] / per_batch[-1][1]:,.0f} rows/s; "
            f"checks {100 * checks[0] / total:.0f}% of the time")  # fmt: skip

        again = load_mentions(files[-1], db, config)
        say(f"re-load of the last batch: {again.inserted} new, {again.updated} updated, "
            f"{again.unchanged:,} unchanged")  # fmt: skip

        # Baseline: the same rows, bare INSERT from pandas, no checks, no conflicts.
        from veille.core.record import read_mentions

        bare = connect(folder / "bare.duckdb")
        begun = time.perf_counter()
        for i, path in enumerate(files):
            frame = mention_frame(list(read_mentions(path)))
            bare.register("frame", frame)
            if i == 0:
                bare.execute("CREATE TABLE mentions AS SELECT * FROM frame")
            else:
                bare.execute("INSERT INTO mentions SELECT * FROM frame")
            bare.unregister("frame")
        bare_s = time.perf_counter() - begun
        bare.close()
        say(f"baseline, bare INSERT of the same rows (parse included): {bare_s:.1f} s = "
            f"{rows / bare_s:,.0f} rows/s")  # fmt: skip

        con = connect(db)
        say(f"{'view':<24} {'rows':>10} {'whole (s)':>10} {'one brand, 30 days (s)':>23}")
        last_day = con.execute("SELECT max(day) FROM brand_mentions").fetchone()
        assert last_day is not None
        for path in sorted(VIEWS_DIR.glob("*.sql")):
            view = path.stem.split("_", 1)[1]
            begun = time.perf_counter()
            con.execute(f"CREATE OR REPLACE TEMP TABLE t AS SELECT * FROM {view}")
            whole = time.perf_counter() - begun
            count = con.execute("SELECT count(*) FROM t").fetchone()
            begun = time.perf_counter()
            con.execute(typical_query(con, view, last_day[0])).fetchall()
            typical = time.perf_counter() - begun
            say(f"{view:<24} {count[0] if count else 0:>10,} {whole:>10.2f} {typical:>23.2f}")
        con.close()
        size = db.stat().st_size / 2**20
    say(f"warehouse file {size:,.0f} MiB; peak RSS {peak_rss_mb():,.0f} MB")
    queue.put(out)


def in_fresh_process(what: str, target: Any, args: tuple[Any, ...]) -> None:
    """`target(*args, queue)` in a new process, so that its peak memory is its own; it
    puts its lines on the queue when done."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    worker = context.Process(target=target, args=(*args, queue))
    worker.start()
    while True:
        try:
            queue.get(timeout=1)
            break
        except queues.Empty:
            if not worker.is_alive():
                sys.exit(f"{what} failed (exit code {worker.exitcode})")
    worker.join()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--batch", type=int, default=100_000, help="mentions per batch file")
    args = parser.parse_args()
    for n in (int(s) for s in args.sizes.split(",")):
        in_fresh_process(f"the {n:,} mentions run", run_size, (n, args.batch))


if __name__ == "__main__":
    main()
