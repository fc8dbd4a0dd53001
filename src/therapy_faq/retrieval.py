"""Ranking FAQ entries by how close they are to a question."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

from therapy_faq.faq import Entry, Faq
from therapy_faq.index import LoadedIndex

# Below this cosine similarity the closest entry is too far away to be called an answer.
# Provisional until the evaluation sets calibrate it (see README, "How answers are chosen").
DEFAULT_MIN_SCORE = 0.45
DEFAULT_TOP_K = 3


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float


def clean_query(text: str) -> str:
    """Drop control and unassigned characters, collapse white space: what is left is embedded."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):
            kept.append(" ")
        elif category not in ("Cs", "Co", "Cn"):
            kept.append(char)
    return " ".join("".join(kept).split())


class Retriever:
    """Scores every entry by its best-matching vector (question or any phrasing)."""

    def __init__(self, faq: Faq, index: LoadedIndex) -> None:
        if [entry.id for entry in faq.entries] != index.entry_ids:
            raise ValueError("the index was built from a different FAQ")
        self.faq = faq
        self.index = index

    def rank_vectors(self, vectors: np.ndarray, limit: int) -> list[list[Match]]:
        ntotal = self.index.vectors.ntotal
        # Several rows can belong to one entry: fetch enough rows to fill `limit` distinct entries.
        rows = min(ntotal, max(limit * 8, 32))
        scores, row_ids = self.index.vectors.search(np.ascontiguousarray(vectors, np.float32), rows)
        ranked: list[list[Match]] = []
        for row_scores, row_numbers in zip(scores, row_ids, strict=True):
            best: dict[int, float] = {}
            for score, row in zip(row_scores, row_numbers, strict=True):
                if row < 0:
                    continue
                position = int(self.index.row_entries[row])
                if score > best.get(position, -np.inf):
                    best[position] = float(score)
            order = sorted(best.items(), key=lambda item: -item[1])[:limit]
            ranked.append([Match(self.faq.entries[pos], score) for pos, score in order])
        return ranked
