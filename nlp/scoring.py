"""Scoring mentions: the whole post's sentiment, and for each brand it names, what the
post says about that brand (nlp/targeted.py). One batch through the model for all; the
moderation flags (nlp/moderation.py) and the topic vectors (nlp/topics.py) come from
the same pass."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from nlp.aspects import AspectFinder
from nlp.common import scores_from_probabilities
from nlp.language import detect_language
from nlp.moderation import ModerationHeads
from nlp.sentiment import SentimentScorer
from nlp.targeted import brand_passage
from veille.core.record import AspectMatch, Mention

# The model reads a post in windows of 510 tokens, about a second each on 2 cores: a
# 5 MB post would take half an hour. Past this many characters (about six windows) it
# reads the beginning and the end, where posts say what they think, and the record says
# so (Mention.scored_chars).
MAX_SCORED_CHARS = 12_000
HEAD_CHARS = 9_000
ELLIPSIS = " […] "


def scored_part(text: str) -> str:
    """The text the model reads: all of it, or its first 9,000 and last 3,000 characters
    (cut between words) around a "[…]"."""
    if len(text) <= MAX_SCORED_CHARS:
        return text
    head = text[:HEAD_CHARS]
    tail = text[-(MAX_SCORED_CHARS - HEAD_CHARS) :]
    cut = head.rfind(" ", HEAD_CHARS - 200)
    head = head[:cut] if cut > 0 else head
    cut = tail.find(" ", 0, 200)
    tail = tail[cut + 1 :] if cut >= 0 else tail
    return f"{head}{ELLIPSIS}{tail}"


def scored_chars(text: str, part: str) -> int | None:
    """What the record says of `part`, the text the model read of `text`: its length
    when it is only the beginning and the end, None when it is the whole text."""
    return len(part) if len(text) > MAX_SCORED_CHARS else None


def score_mentions(
    mentions: list[Mention],
    model: SentimentScorer,
    progress: Callable[[int, int], None] | None = None,
    moderation: ModerationHeads | None = None,
    topics: bool = False,
    aspects: AspectFinder | None = None,
) -> np.ndarray | None:
    """Fill each mention's sentiment fields and its brands' targeted ones, and with
    `moderation` its flags, in place. With `aspects`, each brand's aspects too, from the
    sentences of its passage that name them (nlp/aspects.py). With `topics`, return the
    mentions' topic vectors (nlp/topics.py) from the same pass. Flags and topics need a
    model whose pass gives vectors (`gives_vectors`, `gives_topic_vectors`: the
    fine-tuned one)."""
    texts = [scored_part(m.text) for m in mentions]
    for mention, text in zip(mentions, texts, strict=True):
        mention.scored_chars = scored_chars(mention.text, text)
    # (mention, brand) whose passage is scored apart -> its index in `texts`
    targets: dict[tuple[int, int], int] = {}
    # (mention, brand, aspect, the text scored for it: its index in `texts`)
    said: list[tuple[int, int, str, int]] = []
    for i, mention in enumerate(mentions):
        for j, match in enumerate(mention.brands):
            others = [t for k, b in enumerate(mention.brands) if k != j for t in b.terms]
            passage = brand_passage(mention.text, match.terms, others)
            about = i  # the text that speaks of the brand: the post, or its passage
            if passage is not None and passage.strip() != mention.text.strip():
                texts.append(scored_part(passage))
                about = targets[i, j] = len(texts) - 1
            if aspects is None:
                continue
            whole = passage if about != i and passage is not None else mention.text
            for aspect, sentences in aspects.passages(match.brand, whole).items():
                if sentences.strip() == whole.strip():
                    said.append((i, j, aspect, about))  # the same text: scored once
                else:
                    texts.append(scored_part(sentences))
                    said.append((i, j, aspect, len(texts) - 1))
    output = model.forward(texts, progress, topic_vectors=topics)
    topic_vectors = None
    if topics and output.topic_vectors is not None:
        topic_vectors = output.topic_vectors[: len(mentions)]
    results = [scores_from_probabilities(row) for row in output.probabilities]
    if moderation is not None and output.pooled is not None:
        flags = moderation.flags(output.pooled[: len(mentions)], [m.language for m in mentions])
        for mention, flagged in zip(mentions, flags, strict=True):
            mention.moderation = flagged
            mention.moderation_version = moderation.version if flagged else None
    for mention, result in zip(mentions, results, strict=False):
        mention.sentiment = result.label
        mention.sentiment_score = result.score
        mention.probabilities = result.probabilities
        mention.model_name = model.name
        mention.model_version = model.version
    targeted = {key: results[at] for key, at in targets.items()}
    for i, mention in enumerate(mentions):
        for j, match in enumerate(mention.brands):
            # A brand named in the title only, or everywhere: the whole post speaks of it.
            result = targeted.get((i, j), results[i])
            match.sentiment = result.label
            match.sentiment_score = result.score
            match.probabilities = result.probabilities
            match.aspects = []
    for i, j, aspect, at in said:
        mentions[i].brands[j].aspects.append(
            AspectMatch(aspect, results[at].label, results[at].score)
        )
    return topic_vectors


def score_texts(
    records: list[dict[str, Any]],
    model: SentimentScorer,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """`veille score`'s contract: each {"text", …} record with its sentiment, score,
    probabilities, language ("lang" when the record gives one, else detected) and the
    model's name, plus `scored_chars` when only part of a long text was read."""
    texts = [scored_part(record["text"]) for record in records]
    scores = model.score(texts, progress=progress)
    for record, text, result in zip(records, texts, scores, strict=True):
        scored = {
            **record,
            "sentiment": result.label,
            "sentiment_score": result.score,
            "probabilities": result.probabilities,
            "language": record.get("lang") or detect_language(record["text"]),
            "model": f"{model.name} {model.version}",
        }
        read = scored_chars(record["text"], text)
        if read is not None:  # only the beginning and the end were read
            scored["scored_chars"] = read
        yield scored
