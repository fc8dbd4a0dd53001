"""Finding the closest FAQ entries for a question, and the reply it leads to."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from therapy_faq.encoder import Encoder
from therapy_faq.faq import Entry, Faq
from therapy_faq.index import LoadedIndex

Status = Literal["answered", "no_match", "crisis"]

# Below this cosine similarity the closest entry is too far away to be called an answer.
# Provisional until the evaluation sets calibrate it (see README, "How answers are chosen").
DEFAULT_MIN_SCORE = 0.45
DEFAULT_TOP_K = 3


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float


@dataclass(frozen=True)
class Reply:
    """What the bot says to one question; `to_json` is the stable `--json` contract."""

    query: str
    status: Status
    answer: Match | None
    alternatives: list[Match] = field(default_factory=list)
    crisis: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        answer = None
        if self.answer is not None:
            entry = self.answer.entry
            answer = {
                "id": entry.id,
                "question": entry.question,
                "answer": entry.answer,
                "score": round(self.answer.score, 4),
                "sources": [
                    {"title": s.title, "document": s.document, "url": s.url} for s in entry.sources
                ],
            }
        return {
            "query": self.query,
            "status": self.status,
            "answer": answer,
            "alternatives": [
                {"id": m.entry.id, "question": m.entry.question, "score": round(m.score, 4)}
                for m in self.alternatives
            ],
            "crisis": self.crisis,
        }


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

    def __init__(
        self,
        faq: Faq,
        index: LoadedIndex,
        encoder: Encoder,
        min_score: float = DEFAULT_MIN_SCORE,
    ) -> None:
        if [entry.id for entry in faq.entries] != index.entry_ids:
            raise ValueError("the index was built from a different FAQ")
        self.faq = faq
        self.index = index
        self.encoder = encoder
        self.min_score = min_score

    def rank(self, query: str, limit: int) -> list[Match]:
        """The `limit` best entries for one question, best first."""
        vector = self.encoder.encode([query])
        return self.rank_vectors(vector, limit)[0]

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

    def reply(self, query: str, top_k: int = DEFAULT_TOP_K) -> Reply:
        """Answer with the closest entry, or refuse when even the closest is too far away."""
        text = clean_query(query)
        matches = self.rank(text, top_k + 1)
        if not matches or matches[0].score < self.min_score:
            return Reply(query, "no_match", None, matches[:top_k])
        return Reply(query, "answered", matches[0], matches[1 : top_k + 1])
