"""The vectors builds cache: reused for unchanged texts, rebuilt when damaged, never required,
and never holding a user's question."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from therapy_faq import vector_cache
from therapy_faq.cli import app
from therapy_faq.encoder import OnnxEncoder, build_encoder
from therapy_faq.faq import read_faq
from therapy_faq.index import index_rows, load_index
from therapy_faq.service import Paths, build
from therapy_faq.vector_cache import (
    CachingEncoder,
    VectorCache,
    cache_key,
    text_key,
    vectors_cache,
)

from .stub_encoder import StubEncoder

TEXTS = ["Can I cry in therapy?", "Is it okay to hug my therapist?", "What if I lie?"]


class Recording(StubEncoder):
    """The stand-in encoder, noting every text it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def encode(self, texts, progress=None):
        self.seen.extend(texts)
        return super().encode(texts, progress)


def cached(folder: Path, read: bool = True) -> tuple[CachingEncoder, Recording]:
    inner = Recording()
    return CachingEncoder(inner, VectorCache(folder, inner.dimension, read=read)), inner


def stored_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if vector_cache.FILE_PATTERN.fullmatch(p.name))


def stored_keys(folder: Path) -> set[bytes]:
    keys: set[bytes] = set()
    for path in stored_files(folder):
        keys |= {row.tobytes() for row in np.load(path, allow_pickle=False)["key"]}
    return keys


def test_a_second_build_embeds_only_the_texts_it_has_not_seen(tmp_path: Path) -> None:
    first, inner = cached(tmp_path)
    vectors = first.encode(TEXTS)
    assert inner.seen == TEXTS
    assert first.cache.save()
    second, inner = cached(tmp_path)
    again = second.encode([*TEXTS, "A new question?"])
    assert inner.seen == ["A new question?"]
    np.testing.assert_array_equal(again[:3], vectors)
    np.testing.assert_array_equal(again[3], StubEncoder().encode(["A new question?"])[0])
    assert second.cache.save()
    assert len(stored_files(tmp_path)) == 1  # the older file is replaced, not kept beside it
    assert stored_keys(tmp_path) == {text_key(t) for t in [*TEXTS, "A new question?"]}


def test_nothing_is_written_when_nothing_was_embedded(tmp_path: Path) -> None:
    first, _ = cached(tmp_path)
    first.encode(TEXTS)
    first.cache.save()
    (file,) = stored_files(tmp_path)
    before = file.stat().st_mtime_ns
    second, inner = cached(tmp_path)
    second.encode(TEXTS[:2])
    assert inner.seen == [] and not second.cache.save()
    assert stored_files(tmp_path) == [file] and file.stat().st_mtime_ns == before


def test_progress_counts_cached_and_embedded_texts(tmp_path: Path) -> None:
    first, _ = cached(tmp_path)
    first.encode(TEXTS[:2])
    first.cache.save()
    second, _ = cached(tmp_path)
    counts: list[int] = []
    second.encode(TEXTS, counts.append)
    assert sum(counts) == len(TEXTS) and counts[0] == 2


@pytest.mark.parametrize("damage", ["byte", "truncated", "renamed"])
def test_a_damaged_file_is_ignored_and_replaced(tmp_path: Path, damage: str) -> None:
    first, _ = cached(tmp_path)
    vectors = first.encode(TEXTS)
    first.cache.save()
    (file,) = stored_files(tmp_path)
    data = bytearray(file.read_bytes())
    if damage == "byte":
        data[-5] ^= 0xFF  # a vector's last float: still a valid .npy file, a wrong vector
        file.write_bytes(bytes(data))
    elif damage == "truncated":
        file.write_bytes(bytes(data[: len(data) // 2]))
    else:  # another valid file under this one's name
        other, _ = cached(tmp_path / "other")
        other.encode(["Something else entirely"])
        other.cache.save()
        shutil.copyfile(stored_files(tmp_path / "other")[0], file)
    second, inner = cached(tmp_path)
    np.testing.assert_array_equal(second.encode(TEXTS), vectors)
    assert inner.seen == TEXTS  # nothing was trusted
    assert second.cache.save()  # whole again: the next build trusts it
    third, inner = cached(tmp_path)
    np.testing.assert_array_equal(third.encode(TEXTS), vectors)
    assert inner.seen == [] and len(stored_files(tmp_path)) == 1


def test_another_encoders_file_is_not_read(tmp_path: Path) -> None:
    """A whole file of vectors of another width (a key folder reused) is skipped, not read as
    vectors of the wrong length."""
    first, _ = cached(tmp_path)
    first.encode(TEXTS)
    first.cache.save()

    class Narrow(Recording):
        dimension = 32

        def encode(self, texts, progress=None):
            return super().encode(texts, progress)[:, :32]

    inner = Narrow()
    narrow = CachingEncoder(inner, VectorCache(tmp_path, inner.dimension))
    assert narrow.encode(TEXTS).shape == (3, 32)
    assert inner.seen == TEXTS


def test_a_cache_that_cannot_be_written_does_not_stop_anything(tmp_path: Path) -> None:
    blocked = tmp_path / "a file"
    blocked.write_text("not a folder", encoding="utf-8")
    encoder, _ = cached(blocked / "vectors")
    assert encoder.encode(TEXTS).shape == (3, 64)
    assert not encoder.cache.save()
    if os.geteuid() != 0:  # root writes to read-only folders anyway
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o500)
        encoder, _ = cached(folder)
        encoder.encode(TEXTS)
        assert not encoder.cache.save()


def test_non_finite_vectors_are_never_kept(tmp_path: Path) -> None:
    class Broken(Recording):
        def encode(self, texts, progress=None):
            return np.full((len(texts), self.dimension), np.nan, dtype=np.float32)

    inner = Broken()
    encoder = CachingEncoder(inner, VectorCache(tmp_path, inner.dimension))
    encoder.encode(TEXTS)
    assert not encoder.cache.save()
    assert stored_files(tmp_path) == []


def test_the_latest_builds_rows_are_kept_first(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(vector_cache, "MAX_ROWS", 4)
    first, _ = cached(tmp_path)
    first.encode(["old one", "old two", "old three"])
    first.cache.save()
    second, _ = cached(tmp_path)
    second.encode(["new one", "new two", "new three"])
    second.cache.save()
    kept = stored_keys(tmp_path)
    assert len(kept) == 4
    assert {text_key(t) for t in ["new one", "new two", "new three"]} <= kept


def test_two_builds_saving_in_turn_keep_each_others_rows(tmp_path: Path) -> None:
    one, _ = cached(tmp_path)
    two, _ = cached(tmp_path)
    one.encode(["only the first build"])
    two.encode(["only the second build"])
    one.cache.save()
    two.cache.save()
    assert stored_keys(tmp_path) == {
        text_key("only the first build"),
        text_key("only the second build"),
    }


def test_without_reuse_every_text_is_embedded_and_the_cache_refreshed(tmp_path: Path) -> None:
    first, _ = cached(tmp_path)
    first.encode(TEXTS)
    first.cache.save()
    fresh, inner = cached(tmp_path, read=False)
    fresh.encode(TEXTS)
    assert inner.seen == TEXTS
    assert fresh.cache.save() and stored_keys(tmp_path) == {text_key(t) for t in TEXTS}


def test_only_the_exported_models_vectors_are_cached() -> None:
    assert cache_key(StubEncoder()) is None
    assert vector_cache.caching(StubEncoder()).__class__ is StubEncoder


def test_build_help_offers_no_cache() -> None:
    result = CliRunner().invoke(app, ["build", "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0 and "--no-cache" in result.stdout


# --- with the real model -----------------------------------------------------------------


@pytest.mark.model
def test_a_rebuild_after_an_edit_embeds_only_the_new_wording(
    tmp_path: Path, real_paths, monkeypatch
) -> None:
    """The session's build of the shipped FAQ cached its vectors: an FAQ with one wording more
    embeds that wording alone, and its other rows are the vectors the model gives them."""
    faq = tmp_path / "faq.yaml"
    text = real_paths.faq.read_text(encoding="utf-8")
    new = "Would my counsellor mind a quick goodbye hug before my holiday?"
    anchor = "    alternates:\n"
    assert anchor in text
    faq.write_text(text.replace(anchor, f"{anchor}      - {new}\n", 1), encoding="utf-8")
    seen: list[str] = []
    original = OnnxEncoder.encode

    def spy(self, texts, progress=None):
        seen.extend(texts)
        return original(self, texts, progress)

    monkeypatch.setattr(OnnxEncoder, "encode", spy)
    paths = Paths(faq=faq, index=tmp_path / "index")
    build(paths)
    assert seen == [new]
    monkeypatch.setattr(OnnxEncoder, "encode", original)
    loaded = load_index(paths.index)
    texts, _, _ = index_rows(read_faq(faq)[0])
    rows = np.random.default_rng(0).choice(len(texts), size=40, replace=False)
    fresh = build_encoder().encode([texts[i] for i in rows])
    vectors = np.load(paths.index / "vectors.npy")
    np.testing.assert_allclose(vectors[rows], fresh, atol=1e-5)
    assert loaded.manifest.vector_count == len(texts)


@pytest.mark.model
def test_a_users_question_is_never_cached(tmp_path: Path) -> None:
    """A build through `ask` (no index yet) caches the FAQ's texts; the question is not among
    them, nor is it written anywhere in the cache."""
    question = "is it ok to hug my therapist zanzibar-quokka"
    index = tmp_path / "index"
    asked = CliRunner().invoke(app, ["ask", question, "--index", str(index)])
    assert asked.exit_code == 0, asked.output
    folder = vectors_cache() / str(cache_key(build_encoder()))
    assert stored_files(folder.resolve())
    assert text_key(question) not in stored_keys(folder.resolve())
    for path in Path(os.environ["XDG_CACHE_HOME"]).resolve().rglob("*"):
        if path.is_file():
            assert b"zanzibar-quokka" not in path.read_bytes()
