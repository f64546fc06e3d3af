"""Notification channels: the Apprise URLs of brands.yaml `alerts.notify` and sources.yaml
`operator.notify` (Slack, Microsoft Teams, Mattermost, Discord, Telegram, ntfy, JSON
webhooks...), read when the config is loaded.

A channel is known everywhere by its name: its URL as Apprise prints it with its secrets
hidden (`url(privacy=True)`), without the query string (Apprise's default parameters),
and with every value that came from the environment (`${NAME}`) written back as
`${NAME}`. The name is what the run prints and the warehouse stores; the URL itself,
secrets included, lives only in the loaded config and is found again by its name when
a message is sent."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

# The part of a URL that can be told apart, shown when Apprise cannot read the URL;
# longer runs of letters and digits are likely tokens and are shortened as Apprise does.
_TOKEN = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z0-9_-]{8,}")
# Shorter values (a port, a flag) are no secret, and writing them back everywhere they
# occur would garble the name ("1" in "127.0.0.1").
MIN_SECRET = 3


@dataclass
class ReadUrl:
    """A notify URL as Apprise read it: its name (secrets hidden), or why it cannot be
    read."""

    name: str | None
    problem: str | None = None


def asset() -> Any:
    """What Apprise says of its sender, and no state written to disk."""
    from apprise import AppriseAsset

    return AppriseAsset(
        app_id="Veille", app_desc="Veille, e-reputation monitoring", storage_mode="memory"
    )


@contextmanager
def apprise_messages(level: int = logging.WARNING) -> Iterator[list[str]]:
    """Apprise's log messages of at least `level`, kept for Veille to say (with the
    secrets hidden) instead of passed on: some of them quote a URL as it was given."""
    messages: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger = logging.getLogger("apprise")
    handler = Keep(level)
    propagate, logger.propagate = logger.propagate, False
    was = logger.level
    logger.setLevel(level)  # whatever the root logger lets through
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.setLevel(was)
        logger.propagate = propagate


def hide(text: str, secrets: tuple[tuple[str, str], ...]) -> str:
    """`text` with each environment value of `secrets` ((NAME, value) pairs) written back
    as ${NAME}, as given and as a URL writes it (percent-encoded), longest first."""
    pairs = sorted(secrets, key=lambda pair: -len(pair[1]))
    for name, value in pairs:
        if len(value) < MIN_SECRET:
            continue
        for form in dict.fromkeys((value, quote(value, safe=""), quote(value, safe="/"))):
            text = text.replace(form, f"${{{name}}}")
    return text


def shortened(text: str) -> str:
    """A URL as written in the config, for a message saying it cannot be read: each
    run of 8 or more letters and digits (a token, likely) shortened to its first and
    last character, as Apprise hides secrets; `${NAME}` kept as written."""

    def short(match: re.Match[str]) -> str:
        token = match.group(0)
        return token if token.startswith("${") else f"{token[0]}...{token[-1]}"

    return _TOKEN.sub(short, text)


def read_url(url: str, secrets: tuple[tuple[str, str], ...] = ()) -> ReadUrl:
    """The channel's name when Apprise reads `url`, else why it cannot (with every token
    of the URL hidden)."""
    from apprise import Apprise

    with apprise_messages() as messages:
        service = Apprise.instantiate(url, asset=asset())
    if service is None:
        # Apprise's own "Could not load ... URL: ..." repeats the URL, which the
        # config's message shows as written.
        said = [without_tokens(hide(m, secrets), url) for m in messages if "URL" not in m]
        return ReadUrl(None, "; ".join(said) or None)
    private = str(service.url(privacy=True))
    name = private.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    return ReadUrl(hide(name, secrets))


def without_tokens(message: str, url: str) -> str:
    """Apprise's message with each token of `url` in it shortened (shortened)."""
    for token in set(_TOKEN.findall(url)):
        message = message.replace(token, shortened(token))
    return message


def url_forms(scheme: str, limit: int = 3) -> list[str]:
    """How Apprise writes the URLs of a scheme (its templates), or [] for a scheme it does
    not know."""
    from apprise import Apprise

    for schema in Apprise().details()["schemas"]:
        protocols = (*(schema["protocols"] or ()), *(schema["secure_protocols"] or ()))
        if scheme in protocols:
            forms = schema["details"]["templates"][:limit]
            return [form.replace("{schema}", scheme) for form in forms]
    return []
