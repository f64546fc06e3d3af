"""Property-based tests of the config loader: whatever is in sources.yaml and
brands.yaml (bytes, text, YAML of any shape, a valid config with a few characters
changed), loading gives a Config or a ConfigError naming the file, never another
exception, and quickly (each example within the deadline)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veille.checks import load_checked_config
from veille.core.config import BRANDS_FILE, SOURCES_FILE, Config, ConfigError

SOURCES = """\
user_agent_contact: https://example.org/veille-contact
sources:
  - id: blog-fibre
    kind: feed
    source_kind: blog
    start_urls: ["https://blog.example.fr/feed/"]
    language: fr
    timezone: Europe/Paris
    preset: wordpress
    limits: {max_pages: 200, max_age_days: 60}
    backfill:
      sitemaps: ["https://blog.example.fr/wp-sitemap.xml"]
      since: 2026-01-01
      until: 2026-06-30
  - id: forum-box
    kind: forum
    start_urls: ["https://forum.example.fr/index.php"]
    preset: phpbb
    selectors:
      content: "div.message-body"
"""
BRANDS = """\
languages: [fr, en]
brands:
  - name: Fibrelia
    queries:
      - Fibrelia OR "Fibrelia Box"
      - '{Orange} AND (forfait* OR box)'
      - Orange NEAR/3 (panne OR coupure)
    exclude: ['"Fibrelia Pharma"']
    competitors: [Orbix]
    alerts:
      sensitivity: balanced
      recipients: ["cm@fibrelia.example"]
      min_volume: 5
      bucket: day
      digest: false
  - name: Orbix
    role: competitor
    queries: ["Orbix"]
"""
# The keys and values the schemas know, so that generated YAML reaches the validators.
KEYS = ["sources", "brands", "languages", "id", "kind", "start_urls", "preset", "selectors",
        "name", "queries", "exclude", "competitors", "alerts", "recipients", "timezone",
        "limits", "max_pages", "backfill", "sitemaps", "since", "role", "bucket", "digest",
        "page_object", "content", "user_agent_contact", "<<"]  # fmt: skip
WORDS = ["feed", "forum", "page_object", "phpbb", "wordpress", "https://a.example/feed",
         "http://[::1", "Europe/Paris", "cm@x.example", "fr", "en", "brand", "competitor",
         "Fibrelia", "(a OR", "${HOME}", "${VEILLE_UNSET_VAR}", "hour", "$\\frac$",
         "div["]  # fmt: skip

SETTINGS = settings(
    max_examples=150,
    deadline=timedelta(seconds=1),
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # the same examples on every run: a failure is reproducible
)


@pytest.fixture(scope="module", autouse=True)
def warm() -> None:
    """Imports that the first load makes (presets, page objects, languages) are not
    the loader's time."""
    with config_folder(SOURCES.encode(), BRANDS.encode()) as folder:
        assert isinstance(load_checked_config(folder), Config)


@contextmanager
def config_folder(sources: bytes, brands: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="veille-config-") as name:
        folder = Path(name)
        (folder / SOURCES_FILE).write_bytes(sources)
        (folder / BRANDS_FILE).write_bytes(brands)
        yield folder


def loads_or_reports(sources: bytes, brands: bytes) -> Config | ConfigError:
    """The property: a Config, or a ConfigError whose every problem names one of the
    two files. Any other exception fails the test."""
    with config_folder(sources, brands) as folder:
        try:
            return load_checked_config(folder)
        except ConfigError as err:
            assert err.problems
            for problem in err.problems:
                assert problem.path.parent == folder
                assert problem.path.name in (SOURCES_FILE, BRANDS_FILE)
                assert problem.line is None or problem.line >= 1
                assert str(problem)
            return err


def yaml_values() -> st.SearchStrategy[object]:
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
        st.sampled_from(WORDS), st.text(max_size=20), st.dates(),
    )  # fmt: skip
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=5),
        ),
        max_leaves=25,
    )


@SETTINGS
@given(sources=st.binary(max_size=400), brands=st.binary(max_size=400))
def test_any_bytes_give_a_config_or_a_config_error(sources: bytes, brands: bytes):
    loads_or_reports(sources, brands)


@SETTINGS
@given(sources=st.text(max_size=300), brands=st.text(max_size=300))
def test_any_text_gives_a_config_or_a_config_error(sources: str, brands: str):
    loads_or_reports(
        sources.encode("utf-8", "surrogatepass"), brands.encode("utf-8", "surrogatepass")
    )


@SETTINGS
@given(sources=yaml_values(), brands=yaml_values())
def test_any_yaml_document_gives_a_config_or_a_config_error(sources: object, brands: object):
    def dump(value: object) -> bytes:
        return yaml.safe_dump(value, allow_unicode=True).encode("utf-8", "surrogatepass")

    loads_or_reports(dump(sources), dump(brands))


def edits() -> st.SearchStrategy[list[tuple[int, int, str]]]:
    """A few (position, characters removed, text inserted) changes."""
    inserted = st.one_of(
        st.sampled_from(["\n", " ", ":", "- ", "[", "]", "{", "}", "'", '"', "&a ", "*a",
                         "!!int ", "\t", "\r\n", "\x00", "\\", "#", "?", "|", "${X}",
                         # values the parser builds with Python's checks, which may raise
                         " 2026-02-30 ", "9" * 5000, "[" * 60, "a" * 300]),
        st.text(max_size=4),
    )  # fmt: skip
    return st.lists(
        st.tuples(st.integers(0, 2000), st.integers(0, 5), inserted), min_size=1, max_size=4
    )


def edited(text: str, changes: list[tuple[int, int, str]]) -> bytes:
    for position, removed, insert in changes:
        at = position % (len(text) + 1)
        text = text[:at] + insert + text[at + removed :]
    return text.encode("utf-8", "surrogatepass")


@SETTINGS
@given(source_edits=edits(), brand_edits=edits())
def test_a_valid_config_with_a_few_characters_changed_gives_a_config_or_an_error(
    source_edits: list[tuple[int, int, str]], brand_edits: list[tuple[int, int, str]]
):
    loads_or_reports(edited(SOURCES, source_edits), edited(BRANDS, brand_edits))


def test_the_examples_above_are_valid():
    assert isinstance(loads_or_reports(SOURCES.encode(), BRANDS.encode()), Config)
