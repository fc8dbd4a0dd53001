"""Lexical scoring with BM25 (bm25s, with Snowball stemming), fused with the dense scores."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np


@cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(
        list(texts), stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False
    )


def build_bm25(documents: Sequence[str], folder: Path) -> None:
    """One document per FAQ entry, saved with bm25s's own JSON and NumPy files (no pickle)."""
    import bm25s

    model = bm25s.BM25()
    model.index(tokenize(documents), show_progress=False)
    model.save(str(folder))


class Bm25Scorer:
    def __init__(self, folder: Path) -> None:
        import bm25s

        self._model = bm25s.BM25.load(str(folder))
        self.size = int(self._model.scores["num_docs"])

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for `query` (zeros when no word is known)."""
        vocabulary = self._model.vocab_dict
        tokens = [t for t in tokenize([query])[0] if t in vocabulary]
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._model.get_scores(tokens), dtype=np.float32)
