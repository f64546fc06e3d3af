"""Notify URLs (brands.yaml alerts.notify, sources.yaml operator.notify): read by Apprise
when the config is loaded, named with their secrets hidden, refused with their file and
line when Apprise cannot read them."""

from __future__ import annotations

from pathlib import Path

import pytest

from veille.core.config import BrandsFile, ConfigError, SourcesFile, load_model

SECRET = "hook-secret-5f3a9c1e7b"


def test_a_notify_url_apprise_cannot_read_is_refused_with_its_line_and_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SLACK_TOKEN", SECRET)
    path = tmp_path / "brands.yaml"
    path.write_text(
        "brands:\n"
        "  - name: Fibrelia\n"
        "    queries: [Fibrelia]\n"
        "    alerts:\n"
        "      notify:\n"
        "        - json://127.0.0.1:8080/hook\n"
        "        - slack://${SLACK_TOKEN}\n"
        "        - nope://Xk29fjq0Lmz81/room\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_model(path, BrandsFile)
    first, second = caught.value.problems
    assert (first.line, first.where, second.line) == (7, "brands[0].alerts.notify[1]", 8)
    assert first.message.startswith("notify URL 'slack://${SLACK_TOKEN}' cannot be read by Apprise")
    assert "slack:// URLs are written slack://{token_a}/{token_b}/{token_c}" in first.message
    assert second.message.startswith("notify URL 'nope://X...1/room' cannot be read by Apprise")
    assert "Apprise knows no nope:// service" in second.message
    assert SECRET not in str(caught.value) and "Xk29fjq0Lmz81" not in str(caught.value)


def test_a_channel_is_named_with_its_secrets_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("TEAM_PASSWORD", SECRET)
    token = "T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ"
    path = tmp_path / "brands.yaml"
    path.write_text(
        "brands:\n  - name: Fibrelia\n    queries: [Fibrelia]\n    alerts:\n      notify:\n"
        f"        - slack://{token}\n"
        "        - json://veille:${TEAM_PASSWORD}@chat.example.org/hook\n"
        "        - ntfy://alerts\n",
        encoding="utf-8",
    )
    config = load_model(path, BrandsFile)
    channels = config.brands[0].alerts.notify
    assert [c.name for c in channels] == [
        "slack://T...2/A...D/T...Q",
        "json://veille:****@chat.example.org/hook",
        "ntfys://alerts",
    ]
    assert channels[1].url == f"json://veille:{SECRET}@chat.example.org/hook"
    assert SECRET not in repr(config) and token not in repr(config)


def test_the_operators_channels_are_read_and_each_is_given_once(tmp_path: Path):
    path = tmp_path / "sources.yaml"
    start = "sources:\n  - {id: a, kind: feed, start_urls: ['https://example.org/feed/']}\n"
    path.write_text(
        "operator:\n  notify: ['json://hooks.example.org/ops', 'json://hooks.example.org/ops/']\n"
        + start,
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_model(path, SourcesFile)
    [problem] = caught.value.problems
    assert (problem.line, problem.where) == (2, "operator.notify")
    assert problem.message == (
        "json://hooks.example.org/ops is listed twice (as it reads with its secrets hidden): "
        "give each channel once"
    )
    path.write_text("operator:\n  notify: ['ntfys://ntfy.sh/veille-ops']\n" + start)
    [channel] = load_model(path, SourcesFile).operator.notify
    assert (channel.name, channel.url) == (
        "ntfys://ntfy.sh/veille-ops",
        "ntfys://ntfy.sh/veille-ops",
    )
