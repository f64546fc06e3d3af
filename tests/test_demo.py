"""`veille demo` end to end: the real crawl, model, warehouse and SMTP server."""

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO
from warehouse.db import writer
from warehouse.reviews import Review, copy_journal, record_reviews

pytestmark = pytest.mark.slow


# Both runs date the demo's posts from the same moment, as two runs on one day do.
AS_OF = datetime.now(UTC).isoformat(timespec="seconds")


def run_demo(home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "veille.cli", "demo", "--as-of", AS_OF],
        capture_output=True,
        text=True,
        cwd=REPO,
        # A DuckLake named in the environment (here one that cannot be reached): the demo
        # keeps to its own DuckDB file all the same.
        env={**os.environ, "VEILLE_HOME": str(home),
             "VEILLE_WAREHOUSE": "ducklake:postgres:host=127.0.0.1 port=1 dbname=none"},
        timeout=900,
    )  # fmt: skip


def table_counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("mentions", "mention_brands", "quarantine", "alerts")
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def first_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    home = tmp_path_factory.mktemp("demo-home")
    return home, run_demo(home)


def test_demo_prints_the_summary_and_the_email_is_received(first_run):
    home, result = first_run
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for expected in (
        "Mentions per brand and source:",
        "What the posts say about",
        "Reputation index",
        "Posts flagged for moderation:",
        "Warehouse:",
    ):
        assert expected in out
    assert re.search(r"^This run: [1-9]\d* new posts, 0 updated", out, re.M)
    assert "Emails received by the local SMTP server: 1" in out
    assert "Fibrelia" in out.split("Emails received")[1]
    # Progress went to stderr while it worked.
    assert "crawl forum-box" in result.stderr and "score:" in result.stderr

    db = home / "demo" / "veille.duckdb"
    counts = table_counts(db)
    assert 40 <= counts["mentions"] <= 100
    assert counts["alerts"] == 1
    con = duckdb.connect(str(db), read_only=True)
    brand, sent_at, email_path = con.execute(
        "SELECT brand, sent_at, email_path FROM alerts"
    ).fetchone()
    sources = {r[0] for r in con.execute("SELECT DISTINCT source_id FROM mentions").fetchall()}
    negative_texts = [
        r[0]
        for r in con.execute(
            "SELECT text FROM brand_mentions WHERE brand = 'Fibrelia' AND sentiment = 'negative'"
        ).fetchall()
    ]
    con.close()
    assert brand == "Fibrelia" and sent_at is not None
    assert len(sources) == 3
    # The demo's config asks for pseudonymised authors (brands.yaml privacy:).
    assert re.search(r"^Authors: \d+, pseudonymised \(e\.g\. author-[0-9a-f]{16}", out, re.M)
    assert (home / "demo" / "privacy" / "keys").exists()
    email = message_from_bytes(Path(email_path).read_bytes(), policy=policy.default)
    # in French, the demo's Fibrelia's language (brands.yaml locale: fr)
    assert email["Subject"].startswith("[Veille] Fibrelia : la tonalité nette est tombée à")
    plain = " ".join(email.get_body(("plain",)).get_content().split())
    # A post that drove the drop is quoted in the email.
    assert any(" ".join(t.split())[:60] in plain for t in negative_texts)
    # What drove it: the outage (the network) and a customer service nobody reaches.
    about = plain.split("De quoi il s'agissait:")[1].split("Les messages en cause")[0]
    assert re.match(r" - réseau : \d+ mentions négatives, d'habitude [\d,]+ en \d+ jours"
                    r" - service client : \d+ mentions négatives", about), about  # fmt: skip


def test_the_fibrelia_outage_is_driven_by_the_network_and_customer_service(first_run):
    home, _ = first_run
    con = duckdb.connect(str(home / "demo" / "veille.duckdb"), read_only=True)
    drivers = con.execute(
        "SELECT aspect, negative_7d, usual_negative_7d FROM aspect_drivers "
        "WHERE brand = 'Fibrelia' ORDER BY extra_negative DESC LIMIT 2"
    ).fetchall()
    daily = con.execute(
        "SELECT sum(mentions), sum(negative) FROM aspect_sentiment_daily "
        "WHERE brand = 'Fibrelia' AND aspect = 'network'"
    ).fetchone()
    con.close()
    assert [aspect for aspect, _, _ in drivers] == ["network", "customer_service"]
    assert all(negative >= 3 and usual < 1 for _, negative, usual in drivers), drivers
    assert daily is not None and daily[0] > daily[1] >= drivers[0][1]


# Each notebook, and a text its outputs show on the demo data.
NOTEBOOKS = {
    "reputation_overview": "reputation_index",
    "competitors": "detractor",
    "topics": "[PANNE] Fibrelia",
}


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_notebooks_run_on_the_demo_warehouse(first_run, tmp_path: Path, name: str):
    """Each analyst notebook executes against the demo warehouse (read-only) with papermill
    and shows its figures and a chart."""
    import papermill

    home, _ = first_run
    output = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(
        str(REPO / "notebooks" / f"{name}.ipynb"),
        str(output),
        parameters={"warehouse": str(home / "demo" / "veille.duckdb")},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
    )
    cells = json.loads(output.read_text())["cells"]
    outputs = [o for c in cells for o in c.get("outputs", [])]
    shown = " ".join("".join(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert NOTEBOOKS[name] in shown and "Fibrelia" in shown
    assert any("image/png" in o.get("data", {}) for o in outputs)


def test_running_the_demo_again_changes_nothing(first_run):
    home, _ = first_run
    db = home / "demo" / "veille.duckdb"
    before = table_counts(db)
    second = run_demo(home)
    assert second.returncode == 0, second.stdout + second.stderr
    assert table_counts(db) == before
    assert "load: 0 new," in second.stderr
    # the summary says what this run added (nothing), then the warehouse as it stands
    assert re.search(r"^This run: 0 new posts, 0 updated, \d+ unchanged", second.stdout, re.M)
    assert "Emails received by the local SMTP server" not in second.stdout
    assert "emailed on an earlier run" in second.stdout


def backtest(home: Path, brand: str) -> subprocess.CompletedProcess[str]:
    """`veille alerts backtest --brand BRAND` over the demo's warehouse."""
    return subprocess.run(
        [sys.executable, "-m", "veille.cli", "alerts", "backtest", "--brand", brand,
         "--config", str(REPO / "veille" / "demo" / "config")],
        capture_output=True, text=True, cwd=REPO, timeout=300,
        env={**os.environ, "VEILLE_HOME": str(home / "demo")},
    )  # fmt: skip


def test_backtest_replays_a_brand_over_the_demo_warehouse(first_run):
    home, _ = first_run
    result = backtest(home, "Fibrelia")
    assert result.returncode == 0, result.stderr
    alerts = [json.loads(line) for line in result.stdout.splitlines()]
    # The outage is one crisis: one alert, on its first day, for sentiment and volume.
    assert len(alerts) == 1
    assert alerts[0]["bucket"] == "day" and "net_sentiment" in alerts[0]["metrics"]
    con = duckdb.connect(str(home / "demo" / "veille.duckdb"), read_only=True)
    try:
        sent = con.execute("SELECT day FROM alerts WHERE brand = 'Fibrelia'").fetchall()
    finally:
        con.close()
    assert [alerts[0]["at"][:10]] == [str(day) for (day,) in sent]
    assert re.search(r"^1 alert: replayed Fibrelia's \d+ days with mentions", result.stderr, re.M)
    assert alerts[0]["verdict"] is None
    # A brand with no alert in its history says so, and what was replayed.
    calm = backtest(home, "Kalio")
    assert calm.returncode == 0 and calm.stdout == ""
    assert re.search(
        r"^0 alerts: replayed Kalio's \d+ days with mentions in the warehouse, "
        r"\d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d; sensitivity balanced, at least 5 mentions",
        calm.stderr,
        re.M,
    ), calm.stderr


def test_the_duckdb_cli_opens_the_demo_warehouse(first_run):
    home, _ = first_run
    db = home / "demo" / "veille.duckdb"
    done = subprocess.run(
        [str(REPO / ".venv" / "bin" / "duckdb"), "-readonly", "-csv", str(db), "-c",
         "SELECT count(*) FROM brand_mentions WHERE brand = 'Fibrelia'"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    con = duckdb.connect(str(db), read_only=True)
    [(fibrelia,)] = con.execute(
        "SELECT count(*) FROM brand_mentions WHERE brand = 'Fibrelia'"
    ).fetchall()
    con.close()
    assert done.stdout.split()[-1] == str(fibrelia) and fibrelia > 0


def test_the_backtest_reads_the_verdicts_given_in_veille_web(first_run):
    home, _ = first_run
    db = home / "demo" / "veille.duckdb"
    con = duckdb.connect(str(db), read_only=True)
    [(alert_id,)] = con.execute("SELECT alert_id FROM alerts WHERE brand = 'Fibrelia'").fetchall()
    con.close()
    record_reviews(db, [Review("alert", alert_id, "false_alarm", "zoe")])
    with writer(db) as con:
        copy_journal(con, db)
    judged = backtest(home, "Fibrelia")
    assert judged.returncode == 0, judged.stderr
    assert json.loads(judged.stdout.splitlines()[0])["verdict"] == "false_alarm"
    assert "1 of them judged in veille web, 1 a false alarm" in judged.stderr
