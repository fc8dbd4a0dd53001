"""A chat's memory of a crisis: after an urgent reply, help stays in view for the whole session.

`ask` is stateless; the chat keeps one `Conversation`. After an urgent reply, a message that is
no FAQ question gets a short warm reply that names a line again (never "I don't have an
answer"), another risky message gets the panel again, shorter, and every answer carries a
one-line reminder.
"""

from __future__ import annotations

from dataclasses import replace

from therapy_faq.assistant import Assistant, Reply
from therapy_faq.safety import Assessment


class Conversation:
    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.crisis_category: str | None = None  # set by the first urgent reply

    @property
    def after_crisis(self) -> bool:
        return self.crisis_category is not None

    def reply(self, text: str, top_k: int) -> Reply:
        reply = self.assistant.reply(text, top_k=top_k)
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
