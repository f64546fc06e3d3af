"""Topics: do they follow what posts are about, how fast, and do their ids hold?

Corpus: reviews whose subject is known, from the dev files under ../shared/data/sentiment
(never trained on), up to --per of each (seed 0): phones (Amazon, en), restaurants
(Yelp, en), films (IMDB, en), all three from UCI "sentiment labelled sentences",
books (Amazon.fr, fr) and TV series (Allociné, fr). Each is half positive, half
negative, so a clustering by polarity instead of by subject shows: "NMI pol." is the
topics' mutual information with polarity, which should be near 0.

Vectors, each L2-normalised, all from the sentiment model's pass:
- e5: the base multilingual-e5-small's final mean states, its own top layers run on
  the sentiment model's frozen bottom (nlp/topics.py's choice; a third of a pass more);
- layer N (--layer, default 6): the mean states after frozen layer N (free);
- final: the sentiment model's pooled vector (free; its top layers learnt polarity).

Figures:
- vectors compared without a threshold: k-means (k = the number of topics the index
  found, seed 0), and how often a post's nearest other post has its subject (1-NN);
  next to TF-IDF + k-means (same k), the classic baseline;
- the index (nlp/topics.py, its constants) on the chosen vectors, and a sweep of the
  thresholds around them: topics, share of posts assigned, NMI, adjusted Rand index
  and purity (share of posts in their topic's majority subject) on the assigned posts,
  NMI with polarity, and keyword coherence: the mean NPMI over the pairs of each
  topic's top 5 keywords, of their co-occurrence in the corpus's posts (-1: never
  together, 0: independent, 1: always together);
- stability: the corpus in two halves, the second run loaded from the first's rows
  (as from the warehouse): how many posts joined first-run topics, how many topics it
  founded, whether the first run's ids all survive, and whether a fresh index fed the
  first half again gives the same ids;
- time per 1,000 posts: the topic step, and the encoder with and without the topic
  vectors;
- the label check: each subject's posts end with a made-up brand's name, as every
  brand mention names its brand: how many topic labels name a brand with the brands'
  names and query words kept and excluded (as shipped), how many show a two-word
  phrase, and the keywords' NPMI (a phrase occurs in a post holding all its words).

    .venv/bin/python bench/topics.py [--per 600] [--layer 6] [--data ../shared/data/sentiment]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections import Counter
from itertools import combinations
from pathlib import Path

import numpy as np

from nlp import topics
from nlp.evaluation import read_labelled
from nlp.query import fold
from nlp.topics import TopicIndex, c_tf_idf, keyword_candidates, label_exclusions, normalise

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "sentiment"
SUBJECTS = {
    "phones": "en/uci_labelled_sentences/amazon_cells.jsonl",
    "restaurants": "en/uci_labelled_sentences/yelp.jsonl",
    "films": "en/uci_labelled_sentences/imdb.jsonl",
    "books": "fr/amazon_fr_books_pattern/all.jsonl",
    "tv series": "fr/allocine_tvseries_dongdemelo/dev.jsonl",
}
# A made-up brand per subject, for the label check.
BRANDS = {"phones": "Nokali", "restaurants": "Bistrola", "films": "Cinexa",
          "books": "Livrea", "tv series": "Seriva"}  # fmt: skip
SWEEP = [(0.89, 0.86), (0.90, 0.87), (0.91, 0.88), (0.92, 0.89), (0.93, 0.90)]


def read_corpus(data: Path, per: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(texts, subjects, polarities), shuffled (seed 0)."""
    rows = []
    for subject, name in SUBJECTS.items():
        records = read_labelled(data / name)
        random.Random(0).shuffle(records)
        rows += [(r["text"], subject, r["label"]) for r in records[:per]]
    random.Random(0).shuffle(rows)
    return [r[0] for r in rows], np.array([r[1] for r in rows]), np.array([r[2] for r in rows])


def purity(gold: np.ndarray, found: np.ndarray) -> float:
    top = sum(Counter(gold[found == c]).most_common(1)[0][1] for c in set(found))
    return top / max(len(found), 1)


def agreement(gold: np.ndarray, found: np.ndarray, polarity: np.ndarray) -> str:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return (
        f"{normalized_mutual_info_score(gold, found):>6.3f} "
        f"{adjusted_rand_score(gold, found):>6.3f} {purity(gold, found):>6.3f} "
        f"{normalized_mutual_info_score(polarity, found):>8.3f}"
    )


def npmi(keyword_lists: list[list[str]], documents: list[set[str]], top: int = 5) -> float:
    """Mean NPMI of each topic's top keyword pairs over the posts (folded words)."""
    n = len(documents)
    having: dict[str, set[int]] = {}
    for i, document in enumerate(documents):
        for word in document:
            having.setdefault(word, set()).add(i)

    def posts_with(keyword: str) -> set[int]:
        """The posts holding the keyword, every word of it for a phrase."""
        words = [having.get(w, set()) for w in fold(keyword).split()]
        return set.intersection(*words) if words else set()

    scores = []
    for words in keyword_lists:
        pairs = []
        for a, b in combinations([posts_with(w) for w in words[:top]], 2):
            both = len(a & b) / n
            pa, pb = len(a) / n, len(b) / n
            if both == 0:
                pairs.append(-1.0)
            elif both == 1:
                pairs.append(1.0)
            else:
                pairs.append(math.log(both / (pa * pb)) / -math.log(both))
        if pairs:
            scores.append(float(np.mean(pairs)))
    return float(np.mean(scores)) if scores else float("nan")


def tfidf_kmeans(texts: list[str], k: int) -> tuple[np.ndarray, list[list[str]]]:
    """The baseline: TF-IDF of the keyword words, k-means; each cluster's top words."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        analyzer=lambda t: [fold(w) for w in keyword_candidates(t)], min_df=2, sublinear_tf=True
    )
    matrix = vectorizer.fit_transform(texts)
    model = KMeans(k, n_init=4, random_state=0).fit(matrix)
    vocabulary = vectorizer.get_feature_names_out()
    words = [[str(vocabulary[j]) for j in np.argsort(-c)[:8]] for c in model.cluster_centers_]
    return model.labels_, words


def run_index(
    texts: list[str], vectors: np.ndarray, **settings: float
) -> tuple[TopicIndex, np.ndarray, float]:
    index = TopicIndex(**settings)  # type: ignore[arg-type]
    started = time.perf_counter()
    assigned = index.update([f"p{i}" for i in range(len(texts))], vectors, texts)
    took = time.perf_counter() - started
    return index, np.array([a or "" for a in assigned]), took


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--per", type=int, default=600)
    parser.add_argument("--layer", type=int, default=6, help="the frozen layer to compare")
    args = parser.parse_args()
    from sklearn.cluster import KMeans

    from nlp.finetuned import FinetunedSentiment

    texts, subjects, polarity = read_corpus(args.data, args.per)
    print(f"corpus: {len(texts):,} posts, " + ", ".join(
        f"{s} {n}" for s, n in Counter(subjects.tolist()).items()))  # fmt: skip
    model = FinetunedSentiment()
    started = time.perf_counter()
    _, final, e5 = model.predict_with_topic_vectors(texts)
    shared_pass = time.perf_counter() - started
    inner = model.predict_with_topic_vectors(texts, layer=args.layer)[2]
    sample = texts[:500]
    started = time.perf_counter()
    model.predict_with_vectors(sample)
    alone = time.perf_counter() - started
    started = time.perf_counter()
    model.predict_with_topic_vectors(sample)
    both = time.perf_counter() - started
    per_k = 1000 / len(texts)
    print(
        f"encoder ({model.precision}, 2 threads), per 1,000 posts: sentiment alone "
        f"{alone * 2:.1f} s, sentiment and e5 topic vectors {both * 2:.1f} s (on {len(sample)}"
        f" posts); the whole corpus with topic vectors {shared_pass * per_k:.1f} s"
    )
    choices = {"e5": e5, f"layer {args.layer}": inner, "final": final}
    chosen = "e5"
    documents = [{fold(w) for w in keyword_candidates(t)} for t in texts]

    index, found, took = run_index(texts, choices[chosen])
    k = len(index)
    print(f"\nvectors without a threshold: k-means, k = {k} (the index's topic count), seed 0")
    print(f"{'vectors':<16} {'1-NN':>6} {'NMI':>6} {'ARI':>6} {'purity':>6} {'NMI pol.':>8}")
    for name, vectors in choices.items():
        unit = normalise(vectors)
        similarity = unit @ unit.T
        np.fill_diagonal(similarity, -2)
        nearest = (subjects[similarity.argmax(axis=1)] == subjects).mean()
        labels = KMeans(k, n_init=4, random_state=0).fit_predict(unit)
        print(f"{name:<16} {nearest:>6.3f} {agreement(subjects, labels, polarity)}")
    baseline, baseline_words = tfidf_kmeans(texts, k)
    print(f"{'tf-idf':<16} {'':>6} {agreement(subjects, baseline, polarity)}"
          f"   keyword NPMI {npmi(baseline_words, documents):.3f}")  # fmt: skip

    print(f"\nthe index on {chosen} (* the shipped constants, min size {topics.MIN_SIZE})")
    print(
        f"{'join':>5} {'clust.':>6} {'min':>3} {'topics':>6} {'assigned':>8} "
        f"{'NMI':>6} {'ARI':>6} {'purity':>6} {'NMI pol.':>8} {'NPMI':>6} {'s/1k':>5}"
    )
    grid = [(j, c, topics.MIN_SIZE) for j, c in SWEEP]
    grid += [(topics.JOIN_SIMILARITY, topics.CLUSTER_SIMILARITY, m) for m in (5, 12)]
    for join, similarity, size in grid:
        settings = {"join_similarity": join, "cluster_similarity": similarity, "min_size": size}
        swept, labels, seconds = run_index(texts, choices[chosen], **settings)
        kept = labels != ""
        shipped = (join, similarity, size) == (
            topics.JOIN_SIMILARITY, topics.CLUSTER_SIMILARITY, topics.MIN_SIZE)  # fmt: skip
        print(
            f"{join:>5.2f} {similarity:>6.2f} {size:>3} {len(swept):>6} {kept.mean():>8.1%} "
            f"{agreement(subjects[kept], labels[kept], polarity[kept])} "
            f"{npmi([t.keywords for t in swept.topics], documents):>6.3f} "
            f"{seconds * per_k:>5.2f}{' *' if shipped else ''}"
        )
    print(f"\nlargest topics on {chosen}: size, majority subject, label")
    for topic in sorted(index.topics, key=lambda t: -t.size)[:10]:
        majority, count = Counter(subjects[found == topic.topic_id]).most_common(1)[0]
        print(f"  {topic.topic_id} {topic.size:>4} {majority:<12} {count / topic.size:>4.0%}  "
              f"{', '.join(topic.keywords)}")  # fmt: skip

    half = len(texts) // 2
    keys = [f"p{i}" for i in range(len(texts))]
    first = TopicIndex()
    first.update(keys[:half], choices[chosen][:half], texts[:half])
    ids = [t.topic_id for t in first.topics]
    second = TopicIndex.from_rows(json.loads(json.dumps(first.to_rows())))
    later = second.update(keys[half:], choices[chosen][half:], texts[half:])
    joined = sum(a in ids for a in later)
    founded = len(second) - len(ids)
    fresh = TopicIndex()
    fresh.update(keys[:half], choices[chosen][:half], texts[:half])
    survived = [t.topic_id for t in second.topics[: len(ids)]] == ids
    later_labels = np.array([a or "" for a in later])
    kept = later_labels != ""
    print(
        f"\nstability: run 1 on {half:,} posts founded {len(ids)} topics; run 2 on "
        f"{len(texts) - half:,} new posts: {joined / (len(texts) - half):.1%} joined run-1 "
        f"topics, {kept.mean():.1%} assigned in all, {founded} new topics; run-1 ids "
        f"unchanged: {survived}; a fresh index on run 1's posts gives the same ids: "
        f"{[t.topic_id for t in fresh.topics] == ids}; run 2 purity "
        f"{purity(subjects[half:][kept], later_labels[kept]):.3f}"
    )
    print(f"topic step: {took * per_k:.2f} s per 1,000 posts ({len(texts):,} in one run)")
    label_check(texts, subjects, choices[chosen], documents)


def label_check(
    texts: list[str], subjects: np.ndarray, vectors: np.ndarray, documents: list[set[str]]
) -> None:
    """Each subject's posts name a made-up brand, as every brand mention does, with the
    same vectors: how many labels name a brand, with and without the exclusions."""
    branded = [
        f"{text} #{BRANDS[str(subject)]}" for text, subject in zip(texts, subjects, strict=True)
    ]
    names = set(BRANDS.values())
    excluded = label_exclusions(names, [f"{name} OR {name.lower()}*" for name in names])
    print("\nlabel check: each subject's posts end with a made-up brand's name (same vectors)")
    print(f"{'':<34} {'topics':>6} {'brand in label':>14} {'phrase in label':>15} {'NPMI':>6}")
    for title, index in (
        ("brand words kept", TopicIndex()),
        ("brand and query words excluded *", TopicIndex(excluded=excluded)),
    ):
        index.update([f"p{i}" for i in range(len(texts))], vectors, branded)
        folded = [fold(t.label) for t in index.topics]
        naming = sum(any(fold(n) in label.split() for n in names) for label in folded)
        phrases = sum(any(" " in k for k in t.keywords[:3]) for t in index.topics)
        print(
            f"{title:<34} {len(index):>6} {naming:>14} {phrases:>15} "
            f"{npmi([t.keywords for t in index.topics], documents):>6.3f}"
        )
        largest = sorted(index.topics, key=lambda t: -t.size)[:3]
        print("  largest: " + " | ".join(t.label for t in largest))
    # The same topics labelled by single words only, as before phrases.
    words_only = c_tf_idf(
        [Counter({w: c for w, c in t.terms.items() if " " not in w}) for t in index.topics],
        excluded=excluded,
    )
    print(
        f"{'the same, single words only':<34} {len(index):>6} {'':>14} {0:>15} "
        f"{npmi(words_only, documents):>6.3f}"
    )


if __name__ == "__main__":
    main()
