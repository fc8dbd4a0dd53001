"""One reply to one message: screen for a crisis first, then answer from the FAQ or refuse."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from therapy_faq.encoder import Encoder
from therapy_faq.faq import Faq
from therapy_faq.retrieval import DEFAULT_TOP_K, Match, Retriever, clean_query
from therapy_faq.safety import CrisisResources, CrisisScreen, pattern_match, sentences

Status = Literal["answered", "no_match", "crisis"]
LONG_QUESTION_WORDS = 180  # beyond this many words the model surely cut the question


@dataclass(frozen=True)
class Reply:
    """What the bot says to one message; `to_json` is the stable `--json` contract."""

    query: str
    status: Status
    answer: Match | None
    alternatives: list[Match] = field(default_factory=list)
    crisis: CrisisResources | None = None
    truncated: bool = False  # the model read only the first part of a very long question

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
            "crisis": self.crisis.to_json() if self.crisis else None,
            "truncated": self.truncated,
        }


class Assistant:
    """Encodes a message once and uses the vectors for both the crisis screen and retrieval."""

    def __init__(
        self,
        retriever: Retriever,
        screen: CrisisScreen,
        resources: CrisisResources,
        encoder: Encoder,
    ) -> None:
        self.retriever = retriever
        self.screen = screen
        self.resources = resources
        self.encoder = encoder

    @property
    def faq(self) -> Faq:
        return self.retriever.faq

    def screen_layers(self, text: str) -> tuple[bool, bool]:
        """Whether each layer of the crisis screen, on its own, flags `text` (for evaluation)."""
        vectors = self.encoder.encode([text, *sentences(text)])
        return pattern_match(text) is not None, self.screen.semantic(vectors) is not None

    def rank(self, text: str, limit: int) -> list[Match]:
        """The `limit` closest entries, ignoring the crisis screen and the refusal rule."""
        return self.retriever.rank(self.encoder.encode([text])[0], text, limit)

    def reply(self, query: str, top_k: int = DEFAULT_TOP_K) -> Reply:
        """A crisis gets the resources and nothing else: an FAQ answer could read as dismissive
        ("you're totally killing it") to someone in danger. Otherwise answer or refuse."""
        text = clean_query(query)
        # The model reads at most 256 word pieces; the crisis patterns and BM25 read it all.
        truncated = len(text.split()) > LONG_QUESTION_WORDS
        vectors = self.encoder.encode([text, *sentences(text)])
        if self.screen.assess(text, vectors).crisis:
            return Reply(query, "crisis", None, [], crisis=self.resources, truncated=truncated)
        matches = self.retriever.rank(vectors[0], text, top_k + 1)
        runner_up = matches[1].score if len(matches) > 1 else None
        if not matches or not self.retriever.scoring.accepts(matches[0].score, runner_up):
            return Reply(query, "no_match", None, matches[:top_k], truncated=truncated)
        return Reply(query, "answered", matches[0], matches[1 : top_k + 1], truncated=truncated)
