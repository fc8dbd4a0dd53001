"""A chat's memory: the last question, for follow-ups, and a crisis, which keeps help in view.

`ask` is stateless; the chat keeps one `Conversation`. A short message that reads as a follow-up
("why?", "what about online sessions", "should I tell her?") and finds no answer alone is read
with the last question answered. After an urgent reply, a message that is no FAQ question gets a
short warm reply that names a line again (never "I don't have an answer"), another risky message
gets the panel again, shorter, and every answer carries a one-line reminder.
"""

from __future__ import annotations

import re
from dataclasses import replace

from therapy_faq.assistant import Assistant, Reply
from therapy_faq.safety import Assessment

FOLLOW_UP_WORDS = 8  # a longer message carries its own subject
_OPENER = re.compile(
    r"(?:why|how come|how so|what about|and|but|so|also|then|what if|really|"
    r"should (?:i|we)|can (?:i|we)|could (?:i|we)|would|is (?:that|it|this)|does (?:that|it))\b"
)
_BACK_REFERENCE = re.compile(r"\b(?:it|that|this|he|she|him|her|they|them|those|these|then)\b")


def reads_as_follow_up(text: str) -> bool:
    """A short message that starts as a reply to something ("why?", "what about…", "should
    I…") or points back at it ("does that mean…", "tell her?")."""
    said = " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())
    if not said or len(said.split()) > FOLLOW_UP_WORDS:
        return False
    return bool(_OPENER.match(said) or _BACK_REFERENCE.search(said))


class Conversation:
    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.crisis_category: str | None = None  # set by the first urgent reply
        self.last_question: str | None = None  # the last question answered on its own

    @property
    def after_crisis(self) -> bool:
        return self.crisis_category is not None

    def reply(self, text: str, top_k: int) -> Reply:
        reply = self._with_context(text, top_k)
        if self.crisis_category is None:
            if reply.status == "crisis":
                self.crisis_category = reply.screen.category or "suicide"
            return reply
        if reply.screen.level == "concern":  # risky again: the panel, not an answer
            reply = replace(
                reply,
                status="crisis",
                answer=None,
                alternatives=[],
                topic=None,
                pointer=None,
                screen=Assessment("urgent", reply.screen.category, reply.screen.layer),
            )
        if reply.status == "crisis" and reply.screen.category is not None:
            self.crisis_category = reply.screen.category
        return replace(reply, after_crisis=self.crisis_category)

    def _with_context(self, text: str, top_k: int) -> Reply:
        """The reply to `text` alone, or, when that finds nothing and `text` reads as a follow-up,
        to it read after the last question (screened again as one message)."""
        alone = self.assistant.reply(text, top_k=top_k)
        if alone.status == "answered":
            self.last_question = text
            return alone
        previous = self.last_question
        if (
            previous is None
            or alone.status != "no_match"
            or alone.screen.level != "none"
            or alone.topic is not None
            or not reads_as_follow_up(text)
        ):
            if alone.status == "no_match" and not reads_as_follow_up(text):
                self.last_question = None  # a new subject the FAQ does not cover
            return alone
        joined = self.assistant.reply(f"{previous} {text}", top_k=top_k)
        if joined.status == "no_match":
            return alone
        return replace(joined, query=text, follow_up_of=previous)
