"""Misspelt questions: a word no FAQ text uses, and that is no word the model knows, is read as
the closest word the FAQ does use."""

from __future__ import annotations

import pytest

from therapy_faq.evaluation import evaluate, load_eval_set, with_typos
from therapy_faq.lexical import Bm25Scorer, build_bm25

from .conftest import REPO

KNOWN = {"insurance", "licensed", "pizza"}  # stands in for the model's vocabulary


@pytest.fixture(scope="module")
def scorer(tmp_path_factory: pytest.TempPathFactory) -> Bm25Scorer:
    folder = tmp_path_factory.mktemp("bm25")
    build_bm25(
        ["Is crying in therapy OK?", "Can a therapist tell if you are lying in a session?"],
        folder,
    )
    return Bm25Scorer(folder)


def test_misspelt_words_become_the_faqs_own(scorer: Bm25Scorer) -> None:
    assert scorer.corrected("is criyng in therpist ok?", KNOWN.__contains__) == (
        "is crying in therapist ok?"
    )
    assert scorer.corrected("can my therapst tell wen im lyign", KNOWN.__contains__) == (
        "can my therapist tell wen im lying"  # "wen": too short to read safely
    )


def test_real_words_and_clean_questions_are_left_alone(scorer: Bm25Scorer) -> None:
    question = "does insurance cover a licensed therapist"
    assert scorer.corrected(question, KNOWN.__contains__) is question
    assert scorer.corrected("best pizza in town", KNOWN.__contains__) == "best pizza in town"
    assert scorer.corrected("xyzzyqq plugh", KNOWN.__contains__) == "xyzzyqq plugh"  # nothing near


@pytest.mark.model
def test_the_issues_misspelt_questions_find_their_entries(real_assistant) -> None:
    for question, entry in (
        ("can my therpist tell wen im lyin", "lying-to-your-therapist"),
        ("do therapsts evr cry wen there clints tell them sad stuf", "why-therapists-cry"),
    ):
        reply = real_assistant.reply(question)
        assert reply.answer is not None, question
        assert reply.answer.entry.id in {
            entry,
            "how-often-therapists-cry",
            "therapists-get-emotional",
        }


@pytest.mark.model
def test_top1_on_the_typo_set_is_within_005_of_the_clean_set(real_assistant) -> None:
    """The issue's target, on the project's first evaluation set (scripts/typo_eval.py prints
    both sets)."""
    clean = load_eval_set(REPO / "eval" / "queries.yaml")
    typos = with_typos(clean)
    changed = sum(a.text != b.text for a, b in zip(clean.in_scope, typos.in_scope, strict=True))
    assert changed > len(clean.in_scope) / 2  # most questions carry a slip
    before = evaluate(real_assistant, [clean]).figures()["top1"]
    after = evaluate(real_assistant, [typos]).figures()["top1"]
    assert before is not None and after is not None and after >= before - 0.05
