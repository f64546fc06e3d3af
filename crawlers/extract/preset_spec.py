"""The preset file format: the YAML keys of a preset in crawlers/presets/ (or a source's
`selectors:` overrides), validated, and the files read with their `extends` chains
resolved. crawlers.extract.presets makes an extractor of a spec."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

PRESETS_DIR = Path(__file__).resolve().parent.parent / "presets"


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Spec):
    """One value: the first selector that finds something wins; `pattern` (a regular
    expression) keeps its first group, or the whole match."""

    select: list[str] = Field(default_factory=list)
    pattern: str | None = None

    @field_validator("select", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return _as_list(value)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as err:
                raise ValueError(
                    f"pattern {value!r} is not a valid regular expression: {err}"
                ) from err
        return value


class DateSpec(FieldSpec):
    """A machine-readable date: ISO 8601 (`<time datetime>`), Unix seconds, or Unix
    milliseconds (Blogger's `showComment=` permalinks)."""

    format: Literal["iso", "unix", "unix_ms"] = "iso"


class PagingSpec(_Spec):
    """How a thread's later pages are addressed, to know a post's position in the thread
    and the URL of the thread itself (its first page)."""

    param: str | None = Field(default=None, description="query parameter, e.g. start or page")
    value: str | None = Field(
        default=None, description="regex on the parameter's value; group 1 = number"
    )
    path: str | None = Field(default=None, description="regex on the path; group 1 = number")
    counts: Literal["posts", "pages"] = "posts"
    per_page: int = Field(default=20, ge=1, description="posts per page, when counting pages")
    strip: bool = Field(
        default=True,
        description="the thread's URL drops the page part; false: it keeps it, set to the "
        "first page (SMF's topic=123.0, HFR's sujet_12_1.htm)",
    )

    @field_validator("value", "path")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                compiled = re.compile(value)
            except re.error as err:
                raise ValueError(f"{value!r} is not a valid regular expression: {err}") from err
            if compiled.groups < 1:
                raise ValueError(f"{value!r} needs a group around the page number")
        return value


def _field(value: Any) -> Any:
    """A field given as a bare selector or list is the same as {select: …}."""
    if isinstance(value, str | list):
        return {"select": value}
    return value


class PresetSpec(_Spec):
    name: str
    description: str = ""
    extends: str | None = None
    detect: list[str] = Field(default_factory=list)
    post: list[str] = Field(default_factory=list, description="each post's element")
    post_id: FieldSpec = FieldSpec()
    author: FieldSpec = FieldSpec()
    author_url: FieldSpec = FieldSpec()
    published: DateSpec = DateSpec()
    date_text: FieldSpec = FieldSpec()
    date_order: Literal["DMY", "MDY", "YMD"] | None = Field(
        default=None,
        description="how the board writes numeric dates (10/05/2006): a board's setting, "
        "so a source may give it; without it dateparser guesses",
    )
    content: list[str] = Field(default_factory=list, description="the post's body element")
    drop: list[str] = Field(default_factory=list, description="parts of the body left out")
    quoted_ids: FieldSpec = FieldSpec()
    title: FieldSpec = FieldSpec()
    thread_title: FieldSpec = FieldSpec()
    forum_links: list[str] = Field(default_factory=list)
    thread_links: list[str] = Field(default_factory=list)
    next_page: list[str] = Field(default_factory=list)
    paging: PagingSpec = PagingSpec()

    @field_validator("detect", "post", "content", "drop", "forum_links", "thread_links",
                     "next_page", mode="before")  # fmt: skip
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return _as_list(value)

    @field_validator("post_id", "author", "author_url", "published", "date_text", "quoted_ids",
                     "title", "thread_title", mode="before")  # fmt: skip
    @classmethod
    def _short_field(cls, value: Any) -> Any:
        return _field(value)


class PresetError(ValueError):
    """A preset or a source's selectors that cannot be used."""


def _read_spec_file(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise PresetError(f"{path}: not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise PresetError(f"{path}: a preset is a mapping of keys to selectors")
    return data


@cache
def _raw_presets() -> dict[str, dict[str, Any]]:
    raw = {}
    for path in sorted(PRESETS_DIR.glob("*.yaml")):
        data = _read_spec_file(path)
        raw[data.get("name", path.stem)] = data
    return raw


def preset_names() -> list[str]:
    return sorted(_raw_presets())


def resolved_spec(name: str, chain: tuple[str, ...] = ()) -> dict[str, Any]:
    raw = _raw_presets()
    if name not in raw:
        known = ", ".join(preset_names())
        raise PresetError(f"no preset named {name!r}; the presets are: {known}")
    if name in chain:
        raise PresetError(f"preset {name!r} extends itself through {' → '.join(chain)}")
    data = dict(raw[name])
    parent = data.get("extends")
    if parent:
        merged = resolved_spec(parent, (*chain, name))
        merged.update({k: v for k, v in data.items() if k != "extends"})
        merged["extends"] = parent
        merged["name"] = name
        return merged
    return data
