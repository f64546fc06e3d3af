"""Thread context: in a forum thread about a brand, the replies that do not name it are
mentions of it too (`match: context`), through the real select step and BrandMatcher."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nlp.brands import BrandMatcher
from veille.core.config import BrandsFile
from veille.core.record import BrandMatch, Mention, make_mention_id, read_mentions, write_mentions
from veille.pipeline import select_step

CRAWLED = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
THREAD = "http://forum.test/viewtopic.php?t=42"
OTHER_THREAD = "http://forum.test/viewtopic.php?t=43"

# Five replies under "iPhone X vs 8": two name the iPhone, three do not.
REPLIES = [
    "The iPhone X screen is worth the money.",
    "useless GPS… I'm furious",
    "Battery lasts two days, very happy with it.",
    "My iPhone 8 still runs fine after three years.",
    "Face ID fails with sunglasses, annoying.",
]


def brands(thread_context: bool = True, exclude: list[str] | None = None) -> BrandsFile:
    return BrandsFile.model_validate(
        {
            "languages": ["en"],
            "brands": [
                {
                    "name": "Apple",
                    "queries": ["iPhone"],
                    "exclude": exclude or [],
                    # On by default: left out unless turned off.
                    **({} if thread_context else {"thread_context": False}),
                },
                {"name": "Samsung", "queries": ["Samsung OR Galaxy"]},
            ],
        }
    )


def post(
    position: int,
    text: str,
    *,
    thread: str = THREAD,
    title: str | None = "iPhone X vs 8",
) -> Mention:
    """A forum post as the crawler writes it: no brands yet, the thread's title on it."""
    return Mention(
        mention_id=make_mention_id("forum-phones", thread, post_id=f"{thread[-2:]}-{position}"),
        source_id="forum-phones",
        source_kind="forum",
        url=thread,
        text=text,
        crawled_at=CRAWLED,
        position=position,
        post_id=f"{thread[-2:]}-{position}",
        thread_url=thread,
        thread_title=title,
        author=f"user{position}",
        published_at=CRAWLED - timedelta(hours=10 - position),
        language="en",
    )


def iphone_thread() -> list[Mention]:
    opening = post(1, "Which one should I buy? I can't decide between the two.")
    replies = [post(i + 2, text) for i, text in enumerate(REPLIES)]
    # Another thread, about nothing monitored: its posts stay out.
    other = [
        post(1, "Best hiking trails near Lyon?", thread=OTHER_THREAD, title="Hiking"),
        post(2, "useless GPS on my watch, I got lost", thread=OTHER_THREAD, title="Hiking"),
    ]
    return [opening, *replies, *other]


def select(tmp_path: Path, posts: list[Mention], brands_file: BrandsFile) -> dict[str, Mention]:
    crawl = tmp_path / "crawl" / "forum-phones.jsonl"
    write_mentions(crawl, posts)
    out = select_step([crawl], brands_file, tmp_path / "mentions.jsonl")
    return {m.text: m for m in read_mentions(out)}


def apple(mention: Mention) -> BrandMatch:
    (match,) = [b for b in mention.brands if b.brand == "Apple"]
    return match


def test_replies_in_a_thread_about_a_brand_are_mentions_of_it_by_context(tmp_path: Path):
    selected = select(tmp_path, iphone_thread(), brands())

    assert all(text in selected for text in REPLIES), "every reply is a mention of Apple"
    by_context = [t for t in REPLIES if apple(selected[t]).match == "context"]
    assert by_context == [REPLIES[1], REPLIES[2], REPLIES[4]]
    for text in by_context:
        assert apple(selected[text]).terms == ["iPhone"]  # the title's terms
        assert [b.brand for b in selected[text].brands] == ["Apple"]
    assert apple(selected[REPLIES[0]]).match == "text"
    assert apple(selected[REPLIES[3]]).match == "text"
    # The opening post names no phone either: the thread's title makes it about Apple.
    assert apple(selected["Which one should I buy? I can't decide between the two."]).match == (
        "context"
    )
    assert not any("Hiking" in (m.thread_title or "") for m in selected.values())
    assert all(m.language == "en" for m in selected.values())


def test_thread_context_false_keeps_only_the_posts_naming_the_brand(tmp_path: Path):
    posts = iphone_thread()
    posts[0].text = "Which iPhone should I buy? I can't decide between the two."
    selected = select(tmp_path, posts, brands(thread_context=False))

    assert sorted(selected) == sorted([posts[0].text, REPLIES[0], REPLIES[3]])
    assert {b.match for m in selected.values() for b in m.brands} == {"text"}


def test_the_opening_post_naming_a_brand_puts_its_thread_about_it(tmp_path: Path):
    title = "Navigation problems"
    opening = post(1, "Since the update my Galaxy S23 loses the satellites.", title=title)
    replies = [post(2, "useless GPS… I'm furious", title=title),
               post(3, "Same here, maps are useless since Tuesday.", title=title)]  # fmt: skip
    selected = select(tmp_path, [opening, *replies], brands())

    assert [b.match for b in selected[opening.text].brands] == ["text"]
    for reply in replies:
        (match,) = selected[reply.text].brands
        assert (match.brand, match.match, match.terms) == ("Samsung", "context", ["Galaxy"])


def test_a_reply_matching_the_brands_exclude_query_gets_no_context(tmp_path: Path):
    posts = iphone_thread()
    off_topic = post(7, "Off topic: my grandma's apple pie is the best.")
    selected = select(tmp_path, [*posts, off_topic], brands(exclude=["pie"]))

    assert off_topic.text not in selected
    assert apple(selected[REPLIES[1]]).match == "context"  # the others still get it


def test_a_reply_naming_another_brand_gets_the_threads_brand_too(tmp_path: Path):
    posts = [*iphone_thread(), post(7, "Switched to a Galaxy, never looked back.")]
    selected = select(tmp_path, posts, brands())

    got = {(b.brand, b.match) for b in selected[posts[-1].text].brands}
    assert got == {("Samsung", "text"), ("Apple", "context")}


def test_brand_match_kind_round_trips_through_json_lines(tmp_path: Path):
    mention = post(2, REPLIES[1])
    mention.brands = [BrandMatch("Apple", ["iPhone"], "negative", -0.7, match="context")]
    path = tmp_path / "m.jsonl"
    write_mentions(path, [mention])

    assert json.loads(path.read_text())["brands"][0]["match"] == "context"
    assert list(read_mentions(path)) == [mention]
    # A record written before the field existed is a direct match.
    old = mention.to_dict()
    del old["brands"][0]["match"]
    assert Mention.from_dict(old).brands[0].match == "text"


def test_brand_matcher_thread_brands_leaves_out_brands_without_thread_context():
    matcher = BrandMatcher(brands(thread_context=False))
    opening = [BrandMatch("Samsung", ["Galaxy"])]
    assert matcher.thread_brands("iPhone or Galaxy?", opening) == {"Samsung": ["Galaxy"]}
