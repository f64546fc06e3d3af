"""Configuration: `sources.yaml` (where to crawl) and `brands.yaml` (what to look for).

Both files are validated with pydantic; every problem is reported with the file, the
line and a hint, so a data team can fix a config without reading code.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from veille.core.record import SOURCE_KINDS
from veille.core.settings import settings

SOURCES_FILE = "sources.yaml"
BRANDS_FILE = "brands.yaml"
# The languages posts are identified among when brands.yaml names none.
DEFAULT_LANGUAGES = ("fr", "en")

M = TypeVar("M", bound=BaseModel)


class StageChecks(Protocol):
    """What only the stages know, asked while a config file is read so that a mistake is
    reported with its file and line: the application passes its checks
    (veille/checks.py) to `load_config`; read without them, a file is checked against
    its schema alone. Each raises ValueError with the message to show."""

    def page_objects(self, source: Source) -> None:
        """A page_object source's page object exists (by name, or for its URLs)."""

    def preset(self, name: str, selectors: dict[str, Any]) -> None:
        """The preset exists and the source's selectors override it soundly."""

    def query(self, query: str) -> None:
        """The Boolean query parses."""

    def language(self, code: str) -> bool:
        """Whether language identification knows the ISO 639-1 code."""


def _checks(info: ValidationInfo) -> StageChecks | None:
    context = info.context or {}
    checks: StageChecks | None = context.get("checks")
    return checks


_ENV_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# A config is a few kilobytes: a larger file is a mistake (or an attack on the parser).
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 50  # nesting levels of YAML collections; the schemas use fewer than ten


def _one_line(value: str) -> str:
    """Text that goes into an email header or an HTTP header: a CR or LF there would
    end the header and start another, so control characters and line breaks are
    refused."""
    for char in value:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            raise ValueError(
                f"{value!r} holds a line break or control character (U+{ord(char):04X}): "
                "write it on one line, without control characters"
            )
    return value


OneLine = Annotated[str, AfterValidator(_one_line)]

_LOCAL_PART = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"(?P<local>{_LOCAL_PART})@(?P<domain>{_LABEL}(?:\.{_LABEL})*)")


def _email_address(value: str) -> str:
    """A bare address (local@domain), the only form that goes into To and RCPT TO
    unchanged: a name or angle brackets, a space or a second @ would be read as
    something else by the SMTP server, which refuses the email on every run. A domain
    in another script is kept in its ASCII form (IDNA), which every server takes."""
    hint = "write one bare address per entry, such as cm@brand.example"
    if value != value.strip():
        raise ValueError(f"{value!r} has spaces around it: {hint}")
    _one_line(value)
    local, _, domain = value.rpartition("@")
    try:
        ascii_domain = domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    except UnicodeError:
        ascii_domain = ""
    if len(value) > 254 or len(local) > 64 or not _ADDRESS.fullmatch(f"{local}@{ascii_domain}"):
        raise ValueError(f"{value!r} is not an email address: {hint}")
    return f"{local}@{ascii_domain}"


EmailAddress = Annotated[str, AfterValidator(_email_address)]


def _known_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    # OSError: a name too long for a file name is looked up as one all the same.
    except (ZoneInfoNotFoundError, ValueError, OSError) as err:
        raise ValueError(
            f"unknown timezone {value!r}; use an IANA name such as 'Europe/Paris'"
        ) from err
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceLimits(_Strict):
    max_pages: int = Field(default=500, ge=1, description="pages fetched per crawl, at most")
    max_age_days: int | None = Field(
        default=None, ge=1, description="skip posts older than this many days"
    )
    max_page_bytes: int = Field(default=5_000_000, ge=1_000, description="larger pages skipped")
    concurrency: int = Field(default=4, ge=1, le=32, description="requests at once to one site")
    timeout_s: float = Field(default=30, gt=0, description="one request, at most")
    retries: int = Field(default=2, ge=0, le=10, description="retries of a failed request")


class Backfill(_Strict):
    """Articles older than the feed lists, found in the site's sitemaps."""

    sitemaps: list[str] = Field(min_length=1, description="sitemap or sitemap index URLs")
    since: date | None = Field(default=None, description="first day to collect (lastmod)")
    until: date | None = Field(default=None, description="last day to collect (lastmod)")

    @field_validator("sitemaps")
    @classmethod
    def _http_urls(cls, urls: list[str]) -> list[str]:
        return _check_http(urls)


def _check_http(urls: list[str]) -> list[str]:
    for url in urls:
        if not re.match(r"^https?://[^/\s]+", url):
            raise ValueError(f"{url!r} is not an http(s) URL: only http and https are crawled")
        if any(char.isspace() or unicodedata.category(char) == "Cc" for char in url):
            raise ValueError(
                f"{url!r} holds a space or control character: encode it (a space is %20)"
            )
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 (reading it checks it)
        except ValueError as err:
            raise ValueError(f"{url!r} cannot be read as a URL: {err}") from None
        if not parts.hostname:
            raise ValueError(f"{url!r} names no host: write it as https://host/path")
    return urls


class Source(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="short stable id, a-z 0-9 - _")
    kind: Literal["feed", "forum", "page", "page_object"]
    name: OneLine | None = None
    source_kind: Literal["blog", "forum", "news", "review"] | None = None
    start_urls: list[str] = Field(
        default_factory=list,
        description="feed URLs, the forum's index or listing pages, or a page source's pages",
    )
    sitemaps: list[str] = Field(
        default_factory=list, description="a page source's sitemap or sitemap index URLs"
    )
    language: Literal["fr", "en", "auto"] = "auto"
    timezone: Annotated[str, AfterValidator(_known_timezone)] = "UTC"
    page_object: str | None = Field(
        default=None, description="page object by name (default: by the start URLs' domain)"
    )
    preset: str | None = Field(
        default=None, description="engine of the posts' markup: a file of crawlers/presets/"
    )
    selectors: dict[str, Any] = Field(
        default_factory=dict, description="preset keys this source overrides"
    )
    allow_private_network: bool = False
    owned: bool = Field(
        default=False,
        description="a community the brand runs and moderates: every post is kept and "
        "moderated, whether or not it names a brand, with netiquette flags",
    )
    limits: SourceLimits = SourceLimits()
    backfill: Backfill | None = None

    @field_validator("start_urls", "sitemaps")
    @classmethod
    def _http_urls(cls, urls: list[str]) -> list[str]:
        return _check_http(urls)

    @property
    def date_language(self) -> str | None:
        """The language numeric dates are read in, when the source has one."""
        return None if self.language == "auto" else self.language

    @model_validator(mode="after")
    def _default_source_kind(self, info: ValidationInfo) -> Source:
        if self.source_kind is None:
            kind = "blog" if self.kind in ("feed", "page") else "forum"
            object.__setattr__(self, "source_kind", kind)
        checks = _checks(info)
        if self.kind == "page_object":
            if checks is not None:
                checks.page_objects(self)
        elif self.page_object is not None:
            raise ValueError("page_object is for sources of kind page_object")
        if self.backfill is not None and self.kind != "feed":
            hint = (
                "; a page source lists its sitemaps under sitemaps:" if self.kind == "page" else ""
            )
            raise ValueError(f"backfill from sitemaps is for feed sources{hint}")
        if self.sitemaps and self.kind != "page":
            hint = " (a feed source reads them under backfill:)" if self.kind == "feed" else ""
            raise ValueError(f"sitemaps: is for sources of kind page{hint}")
        if self.kind == "page" and not self.start_urls and not self.sitemaps:
            raise ValueError(
                "a page source needs start_urls (the pages themselves) or sitemaps (sitemap "
                "or sitemap index URLs listing them), or both"
            )
        if not self.start_urls and self.backfill is None and not self.sitemaps:
            raise ValueError("start_urls is empty: give the feed or forum URLs to start from")
        if self.selectors and self.preset is None:
            raise ValueError("selectors override a preset: name the preset they start from")
        if self.preset is not None and checks is not None:
            checks.preset(self.preset, self.selectors)
        return self


class NotifyChannel(_Strict):
    """A channel of `notify:` lists (Slack, Microsoft Teams, a webhook...), written in the
    config as its Apprise URL alone; read by Apprise at load, so that a URL it cannot
    read is reported with its file and line (veille/core/channels.py)."""

    url: str = Field(repr=False, description="the URL, secrets included: never stored")
    name: str = Field(
        description="the URL with its secrets hidden: what is shown and stored, and how "
        "the outbox finds the channel again"
    )
    secrets: tuple[tuple[str, str], ...] = Field(
        default=(), repr=False, description="(NAME, value) of each ${NAME} the URL holds"
    )

    @model_validator(mode="before")
    @classmethod
    def _from_url(cls, value: Any, info: ValidationInfo) -> Any:
        from veille.core.channels import read_url, shortened, url_forms

        if isinstance(value, NotifyChannel):
            return value
        if not isinstance(value, str):
            raise ValueError(
                f"expected a URL such as 'slack://...' or 'json://host/path', found {_kind(value)}"
            )
        if not value.strip():
            raise ValueError("the notify URL is empty: give an Apprise URL, or remove the entry")
        # As the file writes it: ${NAME} there is a secret, never shown nor stored.
        as_written = ((info.context or {}).get("written") or {}).get(value, value)
        secrets = tuple(
            (name, os.environ[name])
            for name in dict.fromkeys(_ENV_VAR.findall(as_written))
            if name in os.environ
        )
        read = read_url(value, secrets)
        if read.name is None:
            scheme = value.split("://", 1)[0] if "://" in value else ""
            forms = url_forms(scheme) if scheme else []
            why = f" ({read.problem})" if read.problem else ""
            if forms:
                hint = f"{scheme}:// URLs are written {' or '.join(forms)}"
            elif scheme:
                hint = f"Apprise knows no {scheme}:// service"
            else:
                hint = "write it as SERVICE://..., such as slack://... or json://host/path"
            raise ValueError(
                f"notify URL {shortened(as_written)!r} cannot be read by Apprise{why}: {hint} "
                "(https://github.com/caronc/apprise/wiki)"
            )
        return {"url": value, "name": read.name, "secrets": secrets}


def _distinct_channels(channels: list[NotifyChannel]) -> list[NotifyChannel]:
    """Each channel once: two URLs that read the same once their secrets are hidden
    could not be told apart in the outbox."""
    seen: set[str] = set()
    for channel in channels:
        if channel.name in seen:
            raise ValueError(
                f"{channel.name} is listed twice (as it reads with its secrets hidden): "
                "give each channel once"
            )
        seen.add(channel.name)
    return channels


Channels = Annotated[list[NotifyChannel], AfterValidator(_distinct_channels)]


class OperatorSettings(_Strict):
    """Who runs Veille: told by email, and on its channels, when a source has failed
    several runs in a row."""

    email: EmailAddress | None = Field(
        default=None, description="the operator's address; none: no email, the runs say it"
    )
    failures_before_email: int = Field(
        default=3, ge=1, le=1000, description="failed runs in a row of a source before the email"
    )
    notify: Channels = Field(
        default_factory=list,
        description="Apprise URLs (slack://..., json://...) told as the operator's email is",
    )


class SourcesFile(_Strict):
    user_agent_contact: OneLine | None = Field(
        default=None, description="URL or email put in the crawler's user agent (a header)"
    )
    operator: OperatorSettings = OperatorSettings()
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> SourcesFile:
        seen: set[str] = set()
        for source in self.sources:
            if source.id in seen:
                raise ValueError(f"source id {source.id!r} is used twice")
            seen.add(source.id)
        return self


class AlertSettings(_Strict):
    sensitivity: Literal["fewer", "balanced", "more"] = "balanced"
    recipients: list[EmailAddress] = Field(default_factory=list)
    min_volume: int = Field(default=5, ge=1, description="fewer mentions in a bucket never alert")
    bucket: Literal["day", "hour"] = Field(
        default="day", description="test each day, or each hour (for runs every hour)"
    )
    digest: bool = Field(
        default=False, description="one email a day listing the day's alerts, not one each"
    )
    notify: Channels = Field(
        default_factory=list,
        description="Apprise URLs (slack://..., json://...) sent each alert (or the digest) "
        "beside the email",
    )


class ReportSettings(_Strict):
    email: bool = Field(
        default=False,
        description="email the morning report: once a day, with the day's first run",
    )
    recipients: list[EmailAddress] = Field(
        default_factory=list, description="who gets it; default: the alert recipients"
    )
    days: int = Field(default=1, ge=1, le=31, description="what is new over the last N days")


def _readable_query(query: str, info: ValidationInfo) -> str:
    """A query of the Boolean language (nlp/query.py), read at load so that a mistake is
    reported with its file, line and position before any crawl."""
    checks = _checks(info)
    if checks is None:
        return query
    try:
        checks.query(query)
    except RecursionError:
        raise ValueError(f"query {query!r}: too many nested parentheses") from None
    return query


Query = Annotated[str, AfterValidator(_readable_query)]


# The languages Veille's screens, report and emails speak (warehouse/locales).
UI_LOCALES = ("fr", "en")


def _brand_name(name: str) -> str:
    # The name goes into email subjects and chart titles: one line of visible text.
    if not name.strip():
        raise ValueError("the brand name is blank: give the name posts use")
    return _one_line(name)


_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _domain(site: str) -> str:
    """A site as its domain: "https://www.Orbix.fr/offres" reads as orbix.fr."""
    host = site.strip().lower()
    if "://" in host:
        host = urlsplit(host).hostname or ""
    host = host.split("/")[0].removeprefix("www.").rstrip(".")
    if not _DOMAIN.match(host):
        raise ValueError(f"site {site!r}: expected a domain such as orbix.fr")
    return host


class Brand(_Strict):
    name: Annotated[str, AfterValidator(_brand_name)] = Field(min_length=1)
    role: Literal["brand", "competitor"] = "brand"
    queries: list[Query] = Field(
        min_length=1, description="Boolean queries (nlp/query.py); a post matches any of them"
    )
    exclude: list[Query] = Field(
        default_factory=list, description="a post matching one is not about the brand"
    )
    competitors: list[str] = Field(default_factory=list)
    aspects: dict[OneLine, Query] = Field(
        default_factory=dict,
        description="its own aspects, name: Boolean query (nlp/aspects.py), beside the "
        "defaults (price, customer_service, network, product_quality, delivery, billing, "
        "app_website), or replacing the one of the same name",
    )
    sites: list[Annotated[str, AfterValidator(_domain)]] = Field(
        default_factory=list,
        description="the brand's web sites (domains, e.g. orbix.fr): in an owned "
        "community, a link to a competitor's site is flagged",
    )
    alerts: AlertSettings = AlertSettings()
    thread_context: bool = Field(
        default=True,
        description="in a thread whose title or opening post matches the brand, the posts "
        "that do not name it are mentions of it too (match: context); false: left out",
    )
    report: ReportSettings = ReportSettings()
    locale: Literal["fr", "en"] | None = Field(
        default=None,
        description="the language of its screens, report and emails; default: the first "
        "of `languages` Veille speaks",
    )
    timezone: Annotated[str, AfterValidator(_known_timezone)] = Field(
        default="UTC", description="the IANA zone its days and times are shown in"
    )


class PrivacySettings(_Strict):
    """What Veille keeps about the people who write the posts (docs/privacy.md)."""

    authors: Literal["clear", "pseudonymised"] = Field(
        default="clear",
        description="pseudonymised: author names are replaced at load by a keyed hash "
        "(the key is kept outside the warehouse) and profile URLs are not kept",
    )
    mask_personal_data: bool = Field(
        default=False,
        description="e-mail addresses and phone numbers in post texts are replaced at load "
        "by [email] and [phone]",
    )
    retention_days: int | None = Field(
        default=None, ge=1,
        description="posts older than this lose their text, title, author and URL (the "
        "counts and scores that trends need stay); none: kept for ever",
    )  # fmt: skip
    retention_days_by_kind: dict[Literal["blog", "forum", "news", "review"], int] = Field(
        default_factory=dict,
        description="a retention of its own for a kind of source (forum: 180)",
    )

    @field_validator("retention_days_by_kind")
    @classmethod
    def _positive(cls, days: dict[str, int]) -> dict[str, int]:
        for kind, value in days.items():
            if value < 1:
                raise ValueError(f"retention_days_by_kind.{kind}: give a number of days, 1 or more")
        return days

    def shortest_retention(self) -> int | None:
        """The shortest retention of any kind of source, in days; None: none set."""
        days = [self.retention_of(kind) for kind in SOURCE_KINDS]
        return min((d for d in days if d is not None), default=None)

    def retention_of(self, kind: str) -> int | None:
        """The retention of a kind of source, in days; None: kept for ever."""
        return self.retention_days_by_kind.get(kind, self.retention_days)  # type: ignore[call-overload]


class BrandsFile(_Strict):
    languages: list[str] = Field(
        default=list(DEFAULT_LANGUAGES), min_length=1,
        description="ISO 639-1 codes of the languages posts are identified among",
    )  # fmt: skip
    brands: list[Brand] = Field(min_length=1)
    privacy: PrivacySettings = PrivacySettings()

    def locale_of(self, brand: Brand) -> str:
        """The language a brand's screens, report and emails speak."""
        spoken = [code for code in self.languages if code in UI_LOCALES]
        return brand.locale or (spoken[0] if spoken else "en")

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, codes: list[str], info: ValidationInfo) -> list[str]:
        checks = _checks(info)
        unknown = [c for c in codes if checks is not None and not checks.language(c)]
        if unknown:
            raise ValueError(
                f"unknown language code {', '.join(unknown)}: "
                "use ISO 639-1 codes such as fr, en, de"
            )
        return [c.lower() for c in codes]

    @model_validator(mode="after")
    def _competitors_exist(self) -> BrandsFile:
        names = [b.name for b in self.brands]
        if len(set(names)) != len(names):
            raise ValueError("each brand name must appear once")
        for brand in self.brands:
            for other in brand.competitors:
                if other not in names:
                    raise ValueError(
                        f"brand {brand.name!r} lists competitor {other!r}, "
                        "which has no entry of its own: add it with role: competitor"
                    )
        return self


@dataclass(frozen=True)
class ConfigProblem:
    path: Path
    line: int | None
    where: str
    message: str

    def __str__(self) -> str:
        line = f":{self.line}" if self.line else ""
        where = f" {self.where}:" if self.where else ""
        return f"{self.path}{line}:{where} {self.message}"


class ConfigError(Exception):
    def __init__(self, problems: list[ConfigProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Config:
    directory: Path
    sources: SourcesFile
    brands: BrandsFile


class _ConfigLoader(yaml.SafeLoader):
    """PyYAML's safe loader, stricter where a config's author would be misled or the
    machine stalled: no aliases (an alias bomb expands a few lines into gigabytes), no
    key given twice (YAML keeps the last one silently), a bounded nesting depth, and
    every value that cannot be built reported at its line."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.get_event()
            raise yaml.composer.ComposerError(
                None, None,
                f"aliases (*{event.anchor}) are not accepted in a config: write the value out",
                event.start_mark,
            )  # fmt: skip
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep",
                    self.peek_event().start_mark,
                )  # fmt: skip
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, OverflowError) as err:
            # A date such as 2026-13-45, or an integer of thousands of digits.
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read this value: {err}", node.start_mark
            ) from err

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            first: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # `<<:`, which flatten_mapping resolves below
                key = self.construct_object(key_node, deep=True)
                try:
                    seen = key in first
                except TypeError:
                    continue  # unhashable: the safe loader reports it below
                if seen:
                    raise yaml.constructor.ConstructorError(
                        None, None,
                        f"key {key!r} is given twice (first on line {first[key]}): "
                        "keep one, YAML would silently use the last",
                        key_node.start_mark,
                    )  # fmt: skip
                first[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)


def _yaml_problem(err: yaml.YAMLError, text: str) -> tuple[int | None, str]:
    """(line, message) of a YAML error."""
    if isinstance(err, yaml.reader.ReaderError):
        line = text.count("\n", 0, err.position) + 1
        code = err.character if isinstance(err.character, int) else ord(err.character[:1] or "?")
        return line, f"character U+{code:04X} is not allowed in YAML: remove it"
    mark = getattr(err, "problem_mark", None)
    parts = [getattr(err, "context", None), getattr(err, "problem", None)]
    message = ", ".join(str(p) for p in parts if p) or str(err)
    return (mark.line + 1 if mark else None), message


def _read_yaml(path: Path) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """The YAML document of `path` and the line of every key and list item in it, or
    ConfigError naming the line at fault."""

    def problem(line: int | None, message: str) -> ConfigError:
        return ConfigError([ConfigProblem(path, line, "", message)])

    if not path.is_file():
        raise problem(None, "file not found")
    raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        raise problem(None, f"{len(raw):,} bytes: a config file holds at most "
                            f"{MAX_FILE_BYTES:,}; is this the right file?")  # fmt: skip
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise problem(line, f"not UTF-8 text (byte 0x{raw[err.start]:02x}): save the file "
                            "as UTF-8") from None  # fmt: skip
    try:
        loader = _ConfigLoader(text)  # checks the characters
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as err:
        at, message = _yaml_problem(err, text)
        raise problem(at, f"not valid YAML: {message}") from None
    except RecursionError:
        raise problem(None, "not valid YAML: nested too deeply") from None
    index: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _line_index(node, (), index)
    return data, index


def _line_index(node: yaml.Node, path: tuple[Any, ...], index: dict[tuple[Any, ...], int]) -> None:
    """Map every path in a YAML document (keys and list positions) to its 1-based line."""
    index[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = key_node.value
            _line_index(value_node, (*path, key), index)
            # An error about a key is best shown on the key's own line.
            index[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            _line_index(item, (*path, position), index)


def _line_of(loc: tuple[Any, ...], index: dict[tuple[Any, ...], int]) -> int | None:
    """The line of `loc`, or of its nearest enclosing key or item."""
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in index:
            return index[loc[:cut]]
    return None


def _where(loc: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def _expand_env(
    value: Any,
    path: Path,
    index: dict[tuple[Any, ...], int],
    loc: tuple[Any, ...] = (),
    written: dict[str, str] | None = None,
) -> Any:
    """Replace ${VAR} in strings with the environment's value (e.g. a host name). Each
    string changed is noted in `written` (its value: as the file writes it), so that a
    notify URL's secrets can be told from the rest (NotifyChannel)."""
    if isinstance(value, str):

        def lookup(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise ConfigError(
                    [ConfigProblem(path, _line_of(loc, index), _where(loc),
                                   f"${{{name}}} is used but not set: set it, or write the "
                                   "value itself")]
                )  # fmt: skip
            return os.environ[name]

        expanded = _ENV_VAR.sub(lookup, value)
        if written is not None and expanded != value:
            written[expanded] = value
        return expanded
    if isinstance(value, list):
        return [_expand_env(v, path, index, (*loc, i), written) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: _expand_env(v, path, index, (*loc, k), written) for k, v in value.items()}
    return value


def _hint(error_type: str, message: str) -> str:
    hints = {
        "extra_forbidden": "this key is not known here: check its spelling",
        "missing": "this key is required",
        "literal_error": "use one of the listed values",
    }
    hint = hints.get(error_type)
    return f"{message} ({hint})" if hint else message


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {list: "a list", str: "a string", bool: "true or false"}.get(
        type(value), f"a value of type {type(value).__name__}"
    )


def load_model(path: Path, model: type[M], checks: StageChecks | None = None) -> M:
    """Read a YAML file into `model`, or raise ConfigError listing every problem with
    its line number; `checks`: what the stages check (StageChecks), else the schema
    alone."""
    data, index = _read_yaml(path)
    keys = " and ".join(f"`{name}:`" for name, f in model.model_fields.items() if f.is_required())
    example = "see the commented examples in veille/demo/config/"
    if data is None:
        raise ConfigError(
            [ConfigProblem(path, None, "", f"the file is empty: it needs {keys}; {example}")]
        )
    if not isinstance(data, dict):
        raise ConfigError(
            [ConfigProblem(path, index.get(()), "",
                           f"the file holds {_kind(data)}, not keys: it needs {keys} at the "
                           f"start of a line; {example}")]
        )  # fmt: skip
    try:
        written: dict[str, str] = {}
        expanded = _expand_env(data, path, index, written=written)
        return model.model_validate(expanded, context={"checks": checks, "written": written})
    except ValidationError as err:
        problems = []
        for item in err.errors():
            loc = tuple(item["loc"])
            message = item["msg"].removeprefix("Value error, ")
            if item["type"] in ("model_type", "model_attributes_type", "dict_type"):
                message = (
                    f"expected a mapping of keys (`key: value`) here, found {_kind(item['input'])}"
                )
            problems.append(
                ConfigProblem(path, _line_of(loc, index), _where(loc), _hint(item["type"], message))
            )
        raise ConfigError(problems) from err


def load_config(directory: Path, checks: StageChecks | None = None) -> Config:
    """Load and validate both files of a config folder; all problems of both are reported
    together. The application passes its `checks` (veille/checks.py load_checked_config)."""
    problems: list[ConfigProblem] = []
    loaded: dict[str, Any] = {}
    for name, model in ((SOURCES_FILE, SourcesFile), (BRANDS_FILE, BrandsFile)):
        try:
            loaded[name] = load_model(directory / name, model, checks)
        except ConfigError as err:
            problems.extend(err.problems)
    if problems:
        raise ConfigError(problems)
    return Config(directory, loaded[SOURCES_FILE], loaded[BRANDS_FILE])


def config_dir(given: Path | None) -> Path:
    """The config folder: the --config argument, else $VEILLE_CONFIG, else ./config."""
    if given is not None:
        return given
    return settings().config or Path("config")
