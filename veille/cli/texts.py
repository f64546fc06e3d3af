"""`veille score`, `veille extract`, `veille match`: commands on a file of texts or a saved page."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from veille.checks import load_checked_model
from veille.cli.common import UsageError
from veille.core.config import BrandsFile
from veille.core.jsonl import JsonlError, numbered_rows

log = logging.getLogger(__name__)


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        yield from numbered_rows(path)
    except JsonlError as err:
        raise UsageError(str(err)) from err


def _texts(path: Path) -> list[dict[str, Any]]:
    records = []
    for line_no, record in _read_jsonl(path):
        if not isinstance(record.get("text"), str):
            raise UsageError(f'{path}:{line_no}: each line needs a "text" string')
        records.append(record)
    return records


def cmd_score(args: argparse.Namespace) -> int:
    from nlp.scoring import score_texts
    from nlp.sentiment import load_sentiment_model
    from veille.core.progress import every

    records = _texts(args.input)
    model = load_sentiment_model()
    log.info(f"scoring {len(records)} texts from {args.input} with {model.name} {model.version}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8") as out:
        for scored in score_texts(records, model, progress=every(log, "score: ")):
            out.write(json.dumps(scored, ensure_ascii=False) + "\n")
    log.info(f"wrote {len(records)} lines to {args.output}")
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from crawlers.extract.page import ExtractionError
    from crawlers.extract.preset_spec import PresetError
    from crawlers.extract.xpath import SelectorError
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
    except (ExtractionError, PresetError, SelectorError) as err:
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


def register(commands: Any) -> None:
    """score, extract and match, in the order `veille --help` lists them."""
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
