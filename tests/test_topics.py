"""Topics the FAQ leaves to others: refused with a pointer to who can answer, not answered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from therapy_faq import service
from therapy_faq.cli import app
from therapy_faq.service import Paths, open_assistant
from therapy_faq.settings import topics_path
from therapy_faq.topics import load_topics

from .stub_encoder import StubEncoder

runner = CliRunner()


def test_the_shipped_topics_point_somewhere_without_facts_of_their_own() -> None:
    topics = load_topics(topics_path()).topics
    assert {"costs-and-insurance", "finding-a-therapist", "medication"} <= {t.id for t in topics}
    for topic in topics:
        assert "FAQ" in topic.pointer and len(topic.examples) >= 30
        assert not any(char.isdigit() for char in topic.pointer), topic.pointer  # no numbers


@pytest.mark.model
def test_a_question_on_a_topic_gets_its_pointer_not_an_entry(real_assistant) -> None:
    reply = real_assistant.reply("how much does a session usually cost with insurance")
    assert reply.status == "no_match" and reply.answer is None
    assert reply.topic == "costs-and-insurance" and "insurer" in (reply.pointer or "")
    payload = reply.to_json()
    assert payload["topic"] == "costs-and-insurance" and payload["pointer"] == reply.pointer


@pytest.mark.model
def test_questions_the_faq_answers_are_not_sent_to_a_topic(real_assistant) -> None:
    for question, entry in (
        ("what happens if i miss a therapy session", "missing-a-session-consequences"),
        ("can my therapist be my friend after we finish", "friends-after-therapy"),
    ):
        reply = real_assistant.reply(question)
        assert reply.topic is None and reply.answer is not None, question
        assert reply.answer.entry.id == entry


@pytest.mark.model
def test_the_crisis_screen_comes_before_any_topic(real_assistant) -> None:
    reply = real_assistant.reply("how many of my antidepressants would it take to die tonight")
    assert reply.status == "crisis" and reply.topic is None


def test_an_edited_topics_file_makes_the_index_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    faq = tmp_path / "faq.yaml"
    faq.write_text(
        "entries:\n  - {id: a, question: Can I cry?, answer: Yes., sources: [{title: T}]}\n",
        encoding="utf-8",
    )
    topics = tmp_path / "topics.yaml"
    shipped = topics_path().read_text(encoding="utf-8")
    topics.write_text(shipped, encoding="utf-8")
    monkeypatch.setattr(service, "topics_path", lambda: topics)
    paths = Paths(faq, tmp_path / "index")
    open_assistant(paths, StubEncoder())
    topics.write_text(shipped.replace("group-therapy", "groups"), encoding="utf-8")
    said: list[str] = []
    assistant = open_assistant(paths, StubEncoder(), notify=said.append)
    assert said and "topics file changed" in said[0]
    assert "groups" in [t["id"] for t in assistant.retriever.index.topics.topics]


def test_an_invalid_topics_file_is_one_line_and_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "topics.yaml"
    bad.write_text("topics:\n  - {id: Bad Id, title: T, pointer: P, examples: [a]}\n")
    monkeypatch.setenv("THERAPY_FAQ_TOPICS_FILE", str(bad))
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 3
    assert "try 'bad-id'" in result.output and "needs at least 3 items" in result.output


@pytest.mark.model
def test_ask_json_carries_the_topic(real_env) -> None:
    result = runner.invoke(app, ["ask", "is", "online", "therapy", "as", "good", "--json"])
    payload = json.loads(result.stdout)
    assert payload["status"] == "no_match" and payload["topic"] == "online-therapy"
