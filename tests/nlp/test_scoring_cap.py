"""A very long post costs the model no more than about six windows: it reads the
beginning and the end, and the record says so."""

from nlp.scoring import ELLIPSIS, MAX_SCORED_CHARS, score_mentions, scored_part
from nlp.sentiment import load_sentiment_model
from tests.factories import scored_mention


def test_a_short_text_is_read_whole():
    text = "Ma box Fibrelia marche enfin. " * 300
    assert len(text) <= MAX_SCORED_CHARS
    assert scored_part(text) is text


def test_a_long_text_keeps_its_beginning_and_end_cut_between_words():
    words = [f"mot{i}" for i in range(1_000_000)]
    text = " ".join(words)
    part = scored_part(text)
    assert len(part) <= MAX_SCORED_CHARS + len(ELLIPSIS)
    head, tail = part.split(ELLIPSIS)
    assert text.startswith(head) and text.endswith(tail)
    assert len(head) > 8_000 and len(tail) > 2_000
    # Whole words on both sides of the cut.
    assert set(head.split()) <= set(words[:2000]) and set(tail.split()) <= set(words[-1000:])


def test_scoring_a_5_mb_post_reads_12_000_characters_and_records_it():
    long_post = scored_mention(0, text="La fibre Fibrelia est en panne depuis lundi. " * 110_000)
    short_post = scored_mention(1, text="Merci Fibrelia, tout remarche !")
    assert len(long_post.text) > 4_900_000
    score_mentions([long_post, short_post], load_sentiment_model())
    assert long_post.scored_chars is not None and long_post.scored_chars <= MAX_SCORED_CHARS + 5
    assert long_post.sentiment in ("negative", "neutral", "positive")
    assert short_post.scored_chars is None and short_post.sentiment == "positive"
