"""One reply to one message: screen for a crisis first, then answer from the FAQ or refuse."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NamedTuple

import numpy as np

from therapy_faq.crisis import CrisisResources
from therapy_faq.encoder import Encoder
from therapy_faq.errors import IndexUnavailableError
from therapy_faq.faq import Faq
from therapy_faq.language import ENGLISH, detected_language
from therapy_faq.retrieval import Match, Retriever, clean_query
from therapy_faq.safety import (
    Assessment,
    CrisisScreen,
    is_medication_question,
    sentences,
    unread_script,
)
from therapy_faq.settings import DEFAULT_TOP_K

Status = Literal["answered", "no_match", "crisis"]
LONG_QUESTION_WORDS = 180  # beyond this many words the model surely cut the question
LONG_QUESTION_CHARS = 2_000  # or this many characters (one long "word" is many word pieces)
MAX_QUESTION_CHARS = 20_000  # a question is cut here before any work, and echoed at most this long


def question_text(query: str) -> str:
    """What of `query` is read: its first MAX_QUESTION_CHARS characters, cleaned ("" when
    nothing is left: not a question)."""
    return clean_query(query[:MAX_QUESTION_CHARS])


@dataclass(frozen=True)
class Reply:
    """What the bot says to one message; `to_json` is the stable `--json` contract.

    `screen` holds the crisis screen's level: `urgent` replies (status `crisis`) carry the
    resources only; `concern` replies are ordinary replies with a warm line and a crisis line.
    `after_crisis` is set by a chat that has already shown the crisis panel.
    """

    query: str
    status: Status
    answer: Match | None
    alternatives: list[Match] = field(default_factory=list)
    resources: CrisisResources | None = None
    screen: Assessment = field(default_factory=lambda: Assessment("none"))
    truncated: bool = False  # the model read only the first part of a very long question
    topic: str | None = None  # a topic the FAQ leaves to others (`topics.py`, or medication)
    pointer: str | None = None  # who can answer that topic
    after_crisis: str | None = None  # in a chat after an urgent reply: that reply's category
    follow_up_of: str | None = None  # in a chat: the earlier question this one was read with
    suggestion: Match | None = None  # a refusal's near miss, offered as "did you mean"
    foreign: bool = False  # read as a question in another language: the entries are English

    @property
    def crisis(self) -> CrisisResources | None:
        """The resources when the screen asked for help to be shown (urgent or concern)."""
        return self.resources if self.screen.level != "none" else None

    def to_json(self) -> dict[str, Any]:
        answer = None
        if self.answer is not None:
            entry = self.answer.entry
            answer = {
                "id": entry.id,
                "question": entry.question,
                "answer": entry.answer,
                "score": round(self.answer.score, 4),
                "sources": [s.to_json() for s in entry.sources],
                "excerpt": entry.excerpt,
                "see_also": list(entry.see_also),
            }
        crisis = None
        if self.resources is not None and self.screen.level != "none":
            crisis = self.resources.to_json(
                self.screen.category, self.screen.level, unread=self.screen.layer == "unread"
            )
        return {
            "query": self.query,
            "status": self.status,
            "answer": answer,
            "alternatives": [
                {"id": m.entry.id, "question": m.entry.question, "score": round(m.score, 4)}
                for m in self.alternatives
            ],
            "crisis": crisis,
            "topic": self.topic,
            "pointer": self.pointer,
            "suggestion": None
            if self.suggestion is None
            else {
                "id": self.suggestion.entry.id,
                "question": self.suggestion.entry.question,
                "score": round(self.suggestion.score, 4),
            },
            "truncated": self.truncated,
        }


class _Message(NamedTuple):
    """A message as the assistant reads it: cut, cleaned, split into clauses for the screen."""

    query: str  # as given, cut to MAX_QUESTION_CHARS
    text: str  # what is read (`question_text`)
    clauses: list[str]
    truncated: bool  # the model or the cap left part of it unread

    @classmethod
    def of(cls, query: str) -> _Message:
        cut = len(query) > MAX_QUESTION_CHARS
        query = query[:MAX_QUESTION_CHARS]
        text = question_text(query)
        # The model reads at most 256 word pieces; the crisis patterns and BM25 read the rest.
        truncated = (
            cut or len(text.split()) > LONG_QUESTION_WORDS or len(text) > LONG_QUESTION_CHARS
        )
        return cls(query, text, sentences(text), truncated)


class _Lookup(NamedTuple):
    """What a message is looked up in the FAQ with: the text (misspellings of an English
    question corrected), its embedding, and whether it is read as another language's."""

    text: str
    vector: np.ndarray
    foreign: bool = False
    unread: bool = False  # foreign, in a script the model cannot read


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

    def assess(self, text: str) -> Assessment:
        """The crisis screen's verdict on one message (for evaluation, and the chat's thanks and
        goodbyes, which are screened before they are taken as small talk)."""
        clauses = sentences(text)
        return self.screen.assess(text, self.encoder.encode([text, *clauses]), clauses)

    def rank(self, text: str, limit: int) -> list[Match]:
        """The `limit` closest entries, ignoring the crisis screen and the refusal rule."""
        vector = self.encoder.encode([text])[0]
        language = detected_language(text) if self.retriever.has_foreign else None
        foreign = self.retriever.reads_foreign(vector, language)
        return self.retriever.rank(vector, text, limit, foreign=foreign)

    def reply(self, query: str, top_k: int = DEFAULT_TOP_K) -> Reply:
        """An urgent message gets the resources and nothing else: an FAQ answer could read as
        dismissive ("you're totally killing it") to someone in danger. Otherwise answer or
        refuse, with a warm line and a crisis line at level `concern`."""
        return self.replies([query], top_k)[0]

    def replies(self, queries: Sequence[str], top_k: int = DEFAULT_TOP_K) -> list[Reply]:
        """`reply` to each message, with every message and clause encoded together: the model
        runs once per batch of texts of similar length instead of once per message (`ask -`)."""
        messages = [_Message.of(query) for query in queries]
        is_word = getattr(self.encoder, "is_word", None)
        # Only an FAQ with wordings in other languages needs to know a question's language.
        languages = [
            detected_language(m.text) if self.retriever.has_foreign else None for m in messages
        ]
        # Misspelt words are looked up as the FAQ writes them, in English questions; the screen
        # reads the message as typed. The corrected text, when it differs, is encoded in the
        # same batch.
        fixed = [
            self.retriever.bm25.corrected(m.text, is_word)
            if language in (None, ENGLISH)
            else m.text
            for m, language in zip(messages, languages, strict=True)
        ]
        texts: list[str] = []
        for message, read in zip(messages, fixed, strict=True):
            texts += [message.text, *message.clauses, *([read] if read != message.text else [])]
        vectors = self.encoder.encode(texts)
        if not np.isfinite(vectors).all():  # never a NaN score: the model was altered
            raise IndexUnavailableError(
                "the index's model gives invalid numbers; rebuild it with `therapy-faq build`"
            )
        screened, lookups, row = [], [], 0
        for message, read, language in zip(messages, fixed, languages, strict=True):
            rows = 1 + len(message.clauses)
            screened.append(vectors[row : row + rows])
            lookup = _Lookup(message.text, vectors[row])
            foreign = self.retriever.reads_foreign(vectors[row], language)
            row += rows
            if read != message.text:
                # A misspelt English question can sit closer to a foreign wording than to an
                # English one ("what do thearpists acrually do"); corrected, it does not.
                corrected = vectors[row]
                foreign = foreign and self.retriever.reads_foreign(corrected, language)
                lookup = lookup if foreign else _Lookup(read, corrected)
                row += 1
            unread = foreign and unread_script(message.text)
            lookups.append(lookup._replace(foreign=foreign, unread=unread))
        verdicts = self.screen.assess_many(
            [(m.text, m.clauses) for m in messages], np.concatenate(screened)
        )
        return [
            self._reply(message, verdict, lookup, top_k)
            for message, verdict, lookup in zip(messages, verdicts, lookups, strict=True)
        ]

    def _reply(self, message: _Message, verdict: Assessment, lookup: _Lookup, top_k: int) -> Reply:
        """`verdict`: the screen's on the message; `lookup`: what is looked up in the FAQ."""
        query, text, _, truncated = message
        reply = Reply(
            query,
            "crisis",
            None,
            [],
            self.resources,
            screen=verdict,
            truncated=truncated,
            foreign=lookup.foreign,
        )
        if verdict.level == "urgent":
            return reply
        vector = lookup.vector
        matches = self.retriever.rank(vector, lookup.text, top_k + 1, foreign=lookup.foreign)
        scoring = self.retriever.scoring
        topic = self.retriever.index.topics.closest(vector)
        wording = max((m.wording for m in matches), default=0.0)
        if topic is not None and scoring.refers(topic.similarity, wording):
            return replace(
                reply,
                status="no_match",
                alternatives=matches[:top_k],
                topic=topic.id,
                pointer=topic.pointer,
            )
        runner_up = matches[1].score if len(matches) > 1 else None
        answered = bool(matches) and scoring.accepts(
            matches[0].score, runner_up, lookup.foreign, lookup.unread
        )
        if not answered and verdict.level == "none" and is_medication_question(text):
            return replace(
                reply,
                status="no_match",
                alternatives=matches[:top_k],
                topic="medication",
                pointer=self.resources.medication,
            )
        if not answered:
            offered = bool(matches) and scoring.suggests(matches[0].score, lookup.foreign)
            near = matches[0] if offered else None
            return replace(reply, status="no_match", alternatives=matches[:top_k], suggestion=near)
        return replace(
            reply, status="answered", answer=matches[0], alternatives=matches[1 : top_k + 1]
        )
