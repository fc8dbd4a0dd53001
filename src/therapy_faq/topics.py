"""Topics the FAQ does not cover (`data/topics.yaml`), each with a pointer to who can answer.

A question closer to a topic's examples than to any wording of the FAQ is refused with that
pointer ("your insurer can tell you what your plan covers") instead of being given the nearest
entry, which answers another question. The examples are embedded at build time into the index
(`topic_vectors.npy`, `topics.json`); a question compares its vector with them: one small
matrix product.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar

import numpy as np

from therapy_faq.fields import FORBID_EXTRA, AtLeast, Slug, Text

TOPICS_FILE = "topics.json"
TOPIC_VECTORS_FILE = "topic_vectors.npy"


@dataclass(frozen=True)
class Topic:
    __pydantic_config__: ClassVar[Any] = FORBID_EXTRA

    id: Slug
    title: Text
    pointer: Text  # who can answer, in a sentence or two: no facts of its own
    examples: Annotated[list[Text], AtLeast(3)]  # questions as people ask them


@dataclass(frozen=True)
class Topics:
    __pydantic_config__: ClassVar[Any] = FORBID_EXTRA

    topics: list[Topic] = field(default_factory=list)

    def __post_init__(self) -> None:
        ids = [topic.id for topic in self.topics]
        doubled = sorted({i for i in ids if ids.count(i) > 1})
        if doubled:
            raise ValueError(f"topic ids used twice: {', '.join(doubled)}")


def load_topics(path: Path) -> Topics:
    from therapy_faq.crisis import load_validated

    return load_validated(path, Topics, "topics file")


def topics_sha256(path: Path) -> str:
    """The topics file's hash, which an index records: an edit of it makes the index stale."""
    from therapy_faq.faq import data_file_sha256

    return data_file_sha256(path, "topics")


@dataclass(frozen=True)
class TopicMatch:
    id: str
    title: str
    pointer: str
    similarity: float  # cosine of the question to the topic's closest example


@dataclass(frozen=True)
class TopicIndex:
    """The topics of an index: their pointers, and one unit vector per example."""

    topics: list[dict[str, str]]  # id, title, pointer
    rows: np.ndarray  # example -> position of its topic
    vectors: np.ndarray  # (examples, dimension), unit length

    def closest(self, vector: np.ndarray) -> TopicMatch | None:
        if not len(self.rows):
            return None
        sims = np.asarray(self.vectors, dtype=np.float32) @ np.asarray(vector, dtype=np.float32)
        best = int(np.argmax(sims))
        topic = self.topics[int(self.rows[best])]
        return TopicMatch(topic["id"], topic["title"], topic["pointer"], float(sims[best]))

    @classmethod
    def load(cls, folder: Path) -> TopicIndex:
        data: Any = json.loads((folder / TOPICS_FILE).read_text(encoding="utf-8"))
        vectors = np.load(folder / TOPIC_VECTORS_FILE, allow_pickle=False)
        rows = np.asarray(data["rows"], dtype=np.int64)
        topics = [{k: str(t[k]) for k in ("id", "title", "pointer")} for t in data["topics"]]
        if vectors.shape[0] != len(rows) or (len(rows) and rows.max() >= len(topics)):
            raise ValueError("the topics do not match their vectors")
        return cls(topics, rows, vectors.astype(np.float32, copy=False))


def topic_rows(topics: Topics) -> tuple[list[str], list[int]]:
    """Every example's text and the position of its topic."""
    texts: list[str] = []
    rows: list[int] = []
    for position, topic in enumerate(topics.topics):
        texts.extend(topic.examples)
        rows.extend([position] * len(topic.examples))
    return texts, rows


def write_topics(folder: Path, topics: Topics, vectors: np.ndarray) -> None:
    _, rows = topic_rows(topics)
    described = [{"id": t.id, "title": t.title, "pointer": t.pointer} for t in topics.topics]
    (folder / TOPICS_FILE).write_text(
        json.dumps({"topics": described, "rows": rows}, ensure_ascii=False), encoding="utf-8"
    )
    with (folder / TOPIC_VECTORS_FILE).open("wb") as handle:
        np.save(handle, np.asarray(vectors, dtype=np.float32), allow_pickle=False)
