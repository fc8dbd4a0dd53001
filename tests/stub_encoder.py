"""A tiny deterministic encoder for pure-logic tests (like simonw/llm's demo embedder).

Words are hashed into buckets, so texts sharing words get similar vectors. It knows nothing of
meaning: tests that decide whether retrieval works use the real model instead.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence

import numpy as np


class StubEncoder:
    name = "stub/hashed-words"
    dimension = 64

    def __init__(self) -> None:
        self.calls = 0

    def fingerprint(self) -> str:
        return "stub-v1"

    def query_model(self) -> None:
        return None

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                bucket = int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension
                out[row, bucket] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
            out[row, 0] += 0.0 if norm else 1.0
        if progress:
            progress(len(texts))
        return out
