"""Pipeline steps on a real warehouse: alert delivery when SMTP is down, then up."""

from pathlib import Path

from tests.factories import scored_mention
from veille.config import BrandsFile
from veille.demo.run import free_port
from veille.pipeline import alert_step, load_step
from veille.record import write_mentions
from warehouse.alert_email import SmtpSettings

BRANDS = BrandsFile.model_validate(
    {
        "brands": [
            {
                "name": "Fibrelia",
                "queries": ["Fibrelia"],
                "alerts": {"recipients": ["cm@fibrelia.test"], "min_volume": 5},
            }
        ]
    }
)


def crisis_batch(path: Path) -> Path:
    """Four calm weeks (a positive and a neutral post a day), then a day of complaints."""
    mentions = []
    for day in range(1, 29):
        mentions.append(scored_mention(2 * day, days_ago=day + 0.5, sentiment="positive"))
        mentions.append(scored_mention(2 * day + 1, days_ago=day + 0.5, sentiment="neutral"))
    for n in range(12):
        mentions.append(
            scored_mention(500 + n, days_ago=0.01 * n, sentiment="negative", text=f"Panne {n}")
        )
    write_mentions(path, mentions)
    return path


def test_alert_waits_while_smtp_is_down_then_goes_out_once(tmp_path: Path, smtp):
    inbox, port = smtp
    home = tmp_path / "home"
    db = home / "veille.duckdb"
    load_step(crisis_batch(tmp_path / "batch.jsonl"), db, log=lambda _: None)

    down = SmtpSettings(host="127.0.0.1", port=free_port(), timeout_s=5)
    first = alert_step(db, BRANDS, home, smtp=down, log=lambda _: None)
    assert len(first) == 1 and not first[0].sent
    assert "stays pending" in (first[0].problem or "")
    assert first[0].email_path is not None and first[0].email_path.exists()

    up = SmtpSettings(host="127.0.0.1", port=port)
    second = alert_step(db, BRANDS, home, smtp=up, log=lambda _: None)
    assert [d.alert_id for d in second] == [first[0].alert_id]
    assert second[0].sent_now and len(inbox.messages) == 1
    assert b"cm@fibrelia.test" in inbox.messages[0]

    third = alert_step(db, BRANDS, home, smtp=up, log=lambda _: None)
    assert third[0].sent and not third[0].sent_now
    assert len(inbox.messages) == 1
