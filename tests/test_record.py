import json
from datetime import UTC, datetime

from veille.core.record import AspectMatch, BrandMatch, Mention, canonical_url, make_mention_id


def test_canonical_url_drops_session_tracking_and_fragment():
    url = "HTTP://Forum.Example.com/viewtopic.php?t=3&sid=abc123&utm_source=x&start=10#p45"
    assert canonical_url(url) == "http://forum.example.com/viewtopic.php?start=10&t=3"


def test_canonical_url_keeps_parameter_order_independent():
    assert canonical_url("http://a.fr/x?b=2&a=1") == canonical_url("http://a.fr/x?a=1&b=2")


def test_mention_id_is_stable_and_ignores_text_and_session():
    first = make_mention_id("forum", "http://f.fr/viewtopic.php?t=3&sid=1", post_id="45")
    again = make_mention_id("forum", "http://f.fr/viewtopic.php?t=3&sid=2", post_id="45")
    other_post = make_mention_id("forum", "http://f.fr/viewtopic.php?t=3", post_id="46")
    other_source = make_mention_id("blog", "http://f.fr/viewtopic.php?t=3", post_id="45")
    assert first == again
    assert len({first, other_post, other_source}) == 3


def test_mention_id_without_post_id_uses_position_author_and_date():
    when = datetime(2026, 11, 3, 14, 5, tzinfo=UTC)
    a = make_mention_id("s", "http://x.fr/a", position=2, author="Zoé", published_at=when)
    b = make_mention_id("s", "http://x.fr/a", position=3, author="Zoé", published_at=when)
    assert a != b


def test_mention_round_trips_through_json_dict():
    mention = Mention(
        mention_id="x",
        source_id="s",
        source_kind="forum",
        url="http://x.fr/",
        text="Très déçu",
        crawled_at=datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
        published_at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
        brands=[BrandMatch("Fibrelia", ["Fibrelia"],
                           aspects=[AspectMatch("customer_service", "negative", -0.8)])],
        probabilities={"negative": 0.9, "neutral": 0.05, "positive": 0.05},
        owned=True,
        netiquette=["shouting"],
    )  # fmt: skip
    assert Mention.from_dict(json.loads(json.dumps(mention.to_dict()))) == mention


def test_mention_id_survives_https_www_and_port_changes():
    ids = {
        make_mention_id("blog", url, post_id="comment-3")
        for url in (
            "http://blog.example.fr/2026/11/03/test/",
            "https://www.blog.example.fr/2026/11/03/test/",
            "http://blog.example.fr:8080/2026/11/03/test/#comments",
        )
    }
    assert len(ids) == 1
    other_site = make_mention_id(
        "blog", "http://autre.example.fr/2026/11/03/test/", post_id="comment-3"
    )
    assert other_site not in ids
