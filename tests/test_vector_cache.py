"""The vectors builds cache: reused for unchanged texts, rebuilt when damaged, never required,
and never holding a user's question."""

from __future__ import annotations

import errno
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

ANCHOR = "    alternates:\n"  # the first entry's list of alternates, in data/faq.yaml
TEXTS = ["Can I cry in therapy?", "Is it okay to hug my therapist?", "What if I lie?"]


class Recording(StubEncoder):
    """The stand-in encoder, noting every text it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def encode(self, texts, progress=None):
        self.seen.extend(texts)
        return super().encode(texts, progress)


def disk_full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


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


class Shifted(Recording):
    """Other vectors for the same texts, as another model would give."""

    def encode(self, texts, progress=None):
        return np.roll(super().encode(texts, progress), 1, axis=1)


def write_named(folder: Path, array: np.ndarray) -> Path:
    """`array` saved as a cache file named by its own hash, as `save` names them."""
    import hashlib
    import io

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    data = buffer.getvalue()
    path = folder / f"vectors-{hashlib.sha256(data).hexdigest()}.npy"
    path.write_bytes(data)
    return path


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
    else:  # a valid file of the same texts' other vectors, under this one's name
        inner = Shifted()
        other = CachingEncoder(inner, VectorCache(tmp_path / "other", inner.dimension))
        assert not np.allclose(other.encode(TEXTS), vectors)
        other.cache.save()
        shutil.copyfile(stored_files(tmp_path / "other")[0], file)
    second, inner = cached(tmp_path)
    np.testing.assert_array_equal(second.encode(TEXTS), vectors)
    assert inner.seen == TEXTS  # nothing was trusted
    assert second.cache.save()  # whole again: the next build trusts it
    third, inner = cached(tmp_path)
    np.testing.assert_array_equal(third.encode(TEXTS), vectors)
    assert inner.seen == [] and len(stored_files(tmp_path)) == 1


def test_a_forged_file_gives_no_vector_that_is_not_a_unit_vector(tmp_path: Path) -> None:
    """A file altered and renamed to its new hash passes the check of the name: rows that are
    not finite unit vectors are still dropped, and their texts embedded again."""
    cache = VectorCache(tmp_path, 64)
    array = np.zeros(3, dtype=cache.dtype)
    for row, text in enumerate(TEXTS):
        array[row]["key"] = np.frombuffer(text_key(text), dtype=np.uint8)
    array["vector"][0] = np.nan
    array["vector"][1] = 5.0  # finite, far from unit length
    array["vector"][2, 0] = 1.0  # a unit vector: kept
    write_named(tmp_path, array)
    encoder, inner = cached(tmp_path)
    vectors = encoder.encode(TEXTS)
    assert inner.seen == TEXTS[:2]
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)


def test_a_header_that_claims_a_huge_array_is_skipped(tmp_path: Path) -> None:
    """A few hundred bytes whose header claims a billion rows: never allocated."""
    import hashlib

    cache = VectorCache(tmp_path, 64)
    header = {"descr": cache.dtype.descr, "fortran_order": False, "shape": (10**9,)}
    stream = tmp_path / "header"
    with stream.open("wb") as handle:
        np.lib.format.write_array_header_1_0(handle, header)
    data = stream.read_bytes()
    (tmp_path / f"vectors-{hashlib.sha256(data).hexdigest()}.npy").write_bytes(data)
    encoder, inner = cached(tmp_path)
    assert encoder.encode(TEXTS).shape == (3, 64) and inner.seen == TEXTS
    assert encoder.cache.save()


def test_a_half_written_file_of_a_killed_build_is_removed(tmp_path: Path) -> None:
    leftover = tmp_path / ".vectors-abc123.tmp"
    leftover.write_bytes(b"half")
    encoder, _ = cached(tmp_path)
    encoder.encode(TEXTS)
    assert encoder.cache.save()
    assert not leftover.exists() and len(stored_files(tmp_path)) == 1


def test_a_full_disk_leaves_the_cache_as_it_was(tmp_path: Path, monkeypatch) -> None:
    first, _ = cached(tmp_path)
    first.encode(TEXTS[:1])
    first.cache.save()
    before = stored_files(tmp_path)

    monkeypatch.setattr(os, "replace", disk_full)
    second, _ = cached(tmp_path)
    second.encode(TEXTS)
    assert not second.cache.save()
    assert stored_files(tmp_path) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


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


def texts_encoded_by(cls: type, monkeypatch) -> list[str]:
    """Every text passed to `cls.encode` from now on, which still encodes them."""
    seen: list[str] = []
    original = cls.encode

    def spy(self, texts, progress=None):
        seen.extend(texts)
        return original(self, texts, progress)

    monkeypatch.setattr(cls, "encode", spy)
    return seen


@pytest.mark.model
def test_a_rebuild_after_an_edit_embeds_only_the_new_wording(
    tmp_path: Path, real_paths, monkeypatch
) -> None:
    """The session's build of the shipped FAQ cached its vectors: an FAQ with one wording more
    embeds that wording alone, and its other rows are the vectors the model gives them."""
    faq = tmp_path / "faq.yaml"
    text = real_paths.faq.read_text(encoding="utf-8")
    new = "Would my counsellor mind a quick goodbye hug before my holiday?"
    faq.write_text(text.replace(ANCHOR, f"{ANCHOR}      - {new}\n", 1), encoding="utf-8")
    seen = texts_encoded_by(OnnxEncoder, monkeypatch)
    paths = Paths(faq=faq, index=tmp_path / "index")
    build(paths)
    assert seen == [new]
    loaded = load_index(paths.index)
    texts, _, _ = index_rows(read_faq(faq)[0])
    rows = np.random.default_rng(0).choice(len(texts), size=40, replace=False)
    fresh = build_encoder().encode([texts[i] for i in rows])
    vectors = np.load(paths.index / "vectors.npy")
    np.testing.assert_allclose(vectors[rows], fresh, atol=1e-5)
    assert loaded.manifest.vector_count == len(texts)


@pytest.mark.model
def test_a_users_question_is_never_cached(tmp_path: Path, monkeypatch) -> None:
    """A build through `ask` (no index yet) caches the FAQ's texts; the question never goes
    through the cache, and no file of the cache holds it."""
    question = "is it ok to hug my therapist zanzibar-quokka"
    cached_texts = texts_encoded_by(CachingEncoder, monkeypatch)
    asked = CliRunner().invoke(app, ["ask", question, "--index", str(tmp_path / "index")])
    assert asked.exit_code == 0, asked.output
    assert cached_texts and question not in cached_texts  # the build went through it
    folder = (vectors_cache() / str(cache_key(build_encoder()))).resolve()
    assert stored_files(folder)
    assert text_key(question) not in stored_keys(folder)
    cache = Path(os.environ["XDG_CACHE_HOME"])
    for root, _, files in os.walk(cache, followlinks=True):  # the session's folders are links
        for name in files:
            assert b"zanzibar-quokka" not in (Path(root) / name).read_bytes()


def test_the_key_follows_the_weights_and_the_export() -> None:
    """Vectors of one export are never read for another: the key changes with the weights'
    fingerprint and with the exported file's hash; the reference encoder (sentence-transformers,
    which differs from the export in the last digits) has none."""
    from therapy_faq.encoder import SentenceTransformerEncoder
    from therapy_faq.query_model import SharedModel

    def onnx(fingerprint: str, export: str) -> OnnxEncoder:
        shared = SharedModel(Path("model.onnx"), export, 1, 1)
        return OnnxEncoder(Path("model.onnx"), shared=shared, fingerprint=fingerprint)

    keys = {cache_key(onnx(f, e)) for f in ("a" * 64, "b" * 64) for e in ("c" * 64, "d" * 64)}
    assert len(keys) == 4 and None not in keys
    assert cache_key(onnx("a" * 64, "c" * 64)) == cache_key(onnx("a" * 64, "c" * 64))
    assert cache_key(OnnxEncoder(Path("model.onnx"), fingerprint="a" * 64)) is None
    assert cache_key(SentenceTransformerEncoder(Path("model"))) is None


@pytest.mark.model
def test_a_build_whose_cache_cannot_be_saved_still_succeeds(
    tmp_path: Path, real_paths, monkeypatch
) -> None:
    faq = tmp_path / "faq.yaml"
    text = real_paths.faq.read_text(encoding="utf-8")
    new = "Is a goodbye hug with my counsellor fine when we finish for good?"
    faq.write_text(text.replace(ANCHOR, f"{ANCHOR}      - {new}\n", 1), encoding="utf-8")

    monkeypatch.setattr(VectorCache, "_write", disk_full)  # the cache's disk alone is full
    paths = Paths(faq=faq, index=tmp_path / "index")
    manifest = build(paths)
    assert load_index(paths.index).manifest.vector_count == manifest.vector_count
