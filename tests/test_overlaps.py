"""The curation check for wordings that different entries share (`validate --overlaps`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from therapy_faq.cli import app
from therapy_faq.overlaps import find_overlaps
from therapy_faq.service import Paths, open_assistant

from .stub_encoder import StubEncoder

FAQ = """
entries:
  - id: crying
    question: Is it OK to cry in therapy?
    answer: Can I hug my therapist?
    alternates: [tears during a session, crying in a session, crying in a session?]
    sources: [{title: T, document: a.txt}]
  - id: crying-often
    question: Is it normal to cry at every session?
    answer: Many people do.
    alternates: [tears during a session!]
    sources: [{title: T, document: a.txt}]
  - id: hugs
    question: Can I hug my therapist?
    answer: Ask first.
    sources: [{title: T, document: b.txt}]
"""


def open_small(tmp_path: Path):
    faq = tmp_path / "faq.yaml"
    faq.write_text(FAQ, encoding="utf-8")
    return open_assistant(Paths(faq, tmp_path / "index"), StubEncoder())


def test_wordings_shared_by_two_entries_are_listed(tmp_path: Path) -> None:
    assistant = open_small(tmp_path)
    overlaps = find_overlaps(assistant.faq, assistant.retriever.index, 0.99)
    # The stand-in encoder ignores punctuation: the two "tears" wordings are one vector. The
    # answer of `crying` is the question of `hugs`, word for word, but answers are not compared;
    # and `crying`'s own wordings are never compared with each other.
    assert [(o.first.id, o.first_wording, o.second.id, o.second_wording) for o in overlaps] == [
        ("crying", "tears during a session", "crying-often", "tears during a session!")
    ]
    assert overlaps[0].similarity == pytest.approx(1.0, abs=1e-5)


def test_a_lower_threshold_lists_more_pairs_most_similar_first(tmp_path: Path) -> None:
    assistant = open_small(tmp_path)
    overlaps = find_overlaps(assistant.faq, assistant.retriever.index, 0.3)
    assert len(overlaps) > 1
    similarities = [o.similarity for o in overlaps]
    assert similarities == sorted(similarities, reverse=True)
    assert all(o.first.id != o.second.id for o in overlaps)


@pytest.mark.model
def test_validate_overlaps_on_the_shipped_faq(real_env) -> None:
    result = CliRunner().invoke(app, ["validate", "--overlaps", "--min-similarity", "0.95"])
    assert result.exit_code == 0, result.output
    assert "pairs of wordings of different entries at >= 0.95" in result.stdout
    assert "crying-every-session" in result.stdout and "crying-whole-session" in result.stdout
    none = CliRunner().invoke(app, ["validate", "--overlaps", "--min-similarity", "1.0"])
    assert none.exit_code == 0
    assert "No wordings of different entries are within 1.00 cosine." in none.stdout


def test_wordings_in_a_script_the_model_cannot_read_are_not_compared(tmp_path: Path) -> None:
    """To the model two Chinese questions are rows of unknown pieces, near-identical whatever
    they ask: listing them would bury the pairs a maintainer can act on."""
    faq = tmp_path / "faq.yaml"
    faq.write_text(
        FAQ.replace(
            "alternates: [tears during a session!]",
            "alternates: [tears during a session!]\n"
            "    other_languages: {zh: [每次心理咨询都哭，这正常吗？]}",
        ).replace(
            "answer: Ask first.",
            "answer: Ask first.\n    other_languages: {zh: [每次心理咨询都哭，这正常吗？]}",
        ),
        encoding="utf-8",
    )
    assistant = open_assistant(Paths(faq, tmp_path / "index"), StubEncoder())
    pairs = find_overlaps(assistant.faq, assistant.retriever.index, 0.99)
    assert [(o.first.id, o.second.id) for o in pairs] == [("crying", "crying-often")]
