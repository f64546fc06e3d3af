"""Main-content extraction of `veille extract` next to plain trafilatura, in the same run.

Data: ../shared/data/web/pages_eval, trafilatura's own evaluation set (81 saved pages,
English, German and French; blogs, news, a few forums). Each entry of evaldata.json lists
`with` snippets (main content that must be in the text), `without` snippets (boilerplate
that must not be), reader `comments` apart, and title, author and date when known.

Scoring reproduces trafilatura's benchmark (tests/evaluate.py and tests/eval_common.py,
`count_item`): whitespace-normalised substring matching on both sides; on a page, a
`with` snippet found is a true positive and one missing a false negative, a `without`
snippet found is a false positive and one absent a true negative; an empty output, or one
that raised, finds nothing. Counts are summed over all pages, then precision = tp/(tp+fp),
recall = tp/(tp+fn), F1 = 2tp/(2tp+fp+fn), accuracy = (tp+tn)/(tp+fp+fn+tn).

Which text is compared: the main text. The `with` snippets are main content, the eval
lists comments apart, and trafilatura's benchmark runs with include_comments=False; Veille
keeps comments out of `text` too (they are `posts`, extracted by the engine presets). So
the first table puts Veille's `text` next to trafilatura with include_comments=False in
each setting (balanced, favor_precision, favor_recall, fast = no readability/justext
fallback, which `no_fallback` also means), plus trafilatura's all-defaults call
(include_comments=True) and its bare baselines for reference. The second table is fair to
both ways of handling comments: everything each tool outputs (Veille's text and posts,
trafilatura with include_comments=True) against `with`/`without`, and how many of the
`comments` snippets it finds.

Metadata: on the pages whose entry has the field, the share that Veille
(`extract_page`) and trafilatura (`bare_extraction(with_metadata=True)`) get right: title
and author equal after whitespace normalisation and casefolding (trafilatura's
eval_authors.py compares authors with ==), date on the same day.

Time: wall time of the extraction call, mean per page. Veille's includes its metadata,
engine detection and posts, and runs trafilatura twice (see crawlers/extract/page.py).

Held out: a second corpus, Mozilla Readability's test pages, scored on words (mean over
pages of bag-of-words precision, recall and F1 against Readability's expected.html). Its
gold is Readability's own output, so it keeps some boilerplate: it only checks that the
changes tuned on pages_eval cost nothing elsewhere.

    .venv/bin/python bench/extraction.py [--data DIR] [--heldout DIR] [--misses NAME]
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import trafilatura
from lxml import html as lxml_html

from crawlers.extract.evaluation import Page, Tally, count, load_pages, norm
from crawlers.extract.page import PageExtraction, extract_page

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "web"
VEILLE = "veille extract"
# trafilatura's canonical evaluation options (tests/eval_common.py: EXTRACT_OPTS).
CANONICAL: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "include_formatting": False,
}
WITH_COMMENTS = {**CANONICAL, "include_comments": True}
Extractor = Callable[[bytes, str], str]


def _trafilatura(options: dict[str, Any]) -> Extractor:
    def run(html: bytes, url: str) -> str:
        return trafilatura.extract(html, url=url, **options) or ""

    return run


def _baseline(html: bytes, url: str) -> str:
    return str(trafilatura.baseline(html)[1])


def _html2txt(html: bytes, url: str) -> str:
    return str(trafilatura.html2txt(html))


# name -> (extractor, whether it keeps comments in its text)
MAIN_TEXT: dict[str, tuple[Extractor, bool]] = {
    "trafilatura": (_trafilatura(CANONICAL), False),
    "trafilatura fast": (_trafilatura({**CANONICAL, "fast": True}), False),
    "trafilatura precision": (_trafilatura({**CANONICAL, "favor_precision": True}), False),
    "trafilatura precision fast": (
        _trafilatura({**CANONICAL, "favor_precision": True, "fast": True}),
        False,
    ),
    "trafilatura recall": (_trafilatura({**CANONICAL, "favor_recall": True}), False),
    "trafilatura recall fast": (
        _trafilatura({**CANONICAL, "favor_recall": True, "fast": True}),
        False,
    ),
    # include_comments=True is trafilatura's default: the same as WITH_COMMENTS.
    "trafilatura all defaults": (_trafilatura({}), True),
    "trafilatura comments precision": (
        _trafilatura({**WITH_COMMENTS, "favor_precision": True}),
        True,
    ),
    "trafilatura comments recall": (
        _trafilatura({**WITH_COMMENTS, "favor_recall": True}),
        True,
    ),
    "baseline (reference)": (_baseline, False),
    "html2txt (everything)": (_html2txt, True),
}


HEADER = (
    f"{'extractor':<32} {'tp':>4} {'fp':>4} {'fn':>4} {'tn':>4}  {'prec.':<5}  {'rec.':<5}  "
    f"{'F1':<5}  {'acc.':<5}  {'empty':>5} {'errors':>6}  {'ms/page':>7}"
)


def row(tally: Tally, name: str, note: str = "") -> str:
    ms = 1000 * tally.seconds / tally.pages if tally.pages else 0.0
    return (
        f"{name:<32} {tally.tp:>4} {tally.fp:>4} {tally.fn:>4} {tally.tn:>4}  "
        f"{tally.precision:.3f}  {tally.recall:.3f}  {tally.f1:.3f}  {tally.accuracy:.3f}  "
        f"{tally.empty:>5} {tally.errors:>6}  {ms:>6.1f}  {note}"
    ).rstrip()


def timed(run: Callable[[], Any], tally: Tally) -> Any:
    started = time.perf_counter()
    try:
        return run()
    except Exception:  # a crash finds nothing, as in trafilatura's benchmark
        tally.errors += 1
        return None
    finally:
        tally.seconds += time.perf_counter() - started
        tally.pages += 1


def main_text(page: PageExtraction | None) -> str:
    return page.text if page else ""


def posts_text(page: PageExtraction | None) -> str:
    return "\n".join(post.text for post in page.posts) if page else ""


def same_text(found: str | None, expected: str) -> bool:
    return bool(found) and norm(str(found)).casefold() == norm(expected).casefold()


def same_day(found: str | None, expected: str) -> bool:
    return bool(found) and str(found)[:10] == expected[:10]


def main_text_table(
    pages: list[Page], veille: dict[str, PageExtraction | None], veille_tally: Tally
) -> dict[str, Tally]:
    tallies = {VEILLE: veille_tally}
    for page in pages:
        result = veille[page.url]
        text = result.text if result else ""
        veille_tally.empty += not text
        veille_tally.add(count(page.item, text))
    for name, (extractor, _) in MAIN_TEXT.items():
        tally = tallies.setdefault(name, Tally())
        for page in pages:
            text = timed(partial(extractor, page.html, page.url), tally)
            tally.empty += not text
            tally.add(count(page.item, text))
    return tallies


def comments_table(pages: list[Page], veille: dict[str, PageExtraction | None]) -> None:
    """Everything each tool outputs, comments included, and the share of `comments`
    snippets it finds."""
    outputs: dict[str, Callable[[Page], str]] = {
        "veille text + posts": lambda p: (
            main_text(veille[p.url]) + "\n" + posts_text(veille[p.url])
        ),
        "veille posts only": lambda p: posts_text(veille[p.url]),
    }
    for name in (
        "trafilatura all defaults",
        "trafilatura comments precision",
        "trafilatura comments recall",
    ):
        outputs[name] = partial(_run_on_page, MAIN_TEXT[name][0])
    with_comments = [p for p in pages if p.item.get("comments")]
    total = sum(len(p.item["comments"]) for p in with_comments)
    print(
        f"\nText and comments together (with/without as above; comments: `comments` snippets "
        f"found, {total} on {len(with_comments)} pages)"
    )
    print(f"{'output':<32} {'prec.':<5}  {'rec.':<5}  {'F1':<5}  comments")
    for name, output in outputs.items():
        tally = Tally()
        found = 0
        for page in pages:
            try:
                text = output(page)
            except Exception:
                text = ""
            tally.add(count(page.item, text))
            found += _comments_found(page, text)
        print(
            f"{name:<32} {tally.precision:.3f}  {tally.recall:.3f}  {tally.f1:.3f}  {found}/{total}"
        )
    leaks = sum(_comments_found(page, main_text(veille[page.url])) for page in pages)
    print(f"`comments` snippets inside Veille's main text: {leaks}/{total}")


def _run_on_page(extractor: Extractor, page: Page) -> str:
    return extractor(page.html, page.url)


def _comments_found(page: Page, text: str) -> int:
    flat = norm(text)
    return sum(1 for snippet in page.item.get("comments", []) if norm(snippet) in flat)


def metadata_table(pages: list[Page], veille: dict[str, PageExtraction | None]) -> None:
    scores: dict[str, dict[str, list[bool]]] = {
        field: {"veille": [], "trafilatura": []} for field in ("title", "author", "date")
    }
    for page in pages:
        ours = veille[page.url]
        try:
            theirs = trafilatura.bare_extraction(
                page.html, url=page.url, with_metadata=True, **CANONICAL
            )
        except Exception:
            theirs = None
        got = {
            "veille": {
                "title": ours.title if ours else None,
                "author": ours.author if ours else None,
                "date": ours.published_at.date().isoformat()
                if ours and ours.published_at
                else None,
            },
            "trafilatura": {
                "title": getattr(theirs, "title", None),
                "author": getattr(theirs, "author", None),
                "date": getattr(theirs, "date", None),
            },
        }
        for field, by_tool in scores.items():
            expected = page.item.get(field)
            if not expected:
                continue
            match = same_day if field == "date" else same_text
            for tool, results in by_tool.items():
                results.append(match(got[tool][field], expected))
    print("\nMetadata (exact after whitespace and case; date on the day)")
    print(f"{'field':<8} {'pages':>5}  {'veille':>7}  {'trafilatura':>11}")
    for field, by_tool in scores.items():
        n = len(by_tool["veille"])
        share_veille, share_trafilatura = (sum(r) / n if n else 0.0 for r in by_tool.values())
        print(f"{field:<8} {n:>5}  {share_veille:>7.3f}  {share_trafilatura:>11.3f}")


def by_language(pages: list[Page], veille: dict[str, PageExtraction | None], best: str) -> None:
    extractor = MAIN_TEXT[best][0]
    languages = sorted({p.item.get("lang", "?") for p in pages})
    print(f"\nF1 by language: Veille / {best}")
    for language in languages:
        ours, theirs = Tally(), Tally()
        subset = [p for p in pages if p.item.get("lang", "?") == language]
        for page in subset:
            result = veille[page.url]
            ours.add(count(page.item, result.text if result else ""))
            theirs.add(count(page.item, extractor(page.html, page.url)))
        print(f"{language:<4} {len(subset):>3} pages  {ours.f1:.3f} / {theirs.f1:.3f}")


def show_misses(pages: list[Page], veille: dict[str, PageExtraction | None], name: str) -> None:
    print(f"\nMisses of {name}: `with` snippets not found (-), `without` snippets found (+)")
    for page in pages:
        if name == VEILLE:
            result = veille[page.url]
            text = result.text if result else ""
        else:
            text = MAIN_TEXT[name][0](page.html, page.url)
        flat = norm(text)
        missed = [s for s in page.item["with"] if norm(s) not in flat]
        leaked = [s for s in page.item["without"] if norm(s) in flat]
        if missed or leaked:
            print(page.item["file"])
            for snippet in missed:
                print(f"  - {snippet[:90]}")
            for snippet in leaked:
                print(f"  + {snippet[:90]}")


def words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.lower()))


def heldout_table(folder: Path) -> None:
    cases = sorted(p for p in folder.iterdir() if (p / "expected.html").is_file())
    runs: dict[str, Extractor] = {
        VEILLE: lambda html, url: extract_page(html, url).text,
        "trafilatura": MAIN_TEXT["trafilatura"][0],
        "trafilatura precision": MAIN_TEXT["trafilatura precision"][0],
        "trafilatura recall": MAIN_TEXT["trafilatura recall"][0],
    }
    print(
        f"\nHeld out: {folder.name}, {len(cases)} pages, words against Readability's "
        "expected output (mean per page)"
    )
    print(f"{'extractor':<32} {'prec.':<5}  {'rec.':<5}  F1")
    golds = [
        words(lxml_html.fromstring((c / "expected.html").read_bytes()).text_content())
        for c in cases
    ]
    sources = [(c / "source.html").read_bytes() for c in cases]
    for name, run in runs.items():
        precision = recall = f1 = 0.0
        for case, gold, html in zip(cases, golds, sources, strict=True):
            try:
                found = words(run(html, f"https://readability.invalid/{case.name}/"))
            except Exception:
                found = Counter()
            overlap = sum((found & gold).values())
            p = overlap / sum(found.values()) if found else 0.0
            r = overlap / sum(gold.values()) if gold else 0.0
            precision, recall = precision + p, recall + r
            f1 += 2 * p * r / (p + r) if p + r else 0.0
        n = len(cases)
        print(f"{name:<32} {precision / n:.3f}  {recall / n:.3f}  {f1 / n:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=SHARED / "pages_eval")
    parser.add_argument("--heldout", type=Path, default=SHARED / "readability_testpages")
    parser.add_argument(
        "--misses", metavar="NAME", help=f"list one extractor's misses ({VEILLE!r}, …)"
    )
    args = parser.parse_args()

    pages = load_pages(args.data)
    warm = b"<html><body><article><p>Warm-up page, not timed.</p></article></body></html>"
    extract_page(warm, "https://warm.invalid/")
    for extractor, _ in MAIN_TEXT.values():
        extractor(warm, "https://warm.invalid/")
    print(
        f"trafilatura {trafilatura.__version__}; {len(pages)} pages from {args.data}; "
        f"{sum(len(p.item['with']) for p in pages)} `with` and "
        f"{sum(len(p.item['without']) for p in pages)} `without` snippets"
    )

    veille_tally = Tally()
    veille: dict[str, PageExtraction | None] = {}
    for page in pages:
        veille[page.url] = timed(partial(extract_page, page.html, page.url), veille_tally)
    tallies = main_text_table(pages, veille, veille_tally)

    trafilatura_rows = [n for n in MAIN_TEXT if n.startswith("trafilatura")]
    best = max(trafilatura_rows, key=lambda n: (tallies[n].f1, tallies[n].precision))
    print("\nMain text (comments kept out on both sides unless the row says so)")
    print(HEADER)
    for name, tally in tallies.items():
        keeps_comments = name != VEILLE and MAIN_TEXT[name][1]
        note = "keeps comments" if keeps_comments else ""
        note += "  <- best trafilatura" if name == best else ""
        print(row(tally, name, note.strip()))
    ours, theirs = tallies[VEILLE], tallies[best]
    print(
        f"Veille - best trafilatura ({best}): F1 {ours.f1 - theirs.f1:+.3f}, "
        f"precision {ours.precision - theirs.precision:+.3f}, "
        f"recall {ours.recall - theirs.recall:+.3f}"
    )

    by_language(pages, veille, best)
    comments_table(pages, veille)
    metadata_table(pages, veille)
    if args.heldout.is_dir():
        heldout_table(args.heldout)
    if args.misses:
        show_misses(pages, veille, args.misses)


if __name__ == "__main__":
    main()
