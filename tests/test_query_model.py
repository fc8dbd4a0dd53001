"""The exported question-time model: one per machine, shared by every index, checked before use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from therapy_faq.errors import ModelError
from therapy_faq.index import read_manifest
from therapy_faq.query_model import (
    RECORD_FILE,
    SharedModel,
    _clear_leftovers,
    _recorded,
    _remove_invalid_export,
    measure,
    model_digest,
    model_files,
)
from therapy_faq.service import Paths, open_assistant

from .conftest import subprocess_env


def _file(tmp_path: Path) -> SharedModel:
    """A stand-in export: a graph and its weights."""
    path = tmp_path / "model.onnx"
    graph, weights = model_files(path)
    graph.write_bytes(b"graph")
    weights.write_bytes(b"weights")
    size, mtime_ns = measure(path)
    return SharedModel(path, model_digest(path), size, mtime_ns)


@pytest.mark.parametrize("part", [0, 1], ids=["graph", "weights"])
def test_a_model_as_recorded_passes_even_touched(tmp_path: Path, part: int) -> None:
    model = _file(tmp_path)
    model.check()
    os.utime(model_files(model.path)[part], ns=(1, 1))  # a copy or a touch: same bytes
    model.check()


@pytest.mark.parametrize("part", [0, 1], ids=["graph", "weights"])
@pytest.mark.parametrize("change", [b"weighTs", b"weights and more"])
def test_a_model_changed_since_it_was_exported_is_refused(
    tmp_path: Path, change: bytes, part: int
) -> None:
    model = _file(tmp_path)
    model_files(model.path)[part].write_bytes(change)
    with pytest.raises(ModelError, match="changed since it was exported"):
        model.check()


@pytest.mark.parametrize("part", [0, 1], ids=["graph", "weights"])
def test_a_missing_model_is_refused(tmp_path: Path, part: int) -> None:
    model = _file(tmp_path)
    model_files(model.path)[part].unlink()
    with pytest.raises(ModelError, match="missing"):
        model.check()


def test_an_export_whose_file_no_longer_matches_its_record_is_exported_again(
    tmp_path: Path,
) -> None:
    """A changed, truncated or half-written export is not used: `ensure_shared_model` exports
    again when `_recorded` finds nothing valid."""
    model = _file(tmp_path)
    record = {"model_sha256": "weights-hash", "sha256": model.sha256, "size": model.size}
    (tmp_path / RECORD_FILE).write_text(json.dumps(record), encoding="utf-8")
    assert _recorded(tmp_path, "weights-hash") == model
    assert _recorded(tmp_path, "other-weights") is None
    model_files(model.path)[1].write_bytes(b"weighTs")
    assert _recorded(tmp_path, "weights-hash") is None
    (tmp_path / RECORD_FILE).write_text("{", encoding="utf-8")
    assert _recorded(tmp_path, "weights-hash") is None


@pytest.mark.model
def test_indexes_share_one_export_and_a_rebuild_imports_no_torch(
    real_paths: Paths, tmp_path: Path
) -> None:
    """The session's real index exported the model; another build, in a fresh process, uses
    that file: no torch, no sentence-transformers, and no model copy in the index folder."""
    index = tmp_path / "index"
    code = (
        "import sys\n"
        "from therapy_faq.cli import app\n"
        f"try:\n    app(['build', '--index', {str(index)!r}])\n"
        "except SystemExit as exit:\n    assert not exit.code, exit.code\n"
        "heavy = ('torch', 'transformers', 'sentence_transformers')\n"
        "print('HEAVY', [m for m in heavy if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env()
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "HEAVY []"
    assert "Exporting" not in done.stderr
    ours, theirs = read_manifest(index), read_manifest(real_paths.index)
    assert ours.query_model is not None and ours.query_model == theirs.query_model
    assert not list(index.glob("*.onnx*"))
    answer = open_assistant(Paths(real_paths.faq, index)).reply("Is it OK to cry in therapy?")
    assert answer.answer is not None and answer.answer.entry.id == "crying-in-session"


def test_an_unwritable_model_cache_is_one_line_and_exit_4(tmp_path: Path, monkeypatch) -> None:
    """The export's folder cannot be made (the cache is a file): say so and what to do."""
    from therapy_faq.errors import IndexWriteError
    from therapy_faq.service import build

    cache = tmp_path / "cache-file"
    cache.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    faq = tmp_path / "faq.yaml"
    faq.write_text(
        "entries:\n  - id: hugs\n    question: Can I hug my therapist?\n    answer: Ask first.\n"
        "    sources: [{title: A page, document: a.txt}]\n",
        encoding="utf-8",
    )
    with pytest.raises(IndexWriteError, match="XDG_CACHE_HOME") as raised:
        build(Paths(faq, tmp_path / "index"))
    assert raised.value.exit_code == 4


def test_an_invalid_export_folder_holding_a_users_file_is_refused_never_emptied(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / RECORD_FILE).write_text("{}", encoding="utf-8")
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ModelError, match="move it away"):
        _remove_invalid_export(folder)
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"
    (folder / "notes.txt").unlink()
    (folder / "model.onnx").mkdir()  # a folder where a file belongs: not ours either
    (folder / "model.onnx" / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ModelError):
        _remove_invalid_export(folder)
    assert (folder / "model.onnx" / "keep.txt").is_file()


def test_an_invalid_export_of_ours_is_removed_and_a_linked_one_refused(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    for name in ("model.onnx", "model.onnx.data", RECORD_FILE):
        (folder / name).write_bytes(b"x")
    _remove_invalid_export(folder)
    assert not folder.exists()
    users = tmp_path / "users"
    users.mkdir()
    (users / RECORD_FILE).write_text("{}", encoding="utf-8")
    folder.symlink_to(users)
    with pytest.raises(ModelError):
        _remove_invalid_export(folder)
    assert (users / RECORD_FILE).is_file()


def test_a_fifo_as_the_record_is_no_model_and_no_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / RECORD_FILE)
    assert _recorded(tmp_path, "weights-hash") is None


def test_only_leftovers_of_killed_exports_are_cleared(tmp_path: Path) -> None:
    folder = tmp_path / "53aa-onnxruntime-1"
    killed, users = (
        tmp_path / ".53aa-onnxruntime-1.export-ab",
        tmp_path / ".53aa-onnxruntime-1.export-cd",
    )
    killed.mkdir()
    (killed / "raw.onnx").write_bytes(b"x")
    users.mkdir()
    (users / "notes.txt").write_text("mine", encoding="utf-8")
    _clear_leftovers(folder)
    assert not killed.exists() and (users / "notes.txt").is_file()
