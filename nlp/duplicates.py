"""Near-duplicates: the same story syndicated, quoted or pasted with small edits.

Each post is cut into 3-word shingles (case, accents and punctuation aside); its
MinHash signature (64 hash functions) estimates the Jaccard similarity of two posts'
shingles, and is cut into 16 bands of 4 values. Two posts are copies when they share
at least MIN_SHARED_BANDS of their 16 bands: near certain at a Jaccard similarity of
0.9 (a line added before or after a story), 78% likely at 0.7, 7% at 0.5, almost
never below (binomial odds of 3 of 16 bands, each equal with probability s^4). Bands
are looked up by equality, so a post is compared with the few that share a band, not
with every post.

A post shorter than MIN_WORDS words ("+1", "same here") is never anyone's copy: it has
no bands.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections import Counter

import numpy as np

from nlp.query import fold

MIN_WORDS = 8
SHINGLE = 3
HASHES = 64
BANDS = 16
MIN_SHARED_BANDS = 3
_WORD = re.compile(r"\w+", re.UNICODE)
_PRIME = np.uint64((1 << 61) - 1)
_LOW32 = np.uint64((1 << 32) - 1)
# The hash functions h(x) = ((a·x + b) mod p) mod 2^32 on 32-bit shingle hashes, with a
# and b drawn below p (as datasketch does; uint64 arithmetic wraps, which mixes more).
# With small a, a small x would be small under every function and win every minimum.
# Fixed seed: fingerprints are stable across runs and machines.
_RANDOM = np.random.default_rng(20261125)
_A = _RANDOM.integers(1, (1 << 61) - 1, size=HASHES, dtype=np.uint64)
_B = _RANDOM.integers(0, (1 << 61) - 1, size=HASHES, dtype=np.uint64)


def _shingle_hashes(text: str) -> np.ndarray | None:
    """32-bit hashes of the text's distinct 3-word shingles: each word hashed once
    (CRC-32: stable across runs, unlike Python's hash), three neighbours combined."""
    words = _WORD.findall(fold(text))
    if len(words) < MIN_WORDS:
        return None
    h = np.array([zlib.crc32(w.encode()) for w in words], dtype=np.uint64)
    shingles = h[:-2] * np.uint64(0x9E3779B1) ^ h[1:-1] * np.uint64(0x85EBCA77) ^ h[2:]
    return np.unique(shingles & _LOW32)


def signature(text: str) -> np.ndarray | None:
    """The MinHash signature (64 values), or None for a short post."""
    hashes = _shingle_hashes(text)
    if hashes is None:
        return None
    return (((np.outer(hashes, _A) + _B) % _PRIME) & _LOW32).min(axis=0)


def band_hashes(text: str) -> list[int]:
    """The 16 band keys (signed 64-bit, for DuckDB BIGINT); none for a short post."""
    values = signature(text)
    if values is None:
        return []
    rows = HASHES // BANDS
    keys = []
    for band in range(BANDS):
        digest = hashlib.blake2b(values[band * rows : (band + 1) * rows].tobytes(), digest_size=8)
        keys.append(int.from_bytes(digest.digest(), "big", signed=True))
    return keys


def group_copies(bands: list[list[int]]) -> list[int]:
    """For each post (its band keys, in publication order), the index of the first post
    of its group of copies (through any chain of copies), or its own index."""
    parent = list(range(len(bands)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    buckets: dict[tuple[int, int], list[int]] = {}
    for i, keys in enumerate(bands):
        shared: Counter[int] = Counter()
        for number, key in enumerate(keys):
            shared.update(buckets.get((number, key), []))
            buckets.setdefault((number, key), []).append(i)
        for j, count in shared.items():
            if count >= MIN_SHARED_BANDS:
                a, b = root(i), root(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    return [root(i) for i in range(len(bands))]
