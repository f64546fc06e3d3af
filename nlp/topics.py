"""Topics: what posts are about, found in their sentence vectors and named by their
keywords, with ids that stay put from one run to the next.

Vectors: the base multilingual-e5-small's sentence vectors (mean of its final token
states), from the sentiment pass: the sentiment model keeps the base's first 8 layers
frozen, so their output goes on through the base's own top 4 layers as well
(`FinetunedSentiment.predict_with_topic_vectors`), a third of the cost of a second
pass. Not the sentiment model's own vector: its retrained top layers sort posts by
polarity, and by language before subject. Not an inner frozen layer's states, though
free and blind to polarity: there a French post lies nearer a French post on another
subject than an English post on its own (layer 6, the tests' posts: mean cosine 0.80
against 0.78). bench/topics.py measures the choices.

A run (`TopicIndex.update`) first lets each post join the nearest existing topic when
its cosine similarity to the topic's centroid reaches JOIN_SIMILARITY (the centroid
moves as a running mean; the id never changes). The posts that fit no topic are
clustered together (average-linkage agglomerative clustering, cosine distance, cut at
1 - CLUSTER_SIMILARITY: deterministic, no seed); a cluster of at least MIN_SIZE posts
becomes a new topic, whose id is a hash of its founding posts' keys, so a fresh index
fed the same posts gets the same ids. The other posts stay unassigned (None); a
caller may pass them again with a later run's posts.

Keywords: c-TF-IDF (class-based TF-IDF, as in BERTopic) over each topic's word counts:
a word's share of the topic's words, times log(1 + average words per topic / the
word's count over all topics), so a word frequent in one topic and rare elsewhere
ranks high. Stop words (French and English, nlp/stopwords/), numbers, URLs, user
handles and words under 3 letters are not keywords; French elisions (l', qu') are cut
off; words compare without case or accents and show in their most frequent spelling.

Trends: the warehouse view topic_trends counts each brand's posts per topic and week,
and their growth over the week before (warehouse/topics.py stores the topics).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from nlp.query import fold

# Cosine similarity to a centroid at which a post joins a topic. e5's cosines are high
# and close together (posts on other subjects: 0.80 on average), so the cut is fine:
# on the bench, 0.91 puts 57% of posts in topics 90% of one subject; 0.90 puts 77% at
# 88%, but there a post on app crashes joins a topic on price rises (tests/nlp).
JOIN_SIMILARITY = 0.91
# Average similarity between the posts of a new cluster: a little below the join, as a
# member's similarity to the centroid exceeds its similarity to the other members.
CLUSTER_SIMILARITY = 0.88
# The fewest unfitting posts that found a topic: fewer are noise, or a subject too
# small to show in a weekly report.
MIN_SIZE = 8
# Keywords kept per topic, of which LABEL_WORDS name it.
KEYWORDS = 8
LABEL_WORDS = 3
# A two-word phrase stands for its words when at least this share of a word's uses in
# the topic are in it ("service client" for "service"), and it is seen twice or more.
PHRASE_SHARE = 0.5
# The posts kept per topic as its most representative (nearest its centroid).
EXAMPLES = 3
# Word counts stored per topic, for relabelling as it grows (the tail never reaches
# the top eight).
TERMS_KEPT = 300
# Posts clustered in one run at most (the newest): the clustering holds a square
# distance matrix, 200 MB at this size.
MAX_CLUSTERED = 5000

STOPWORDS_DIR = Path(__file__).parent / "stopwords"
_URL = re.compile(r"(?:https?://|www\.)\S+|@\w+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)


@dataclass
class Topic:
    topic_id: str
    label: str
    keywords: list[str]
    centroid: np.ndarray  # float32, L2-normalised
    size: int  # posts assigned so far
    terms: Counter[str] = field(default_factory=Counter, repr=False)  # word/phrase -> count
    # Its most representative posts: (key, cosine to the centroid as it stood when the
    # post joined), nearest first.
    examples: list[tuple[str, float]] = field(default_factory=list)


@cache
def stopwords() -> frozenset[str]:
    """The French and English lists, folded (no case, no accents)."""
    words = set()
    for path in sorted(STOPWORDS_DIR.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                words.add(fold(line.strip()))
    return frozenset(words)


def _candidates(text: str) -> list[tuple[str, bool]]:
    """The words of a post that may be keywords, each with whether it follows the one
    before it directly (only spaces between them: no stop word, no punctuation)."""
    stop = stopwords()
    text = _URL.sub(" | ", text.lower())  # a link breaks a phrase
    words = []
    last_end = -1
    for match in _WORD.finditer(text):
        word = match.group(0).replace("’", "'")
        start = match.start()
        if "'" in word:
            head, _, tail = word.partition("'")
            if fold(head + "'") in stop:  # l'usine, qu'elle: the elided word goes
                word, start = tail, match.end() - len(tail)
            elif tail == "s":  # the company's
                word = head
        if len(word) >= 3 and fold(word) not in stop:
            beside = last_end >= 0 and not text[last_end:start].strip()
            words.append((word, beside))
            last_end = match.end()
        else:
            last_end = -1  # a stop word between two words breaks the phrase
    return words


def keyword_candidates(text: str) -> list[str]:
    """The words of a post that may be keywords, lower-cased, accents kept."""
    return [word for word, _ in _candidates(text)]


def keyphrase_candidates(text: str) -> list[str]:
    """The candidate words and the two-word phrases of candidates side by side in the
    post ("service client", "delivery date"; not across a stop word or punctuation)."""
    words = _candidates(text)
    phrases = [f"{first} {second}" for (first, _), (second, beside) in pairwise(words) if beside]
    return [word for word, _ in words] + phrases


def label_exclusions(names: Iterable[str], queries: Iterable[str]) -> frozenset[str]:
    """What a topic's keywords must not hold: the words of the brands' names and of
    their queries (folded; "fibr*" stays a prefix), so that a topic is named by what
    people talk about, not by whom. Operators and the site:, lang: and author: fields
    are not words."""
    excluded: set[str] = set()
    for text in [*names, *queries]:
        text = re.sub(r"\b(?:site|lang|author):\S+", " ", text)
        text = re.sub(r"\b(?:AND|OR|NOT|NEAR/\d+)\b|title:", " ", text)
        excluded.update(fold(word) for word in re.findall(r"[^\W\d_]+\*?", text))
    return frozenset(excluded)


def _excluded(term: str, excluded: frozenset[str]) -> bool:
    """Whether a word or phrase holds an excluded word (or one an excluded prefix*
    starts)."""
    for word in fold(term).split():
        if word in excluded or any(x.endswith("*") and word.startswith(x[:-1]) for x in excluded):
            return True
    return False


def c_tf_idf(
    terms: Sequence[Mapping[str, int]],
    top: int = KEYWORDS,
    excluded: frozenset[str] = frozenset(),
) -> list[list[str]]:
    """Each topic's top words (and phrases) by c-TF-IDF, none holding an `excluded`
    word. Spellings that fold alike (télé, tele) count as one word, shown as its most
    frequent spelling over all topics. A word that is mostly used in one phrase
    (PHRASE_SHARE) gives way to the phrase."""
    spelling: dict[str, Counter[str]] = {}
    folded: list[Counter[str]] = []
    for counts in terms:
        merged: Counter[str] = Counter()
        for word, count in counts.items():
            if excluded and _excluded(word, excluded):
                continue
            key = fold(word)
            merged[key] += count
            spelling.setdefault(key, Counter())[word] += count
        folded.append(merged)
    across: Counter[str] = Counter()
    for merged in folded:
        across.update(merged)
    average = sum(c for w, c in across.items() if " " not in w) / max(len(folded), 1)
    keywords = []
    for merged in folded:
        words = {w: c for w, c in merged.items() if " " not in w}
        total = sum(words.values()) or 1
        weight = {w: c / total * math.log(1 + average / across[w]) for w, c in words.items()}
        # A word seen once ranks after those seen twice: a rare word's high IDF is chance.
        ranked = sorted(weight, key=lambda w: (merged[w] < 2, -weight[w], w))
        chosen: list[str] = []
        shown: set[str] = set()  # the words of the terms chosen
        for word in ranked:
            if word in shown:  # already shown, in a phrase
                continue
            phrase = _phrase_of(word, merged)
            # The phrase, unless it would show a word again ("internet · internet outage")
            term = word if phrase is None or shown & set(phrase.split()) else phrase
            chosen.append(term)
            shown.update(term.split())
            if len(chosen) == top:
                break
        keywords.append([spelling[w].most_common(1)[0][0] for w in chosen])
    return keywords


def _phrase_of(word: str, counts: Mapping[str, int]) -> str | None:
    """The phrase that holds most of the word's uses in a topic, if one does."""
    best = max(
        (p for p in counts if " " in p and word in p.split()),
        key=lambda p: (counts[p], p),
        default=None,
    )
    if best is None or counts[best] < 2 or counts[best] < PHRASE_SHARE * counts[word]:
        return None
    return best


def topic_id(keys: Iterable[str]) -> str:
    """ "t" and 8 hex digits of a hash of the founding posts' keys (in any order)."""
    digest = hashlib.blake2b("\n".join(sorted(keys)).encode(), digest_size=4)
    return "t" + digest.hexdigest()


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def cluster(vectors: np.ndarray, similarity: float = CLUSTER_SIMILARITY) -> np.ndarray:
    """A cluster number per (normalised) vector: average linkage on cosine distance, cut
    where the average similarity between two clusters falls below `similarity`."""
    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=int)
    from sklearn.cluster import AgglomerativeClustering

    distances = np.clip(1.0 - vectors.astype(np.float64) @ vectors.T.astype(np.float64), 0, 2)
    model = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=1.0 - similarity,
    )
    return np.asarray(model.fit_predict(distances))


class TopicIndex:
    """The topics found so far; `update` adds a run's posts, `to_rows` and `from_rows`
    keep them in the warehouse between runs."""

    def __init__(
        self,
        topics: Iterable[Topic] = (),
        join_similarity: float = JOIN_SIMILARITY,
        cluster_similarity: float = CLUSTER_SIMILARITY,
        min_size: int = MIN_SIZE,
        excluded: frozenset[str] = frozenset(),
    ):
        self.topics: list[Topic] = list(topics)
        self.join_similarity = join_similarity
        self.cluster_similarity = cluster_similarity
        self.min_size = min_size
        self.excluded = excluded  # words no keyword holds (label_exclusions)

    def __len__(self) -> int:
        return len(self.topics)

    def get(self, topic_id: str) -> Topic:
        for topic in self.topics:
            if topic.topic_id == topic_id:
                return topic
        raise KeyError(f"{topic_id}: no such topic")

    def update(
        self, keys: Sequence[str], vectors: np.ndarray, texts: Sequence[str]
    ) -> list[str | None]:
        """Assign a run's posts (their unique keys, topic vectors and texts): the topic
        id of each post, or None for a post that fits no topic yet."""
        if not len(keys) == len(vectors) == len(texts):
            raise ValueError(f"{len(keys)} keys, {len(vectors)} vectors, {len(texts)} texts")
        if not keys:
            return []
        vectors = normalise(vectors.reshape(len(keys), -1))
        assigned: list[str | None] = [None] * len(keys)
        self._join(range(len(keys)), vectors, texts, keys, assigned)
        rest = [row for row in range(len(keys)) if assigned[row] is None][-MAX_CLUSTERED:]
        if len(rest) >= self.min_size:
            known = len(self.topics)
            labels = cluster(vectors[rest], self.cluster_similarity)
            groups: dict[int, list[int]] = {}
            for row, label in zip(rest, labels, strict=True):
                groups.setdefault(int(label), []).append(row)
            founded = [rows for rows in groups.values() if len(rows) >= self.min_size]
            for rows in sorted(founded, key=lambda rows: topic_id(keys[r] for r in rows)):
                topic = Topic(topic_id([keys[r] for r in rows]), "", [], vectors[rows[0]], 0)
                self._grow(topic, rows, vectors, texts, keys)
                self.topics.append(topic)
                for row in rows:
                    assigned[row] = topic.topic_id
            # The run's leftovers may fit a topic it founded, as they would next run.
            leftover = [row for row in range(len(keys)) if assigned[row] is None]
            self._join(leftover, vectors, texts, keys, assigned, first=known)
        if any(a is not None for a in assigned):
            self.relabel()
        return assigned

    def _join(
        self,
        rows: Iterable[int],
        vectors: np.ndarray,
        texts: Sequence[str],
        keys: Sequence[str],
        assigned: list[str | None],
        first: int = 0,
    ) -> None:
        """Posts join the nearest topic (from topics[first:]) within reach, compared with
        the centroids as they stand before: the order of the posts changes nothing."""
        rows = list(rows)
        candidates = self.topics[first:]
        if not rows or not candidates:
            return
        similarity = vectors[rows] @ np.stack([t.centroid for t in candidates]).T
        best = similarity.argmax(axis=1)
        joined: dict[int, list[int]] = {}
        for position, row in enumerate(rows):
            if similarity[position, best[position]] >= self.join_similarity:
                joined.setdefault(int(best[position]), []).append(row)
        for number, members in joined.items():
            self._grow(candidates[number], members, vectors, texts, keys)
            for row in members:
                assigned[row] = candidates[number].topic_id

    def _grow(
        self,
        topic: Topic,
        rows: list[int],
        vectors: np.ndarray,
        texts: Sequence[str],
        keys: Sequence[str],
    ) -> None:
        """Add posts to a topic: the centroid as a running mean (of directions: the old
        centroid weighs its size), the word and phrase counts, trimmed to TERMS_KEPT,
        and its EXAMPLES posts nearest the new centroid (earlier examples keep the
        cosine they had: their vectors are not kept)."""
        total = topic.centroid * topic.size + vectors[rows].sum(axis=0)
        topic.centroid = normalise(total[None, :])[0]
        topic.size += len(rows)
        for row in rows:
            topic.terms.update(keyphrase_candidates(texts[row]))
        if len(topic.terms) > TERMS_KEPT:
            topic.terms = Counter(dict(topic.terms.most_common(TERMS_KEPT)))
        near = vectors[rows] @ topic.centroid
        candidates = dict(topic.examples)
        candidates.update(
            (keys[row], round(float(c), 4)) for row, c in zip(rows, near, strict=True)
        )
        topic.examples = sorted(candidates.items(), key=lambda e: (-e[1], e[0]))[:EXAMPLES]

    def relabel(self) -> None:
        """Keywords and labels from every topic's counts (a word's weight depends on the
        other topics, so all are redone; ids stay)."""
        ranked = c_tf_idf([t.terms for t in self.topics], excluded=self.excluded)
        for topic, words in zip(self.topics, ranked, strict=True):
            topic.keywords = words
            topic.label = " · ".join(words[:LABEL_WORDS])

    def to_rows(self) -> list[dict[str, Any]]:
        """One plain row per topic, for the warehouse (JSON-compatible values)."""
        return [
            {
                "topic_id": t.topic_id,
                "label": t.label,
                "keywords": list(t.keywords),
                "centroid": [float(x) for x in t.centroid],
                "size": t.size,
                "terms": dict(t.terms.most_common(TERMS_KEPT)),
                "examples": [key for key, _ in t.examples],
                "example_similarities": [similarity for _, similarity in t.examples],
            }
            for t in self.topics
        ]

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], **settings: Any) -> TopicIndex:
        """The index that `to_rows` wrote, with the default or given settings."""
        topics = [
            Topic(
                topic_id=str(row["topic_id"]),
                label=str(row["label"]),
                keywords=[str(w) for w in row["keywords"]],
                centroid=np.asarray(row["centroid"], dtype=np.float32),
                size=int(row["size"]),
                terms=Counter({str(w): int(c) for w, c in (row.get("terms") or {}).items()}),
                examples=[
                    (str(key), float(similarity))
                    for key, similarity in zip(
                        row.get("examples") or [],
                        row.get("example_similarities") or [],
                        strict=True,
                    )
                ],
            )
            for row in rows
        ]
        return cls(topics, **settings)
