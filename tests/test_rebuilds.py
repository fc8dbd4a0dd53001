"""Sessions and builds that overlap: a chat or `ask -` outlives a rebuild by another process
without mixing two indexes and follows an edited FAQ at its next question, and builds that
queued behind each other build once."""

from __future__ import annotations

import io
import os
import threading
import time
from pathlib import Path

import pytest
from rich.console import Console

from therapy_faq import builder
from therapy_faq import index as index_module
from therapy_faq.chat import run_chat
from therapy_faq.crisis import CrisisExamples
from therapy_faq.errors import IndexUnavailableError, IndexWriteError
from therapy_faq.faq import file_sha256
from therapy_faq.index import folder_identity, load_index
from therapy_faq.service import LiveAssistant, Paths, build, open_assistant

from .stub_encoder import StubEncoder
from .test_index import SMALL_FAQ

OTHER_FAQ = "entries:\n" + "".join(
    f"""  - id: topic-{number}
    question: What does a session about subject {number} cover?
    answer: Subject {number} is covered in its own way.
    sources: [{{title: T, document: c.txt}}]
"""
    for number in range(6)
)


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    faq = tmp_path / "faq.yaml"
    faq.write_text(SMALL_FAQ, encoding="utf-8")
    return Paths(faq=faq, index=tmp_path / "index")


def _rebuild_from_another_faq(paths: Paths, tmp_path: Path) -> None:
    """What another process does when it rebuilds the same index folder for an edited FAQ."""
    other = tmp_path / "other.yaml"
    other.write_text(OTHER_FAQ, encoding="utf-8")
    build(Paths(faq=other, index=paths.index), StubEncoder())


def test_a_session_keeps_answering_from_the_index_it_opened(paths: Paths, tmp_path: Path) -> None:
    build(paths, StubEncoder())
    assistant = open_assistant(paths, StubEncoder())
    _rebuild_from_another_faq(paths, tmp_path)
    assert load_index(paths.index).entry_ids == [f"topic-{n}" for n in range(6)]

    for _ in range(2):  # the first question used to read BM25 from the new folder
        reply = assistant.reply("Is it OK to cry in therapy?")
        assert reply.status == "answered" and reply.answer.entry.id == "crying"
    bm25 = assistant.retriever.bm25
    assert bm25.size == 2 and bm25.scores("cry")[0] > 0


def test_a_rebuild_during_loading_is_read_again_whole(
    paths: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(paths, StubEncoder())
    read_parts = index_module._read_parts
    calls = 0

    def read_while_another_process_rebuilds(folder: Path):
        nonlocal calls
        calls += 1
        parts = read_parts(folder)
        if calls == 1:
            _rebuild_from_another_faq(paths, tmp_path)
        return parts

    monkeypatch.setattr(index_module, "_read_parts", read_while_another_process_rebuilds)
    loaded = load_index(paths.index)
    assert calls == 2
    assert loaded.entry_ids == [f"topic-{n}" for n in range(6)] and loaded.bm25.size == 6
    assert loaded.identity == folder_identity(paths.index)


def test_an_index_that_never_holds_still_is_one_clear_error(
    paths: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(paths, StubEncoder())
    read_parts = index_module._read_parts

    def always_rebuilt_meanwhile(folder: Path):
        parts = read_parts(folder)
        build(paths, StubEncoder())
        return parts

    monkeypatch.setattr(index_module, "_read_parts", always_rebuilt_meanwhile)
    with pytest.raises(IndexUnavailableError, match="kept changing"):
        load_index(paths.index)


def test_an_explicit_build_rebuilds_but_an_implicit_one_keeps_a_current_index(
    paths: Paths,
) -> None:
    build(paths, StubEncoder())
    first = folder_identity(paths.index)
    build(paths, StubEncoder(), unless_current=True)
    assert folder_identity(paths.index) == first
    build(paths, StubEncoder())
    assert folder_identity(paths.index) != first


def test_questions_queued_behind_one_rebuild_do_not_rebuild_again(
    paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three `ask`s right after an FAQ edit: the first rebuilds, the others wait for it and
    then use its index (they used to rebuild in turn: 21 s, 40 s, 60 s)."""
    build(paths, StubEncoder())
    paths.faq.write_text(SMALL_FAQ.replace("Ask first.", "Ask them first."), encoding="utf-8")
    swaps = []
    replace_folder = builder.replace_folder

    def counted(*args, **kwargs):
        swaps.append(args[1])
        return replace_folder(*args, **kwargs)

    monkeypatch.setattr(builder, "replace_folder", counted)
    answers, errors = [], []
    start = threading.Barrier(3)

    def ask() -> None:
        try:
            start.wait()
            assistant = open_assistant(paths, StubEncoder())
            answers.append(assistant.reply("Can I hug my therapist?").answer.entry.answer)
        except Exception as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert len(swaps) == 1
    assert answers == ["Ask them first."] * 3


# --- a session that follows its files ------------------------------------------------------


def _hug_answer(assistant) -> str:
    return assistant.reply("Can I hug my therapist?").answer.entry.answer


def test_a_session_answers_from_an_edited_faq_at_the_next_question(paths: Paths) -> None:
    notes: list[str] = []
    live = LiveAssistant(paths, StubEncoder(), notify=notes.append)
    first = live.current()
    assert live.current() is first and _hug_answer(first) == "Ask first."
    paths.faq.write_text(SMALL_FAQ.replace("Ask first.", "Ask them first."), encoding="utf-8")
    assert _hug_answer(live.current()) == "Ask them first."
    assert load_index(paths.index).manifest.faq_sha256 == file_sha256(paths.faq)
    assert notes[-1].startswith("The FAQ or its index changed")


def test_a_session_notices_an_index_rebuilt_by_another_process(
    paths: Paths, tmp_path: Path
) -> None:
    live = LiveAssistant(paths, StubEncoder())
    first = live.current()
    _rebuild_from_another_faq(paths, tmp_path)  # stale for this session's FAQ: built again
    second = live.current()
    assert second is not first and _hug_answer(second) == "Ask first."
    assert load_index(paths.index).manifest.faq_sha256 == file_sha256(paths.faq)
    assert live.current() is second  # unchanged files: no reloading between questions


def test_a_broken_edit_is_reported_once_and_the_loaded_faq_kept(paths: Paths) -> None:
    notes: list[str] = []
    live = LiveAssistant(paths, StubEncoder(), notify=notes.append)
    first = live.current()
    notes.clear()  # the first build's notice
    paths.faq.write_text("entries: [{id: hugs, question: \n", encoding="utf-8")
    assert live.current() is first and live.current() is first
    assert len(notes) == 1 and "answering from the FAQ loaded before" in notes[0]
    assert _hug_answer(first) == "Ask first."


def test_the_chat_follows_an_edit_made_while_it_runs(paths: Paths) -> None:
    live = LiveAssistant(paths, StubEncoder())

    def lines():
        yield "Can I hug my therapist?"
        paths.faq.write_text(SMALL_FAQ.replace("Ask first.", "Ask them first."), encoding="utf-8")
        yield "Can I hug my therapist?"

    console = Console(file=io.StringIO(), width=100)
    run_chat(live.current, lines(), console, interactive=False, top_k=3)
    output = console.file.getvalue()
    assert output.index("Ask first.") < output.index("Ask them first.")


# --- the crisis screen's cache -------------------------------------------------------------


def _tiny_examples(tmp_path: Path) -> CrisisExamples:
    """Four crisis and four ordinary examples: a screen trained in a second."""
    from therapy_faq.crisis import load_examples

    examples = tmp_path / "examples.yaml"
    examples.write_text(
        "examples:\n"
        + "".join(
            f"  - {{text: 'zq crisis {i}', level: urgent, category: suicide, voice: plain, "
            f"kind: k}}\n  - {{text: 'ordinary {i}', level: none, category: none, "
            f"voice: plain, kind: k}}\n"
            for i in range(4)
        ),
        encoding="utf-8",
    )
    return load_examples(examples)


def test_a_damaged_screen_cache_is_trained_again_not_copied(paths: Paths, tmp_path: Path) -> None:
    """A truncated cached screen went into every index, each then refused: exit 4 for good."""
    from therapy_faq.screen_training import SCREEN_WEIGHTS_FILE, screens_cache, trained_screen

    encoder = StubEncoder()
    loaded = _tiny_examples(tmp_path)
    folder = trained_screen(loaded, "sha-x", encoder, encoder.fingerprint())
    weights = folder / SCREEN_WEIGHTS_FILE
    whole = weights.read_bytes()
    weights.write_bytes(whole[:1000])
    again = trained_screen(loaded, "sha-x", encoder, encoder.fingerprint())
    assert again == folder and (again / SCREEN_WEIGHTS_FILE).read_bytes() == whole
    assert folder.parent == screens_cache()


def test_a_cache_folder_that_is_a_file_fails_before_training(
    paths: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """XDG_CACHE_HOME naming a file: ten minutes of training, then advice that could not work."""
    cache = tmp_path / "cachefile"
    cache.write_text("x", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    encoder = StubEncoder()
    with pytest.raises(IndexWriteError, match="XDG_CACHE_HOME"):
        build(paths, encoder)
    assert encoder.calls == 0  # nothing was embedded


def _planted_screen(folder: Path, age_seconds: float, extra: str | None = None) -> Path:
    from therapy_faq.safety import SCREEN_FILES, SCREEN_SETTINGS_FILE

    folder.mkdir(parents=True)
    for name in (*SCREEN_FILES, SCREEN_SETTINGS_FILE):
        (folder / name).write_bytes(b"x")
    if extra:
        (folder / extra).write_text("a user's note", encoding="utf-8")
    when = time.time() - age_seconds
    os.utime(folder, (when, when))
    return folder


def test_old_screens_are_pruned_and_nothing_else_is(tmp_path: Path) -> None:
    """A screen is 47 MB and every edit of the examples trains a new one: a maintainer's cache
    grew by that much per edit. Only folders named and filled as screens, not used lately,
    beyond the last few, go."""
    from therapy_faq.screen_training import KEEP_SCREENS, SCREEN_IN_USE_SECONDS, prune_screens

    cache = tmp_path / "screens"
    current = _planted_screen(cache / ("c" * 20), 0)
    day = 24 * 3600
    old = [_planted_screen(cache / (f"{i:x}" * 20), day * (i + 1)) for i in range(5)]
    recent = _planted_screen(cache / ("a" * 20), SCREEN_IN_USE_SECONDS / 2)
    with_note = _planted_screen(cache / ("b" * 20), day * 9, extra="notes.txt")
    other_name = _planted_screen(cache / "my-screens", day * 9)
    link = cache / ("d" * 20)
    link.symlink_to(old[4], target_is_directory=True)
    (cache / ("e" * 20)).write_text("a file", encoding="utf-8")

    removed = prune_screens(current)

    # kept: the current one, the recent one and the newest old one (KEEP_SCREENS in all);
    # the rest of the old ones go, and nothing that is not a screen of ours
    assert KEEP_SCREENS == 3
    assert sorted(removed) == sorted(old[1:])
    assert all(not path.exists() for path in old[1:])
    for kept in (current, recent, old[0], with_note, other_name):
        assert kept.is_dir()
    assert (with_note / "notes.txt").read_text(encoding="utf-8") == "a user's note"
    assert link.is_symlink() and (cache / ("e" * 20)).is_file()


def test_a_screen_used_again_is_marked_so_it_is_kept(paths: Paths, tmp_path: Path) -> None:
    from therapy_faq.screen_training import trained_screen

    encoder = StubEncoder()
    loaded = _tiny_examples(tmp_path)
    folder = trained_screen(loaded, "sha-y", encoder, encoder.fingerprint())
    long_ago = time.time() - 30 * 24 * 3600
    os.utime(folder, (long_ago, long_ago))
    assert trained_screen(loaded, "sha-y", encoder, encoder.fingerprint()) == folder
    assert time.time() - folder.stat().st_mtime < 600
