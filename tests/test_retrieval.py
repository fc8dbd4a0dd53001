"""Retrieval with the real model and real FAISS: every source question finds its own entry."""

from __future__ import annotations

import pytest

from therapy_faq.faq import load_faq
from therapy_faq.settings import default_faq_path

FAQ = load_faq(default_faq_path())
SOURCE_QUESTIONS = sorted(
    {
        (wording, entry.id)
        for entry in FAQ.entries
        for wording in [entry.question, *(s.question for s in entry.sources)]
        if wording
    }
)


@pytest.mark.model
@pytest.mark.parametrize(
    ("question", "entry_id"), SOURCE_QUESTIONS, ids=[q for q, _ in SOURCE_QUESTIONS]
)
def test_source_question_verbatim_returns_its_entry(
    real_assistant, question: str, entry_id: str
) -> None:
    reply = real_assistant.reply(question)
    assert reply.status == "answered"
    assert reply.answer.entry.id == entry_id
    assert reply.answer.entry.sources
    assert entry_id not in {m.entry.id for m in reply.alternatives}


@pytest.mark.model
def test_crying_question_answers_from_the_crying_entry(real_assistant) -> None:
    reply = real_assistant.reply("Is it OK to cry in a therapy session?")
    payload = reply.to_json()
    assert payload["answer"]["id"] == "crying-in-session"
    assert payload["answer"]["sources"][0]["document"] == "001_41d5a53685653430.txt"
    assert len(payload["alternatives"]) == 3


@pytest.mark.model
def test_real_vectors_are_normalised_and_meaningful(real_assistant) -> None:
    import numpy as np

    vectors = real_assistant.encoder.encode(
        ["I cried in my session", "tears in therapy", "tax forms"]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


@pytest.mark.model
def test_unrelated_question_is_refused(real_assistant) -> None:
    assert real_assistant.reply("what is the capital of france").status == "no_match"
