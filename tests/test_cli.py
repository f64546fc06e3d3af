"""The command-line contract (DESIGN.md), run as subprocesses like users and evaluations do."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO
from veille.cli import main

VEILLE = [sys.executable, "-m", "veille.cli"]


def veille(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VEILLE, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


COMMANDS = (
    "demo", "init", "run", "score", "extract", "match", "alerts", "sources", "models",
    "correct", "db", "sql", "export",
)  # fmt: skip


def test_help_lists_every_command_on_its_own_line():
    result = veille("--help")
    assert result.returncode == 0
    # "    run       crawl, score…": a command's name at the start of its line
    listed = re.findall(r"^ {4}([a-z]+) ", result.stdout, flags=re.MULTILINE)
    assert listed[: len(COMMANDS)] == list(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_its_own_usage_line(command: str, capsys: pytest.CaptureFixture[str]):
    """`veille COMMAND --help` answers with that command's usage, not the main one."""
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: veille {command} ")


def test_score_writes_every_contract_field_in_input_order(tmp_path: Path):
    source = FIXTURES / "sentiment" / "fr_deft2017_val_sample.jsonl"
    lines = [json.loads(line) for line in source.read_text().splitlines()][:40]
    lines[0] = {"text": lines[0]["text"], "lang": "fr", "id": "keep-me"}
    # 2 MB: the model reads its beginning and end (whole, it would take ten minutes).
    complaint = "Le support de Fibrelia ne répond jamais, la box plante sans arrêt. "
    lines.append({"text": complaint * 30_000})
    given = tmp_path / "in.jsonl"
    given.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines))
    out = tmp_path / "out.jsonl"
    result = veille("score", str(given), "-o", str(out))
    assert result.returncode == 0, result.stderr
    scored = [json.loads(line) for line in out.read_text().splitlines()]
    assert [s["text"] for s in scored] == [r["text"] for r in lines]
    assert scored[0]["id"] == "keep-me" and scored[0]["language"] == "fr"
    for row in scored:
        assert row["sentiment"] in ("negative", "neutral", "positive")
        assert -1 <= row["sentiment_score"] <= 1
        assert set(row["probabilities"]) == {"negative", "neutral", "positive"}
        assert sum(row["probabilities"].values()) == pytest.approx(1, abs=1e-3)
        assert row["language"] in ("fr", "en", "unknown")
    assert "scoring 41 texts" in result.stderr
    assert scored[-1]["sentiment"] in ("negative", "neutral", "positive")
    assert 11_000 <= scored[-1]["scored_chars"] <= 12_000
    assert all("scored_chars" not in row for row in scored[:-1])


def test_score_names_the_bad_line(tmp_path: Path):
    given = tmp_path / "in.jsonl"
    given.write_text('{"text": "ok"}\n{"text": "broken"\n')
    result = veille("score", str(given), "-o", str(tmp_path / "out.jsonl"))
    assert result.returncode == 2
    assert f"{given}:2: not valid JSON" in result.stderr
    given.write_text('{"text": "ok"}\n{"body": "no text"}\n')
    result = veille("score", str(given), "-o", str(tmp_path / "out.jsonl"))
    assert f'{given}:2: each line needs a "text" string' in result.stderr
    given.write_bytes('{"text": "ok"}\n{"text": "très"}\n'.encode("latin-1"))
    result = veille("score", str(given), "-o", str(tmp_path / "out.jsonl"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{given}:2: not UTF-8 (byte 0xe8 at column 13); save the file as UTF-8" in (
        result.stderr
    )


def test_extract_prints_the_contract_object():
    page = FIXTURES / "pages" / "wordpress_lemon_tree.html"
    result = veille("extract", str(page), "--url", "https://youhadmeatgardening.com/lemon-tree")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"title", "text", "author", "published_at", "posts"} <= set(data)
    assert data["published_at"].startswith("2020-04-21T06:44:14")
    assert len(data["posts"]) == 25
    assert data["posts"][0]["author"] == "Roberta"
    assert data["posts"][0]["published_at"].startswith("2019-10-20T13:31")


def test_extract_on_a_french_page_and_a_missing_file():
    expected = json.loads((FIXTURES / "pages" / "regards.fr.enquetes.eval.json").read_text())
    page = FIXTURES / "pages" / "regards.fr.enquetes.html"
    data = json.loads(veille("extract", str(page), "--url", expected["url"]).stdout)
    assert all(snippet in data["text"] for snippet in expected["with"])
    missing = veille("extract", "nowhere.html")
    assert missing.returncode == 2 and "nowhere.html: file not found" in missing.stderr


def test_alerts_backtest_prints_json_lines():
    series = FIXTURES / "timeseries" / "Twitter_volume_AAPL.csv"
    result = veille("alerts", "backtest", str(series), "--metric", "volume")
    assert result.returncode == 0, result.stderr
    alerts = [json.loads(line) for line in result.stdout.splitlines()]
    assert alerts
    for alert in alerts:
        assert alert["direction"] in ("up", "down")
        assert alert["at"].startswith("2015-")
    # The labelled anomaly of 2015-03-04 (NAB window 03-03 04:37 to 03-04 13:37) is caught.
    assert any("2015-03-03T04:37" <= a["at"] <= "2015-03-04T13:37" for a in alerts)
    # What was replayed goes to stderr, stdout keeping only the JSON lines.
    assert (
        f"{len(alerts)} alerts: replayed 15,902 points of Twitter_volume_AAPL.csv (volume), "
        "2015-02-26 21:42 to 2015-04-23 02:47, one every 5 minutes; read as counts, compared "
        "on the log scale, weekly season"
    ) in result.stderr
    assert all(a["explanation"] for a in alerts)


def test_sources_check_good_and_bad(demo_config: Path, tmp_path: Path):
    good = veille("sources", "check", "--config", str(demo_config))
    assert good.returncode == 0, good.stderr
    assert "sources OK" in good.stdout and "brands OK" in good.stdout
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - id: blog\n    kind: feed\n    start_urls: ['https://b.fr/feed']\n"
        "    langauge: fr\n"
    )
    (tmp_path / "brands.yaml").write_text("brands:\n  - name: A\n")
    bad = veille("sources", "check", "--config", str(tmp_path))
    assert bad.returncode == 2
    assert f"{tmp_path / 'sources.yaml'}:5: sources[0].langauge:" in bad.stderr
    assert f"{tmp_path / 'brands.yaml'}:2: brands[0].queries:" in bad.stderr


def test_match_previews_queries(demo_config: Path, tmp_path: Path):
    given = tmp_path / "in.jsonl"
    given.write_text(
        '{"text": "La box Fibrelia plante encore"}\n{"text": "Rien à voir"}\n'
        '{"text": "Pareil", "title": "Kalio ou Orbix ?"}\n'
    )
    result = veille("match", "--brands", str(demo_config / "brands.yaml"), str(given))
    assert result.returncode == 0, result.stderr
    brands = [
        [b["brand"] for b in json.loads(line)["brands"]] for line in result.stdout.splitlines()
    ]
    assert brands == [["Fibrelia"], [], ["Kalio", "Orbix"]]


@pytest.mark.slow
def test_run_on_a_config_with_a_dead_source_loads_the_others(
    demo_config: Path, tmp_path: Path, smtp
):
    _, port = smtp
    config = tmp_path / "config"
    config.mkdir()
    (config / "brands.yaml").write_text((demo_config / "brands.yaml").read_text())
    sources = (demo_config / "sources.yaml").read_text()
    sources += (
        "\n  - id: dead-blog\n    kind: feed\n    start_urls: ['http://127.0.0.1:9/feed/']\n"
        "    allow_private_network: true\n"
    )
    (config / "sources.yaml").write_text(sources)
    home = tmp_path / "home"
    result = veille(
        "run",
        "--config",
        str(config),
        env={"VEILLE_HOME": str(home), "VEILLE_SMTP_PORT": str(port)},
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Source dead-blog failed: no page could be fetched" in result.stdout
    assert "crawl forum-box: " in result.stderr and "FAILED" in result.stderr
    assert "Mentions per brand and source:" in result.stdout
    assert (home / "veille.duckdb").exists()


def test_run_where_every_source_fails_says_so_and_exits_3(tmp_path: Path):
    config = tmp_path / "config"
    config.mkdir()
    (config / "brands.yaml").write_text("brands:\n  - name: Fibrelia\n    queries: [Fibrelia]\n")
    (config / "sources.yaml").write_text(
        "sources:\n  - id: dead-blog\n    kind: feed\n    start_urls: ['http://127.0.0.1:9/feed/']\n"
        "    allow_private_network: true\n    limits: {retries: 0}\n"
    )
    home = tmp_path / "home"
    result = veille("run", "--config", str(config), env={"VEILLE_HOME": str(home)})
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "no source could be crawled" in result.stderr
    assert "Source dead-blog failed: no page could be fetched" in result.stdout
    assert "Warehouse: no mention stored yet" in result.stdout


def test_demo_refuses_a_time_in_the_future():
    result = veille("demo", "--as-of", "2999-01-01T00:00:00")
    assert result.returncode == 2
    assert "--as-of 2999-01-01T00:00:00: in the future" in result.stderr


def test_match_uses_fields_and_reports_a_bad_query(tmp_path: Path):
    brands = tmp_path / "brands.yaml"
    brands.write_text(
        "brands:\n"
        "  - name: Orange\n"
        "    queries: ['{Orange} AND (box OR forfait*) lang:fr', 'site:orange.fr']\n"
        "    exclude: [jus]\n"
    )
    given = tmp_path / "in.jsonl"
    given.write_text(
        '{"text": "Mon forfait Orange a doublé, scandaleux !"}\n'
        '{"text": "Orange box on the shelf", "lang": "en"}\n'
        '{"text": "Un jus d\'orange", "url": "https://boutique.orange.fr/p"}\n'
        '{"text": "Rien", "url": "https://assistance.orange.fr/x"}\n'
    )
    result = veille("match", "--brands", str(brands), str(given))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line)["brands"] for line in result.stdout.splitlines()]
    # The language of the first line is detected (French) because a query asks for it.
    assert lines == [[{"brand": "Orange", "terms": ["Orange", "forfait"]}], [], [],
                     [{"brand": "Orange", "terms": []}]]  # fmt: skip
    brands.write_text("brands:\n  - name: Orange\n    queries: ['Orange NEAR/ box']\n")
    bad = veille("match", "--brands", str(brands), str(given))
    assert bad.returncode == 2
    assert f"{brands}:3: brands[0].queries[0]" in bad.stderr
    assert "position 7: expected a number of words after NEAR/" in bad.stderr


def test_init_writes_a_config_that_checks_and_run_without_one_says_where_it_looked(
    tmp_path: Path,
):
    env = {"VEILLE_HOME": str(tmp_path / "home")}
    env_without = {k: v for k, v in os.environ.items() if k != "VEILLE_CONFIG"}
    # no config: where it looked, and what to do
    missing = subprocess.run(
        [*VEILLE, "run"], capture_output=True, text=True, cwd=tmp_path, env={**env_without, **env}
    )
    assert missing.returncode == 2
    assert f"no sources.yaml or brands.yaml in {tmp_path / 'config'}" in missing.stderr
    assert "the default, ./config" in missing.stderr and "veille init config" in missing.stderr
    folder = tmp_path / "mine"
    written = veille("init", str(folder), env=env)
    assert written.returncode == 0, written.stderr
    assert (folder / "sources.yaml").read_text().startswith("# Where Veille reads")
    checked = veille("sources", "check", "--config", str(folder), env=env)
    assert checked.returncode == 0, checked.stderr
    assert "2 sources OK" in checked.stdout and "2 brands OK" in checked.stdout
    # run again: what is there is kept
    (folder / "brands.yaml").write_text("# mine\n", encoding="utf-8")
    again = veille("init", str(folder), env=env)
    assert "brands.yaml: kept as it is" in again.stdout
    assert (folder / "brands.yaml").read_text() == "# mine\n"


def test_models_commands_name_what_is_missing_before_any_training(tmp_path: Path):
    fixtures = FIXTURES / "sentiment_train"
    no_data = veille("models", "train", "--train-data", str(tmp_path / "nowhere"))
    assert no_data.returncode == 2 and f"{tmp_path / 'nowhere'}: folder not found" in no_data.stderr
    no_warehouse = veille(
        "models", "train", "--train-data", str(fixtures), "--dev-data", str(fixtures),
        "--with-corrections", str(tmp_path / "veille.duckdb"),
    )  # fmt: skip
    assert no_warehouse.returncode == 2
    assert f"{tmp_path / 'veille.duckdb'}: no warehouse here" in no_warehouse.stderr
    heads = veille("models", "train-moderation", "--data", str(tmp_path / "toxicity"))
    assert heads.returncode == 2 and "toxicity: folder not found" in heads.stderr
