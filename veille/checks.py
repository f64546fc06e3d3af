"""The config checks that need a stage: a preset exists, a page object exists, a query
parses, a language is known. The core reads the files against their schema
(veille/core/config.py); these checks run inside that reading, so that each mistake is
still reported with its file and line, and every part of the application loads its
config through `load_checked_config`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from crawlers.extract.preset_spec import PresetError
from crawlers.extract.presets import build_preset
from crawlers.page_objects import page_object_for, page_object_named, registered
from nlp.language import known_language
from nlp.query import QueryError, parse_query
from veille.core.config import Config, Source, load_config, load_model

M = TypeVar("M", bound=BaseModel)


class VeilleChecks:
    """The stages' checks (veille.core.config.StageChecks)."""

    def page_objects(self, source: Source) -> None:
        if source.page_object is not None:
            if page_object_named(source.page_object) is None:
                names = ", ".join(sorted({c.name for c in registered().values()}))
                raise ValueError(f"no page object named {source.page_object!r}: {names}")
        elif not source.start_urls or any(page_object_for(u) is None for u in source.start_urls):
            domains = ", ".join(sorted(registered())) or "none yet"
            raise ValueError(
                "a page_object source needs a page object for the domain of each start "
                f"URL (crawlers/page_objects/); page objects exist for: {domains}"
            )

    def preset(self, name: str, selectors: dict[str, Any]) -> None:
        try:
            build_preset(name, selectors)
        except PresetError as err:
            raise ValueError(str(err)) from err

    def query(self, query: str) -> None:
        try:
            parse_query(query)
        except QueryError as err:
            raise ValueError(f"query {query!r}: {err}") from None

    def language(self, code: str) -> bool:
        return known_language(code)


CHECKS = VeilleChecks()


def load_checked_config(directory: Path) -> Config:
    """Both files of a config folder, checked against their schema and by the stages."""
    return load_config(directory, CHECKS)


def load_checked_model(path: Path, model: type[M]) -> M:
    """One config file, checked against its schema and by the stages."""
    return load_model(path, model, CHECKS)
