"""`ask -` reads what has arrived in batches, yet answers a line as soon as it arrives."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading

import pytest

from therapy_faq.stdin import stdin_batches

from .conftest import subprocess_env


@pytest.fixture
def pipe_stdin(monkeypatch: pytest.MonkeyPatch):
    """Standard input read from a real pipe, whose writing end the test holds."""
    read, write = os.pipe()
    stream = os.fdopen(read, "r", encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stream)
    yield write
    stream.close()


def test_lines_that_have_arrived_are_one_batch(pipe_stdin: int) -> None:
    os.write(pipe_stdin, "one\ntwo\r\n\nthree\xe9\nfour".encode() + b"\xff\n")
    os.close(pipe_stdin)
    assert list(stdin_batches(100)) == [["one", "two", "", "three\xe9", "four\ufffd"]]


def test_a_batch_ends_where_the_next_line_has_not_arrived(pipe_stdin: int) -> None:
    os.write(pipe_stdin, b"one\ntwo\n")
    batches = stdin_batches(100)
    assert next(batches) == ["one", "two"]  # returned without waiting for more
    os.write(pipe_stdin, b"three\n")
    assert next(batches) == ["three"]
    os.close(pipe_stdin)
    assert list(batches) == []


def test_batches_are_bounded_and_long_lines_cut_and_skipped(pipe_stdin: int) -> None:
    os.write(pipe_stdin, b"x" * 1000 + b"\n" + b"q\n" * 5)
    os.close(pipe_stdin)
    assert list(stdin_batches(10, size=4)) == [["x" * 10, "q", "q", "q"], ["q", "q"]]


def test_a_closed_stdin_is_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", None)
    assert list(stdin_batches(10)) == []


@pytest.mark.model
def test_ask_answers_each_line_as_it_arrives_and_batches_agree(real_paths) -> None:
    """A program that waits for each answer before writing the next question is not kept
    waiting for a batch; answers read in one batch are the answers read one by one."""
    env = subprocess_env(THERAPY_FAQ_INDEX=str(real_paths.index))
    questions = ["Is it OK to cry in a therapy session?", "kms", "can i hug my therapist", "hi"]
    process = subprocess.Popen(
        [sys.executable, "-m", "therapy_faq", "ask", "-", "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    one_by_one = []
    for question in questions:
        process.stdin.write(question + "\n")
        process.stdin.flush()
        ready, _, _ = select.select([process.stdout], [], [], 120)
        assert ready, f"no answer to {question!r} while it waited for the next line"
        one_by_one.append(json.loads(process.stdout.readline()))
    process.stdin.close()
    assert process.wait(timeout=60) == 0
    batched = subprocess.run(
        [sys.executable, "-m", "therapy_faq", "ask", "-", "--json"],
        input="\n".join(questions) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert batched.returncode == 0, batched.stderr
    together = [json.loads(line) for line in batched.stdout.splitlines()]
    assert [(r["status"], (r["answer"] or {}).get("id")) for r in together] == [
        (r["status"], (r["answer"] or {}).get("id")) for r in one_by_one
    ]
    for a, b in zip(together, one_by_one, strict=True):
        if a["answer"]:
            assert abs(a["answer"]["score"] - b["answer"]["score"]) < 1e-3


def test_a_non_blocking_stdin_is_waited_for_not_taken_for_its_end(pipe_stdin: int) -> None:
    os.set_blocking(sys.stdin.fileno(), False)
    batches = stdin_batches(100)
    os.write(pipe_stdin, b"one\n")
    assert next(batches) == ["one"]
    threading.Timer(0.2, lambda: (os.write(pipe_stdin, b"two\n"), os.close(pipe_stdin))).start()
    assert list(batches) == [["two"]]
