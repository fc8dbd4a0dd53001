"""The chat under a real pseudo-terminal (pexpect): what a person typing sees."""

from __future__ import annotations

import sys

import pytest

from .conftest import end_with_ctrl_d, subprocess_env

pexpect = pytest.importorskip("pexpect")
pytestmark = pytest.mark.model

PROMPT = "you> "


def spawn_chat(real_paths):
    child = pexpect.spawn(
        sys.executable,
        ["-m", "therapy_faq", "chat", "--index", str(real_paths.index)],
        env=subprocess_env(TERM="dumb", NO_COLOR="1"),
        encoding="utf-8",
        timeout=240,
        dimensions=(40, 100),
    )
    child.expect(PROMPT)
    return child


def said(child, line: str) -> str:
    """What the chat prints in reply to `line`, up to the next prompt, on one line."""
    child.sendline(line)
    child.expect(PROMPT)
    return " ".join(child.before.replace("│", " ").split())  # a panel's borders aside


def test_help_topics_numbers_and_thanks(real_paths) -> None:
    child = spawn_chat(real_paths)
    help_text = said(child, "help")
    assert "topics" in help_text and "Urgent help:" in help_text and "988" in help_text
    assert "immediate danger" not in help_text  # a line on urgent help, not the crisis panel
    assert "no list to pick from yet" in said(child, "1")
    topics = said(child, "what can you answer?")
    assert "I can answer 49 questions" in topics and "Hugs" in topics
    assert "48. What happens if I walk out of a session because I didn't like what my" in topics
    assert "according to a forum member's answer" in said(child, "48")
    assert "Type a number from 1 to 49" in said(child, "50")
    assert "You're welcome" in said(child, "thank you!")
    child.sendline("goodbye")
    child.expect(pexpect.EOF)
    assert child.before.split()[-2:] == ["Take", "care."]
    child.close()
    assert child.exitstatus == 0


def test_ctrl_c_clears_the_line_and_on_an_empty_line_leaves(real_paths) -> None:
    child = spawn_chat(real_paths)
    child.send("is it ok to cr")
    child.expect("cr")
    child.sendintr()
    child.expect(PROMPT)  # the chat goes on, with the line dropped
    assert "─ Can you ask your therapist for a hug? ─" in said(child, "can i ask for a hug")
    child.sendintr()
    child.expect(pexpect.EOF)
    assert child.before.startswith("\r\n")  # "Take care." on a line of its own
    assert "Take care." in child.before and "Traceback" not in child.before
    child.close()
    assert child.exitstatus == 0


def test_the_prompt_comes_first_and_a_needed_build_follows_the_first_line(
    real_paths, tmp_path
) -> None:
    """The model loads while the first line is typed; an index that must be built first is
    built after it, in the foreground, with its notice, and the line is then answered."""
    child = pexpect.spawn(
        sys.executable,
        ["-m", "therapy_faq", "chat", "--index", str(tmp_path / "fresh")],
        env=subprocess_env(TERM="dumb", NO_COLOR="1"),
        encoding="utf-8",
        timeout=240,
        dimensions=(40, 100),
    )
    child.expect(PROMPT)
    before = " ".join(child.before.replace("│", " ").split())
    assert "not therapy or medical advice" in before and "Building" not in before
    reply = said(child, "can i ask my therapist for a hug")
    assert "Building the index" in reply and "Can you ask your therapist for a hug?" in reply
    assert "Traceback" not in reply
    assert "Can you ask your therapist for a hug?" in said(child, "is hugging my therapist ok")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_an_error_found_while_loading_is_reported_after_the_first_line(tmp_path) -> None:
    """A broken FAQ cannot be found before the prompt, which does not wait for the load: it is
    reported, in one line and with its exit code, when the first line needs an answer."""
    broken = tmp_path / "faq.yaml"
    broken.write_text("entries: [\n", encoding="utf-8")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "therapy_faq", "chat", "--faq", str(broken), "--index", str(tmp_path / "i")],
        env=subprocess_env(TERM="dumb", NO_COLOR="1"),
        encoding="utf-8",
        timeout=120,
        dimensions=(40, 100),
    )
    child.expect(PROMPT)
    child.sendline("is it ok to cry in therapy")
    child.expect(pexpect.EOF)
    assert "YAML" in child.before and "Traceback" not in child.before
    child.close()
    assert child.exitstatus == 3  # FaqError


def test_ctrl_d_leaves_on_a_new_line(real_paths) -> None:
    child = spawn_chat(real_paths)
    child.sendeof()
    child.expect(pexpect.EOF)
    assert child.before.startswith("\r\n") and "Take care." in child.before
    child.close()
    assert child.exitstatus == 0


def test_a_farewell_that_reads_as_a_crisis_is_screened_not_taken_as_goodbye(real_paths) -> None:
    child = spawn_chat(real_paths)
    reply = said(child, "thanks for everything, goodbye everyone")
    assert "988" in reply and "You're welcome" not in reply
    after = said(child, "thank you")  # after a crisis: the warm reply, with a line again
    assert "You're welcome" not in after and "I hear you" in after and "988" in after
    end_with_ctrl_d(child)


def test_a_follow_up_is_read_with_the_last_question_and_says_so(real_paths) -> None:
    child = spawn_chat(real_paths)
    said(child, "can my therapist tell when im lying")
    follow_up = said(child, "should i come clean?")
    assert "Taking this with your last question: can my therapist tell when im lying" in follow_up
    assert "─ Can my therapist tell if I’m lying? ─" in follow_up
    end_with_ctrl_d(child)


def test_a_near_miss_is_offered_and_y_reads_it(real_paths) -> None:
    child = spawn_chat(real_paths)
    offer = said(child, "my counsellor seems irritated")
    assert "Did you mean:" in offer and "Type y to read it." in offer
    assert "I don't have an answer" not in offer
    shown = said(child, "y")
    assert "─ Do therapists ever get frustrated with their clients? ─" in shown
    assert "Source:" in shown
    end_with_ctrl_d(child)
