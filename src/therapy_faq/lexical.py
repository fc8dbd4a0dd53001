"""Lexical scoring with BM25, fused with the dense scores.

The index is built by bm25s (with Snowball stemming from PyStemmer) and saved in its own JSON
and NumPy files. Questions are scored straight from those files: importing bm25s pulls in
scipy, which would cost a one-shot `ask` a third of a second. The tokeniser settings are saved
beside the index, and a test checks tokens and scores against bm25s itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # bm25s's default
STEMMER_LANGUAGE = "english"
SETTINGS_FILE = "query_tokenizer.json"


@cache
def _stemmer(language: str = STEMMER_LANGUAGE) -> Any:
    import Stemmer

    return Stemmer.Stemmer(language)


def build_bm25(documents: Sequence[str], folder: Path) -> None:
    """One document per FAQ entry; bm25s writes JSON and NumPy files (no pickle)."""
    import bm25s
    from bm25s.stopwords import STOPWORDS_EN

    tokens = bm25s.tokenize(
        list(documents), stopwords="en", stemmer=_stemmer(), show_progress=False
    )
    model = bm25s.BM25()
    model.index(tokens, show_progress=False)
    model.save(str(folder))
    settings = {
        "pattern": TOKEN_PATTERN,
        "stopwords": sorted(STOPWORDS_EN),
        "stemmer": STEMMER_LANGUAGE,
    }
    (folder / SETTINGS_FILE).write_text(json.dumps(settings), encoding="utf-8")


class Bm25Scorer:
    """BM25 scores of every document for a question, from bm25s's saved sparse matrix."""

    def __init__(self, folder: Path) -> None:
        settings = json.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8"))
        self._split = re.compile(settings["pattern"]).findall
        self._stopwords = frozenset(settings["stopwords"])
        self._stemmer = _stemmer(settings["stemmer"])
        self.vocabulary: dict[str, int] = json.loads(
            (folder / "vocab.index.json").read_text(encoding="utf-8")
        )
        params = json.loads((folder / "params.index.json").read_text(encoding="utf-8"))
        self.size = int(params["num_docs"])
        self._data = np.load(folder / "data.csc.index.npy", allow_pickle=False)
        self._indices = np.load(folder / "indices.csc.index.npy", allow_pickle=False)
        self._indptr = np.load(folder / "indptr.csc.index.npy", allow_pickle=False)

    def tokenize(self, text: str) -> list[str]:
        """As bm25s.tokenize does: lower case, split, drop stop words, stem."""
        words = [w for w in self._split(text.lower()) if w not in self._stopwords]
        return list(self._stemmer.stemWords(words))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for `query` (zeros when no word is known)."""
        scores = np.zeros(self.size, dtype=np.float32)
        for token in self.tokenize(query):
            column = self.vocabulary.get(token)
            if column is None:
                continue
            start, end = self._indptr[column], self._indptr[column + 1]
            # A column lists each document once, so a plain fancy-index add is exact.
            scores[self._indices[start:end]] += self._data[start:end]
        return scores
