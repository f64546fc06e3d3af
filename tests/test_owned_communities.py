"""Owned communities (sources.yaml `owned: true`): every post is kept and moderated,
whether or not it names a brand, through the real select step, the real model and a real
DuckDB file; and a real crawl of the demo forum marks its posts."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from pydantic import ValidationError

from crawlers.run import crawl_source
from veille.checks import load_checked_config
from veille.core.config import BrandsFile
from veille.core.record import Mention, read_mentions, write_mentions
from veille.pipeline import load_step, score_step, select_step

NOW = datetime.now(UTC).replace(microsecond=0)
BRANDS = BrandsFile.model_validate(
    {
        "languages": ["fr", "en"],
        "brands": [
            {"name": "Fibrelia", "queries": ["Fibrelia"], "competitors": ["Orbix"]},
            {
                "name": "Orbix",
                "role": "competitor",
                "queries": ["Orbix"],
                "sites": ["https://www.Orbix.fr/"],
            },
        ],
    }
)
REPEATED = "Remboursez-moi ma box, j'attends depuis trois semaines une réponse du support"


def crawled(n: int, text: str, *, owned: bool = True, author: str | None = None) -> Mention:
    """A post as the crawler writes it: no brands yet, `owned` from its source."""
    source = "communaute" if owned else "forum-public"
    return Mention(
        mention_id=f"{source}-{n}",
        source_id=source,
        source_kind="forum",
        url=f"http://{source}.test/viewtopic.php?t=1",
        thread_url=f"http://{source}.test/viewtopic.php?t=1",
        thread_title="Entraide",
        text=text,
        crawled_at=NOW,
        position=n,
        post_id=str(n),
        author=author or f"member{n}",
        published_at=NOW - timedelta(hours=10 - n),
        owned=owned,
    )


def test_an_owned_community_keeps_every_post_and_flags_what_breaks_its_rules(tmp_path: Path):
    posts = [
        crawled(0, "You are a fucking idiot, shut your mouth and get lost"),
        crawled(1, "Thanks for the help yesterday, the box works fine now"),
        crawled(2, "Appelez-moi au 06 12 34 56 78 ou écrivez à jean.dupont@gmail.com"),
        crawled(3, "CE FORUM NE SERT À RIEN, PERSONNE NE RÉPOND JAMAIS À MES QUESTIONS"),
        crawled(4, "Partez chez Orbix, c'est moins cher : https://boutique.orbix.fr/offres"),
        crawled(5, REPEATED, author="lucie"),
        crawled(6, REPEATED, author="lucie"),
        crawled(7, REPEATED, author="marc"),  # the same words by someone else: no repeat
        # Elsewhere, a post naming no brand is not Veille's business.
        crawled(8, "You are a fucking idiot, shut your mouth", owned=False),
    ]
    write_mentions(tmp_path / "crawl.jsonl", posts)
    selected = select_step([tmp_path / "crawl.jsonl"], BRANDS, tmp_path / "selected.jsonl")
    kept = {m.mention_id: m for m in read_mentions(selected)}
    assert sorted(kept) == [f"communaute-{n}" for n in range(8)]
    assert all(m.owned for m in kept.values())
    assert [b.brand for b in kept["communaute-4"].brands] == ["Orbix"]
    assert kept["communaute-1"].brands == [] and kept["communaute-1"].language == "en"

    scored = score_step(selected, tmp_path / "scored.jsonl")
    db = tmp_path / "w.duckdb"
    load_step(scored, db, brands=BRANDS)
    con = duckdb.connect(str(db), read_only=True)
    queue = dict(
        con.execute("SELECT mention_id, flags FROM moderation_queue WHERE owned").fetchall()
    )
    stored = con.execute("SELECT count(*) FROM mentions WHERE owned").fetchone()
    brand_rows = con.execute("SELECT mention_id, brand FROM brand_mentions").fetchall()
    con.close()
    # The insult names no brand and is in the queue; the thanks is stored, not queued.
    assert "offensive" in queue.pop("communaute-0")
    assert queue == {
        "communaute-2": ["personal_data"],
        "communaute-3": ["shouting"],
        "communaute-4": ["competitor_link"],
        "communaute-6": ["repeated"],
    }
    assert stored == (8,)
    # The brands' figures count only the posts that name them.
    assert brand_rows == [("communaute-4", "Orbix")]


def test_a_reload_keeps_the_owned_posts_as_they_were(tmp_path: Path):
    write_mentions(tmp_path / "crawl.jsonl", [crawled(2, "Mon numéro : +33 6 12 34 56 78")])
    selected = select_step([tmp_path / "crawl.jsonl"], BRANDS, tmp_path / "selected.jsonl")
    scored = score_step(selected, tmp_path / "scored.jsonl")
    db = tmp_path / "w.duckdb"
    first = load_step(scored, db, brands=BRANDS)
    again = load_step(scored, db, brands=BRANDS)
    assert (first["inserted"], again["inserted"], again["updated"]) == (1, 0, 0)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT owned, moderation_flags FROM mentions").fetchall() == [
        (True, ["personal_data"])
    ]
    con.close()


def test_a_crawl_of_an_owned_forum_marks_its_posts_and_select_keeps_them_all(
    demo_config: Path, tmp_path: Path
):
    config = load_checked_config(demo_config)
    forum = next(s for s in config.sources.sources if s.kind == "forum")
    result = crawl_source(forum.model_copy(update={"owned": True}), tmp_path)
    assert result.ok and result.path is not None, result.problem
    posts = list(read_mentions(result.path))
    assert posts and all(p.owned for p in posts)
    selected = select_step([result.path], config.brands, tmp_path / "selected.jsonl")
    kept = list(read_mentions(selected))
    assert len(kept) == len({p.mention_id for p in posts})
    assert any(not m.brands for m in kept)  # posts naming no brand, kept for moderation
    # Not owned: the same crawl keeps only the posts about a brand.
    for post in posts:
        post.owned = False
    write_mentions(tmp_path / "public.jsonl", posts)
    public = list(read_mentions(select_step([tmp_path / "public.jsonl"], config.brands,
                                            tmp_path / "public-selected.jsonl")))  # fmt: skip
    assert 0 < len(public) < len(kept) and all(m.brands for m in public)


def test_sites_read_as_domains_and_a_wrong_one_is_named():
    assert BRANDS.brands[1].sites == ["orbix.fr"]
    with pytest.raises(ValidationError, match=r"site 'orbix': expected a domain such as orbix\.fr"):
        BrandsFile.model_validate(
            {"brands": [{"name": "Orbix", "queries": ["Orbix"], "sites": ["orbix"]}]}
        )
