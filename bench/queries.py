"""Brand-query matching speed: 20 brands with realistic Boolean queries over real posts.

Posts: every text of ../shared/data/sentiment and ../shared/data/sentiment_train
(French and English reviews, tweets, Reddit comments), with a URL and a language so
that field filters have something to test. Brands: 20 French and international brands
written as a community manager writes them (generic names made case-sensitive and given
context, exclusions, NEAR, wildcards, a site: and a lang: filter).

Measured in one run: compiling the queries, then mentions per second for
- veille: `nlp.brands.BrandMatcher`, all 20 brands on each post;
- keywords: the brands' plain names as one whole-word regular expression each (what
  a keyword alert does, and what Veille did before Boolean queries), the floor the
  Boolean features cost against.

    .venv/bin/python bench/queries.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from nlp.brands import BrandMatcher
from nlp.query import fold
from veille.core.config import BrandsFile

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"

BRANDS = [
    (
        "Orange",
        [
            "{Orange} AND (forfait* OR box OR Livebox OR fibre OR réseau OR 4G OR 5G OR "
            "opérateur OR boutique OR abonnement)",
            "Livebox OR site:orange.fr",
        ],
        ['"orange mécanique"', "jus", "agrume*"],
    ),
    ("Free", ["{Free} NEAR/4 (box OR Freebox OR forfait OR mobile OR fibre)", "Freebox"], []),
    ("SFR", ["SFR", "{Red} NEAR/2 SFR"], []),
    ("Bouygues Telecom", ['"Bouygues Telecom" OR Bbox OR {B&You}'], ['"Bouygues Construction"']),
    ("Sosh", ["{Sosh}"], []),
    (
        "Apple",
        ["{Apple} -pie -tarte -juice", "iPhone* OR iPad* OR MacBook* OR AirPods"],
        ['"Apple Records"'],
    ),
    ("Google", ["Google OR Gmail OR {Pixel} NEAR/3 (phone OR téléphone)"], []),
    ("Samsung", ["Samsung OR {Galaxy} NEAR/2 (S2* OR Note OR Tab)"], []),
    (
        "Amazon",
        ["{Amazon} -forêt -forest -river -fleuve", "{Prime} NEAR/2 Video", "site:amazon.fr"],
        [],
    ),
    ("Netflix", ["Netflix"], []),
    ("BNP Paribas", ['"BNP Paribas" OR BNP OR {Hello} NEAR/1 bank'], []),
    ("Société Générale", ['"Société Générale" OR {SG} NEAR/3 (banque OR bank)'], []),
    ("Carrefour", ["{Carrefour} -rond-point -intersection -croisement"], []),
    ("Leclerc", ['{Leclerc} OR "E.Leclerc"'], ['"général Leclerc"', '"maréchal Leclerc"']),
    ("SNCF", ["SNCF OR {TGV} OR {Ouigo} OR {Intercités}"], []),
    ("Air France", ['"Air France" OR {AF} NEAR/2 vol'], []),
    ("Uber", ['{Uber} OR {UberEats} OR "Uber Eats"'], ["über"]),
    ("Danone", ["Danone OR {Activia} OR {Évian}"], []),
    ("Renault", ["{Renault} OR {Clio} NEAR/3 (voiture OR car OR moteur)", "{Dacia} lang:fr"], []),
    ("Tesla", ["{Tesla} -Nikola -coil", "{Model} NEAR/1 (3 OR S OR X OR Y)"], []),
]


def brands_file() -> BrandsFile:
    return BrandsFile.model_validate(
        {"brands": [{"name": n, "queries": q, "exclude": e} for n, q, e in BRANDS]}
    )


def posts() -> list[dict[str, str]]:
    rows = []
    for path in sorted([*(DATA / "sentiment").rglob("*.jsonl"),
                        *(DATA / "sentiment_train").rglob("*.jsonl")]):  # fmt: skip
        lang = path.relative_to(DATA).parts[1]
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if line.strip():
                text = json.loads(line)["text"]
                rows.append({"text": text, "lang": lang, "url": f"https://{lang}.forum.test/{n}"})
    return rows


def keyword_matcher() -> list[tuple[str, re.Pattern[str]]]:
    return [(name, re.compile(rf"(?<!\w){re.escape(fold(name))}(?!\w)")) for name, _, _ in BRANDS]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3, help="best of N passes")
    args = parser.parse_args()
    rows = posts()
    print(f"{len(rows):,} posts, {len(BRANDS)} brands; best of {args.repeat} passes")

    started = time.perf_counter()
    matcher = BrandMatcher(brands_file())
    print(f"compile: {1000 * (time.perf_counter() - started):.1f} ms for all queries")

    best = float("inf")
    matched: dict[str, int] = {}
    for _ in range(args.repeat):
        started = time.perf_counter()
        counts: dict[str, int] = {}
        for row in rows:
            for m in matcher.match(row["text"], url=row["url"], lang=row["lang"]):
                counts[m.brand] = counts.get(m.brand, 0) + 1
        best = min(best, time.perf_counter() - started)
        matched = counts
    print(f"veille   {len(rows) / best:>10,.0f} posts/s  ({sum(matched.values()):,} brand matches)")

    keywords = keyword_matcher()
    best_kw = float("inf")
    kw_total = 0
    for _ in range(args.repeat):
        started = time.perf_counter()
        kw_total = 0
        for row in rows:
            folded = fold(row["text"])
            kw_total += sum(1 for _, pattern in keywords if pattern.search(folded))
        best_kw = min(best_kw, time.perf_counter() - started)
    print(f"keywords {len(rows) / best_kw:>10,.0f} posts/s  ({kw_total:,} brand matches)")
    top = sorted(matched.items(), key=lambda kv: -kv[1])[:8]
    print("most matched: " + ", ".join(f"{b} {n}" for b, n in top))
    worst_cases()


def worst_cases() -> None:
    """The inputs that once cost tens of seconds (NEAR comparing every pair of positions,
    a phrase looking its words up in lists, a query copied at each token), timed."""
    from nlp.query import Document, parse_query

    def matches(query: str, text: str) -> bool:
        return parse_query(query).match(Document(text), set())

    far_apart = "a " * 20_000 + "x " * 10 + "b " * 20_000
    cases = [
        ("NEAR/3 over a 40,000-word post", lambda: matches("a NEAR/3 b", far_apart)),
        ("a phrase over 20,000 repeats", lambda: matches('"a a"', "a " * 20_000)),
        ("reading a 450,000-character query", lambda: parse_query("panne OR " * 50_000 + "x")),
    ]
    for label, run in cases:
        started = time.perf_counter()
        run()
        print(f"worst case: {label}: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
