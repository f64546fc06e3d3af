"""Links as extractors keep them: absolute, and without the session ids forums add for
visitors without cookies."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from veille.core.record import SESSION_PARAMS

# Session ids that forums put in links for visitors without cookies (SESSION_PARAMS,
# with a value that looks like one): without them one author keeps one profile URL.
_SESSION_PARAM = re.compile(rf"^(?:{'|'.join(SESSION_PARAMS)})=[0-9a-z]{{16,}}$", re.IGNORECASE)


def absolute_url(base: str, link: str | None) -> str | None:
    """`link` made absolute; None for none, or for an address that cannot be read
    ("http://[::1")."""
    if not link:
        return None
    try:
        return urljoin(base, link)
    except ValueError:
        return None


def without_session(url: str | None) -> str | None:
    """`url` without a session id in its query (None for an address that cannot be read)."""
    if url is None:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    # split by hand: parse_qsl/urlencode would re-escape SMF's ";" separators
    kept = [pair for pair in parts.query.split("&") if pair and not _SESSION_PARAM.match(pair)]
    return urlunsplit(parts._replace(query="&".join(kept)))
