"""The chat's memory, on the real model: follow-ups read with the last question, and only then."""

from __future__ import annotations

import pytest

from therapy_faq.conversation import Conversation, reads_as_follow_up

pytestmark = pytest.mark.model


@pytest.mark.parametrize(
    "text", ["why?", "what about online sessions", "should I tell her?", "does that mean I'm ok"]
)
def test_short_replies_read_as_follow_ups(text: str) -> None:
    assert reads_as_follow_up(text)


@pytest.mark.parametrize(
    "text",
    [
        "how much does therapy cost",
        "thanks",
        "my therapist cried today and I don't know what to do",
    ],
)
def test_questions_with_their_own_subject_do_not(text: str) -> None:
    assert not reads_as_follow_up(text)


def test_a_follow_up_is_answered_with_the_last_question(real_assistant) -> None:
    chat = Conversation(real_assistant)
    assert chat.reply("i want to hug my therapist", top_k=2).status == "answered"
    alone = real_assistant.reply("is that weird?", top_k=2)
    assert alone.status == "no_match"  # the reason for reading it with the last question
    reply = chat.reply("is that weird?", top_k=2)
    assert reply.status == "answered" and reply.follow_up_of == "i want to hug my therapist"
    assert reply.query == "is that weird?"
    assert reply.answer is not None and "hug" in reply.answer.entry.id


def test_no_follow_up_after_a_new_subject_the_faq_does_not_cover(real_assistant) -> None:
    chat = Conversation(real_assistant)
    chat.reply("i want to hug my therapist", top_k=2)
    assert chat.reply("best pizza recipe in naples", top_k=2).status == "no_match"
    reply = chat.reply("why?", top_k=2)
    assert reply.status == "no_match" and reply.follow_up_of is None


def test_a_risky_message_is_never_joined_to_an_earlier_question(real_assistant) -> None:
    chat = Conversation(real_assistant)
    chat.reply("i want to hug my therapist", top_k=2)
    reply = chat.reply("what if i just end it tonight", top_k=2)
    assert reply.status == "crisis" and reply.follow_up_of is None
