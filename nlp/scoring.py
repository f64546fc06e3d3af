"""Scoring mentions: the whole post's sentiment, and for each brand it names, what the
post says about that brand (nlp/targeted.py). One batch through the model for all."""

from __future__ import annotations

from collections.abc import Callable

from nlp.sentiment import SentimentScorer
from nlp.targeted import brand_passage
from veille.record import Mention


def score_mentions(
    mentions: list[Mention],
    model: SentimentScorer,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Fill each mention's sentiment fields and its brands' targeted ones, in place."""
    texts = [m.text for m in mentions]
    targets: list[tuple[int, int]] = []  # (mention, brand) whose passage is scored apart
    for i, mention in enumerate(mentions):
        for j, match in enumerate(mention.brands):
            others = [t for k, b in enumerate(mention.brands) if k != j for t in b.terms]
            passage = brand_passage(mention.text, match.terms, others)
            if passage is not None and passage.strip() != mention.text.strip():
                targets.append((i, j))
                texts.append(passage)
    results = model.score(texts, progress)
    for mention, result in zip(mentions, results, strict=False):
        mention.sentiment = result.label
        mention.sentiment_score = result.score
        mention.probabilities = result.probabilities
        mention.model_name = model.name
        mention.model_version = model.version
    targeted = dict(zip(targets, results[len(mentions) :], strict=True))
    for i, mention in enumerate(mentions):
        for j, match in enumerate(mention.brands):
            # A brand named in the title only, or everywhere: the whole post speaks of it.
            result = targeted.get((i, j), results[i])
            match.sentiment = result.label
            match.sentiment_score = result.score
            match.probabilities = result.probabilities
