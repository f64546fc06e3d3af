"""Sending a message to a channel (Slack, Microsoft Teams, a webhook... any service
Apprise knows), as warehouse/mail.py sends an email: one send that says whether the
message went out, and why not, with the channel's secrets hidden."""

from __future__ import annotations

import re

from veille.core.channels import apprise_messages, asset, hide, without_tokens
from veille.core.config import NotifyChannel

# Apprise's HTTP services end their failure message with the status: "..., error=500."
_STATUS = re.compile(r",? ?error=(\d{3})\b\.?")


def send_notice(channel: NotifyChannel, title: str, body: str) -> str | None:
    """Send `title` and `body` (plain text) to the channel: None when the service
    accepted it, else why not, in Apprise's words (it reports a failure by returning
    False and logging the reason), never raising."""
    from apprise import Apprise, NotifyFormat

    service = Apprise(asset=asset())
    try:
        with apprise_messages() as messages:
            if not service.add(channel.url):
                return "Apprise cannot read this URL (has Apprise changed?)"
            if service.notify(body=body, title=title, body_format=NotifyFormat.TEXT):
                return None
    except Exception as err:  # a service's bug must not stop the other channels
        messages.append(f"{type(err).__name__}: {err}")
    return _reason(messages, channel)


def _reason(messages: list[str], channel: NotifyChannel) -> str:
    """Apprise's messages as one line, with the HTTP status first when it gave one, the
    channel's secrets and tokens hidden."""
    said = "; ".join(" ".join(m.split()) for m in messages) or "the service refused it"
    said = without_tokens(hide(said, channel.secrets), channel.url)
    status = _STATUS.search(said)
    if status is None:
        return said
    return f"HTTP {status.group(1)}: " + _STATUS.sub("", said).rstrip(" ,")
