"""Wordings of different entries that the model can hardly tell apart: a curation check.

When two entries hold near-identical wordings ("Is it normal to cry at every therapy session?"
and "... the whole therapy session?" are 0.97 apart), a question close to both may land on
either. `therapy-faq validate --overlaps` lists such pairs so that a maintainer can sharpen one
wording, or merge the entries when they mean the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from therapy_faq.faq import Entry, Faq
from therapy_faq.index import ANSWER, LoadedIndex, index_rows
from therapy_faq.safety import unread_script

DEFAULT_MIN_SIMILARITY = 0.90
NEIGHBOURS = 16  # per wording; an entry's own wordings take some of them


@dataclass(frozen=True)
class Overlap:
    first: Entry
    first_wording: str
    second: Entry
    second_wording: str
    similarity: float


def find_overlaps(
    faq: Faq, index: LoadedIndex, min_similarity: float = DEFAULT_MIN_SIMILARITY
) -> list[Overlap]:
    """Pairs of wordings of different entries at or above `min_similarity` (cosine), most
    similar first. Answers are left out: they are meant to differ from questions. So are
    wordings in scripts the model cannot read (`safety.unread_script`: Chinese, Korean,
    Arabic...): to it they are rows of unknown pieces, near-identical whatever they say.

    The FAISS index finds each wording's nearest rows (exact up to 50,000 vectors, approximate
    beyond), so the check stays fast on a large FAQ.
    """
    texts, _, _ = index_rows(faq)
    read = np.array([not unread_script(text) for text in texts], dtype=bool)
    wordings = np.flatnonzero((index.row_kinds != ANSWER) & read)
    if len(wordings) == 0:
        return []
    search = index.faiss_index()
    queries = np.asarray(index.vectors[wordings], dtype=np.float32)
    k = min(NEIGHBOURS, index.vectors.shape[0])
    similarities, neighbours = search.search(queries, k)
    found: dict[tuple[int, int], float] = {}
    for row, sims, rows in zip(wordings, similarities, neighbours, strict=True):
        for similarity, other in zip(sims, rows, strict=True):
            if other < 0 or similarity < min_similarity:
                continue
            if index.row_kinds[other] == ANSWER or not read[other]:
                continue
            if index.row_entries[other] == index.row_entries[row]:
                continue
            pair = (min(int(row), int(other)), max(int(row), int(other)))
            found[pair] = max(found.get(pair, -1.0), float(similarity))
    overlaps = [
        Overlap(
            faq.entries[int(index.row_entries[a])],
            texts[a],
            faq.entries[int(index.row_entries[b])],
            texts[b],
            min(similarity, 1.0),
        )
        for (a, b), similarity in found.items()
    ]
    return sorted(overlaps, key=lambda o: (-o.similarity, o.first.id, o.second.id))
