"""Pipeline steps on a real warehouse: alert delivery when SMTP is down, then up;
moderation flags from scoring to the moderation queue."""

import re
import subprocess
import sys
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import duckdb

from tests.conftest import REPO
from tests.factories import NOW, scored_mention, today_days_ago
from veille.core.config import BrandsFile
from veille.core.record import write_mentions
from veille.demo.run import free_port
from veille.pipeline import alert_step, load_step, score_step
from warehouse.mail import SmtpSettings

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


def crisis_batch(path: Path, brand: str = "Fibrelia", first_id: int = 0) -> Path:
    """Four calm weeks (a positive and a neutral post a day), then a day of complaints."""
    mentions = []
    for day in range(1, 29):
        for n, sentiment in ((2 * day, "positive"), (2 * day + 1, "neutral")):
            mentions.append(
                scored_mention(first_id + n, brand=brand, days_ago=day + 0.5, sentiment=sentiment)
            )
    for n in range(12):
        complaint = scored_mention(
            first_id + 500 + n, brand=brand, days_ago=today_days_ago(n, 12), sentiment="negative",
            text=f"Panne {n} chez {brand}",
        )  # fmt: skip
        complaint.topics = ["panne réseau"]
        mentions.append(complaint)
    write_mentions(path, mentions)
    return path


def test_alert_waits_while_smtp_is_down_then_goes_out_once(tmp_path: Path, smtp):
    inbox, port = smtp
    home = tmp_path / "home"
    db = home / "veille.duckdb"
    load_step(crisis_batch(tmp_path / "batch.jsonl"), db)

    down = SmtpSettings(host="127.0.0.1", port=free_port(), timeout_s=5)
    first = alert_step(db, BRANDS, home, smtp=down)
    assert len(first) == 1 and not first[0].sent
    assert "stays pending" in (first[0].problem or "")
    assert first[0].email_path is not None and first[0].email_path.exists()

    up = SmtpSettings(host="127.0.0.1", port=port)
    second = alert_step(db, BRANDS, home, smtp=up)
    assert [d.alert_id for d in second] == [first[0].alert_id]
    assert second[0].sent_now and len(inbox.messages) == 1
    received = message_from_bytes(inbox.messages[0], policy=policy.default)
    assert received["To"] == "cm@fibrelia.test"
    plain = received.get_body(("plain",)).get_content()
    # (12 posts, unless the test runs early on a Monday and some fell the week before)
    assert "Topics that grew this week:" in plain
    assert re.search(r"- panne réseau: \d+ posts \(\+\d+\)", plain)

    third = alert_step(db, BRANDS, home, smtp=up)
    assert third[0].sent and not third[0].sent_now
    assert len(inbox.messages) == 1


def test_digest_brands_get_one_email_a_day_with_all_their_alerts(tmp_path: Path, smtp):
    inbox, port = smtp
    brands = BrandsFile.model_validate(
        {
            "brands": [
                {"name": name, "queries": [name],
                 "alerts": {"recipients": ["cm@group.test"], "digest": True}}
                for name in ("Fibrelia", "Kalio")
            ]
        }
    )  # fmt: skip
    home = tmp_path / "home"
    db = home / "veille.duckdb"
    load_step(crisis_batch(tmp_path / "a.jsonl", "Fibrelia", 0), db)
    load_step(crisis_batch(tmp_path / "b.jsonl", "Kalio", 1000), db)

    down = SmtpSettings(host="127.0.0.1", port=free_port(), timeout_s=5)
    first = alert_step(db, brands, home, smtp=down)
    assert sorted(d.brand for d in first) == ["Fibrelia", "Kalio"]
    assert all(d.digest and not d.sent and "stays pending" in (d.problem or "") for d in first)

    up = SmtpSettings(host="127.0.0.1", port=port)
    second = alert_step(db, brands, home, smtp=up)
    assert all(d.sent_now for d in second) and len(second) == 2
    assert len(inbox.messages) == 1  # one digest for both brands
    received = message_from_bytes(inbox.messages[0], policy=policy.default)
    assert "Daily digest" in str(received["Subject"]) and "2 alerts (Fibrelia, Kalio)" in str(
        received["Subject"]
    )
    html = received.get_body(("html",)).get_content()
    assert "Panne 10 chez Fibrelia" in html and "Panne 10 chez Kalio" in html
    assert html.count("net sentiment fell to -1.00") == 2
    assert len([p for p in received.walk() if p.get_content_type() == "image/png"]) == 2

    third = alert_step(db, brands, home, smtp=up)
    assert [d.sent_now for d in third] == [] and len(inbox.messages) == 1


def test_an_alert_pending_for_longer_than_the_lookback_still_goes_out_once(tmp_path: Path, smtp):
    inbox, port = smtp
    home = tmp_path / "home"
    db = home / "veille.duckdb"
    load_step(crisis_batch(tmp_path / "batch.jsonl"), db)
    down = SmtpSettings(host="127.0.0.1", port=free_port(), timeout_s=5)
    [pending] = alert_step(db, BRANDS, home, smtp=down)
    assert not pending.sent
    # A week later (SMTP was down all along), the crisis is out of the days looked at.
    later = date.today() + timedelta(days=7)
    up = SmtpSettings(host="127.0.0.1", port=port)
    [sent] = alert_step(db, BRANDS, home, smtp=up, as_of=later)
    assert sent.alert_id == pending.alert_id and sent.sent_now and len(inbox.messages) == 1
    assert alert_step(db, BRANDS, home, smtp=up, as_of=later) == []
    assert len(inbox.messages) == 1


def test_a_past_day_sees_only_the_days_up_to_it_as_its_daily_run_did(tmp_path: Path, smtp):
    # A backfill (or a cleared run) of yesterday, with today's crisis already loaded:
    # yesterday's run saw no crisis, and neither does its re-run.
    inbox, port = smtp
    home = tmp_path / "home"
    db = home / "veille.duckdb"
    load_step(crisis_batch(tmp_path / "batch.jsonl"), db)
    up = SmtpSettings(host="127.0.0.1", port=port)
    first_complaint = NOW - timedelta(days=0.11)
    yesterday = first_complaint.date() - timedelta(days=1)
    assert alert_step(db, BRANDS, home, smtp=up, as_of=yesterday) == []
    [today] = alert_step(db, BRANDS, home, smtp=up, as_of=NOW.date())
    assert today.sent_now and len(inbox.messages) == 1


class WriterProbe:
    """An SMTP handler that, while it receives an email, opens the warehouse's writer
    from another process without waiting, as a load started then would."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.answers: list[str] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        probe = (
            "from pathlib import Path\n"
            "from warehouse.db import writer\n"
            f"with writer(Path({str(self.db)!r}), wait_s=0) as con:\n"
            "    con.execute('SELECT count(*) FROM alerts').fetchone()\n"
            "print('opened')"
        )
        done = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=120
        )
        self.answers.append(done.stdout.strip() or done.stderr.strip().splitlines()[-1])
        return "250 OK"


def test_a_load_can_write_while_the_alert_email_is_being_sent(tmp_path: Path):
    from aiosmtpd.controller import Controller

    home = tmp_path / "home"
    db = home / "veille.duckdb"
    load_step(crisis_batch(tmp_path / "batch.jsonl"), db)
    probe = WriterProbe(db)
    port = free_port()
    controller = Controller(probe, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        [delivery] = alert_step(db, BRANDS, home, smtp=SmtpSettings(host="127.0.0.1", port=port))
    finally:
        controller.stop()
    assert probe.answers == ["opened"]
    assert delivery.sent_now
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM alerts WHERE sent_at IS NOT NULL").fetchone() == (1,)
    con.close()


def test_scored_posts_carry_moderation_flags_into_the_moderation_queue(tmp_path: Path):
    posts = [
        ("en", "You are a fucking idiot, Fibrelia support, shut your mouth"),
        ("en", "Thanks Fibrelia, the technician came on time and the box works"),
        ("fr", "Ferme-la, espèce de connard de chez Fibrelia, t'es vraiment un abruti fini"),
        ("fr", "Bonjour, ma box Fibrelia redémarre toute seule depuis hier soir"),
        ("unknown", "Fibrelia, ihr Idioten"),
    ]
    mentions = []
    for n, (language, text) in enumerate(posts):
        mention = scored_mention(n, text=text)
        mention.language, mention.author = language, f"user{n}"
        mentions.append(mention)
    write_mentions(tmp_path / "matched.jsonl", mentions)
    scored = score_step(tmp_path / "matched.jsonl", tmp_path / "scored.jsonl")
    db = tmp_path / "w.duckdb"
    load_step(scored, db, brands=BRANDS)
    con = duckdb.connect(str(db), read_only=True)
    queue = con.execute(
        "SELECT mention_id, flags, prob_hate IS NULL FROM moderation_queue ORDER BY mention_id"
    ).fetchall()
    others = con.execute(
        "SELECT prob_offensive, prob_hate, moderation_flags, moderation_version FROM mentions "
        "WHERE language <> 'en' ORDER BY mention_id"
    ).fetchall()
    authors = con.execute("SELECT author, flagged FROM flagged_authors ORDER BY 1").fetchall()
    con.close()
    # The insult, not the complaint or the thanks.
    assert queue == [("m00000", ["offensive"], False)]
    # No head for French (nlp/moderation.py says why), nor for an unknown language.
    assert others == [(None, None, [], None)] * 3
    assert authors == [("user0", 1)]


def test_the_summary_says_how_old_the_reputation_index_is_when_no_post_is_recent(
    tmp_path: Path,
):
    """A warehouse whose newest post is ten days old: the index shown is of the 7 days to
    that day, and the summary says so instead of passing it off as this week's."""
    from tests.factories import load_mentions
    from veille.pipeline import _warehouse_summary

    write_mentions(tmp_path / "b.jsonl", [scored_mention(i, days_ago=10 + i % 3) for i in range(9)])
    db = tmp_path / "w.duckdb"
    load_mentions(tmp_path / "b.jsonl", db)
    lines = list(_warehouse_summary(db))
    at = next(i for i, line in enumerate(lines) if line.startswith("Reputation index"))
    newest = (scored_mention(0, days_ago=10).published_at or NOW).date()
    assert f"the 7 days to {newest}" in lines[at]
    assert lines[at + 1] == f"  (no post since {newest}: 10 days ago)"
    assert lines[at + 2].split()[0] == "Fibrelia"


def test_batches_split_for_the_score_tasks_merge_back_with_their_topic_vectors(tmp_path: Path):
    import numpy as np

    from veille.core.record import read_mentions
    from veille.pipeline import merge_step, split_step
    from warehouse.topics import read_topic_vectors, save_topic_vectors

    mentions = [scored_mention(i) for i in range(5)]
    write_mentions(tmp_path / "mentions.jsonl", mentions)
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "part-0009.jsonl").write_text("")  # an earlier try's: replaced
    parts = split_step(tmp_path / "mentions.jsonl", tmp_path / "parts", size=2)
    assert [p.name for p in parts] == ["part-0000.jsonl", "part-0001.jsonl", "part-0002.jsonl"]
    assert sorted(p.name for p in (tmp_path / "parts").iterdir()) == [p.name for p in parts]
    assert [len(list(read_mentions(p))) for p in parts] == [2, 2, 1]
    for n, part in enumerate(parts):  # as score_step saves them
        ids = [m.mention_id for m in read_mentions(part)]
        save_topic_vectors(part, ids, np.full((len(ids), 3), n, dtype=np.float32))
    merged = merge_step(list(reversed(parts)), tmp_path / "scored.jsonl")
    assert [m.mention_id for m in read_mentions(merged)] == [m.mention_id for m in mentions]
    vectors = read_topic_vectors(merged)
    assert [int(vectors[m.mention_id][0]) for m in mentions] == [0, 0, 1, 1, 2]
    write_mentions(tmp_path / "nothing.jsonl", [])
    [empty] = split_step(tmp_path / "nothing.jsonl", tmp_path / "none", size=2)
    assert empty.read_text() == ""  # one empty batch: the load still runs
