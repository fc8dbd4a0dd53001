"""The crisis screen's logic and data. Recall and false alarms on the evaluation sets are
measured with the real model in test_evaluation.py; these are the rules behind them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from therapy_faq.errors import FaqError
from therapy_faq.safety import (
    CrisisScreen,
    load_examples,
    load_resources,
    normalise,
    pattern_match,
    sentences,
)
from therapy_faq.settings import crisis_examples_path, crisis_resources_path


@pytest.mark.parametrize(
    "text",
    [
        "I want to kill myself",
        "I don't want to live",  # negation does not cancel
        "i do not want to be alive",
        "I don't want to die but I keep thinking about it",
        "k1ll mys3lf",  # leetspeak
        "KMS",
        "thinking of unaliving",
        "suicidle thoughts",
        "how many pills is too many",
        "my friend is going to kill herself",
        "goodbye everyone",
        "I'm dying to know, and honestly I want to die",  # a guard cancels only its own match
        "this homework is killing me and I want to end my life",
        "just kill me now",
        "he threatened to kill me",
    ],
)
def test_patterns_flag_crisis_wording(text: str) -> None:
    assert pattern_match(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "my therapist said I'm totally killing it",
        "this homework is killing me",
        "I'd die for a hug",
        "I'm dying to know if therapists cry",
        "do therapists grieve when a client dies",
        "I nearly died of embarrassment",
        "I'm dead tired",
        "this workout will kill me",
        "I want to end it with my therapist, how do I tell her",
        "she killed them with kindness",
        "is it OK to cry in therapy",
        "I suited up for my session",
    ],
)
def test_patterns_leave_idioms_alone(text: str) -> None:
    assert pattern_match(text) is None


def test_normalise_handles_apostrophes_case_and_repeats() -> None:
    assert normalise("I DON’T wanna  liiiive!!") == "i dont wanna liive"
    assert normalise("k1ll 988") == "kill 988"


def test_sentences_split_long_messages_only() -> None:
    assert sentences("just one question here") == []
    parts = sentences("My session went fine. But honestly, I feel like giving up on everything.")
    assert parts == ["My session went fine.", "But honestly, I feel like giving up on everything."]


def _screen() -> CrisisScreen:
    crisis = np.array([[1.0, 0.0, 0.0]], dtype=np.float32)
    ordinary = np.array([[0.0, 1.0, 0.0]], dtype=np.float32)
    return CrisisScreen(crisis, ordinary)


def test_similarity_only_adds_and_never_cancels_a_pattern() -> None:
    screen = _screen()
    far = np.array([[0.0, 1.0, 0.0]], dtype=np.float32)  # identical to the ordinary example
    assessment = screen.assess("I want to kill myself", far)
    assert assessment.crisis and assessment.layer == "pattern"
    near = np.array([[0.9, 0.0, 0.43588989]], dtype=np.float32)
    assessment = screen.assess("I feel like fading away", near)
    assert assessment.crisis and assessment.layer == "semantic"
    assert not screen.assess("what is a therapy hangover", far).crisis


def test_any_clause_can_trigger_the_semantic_layer() -> None:
    rows = np.array([[0.0, 1.0, 0.0], [0.95, 0.0, 0.31224990]], dtype=np.float32)
    assert _screen().assess("a long message. with a dark clause", rows).crisis


def test_shipped_resources_name_every_required_service() -> None:
    resources = load_resources(crisis_resources_path())
    text = " ".join(f"{r.name} {r.contact} {r.region}" for r in resources.resources)
    for needed in ("911", "112", "999", "988", "116 123", "741741", "85258", "findahelpline.com"):
        assert needed in text
    assert "not a person or a crisis service" in resources.notice
    payload = resources.to_json()
    assert payload["last_checked"] == resources.last_checked.isoformat()


def test_resources_file_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "crisis.yaml"
    bad.write_text("last_checked: yesterday\ntitle: Help\nresources: []\n", encoding="utf-8")
    with pytest.raises(FaqError) as caught:
        load_resources(bad)
    message = str(caught.value)
    for field in ("last_checked", "message", "notice", "resources"):
        assert field in message


def test_examples_file_is_valid() -> None:
    examples = load_examples(crisis_examples_path())
    assert len(examples.crisis) >= 50 and len(examples.ordinary) >= 20


def test_validate_checks_the_crisis_files(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from therapy_faq.cli import app

    runner = CliRunner()
    ok = runner.invoke(app, ["validate"])
    assert ok.exit_code == 0 and "crisis resources, last checked" in ok.stdout
    bad = tmp_path / "crisis.yaml"
    bad.write_text("title: Help\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", "--crisis", str(bad)])
    assert result.exit_code == 3 and "invalid crisis resources" in result.stderr
