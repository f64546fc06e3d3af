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
    terms: Counter[str] = field(default_factory=Counter, repr=False)  # word -> count


@cache
def stopwords() -> frozenset[str]:
    """The French and English lists, folded (no case, no accents)."""
    words = set()
    for path in sorted(STOPWORDS_DIR.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                words.add(fold(line.strip()))
    return frozenset(words)


def keyword_candidates(text: str) -> list[str]:
    """The words of a post that may be keywords, lower-cased, accents kept."""
    stop = stopwords()
    words = []
    for word in _WORD.findall(_URL.sub(" ", text.lower())):
        word = word.replace("’", "'")
        if "'" in word:
            head, _, tail = word.partition("'")
            if fold(head + "'") in stop:  # l'usine, qu'elle: the elided word goes
                word = tail
            elif tail == "s":  # the company's
                word = head
        if len(word) >= 3 and fold(word) not in stop:
            words.append(word)
    return words


def c_tf_idf(terms: Sequence[Mapping[str, int]], top: int = KEYWORDS) -> list[list[str]]:
    """Each topic's top words by c-TF-IDF. Spellings that fold alike (télé, tele) count
    as one word, shown as its most frequent spelling over all topics."""
    spelling: dict[str, Counter[str]] = {}
    folded: list[Counter[str]] = []
    for counts in terms:
        merged: Counter[str] = Counter()
        for word, count in counts.items():
            key = fold(word)
            merged[key] += count
            spelling.setdefault(key, Counter())[word] += count
        folded.append(merged)
    across: Counter[str] = Counter()
    for merged in folded:
        across.update(merged)
    average = sum(across.values()) / max(len(folded), 1)
    keywords = []
    for merged in folded:
        total = sum(merged.values()) or 1
        weight = {w: c / total * math.log(1 + average / across[w]) for w, c in merged.items()}
        # A word seen once ranks after those seen twice: a rare word's high IDF is chance.
        ranked = sorted(weight, key=lambda w: (merged[w] < 2, -weight[w], w))[:top]
        keywords.append([spelling[w].most_common(1)[0][0] for w in ranked])
    return keywords


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
    ):
        self.topics: list[Topic] = list(topics)
        self.join_similarity = join_similarity
        self.cluster_similarity = cluster_similarity
        self.min_size = min_size

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
        self._join(range(len(keys)), vectors, texts, assigned)
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
                self._grow(topic, rows, vectors, texts)
                self.topics.append(topic)
                for row in rows:
                    assigned[row] = topic.topic_id
            # The run's leftovers may fit a topic it founded, as they would next run.
            leftover = [row for row in range(len(keys)) if assigned[row] is None]
            self._join(leftover, vectors, texts, assigned, first=known)
        if any(a is not None for a in assigned):
            self.relabel()
        return assigned

    def _join(
        self,
        rows: Iterable[int],
        vectors: np.ndarray,
        texts: Sequence[str],
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
            self._grow(candidates[number], members, vectors, texts)
            for row in members:
                assigned[row] = candidates[number].topic_id

    def _grow(
        self, topic: Topic, rows: list[int], vectors: np.ndarray, texts: Sequence[str]
    ) -> None:
        """Add posts to a topic: the centroid as a running mean (of directions: the old
        centroid weighs its size), the word counts, trimmed to TERMS_KEPT."""
        total = topic.centroid * topic.size + vectors[rows].sum(axis=0)
        topic.centroid = normalise(total[None, :])[0]
        topic.size += len(rows)
        for row in rows:
            topic.terms.update(keyword_candidates(texts[row]))
        if len(topic.terms) > TERMS_KEPT:
            topic.terms = Counter(dict(topic.terms.most_common(TERMS_KEPT)))

    def relabel(self) -> None:
        """Keywords and labels from every topic's counts (a word's weight depends on the
        other topics, so all are redone; ids stay)."""
        for topic, words in zip(self.topics, c_tf_idf([t.terms for t in self.topics]), strict=True):
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
            )
            for row in rows
        ]
        return cls(topics, **settings)
