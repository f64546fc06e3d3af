"""Privacy by design on real warehouses and a real data folder: pseudonymised authors,
masked personal data, retention that keeps the trends, erasure that leaves nothing of a
person under the data folder, access requests, key rotation."""

from __future__ import annotations

import email
import email.policy
import json
import os
import stat
from pathlib import Path

import duckdb
import pytest

from tests.factories import scored_mention, today_days_ago, warehouse_rows
from veille.cli import main
from veille.core.config import BrandsFile
from veille.core.pseudonyms import Pseudonyms, keys_path, pseudonyms
from veille.core.record import write_mentions
from veille.pipeline import alert_step, load_step, privacy_step
from veille.privacy import apply_retention, forget, rotate_key, show
from warehouse.access import export_parquet
from warehouse.mail import SmtpSettings
from warehouse.privacy import KeyMismatch

NAME = "Marcelle Proustière"
SECRET_TEXT = "Mon numéro perso est le 06 12 34 56 78, écrivez à marcelle.p@exemple.fr"


def brands(notify: tuple[str, ...] = (), **privacy: object) -> BrandsFile:
    return BrandsFile.model_validate(
        {
            "brands": [
                {
                    "name": "Fibrelia",
                    "queries": ["Fibrelia"],
                    "alerts": {
                        "recipients": ["cm@fibrelia.test"],
                        "min_volume": 5,
                        "notify": list(notify),
                    },
                }
            ],
            "privacy": privacy,
        }
    )


def batch(path: Path) -> Path:
    """Four calm weeks, then a day of complaints, three of them by one named person, one
    giving her phone number and address."""
    mentions = []
    for day in range(1, 29):
        for n, sentiment in ((2 * day, "positive"), (2 * day + 1, "neutral")):
            mentions.append(scored_mention(n, days_ago=day + 0.5, sentiment=sentiment))
    for n in range(12):
        complaint = scored_mention(
            500 + n, days_ago=today_days_ago(n, 12), sentiment="negative",
            text=f"Panne numéro {n} chez Fibrelia, plus de connexion depuis ce matin",
        )  # fmt: skip
        if n >= 9:  # the day's first: the alert email shows them
            complaint.author = NAME
            complaint.author_url = "http://forum.test/member.php?u=4242"
            complaint.text = [
                f"Fibrelia me lâche encore, troisième coupure de la semaine. {SECRET_TEXT}",
                "Toujours rien chez Fibrelia, le support ne répond pas depuis hier soir.",
                "Je résilie Fibrelia demain, personne ne rappelle jamais les clients.",
            ][n - 9]
        mentions.append(complaint)
    write_mentions(path, mentions)
    return path


def views(db: Path) -> dict[str, list[tuple]]:
    """The trends a community manager reads, as rows."""
    return {
        name: warehouse_rows(db, query)
        for name, query in {
            "daily": "SELECT * FROM daily_brand_sentiment ORDER BY ALL",
            "index": "SELECT * FROM reputation_index ORDER BY ALL",
            "voice": "SELECT * FROM share_of_voice_daily ORDER BY ALL",
            "aspects": "SELECT * FROM aspect_sentiment_daily ORDER BY ALL",
        }.items()
    }


def test_pseudonymised_authors_are_keyed_hashes_and_their_posts_still_group(tmp_path: Path):
    home = tmp_path / "home"
    db = home / "veille.duckdb"
    settings = brands(authors="pseudonymised", mask_personal_data=True)
    load_step(batch(tmp_path / "batch.jsonl"), db, settings, home=home)

    authors = warehouse_rows(db, "SELECT DISTINCT author, author_url FROM mentions")
    assert len(authors) == 6  # user0..user4 and her, each one pseudonym
    assert all(a.startswith("author-") and len(a) == 23 and url is None for a, url in authors)
    # The key is outside the warehouse, readable by its owner only.
    assert stat.S_IMODE(os.stat(keys_path(home)).st_mode) == 0o600
    # Her three posts are one author in the views; her data is masked in the text.
    top = warehouse_rows(db, "SELECT author, mentions FROM top_authors WHERE mentions = 3")
    assert len(top) == 1 and top[0][0].startswith("author-")
    texts = [t for (t,) in warehouse_rows(db, "SELECT text FROM mentions")]
    assert sum("[phone]" in t and "[email]" in t for t in texts) == 1
    raw = db.read_bytes()
    for clear in (NAME.encode(), b"member.php?u=4242", b"06 12 34 56 78", b"marcelle.p@exemple.fr"):
        assert clear not in raw

    # Loaded again, the same pseudonyms: nothing changes.
    again = load_step(tmp_path / "batch.jsonl", db, settings, home=home)
    assert again["inserted"] == again["updated"] == 0

    # Another key would give her a second pseudonym: the load refuses it.
    keys_path(home).unlink()
    with pytest.raises(KeyMismatch, match="restore the data folder's privacy/keys"):
        load_step(tmp_path / "batch.jsonl", db, settings, home=home)


def test_retention_removes_texts_and_keeps_every_trend(tmp_path: Path):
    home = tmp_path / "home"
    db = home / "veille.duckdb"
    settings = brands(retention_days=7)
    old_run = home / "runs" / "20200101T000000000000Z"
    old_run.mkdir(parents=True)
    (old_run / "scored.jsonl").write_text("{}\n")
    load_step(batch(tmp_path / "batch.jsonl"), db, settings, home=home)
    before = views(db)

    removed = privacy_step(db, settings, home)

    assert removed == {"mentions": 44, "mention_bands": removed["mention_bands"],
                       "run folders": 1}  # fmt: skip
    assert views(db) == before  # the history of every trend is whole
    assert warehouse_rows(
        db, "SELECT count(*) FROM mentions WHERE text = '' AND author IS NULL AND url = ''"
    ) == [(44,)]
    assert b"Message 57 sur Fibrelia" not in db.read_bytes()  # gone from the file too
    assert not old_run.exists()
    # A later crawl of those posts does not bring their texts back.
    again = load_step(tmp_path / "batch.jsonl", db, settings, home=home)
    assert again["inserted"] == again["updated"] == 0
    assert warehouse_rows(db, "SELECT count(*) FROM mentions WHERE text = ''") == [(44,)]
    # Nothing past it the second time; no retention set, nothing at all.
    assert apply_retention(settings.privacy, home, db).counts == {}
    assert apply_retention(brands().privacy, home, db) is None


def _readable(path: Path) -> bytes:
    if path.suffix == ".eml":
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        return " ".join(
            str(p.get_content()) for p in message.walk() if p.get_content_maintype() == "text"
        ).encode()
    return path.read_bytes()


def parquet_rows_of_hers(folder: Path) -> int:
    """Her posts in the Parquet files under a folder (an export, a DuckLake's data):
    compressed, so read, not searched as bytes."""
    con = duckdb.connect()
    try:
        total = 0
        for path in folder.rglob("*.parquet"):
            columns = {c[0] for c in con.execute(
                "DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()}  # fmt: skip
            if "author" in columns:
                total += con.execute(
                    "SELECT count(*) FROM read_parquet(?) WHERE author = ?", [str(path), NAME]
                ).fetchone()[0]
        return total
    finally:
        con.close()


def test_forget_leaves_nothing_of_the_person_under_the_data_folder(tmp_path: Path, smtp):
    from tests.receiver import webhook_receiver

    _inbox, port = smtp
    home = tmp_path / "home"
    db = home / "veille.duckdb"
    with webhook_receiver() as receiver:
        channel = receiver.url("json", "/hook")
    settings = brands(notify=(channel,))  # down now: the message stays in the outbox
    run = home / "runs" / "20261206T080000000000Z"
    run.mkdir(parents=True)
    load_step(batch(run / "scored.jsonl"), db, settings, home=home)
    (run / "crawl.log").write_text(f"scraped post by {NAME}\nother line\n")
    (run / "report.json").write_text(json.dumps({"alerts": [f"post by {NAME}"]}, indent=1))
    deliveries = alert_step(db, settings, home, smtp=SmtpSettings(host="127.0.0.1", port=port))
    assert deliveries and deliveries[0].email_path is not None
    assert NAME.encode() in _readable(deliveries[0].email_path)
    assert NAME.encode() in db.read_bytes()

    export = tmp_path / "export"
    export_parquet(db, export)
    assert parquet_rows_of_hers(export) > 0

    seen = show(home, db, author=NAME, asked_by="dpo@fibrelia.test")
    assert len(seen.posts) == 3 and seen.counts["mentions"] == 3 and seen.counts["emails"] == 1

    answer = forget(home, db, author=NAME, asked_by="dpo@fibrelia.test")

    assert answer.counts["mentions"] == 3 and answer.counts["mention_brands"] == 3
    assert answer.counts["run folder records"] == 3 and answer.counts["emails"] == 1
    assert answer.counts["log lines"] == 1
    # a run's report is redacted, not cut: it still parses
    assert json.loads((run / "report.json").read_text()) == {"alerts": ["post by [erased]"]}
    assert answer.counts["notification lines"] == 3  # her posts the alert's message shows
    for path in home.rglob("*"):
        if path.is_file():
            content = _readable(path)
            for trace in (NAME.encode(), b"member.php?u=4242", b"06 12 34 56 78"):
                assert trace not in content, f"{trace!r} still in {path}"
    export_parquet(db, export)  # the next export is rewritten without her
    assert parquet_rows_of_hers(export) == 0
    # The others' posts and the trends stay; the log names no one.
    assert warehouse_rows(db, "SELECT count(*) FROM mentions") == [(65,)]
    log = warehouse_rows(db, "SELECT kind, asked_by, author_key, removed FROM privacy_requests")
    assert {row[0] for row in log} == {"show", "forget"}
    assert all(NAME not in str(row) for row in log)
    # A later crawl of the same thread does not bring her posts back.
    again = load_step(run / "scored.jsonl", db, settings, home=home)
    assert again["withheld"] == 0  # her records were dropped from the run folder too
    recrawl = load_step(batch(tmp_path / "recrawl.jsonl"), db, settings, home=home)
    assert recrawl["withheld"] == 3
    assert warehouse_rows(db, "SELECT count(*) FROM mentions") == [(65,)]


def test_rotating_the_key_keeps_one_pseudonym_per_author(tmp_path: Path):
    home = tmp_path / "home"
    db = home / "veille.duckdb"
    settings = brands(authors="pseudonymised")
    load_step(batch(tmp_path / "batch.jsonl"), db, settings, home=home)
    before = dict(warehouse_rows(db, "SELECT mention_id, author FROM mentions"))
    forget(home, db, author="user1")

    answer = rotate_key(home, db)

    after = dict(warehouse_rows(db, "SELECT mention_id, author FROM mentions"))
    # Five authors' pseudonyms and the erasure's key of the sixth.
    assert answer.counts["pseudonyms re-keyed"] == 6
    forgotten = pseudonyms(home, create=False).keys[:1]
    user1 = Pseudonyms(forgotten).of("user1")
    assert set(after) == {m for m, a in before.items() if a != user1}
    assert all(after[m] != before[m] for m in after)
    renamed = {(before[m], after[m]) for m in after}  # one new pseudonym per old one
    assert len(renamed) == len({old for old, _ in renamed}) == len({new for _, new in renamed})
    # New posts of the same authors get the same pseudonyms; the forgotten stay out.
    report = load_step(tmp_path / "batch.jsonl", db, settings, home=home)
    assert report["inserted"] == report["updated"] == 0 and report["withheld"] > 0
    assert len(keys_path(home).read_text().split()) > 2  # a comment line and two keys


def test_privacy_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    home = tmp_path / "home"
    db = home / "veille.duckdb"
    load_step(batch(tmp_path / "batch.jsonl"), db, brands(), home=home)

    assert main(["privacy", "show", "--author", NAME, "--warehouse", str(db)]) == 0
    shown = capsys.readouterr().out
    assert "held: " in shown and "3 mentions" in shown and "troisième coupure" in shown
    assert main(["privacy", "forget", "--warehouse", str(db)]) == 2
    assert "--author NAME" in capsys.readouterr().err
    code = main(["privacy", "forget", "--author", NAME, "--source", "forum-box",
                 "--warehouse", str(db)])  # fmt: skip
    assert code == 0 and "3 mentions" in capsys.readouterr().out
    assert warehouse_rows(db, "SELECT count(*) FROM mentions") == [(65,)]


def test_forget_on_a_ducklake_leaves_no_parquet_file_holding_the_person(postgres, tmp_path: Path):
    from veille.core.home import Lake

    postgres.create_database("privacylake")
    data = tmp_path / "lake-data"
    lake = Lake(f"postgres:{postgres.dsn('privacylake')}", f"{data}/")
    home = tmp_path / "home"
    load_step(batch(tmp_path / "batch.jsonl"), lake, brands(), home=home)

    assert parquet_rows_of_hers(data) == 3
    answer = forget(home, lake, author=NAME)
    assert answer.counts["mentions"] == 3
    assert parquet_rows_of_hers(data) == 0  # no file of the lake, old or new, holds her posts
    assert show(home, lake, author=NAME).counts == {}


def test_forget_a_page_removes_its_posts_and_the_crawl_state_forgets_it(tmp_path: Path):
    from crawlers.state import CrawlState

    home = tmp_path / "home"
    db = home / "veille.duckdb"
    load_step(batch(tmp_path / "batch.jsonl"), db, brands(), home=home)
    page = "http://forum.test/viewtopic.php?t=3"
    state = CrawlState(home / "state" / "forum-box.sqlite")
    state.remember_page(page, '"etag"', None)
    state.remember_page("http://forum.test/viewtopic.php?t=4", '"etag"', None)
    state.close()
    on_page = warehouse_rows(db, f"SELECT count(*) FROM mentions WHERE url = '{page}'")[0][0]

    answer = forget(home, db, url=page)

    assert answer.counts["mentions"] == on_page > 0
    assert answer.counts["crawl state pages"] == 1
    assert warehouse_rows(db, f"SELECT count(*) FROM mentions WHERE url = '{page}'") == [(0,)]
    state = CrawlState(home / "state" / "forum-box.sqlite")
    assert state.validators(page) == (None, None)
    assert state.validators("http://forum.test/viewtopic.php?t=4") == ('"etag"', None)
    state.close()
    again = load_step(tmp_path / "batch.jsonl", db, brands(), home=home)
    assert again["withheld"] == on_page and again["inserted"] == 0
