"""Scoring main-text extraction the way trafilatura's evaluation does (its
tests/eval_common.py, `count_item`): on each page, snippets that must appear (`with`) and
must not (`without`), matched after whitespace normalisation. Used by bench/extraction.py
and by the tests' quality floors, so both score alike."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def norm(text: str) -> str:
    """Whitespace-normalised, as trafilatura's scorer does."""
    return re.sub(r"\s+", " ", text).strip()


def count(item: dict[str, Any], text: str | None) -> tuple[int, int, int, int]:
    """(tp, fp, fn, tn) of one page, trafilatura's count_item."""
    found = norm(text) if text else ""
    tp = sum(1 for snippet in item["with"] if found and norm(snippet) in found)
    fp = sum(1 for snippet in item["without"] if found and norm(snippet) in found)
    return tp, fp, len(item["with"]) - tp, len(item["without"]) - fp


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    seconds: float = 0.0
    pages: int = 0
    empty: int = 0
    errors: int = 0

    def add(self, counts: tuple[int, int, int, int]) -> None:
        self.tp += counts[0]
        self.fp += counts[1]
        self.fn += counts[2]
        self.tn += counts[3]

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else 0.0

    @property
    def accuracy(self) -> float:
        total = self.tp + self.fp + self.fn + self.tn
        return (self.tp + self.tn) / total if total else 0.0


@dataclass
class Page:
    url: str
    item: dict[str, Any]
    html: bytes


def load_pages(data: Path) -> list[Page]:
    entries = json.loads((data / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for key, item in entries.items():
        # Some keys are labels ("hard::…"), not addresses: both sides get the same stand-in.
        url = key if key.startswith("http") else f"https://pages-eval.invalid/{item['file']}"
        pages.append(Page(url, item, (data / item["file"]).read_bytes()))
    return pages
