"""Bad input, broken or busy index folders, a tampered model, the network and privacy."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from therapy_faq.cli import app
from therapy_faq.encoder import model_dir
from therapy_faq.index import load_index, read_manifest
from therapy_faq.query_model import model_files

from .conftest import run_module, subprocess_env

runner = CliRunner()


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.model
def test_non_utf8_and_control_bytes_on_stdin_are_replaced(real_paths) -> None:
    env = subprocess_env(THERAPY_FAQ_INDEX=str(real_paths.index))
    stdin = b"Do you hug your\xff\xfe therapist?\x00\x07\n\x1b[31mWhy do therapists cry?\n"
    done = run_module("ask", "-", "--json", env=env, input=stdin)
    assert done.returncode == 0, done.stderr
    replies = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [r["answer"]["id"] for r in replies] == ["hugging-your-therapist", "why-therapists-cry"]


@pytest.mark.model
def test_a_100k_character_question_is_answered_and_says_it_was_cut(real_env) -> None:
    # A long real question, not filler: the screen reads 11,000 "and also" as p(urgent) 0.47,
    # above the message threshold (a false alarm on nonsense, noted in issue 10); this test
    # is about length.
    question = "Can you ask your therapist for a hug? " * 2_700
    start = time.perf_counter()
    result = runner.invoke(app, ["ask", question[:100_000], "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["truncated"] is True and payload["status"] in ("answered", "no_match")
    assert time.perf_counter() - start < 10  # generous: a loaded CI machine


@pytest.mark.model
def test_rich_markup_is_shown_literally(tmp_path: Path) -> None:
    faq = tmp_path / "faq.yaml"
    faq.write_text(
        "entries:\n"
        "  - id: markup\n"
        '    question: "What does [bold]this[/bold] do?"\n'
        '    answer: "Nothing [red]at all[/] and [/] alone."\n'
        "    sources: [{title: '[link=x]T[/link]', document: d.txt}]\n",
        encoding="utf-8",
    )
    shown = runner.invoke(app, ["show", "markup", "--faq", str(faq)])
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.stdout.split())
    assert "What does [bold]this[/bold] do?" in text
    assert "Nothing [red]at all[/] and [/] alone." in text and "[link=x]T[/link]" in text
    asked = runner.invoke(
        app,
        [
            "ask",
            "[bold]what[/] does [/] this do",
            "--faq",
            str(faq),
            "--index",
            str(tmp_path / "i"),
        ],
    )
    assert asked.exit_code == 0 and "Traceback" not in asked.output


@pytest.mark.model
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(question=st.text(min_size=1, max_size=400))
def test_no_question_string_crashes_ask(real_assistant, question: str) -> None:
    reply = real_assistant.reply(question)
    assert reply.status in ("answered", "no_match", "crisis")
    json.dumps(reply.to_json())


@given(question=st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_patterns_and_cleaning_never_crash(question: str) -> None:
    from therapy_faq.retrieval import clean_query
    from therapy_faq.safety import pattern_match

    cleaned = clean_query(question)
    assert "\n" not in cleaned and "\x00" not in cleaned
    pattern_match(cleaned)


# --- the index ---------------------------------------------------------------------------


@pytest.mark.model
def test_build_killed_part_way_leaves_the_previous_index(tmp_path: Path, real_paths) -> None:
    index = tmp_path / "index"
    shutil.copytree(real_paths.index, index)
    faq = tmp_path / "faq.yaml"
    shutil.copy(real_paths.faq, faq)  # same content: the copied index stays valid for it
    before = (index / "manifest.json").read_text(encoding="utf-8")
    faq.write_text(faq.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    env = subprocess_env()
    # --no-cache: with the session's vectors cached, the build might end before the kill
    command = ["build", "--no-cache", "--faq", str(faq), "--index", str(index)]
    build = subprocess.Popen(
        [sys.executable, "-m", "therapy_faq", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".index.building-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(tmp_path.glob(".index.building-*")), "the build never started writing"
    time.sleep(0.5)
    os.kill(build.pid, signal.SIGKILL)
    build.wait()
    assert (index / "manifest.json").read_text(encoding="utf-8") == before
    load_index(index)  # the previous index is whole
    rebuilt = run_module(
        "ask", "Why do therapists cry?", "--json", "--faq", str(faq), "--index", str(index), env=env
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "Rebuilding the index (the FAQ file changed" in rebuilt.stderr
    assert not list(tmp_path.glob(".index.building-*"))  # the next build cleared the leftovers


@pytest.mark.model
def test_two_builds_at_once_are_serialised(tmp_path: Path) -> None:
    index = tmp_path / "index"
    env = subprocess_env(THERAPY_FAQ_INDEX=str(index))
    builds = [
        subprocess.Popen(
            [sys.executable, "-m", "therapy_faq", "build"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for build in builds:
        _, errors = build.communicate(timeout=600)
        assert build.returncode == 0, errors
    loaded = load_index(index)
    assert loaded.manifest.entry_count == 49
    assert not list(tmp_path.glob(".index.*-*"))


# --- the model ---------------------------------------------------------------------------


def tampered_model(tmp_path: Path) -> Path:
    copy = tmp_path / "model"
    shutil.copytree(model_dir(), copy)
    tokenizer = copy / "tokenizer.json"
    tokenizer.write_text(tokenizer.read_text(encoding="utf-8") + " ", encoding="utf-8")
    return copy


def test_a_tampered_model_is_refused_with_exit_5(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("THERAPY_FAQ_MODEL_DIR", str(tampered_model(tmp_path)))
    result = runner.invoke(app, ["build", "--index", str(tmp_path / "index")])
    assert result.exit_code == 5
    assert "is not the official sentence-transformers/all-MiniLM-L6-v2 file" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "index").exists()


@pytest.mark.model
@pytest.mark.parametrize(
    "filler",
    [b"\x00\x00\xc0\x7f", b"\xff"],  # NaN weights (the model loads); bytes that break it
    ids=["nan-weights", "unreadable"],
)
def test_a_query_model_altered_in_place_is_exported_again_never_a_nan(
    tmp_path: Path, real_paths, filler: bytes
) -> None:
    """The shared export altered in place (same size): the next question rebuilds the index and
    exports the model again; no NaN reaches a score. This test alters its own copy of the
    session's export, in a models folder of its own."""
    models = Path(os.environ["XDG_CACHE_HOME"]) / "therapy-faq" / "models"
    models.unlink()  # the link to the session's exported model
    exported = Path(read_manifest(real_paths.index).query_model.path).parent
    shutil.copytree(exported, models / exported.name)
    index = tmp_path / "index"
    env = subprocess_env(THERAPY_FAQ_INDEX=str(index))
    assert run_module("build", env=env).returncode == 0
    graph = Path(read_manifest(index).query_model.path)
    assert graph.is_relative_to(models.resolve())
    model = model_files(graph)[1]  # the weights
    data = bytearray(model.read_bytes())
    middle = len(data) // 2 // 4 * 4
    size = 4_000_000
    data[middle : middle + size] = filler * (size // len(filler))  # same size: passes the check
    before = model.stat()
    model.write_bytes(bytes(data))
    if filler == b"\x00\x00\xc0\x7f":  # its time put back: only the model's probe can tell
        os.utime(model, ns=(before.st_atime_ns, before.st_mtime_ns))
    asked = run_module("ask", "Can you ask your therapist for a hug?", "--json", env=env)
    assert asked.returncode == 0, asked.stderr
    assert "Rebuilding the index" in asked.stderr and "Exporting the model" in asked.stderr
    payload = json.loads(asked.stdout)  # NaN would not be valid JSON for a strict reader
    assert "NaN" not in asked.stdout and payload["status"] == "answered"


# --- offline and private -----------------------------------------------------------------


@pytest.mark.model
@pytest.mark.disable_socket
def test_build_and_ask_never_open_a_socket(tmp_path: Path, monkeypatch) -> None:
    """pytest-socket makes any socket use raise; a build and answers must not notice."""
    monkeypatch.setenv("THERAPY_FAQ_INDEX", str(tmp_path / "index"))
    built = runner.invoke(app, ["build"])
    assert built.exit_code == 0, built.output
    asked = runner.invoke(app, ["ask", "-", "--json"], input="Do you hug your therapist?\nkms\n")
    assert asked.exit_code == 0, asked.output
    assert [json.loads(line)["status"] for line in asked.stdout.splitlines()] == [
        "answered",
        "crisis",
    ]


@pytest.mark.model
def test_the_chat_writes_no_question_to_disk(tmp_path: Path, real_paths) -> None:
    pexpect = pytest.importorskip("pexpect")
    home = tmp_path / "home"
    home.mkdir()
    env = subprocess_env(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local"),
        XDG_STATE_HOME=str(home / ".state"),
        XDG_CONFIG_HOME=str(home / ".config"),
        TMPDIR=str(home / "tmp"),
        THERAPY_FAQ_INDEX=str(real_paths.index),
    )
    (home / "tmp").mkdir()
    secret = "zanzibar-marmalade-secret"
    child = pexpect.spawn(
        sys.executable, ["-m", "therapy_faq"], env=env, encoding="utf-8", timeout=240, cwd=str(home)
    )
    child.expect("you> ")
    child.sendline(f"can I hug my therapist {secret}")
    child.expect("you> ")
    child.sendline("quit")
    child.expect(pexpect.EOF)
    written = [p for p in home.rglob("*") if p.is_file()]
    assert not [p for p in written if secret.encode() in p.read_bytes()]
    # Nothing at all: no history, no cache, no device id or event database from onnxruntime.
    assert written == []
    asked = run_module("ask", f"is crying ok {secret}", "--json", env=env)
    assert asked.returncode == 0, asked.stderr
    assert [p for p in home.rglob("*") if p.is_file()] == []
