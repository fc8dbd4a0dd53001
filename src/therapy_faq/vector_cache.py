"""Vectors a build computed before, reused when the same text comes back.

A rebuild after an FAQ edit embeds only the texts that changed; every other text's vector is
read from the user cache (`~/.cache/therapy-faq/vectors/`), under a key of the encoder (the
model's weights and its exported file) and each text's SHA-256. The store is one .npy file
named by its own hash and replaced whole, so a damaged file is noticed and skipped (its texts
are embedded again), and rows that are not finite unit vectors are never used; two builds at
once save in turn, under a lock, the second keeping the first one's rows.

Only the texts a build embeds pass through it (FAQ wordings, topic examples, the crisis
screen's examples), never a user's question, and it keeps their hashes, not the texts.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from therapy_faq.encoder import MAX_TOKENS, OnnxEncoder, ProgressCallback
from therapy_faq.errors import IndexUnavailableError, OutputError
from therapy_faq.files import read_regular, write_bytes_atomic

if TYPE_CHECKING:
    from therapy_faq.encoder import Encoder
    from therapy_faq.query_model import SharedModel

CACHE_VERSION = 1
# Rows kept: the shipped FAQ's texts and topics (about 5,000) and the crisis examples (about
# 7,500) more than twice over, about 60 MB. The latest build's rows are kept first.
MAX_ROWS = 36_000
FILE_PATTERN = re.compile(r"vectors-([0-9a-f]{64})\.npy")
HEADER_ROOM = 4096  # a .npy header is a few hundred bytes


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def vectors_cache() -> Path:
    from platformdirs import user_cache_path

    from therapy_faq.settings import APP_NAME

    return user_cache_path(APP_NAME) / "vectors"


def cache_key(encoder: Encoder) -> str | None:
    """The key of the encoder's vectors, or None for an encoder whose vectors are not cached:
    only the exported model's are (the reference encoder's differ from it in the last digits,
    and a stand-in's are cheap)."""
    if not isinstance(encoder, OnnxEncoder):
        return None
    shared = encoder.query_model()
    if shared is None:
        return None
    parts = [CACHE_VERSION, encoder.name, encoder.fingerprint(), shared.sha256, MAX_TOKENS]
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:20]


def caching(encoder: Encoder, reuse: bool = True) -> Encoder:
    """`encoder`, reading and remembering its vectors in the user cache where they are cached
    (without `reuse`, only remembering them)."""
    key = cache_key(encoder)
    if key is None:
        return encoder
    cache = VectorCache(vectors_cache() / key, encoder.dimension, read=reuse)
    return CachingEncoder(encoder, cache)


class VectorCache:
    """The vectors of one encoder, by text hash: read once, written back by `save`."""

    def __init__(self, folder: Path, dimension: int, read: bool = True) -> None:
        self.folder = folder
        self.dimension = dimension
        # The file's rows, read on first use (never, without `read`).
        self._stored: dict[bytes, np.ndarray] | None = None if read else {}
        self._used: dict[bytes, np.ndarray] = {}  # rows this build used: kept first
        self._added = 0

    @property
    def dtype(self) -> np.dtype:
        return np.dtype([("key", "u1", (32,)), ("vector", "<f4", (self.dimension,))])

    def get(self, key: bytes) -> np.ndarray | None:
        if self._stored is None:
            self._stored = self._read()
        found = self._used.get(key)
        if found is None:
            found = self._stored.get(key)
            if found is not None:
                self._used[key] = found
        return found

    def add(self, key: bytes, vector: np.ndarray) -> None:
        """Remember a freshly computed vector (non-finite ones are not kept)."""
        if np.isfinite(vector).all():
            self._used[key] = vector
            self._added += 1

    def save(self) -> bool:
        """Write the rows used by this build, then as many older ones as fit, if this build
        computed any. A cache that cannot be written (a full disk, a read-only folder, a file
        where the folder should be) is left as it is: the build does not depend on it."""
        if not self._added:
            return False
        from filelock import FileLock

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with FileLock(str(self.folder / ".lock")):
                rows = dict(self._used)
                for key, vector in self._read().items():  # another build may have saved since
                    if len(rows) >= MAX_ROWS:
                        break
                    rows.setdefault(key, vector)
                self._write(list(rows.items())[:MAX_ROWS])
        except (OSError, OutputError, ValueError, MemoryError):
            return False
        self._added = 0
        return True

    def _read(self) -> dict[bytes, np.ndarray]:
        """The newest whole file's rows; nothing if there is none or it does not match its
        name's hash (a damaged file is skipped, and replaced by the next save). Rows that are
        not unit vectors are dropped: the hash in the name catches damage, not a forgery."""
        files = []
        try:
            names = [p for p in self.folder.iterdir() if FILE_PATTERN.fullmatch(p.name)]
        except OSError:
            return {}
        for path in names:
            with contextlib.suppress(OSError):  # removed by a build saving meanwhile
                files.append((path.stat().st_mtime_ns, path))
        largest = HEADER_ROOM + MAX_ROWS * self.dtype.itemsize
        for _, path in sorted(files, reverse=True):
            try:
                if path.stat().st_size > largest:
                    continue
                data = read_regular(path)
                match = FILE_PATTERN.fullmatch(path.name)
                if match is None or hashlib.sha256(data).hexdigest() != match.group(1):
                    continue
                array = np.load(io.BytesIO(data), allow_pickle=False)
            except (OSError, ValueError, MemoryError):  # MemoryError: a header's false shape
                continue
            if array.dtype != self.dtype or array.ndim != 1:
                continue
            vectors = array["vector"]
            norms = np.linalg.norm(vectors, axis=1)
            whole = np.isfinite(vectors).all(axis=1) & (np.abs(norms - 1) < 1e-3)
            return {
                row["key"].tobytes(): row["vector"]
                for row, ok in zip(array, whole, strict=True)
                if ok
            }
        return {}

    def _write(self, rows: list[tuple[bytes, np.ndarray]]) -> None:
        """One file named by its hash, written beside and renamed into place; then the older
        files, and any a killed build left half written, are removed."""
        array = np.empty(len(rows), dtype=self.dtype)
        if rows:
            keys = b"".join(key for key, _ in rows)
            array["key"] = np.frombuffer(keys, dtype=np.uint8).reshape(len(rows), 32)
            array["vector"] = np.stack([vector for _, vector in rows])
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        data = buffer.getbuffer()
        final = self.folder / f"vectors-{hashlib.sha256(data).hexdigest()}.npy"
        write_bytes_atomic(final, data)
        for path in self.folder.iterdir():
            stale = FILE_PATTERN.fullmatch(path.name) or path.name.startswith(".vectors-")
            if path != final and stale:
                with contextlib.suppress(OSError):
                    path.unlink()


class CachingEncoder:
    """An encoder that computes only the vectors its cache lacks."""

    def __init__(self, inner: Encoder, cache: VectorCache) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.dimension = inner.dimension

    def fingerprint(self) -> str:
        return self.inner.fingerprint()

    def query_model(self) -> SharedModel | None:
        return self.inner.query_model()

    def encode(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        keys = [text_key(text) for text in texts]
        result = np.zeros((len(texts), self.dimension), dtype=np.float32)
        missing = []
        for row, key in enumerate(keys):
            vector = self.cache.get(key)
            if vector is None:
                missing.append(row)
            else:
                result[row] = vector
        if progress and len(missing) < len(texts):
            progress(len(texts) - len(missing))
        if missing:
            fresh = self.inner.encode([texts[row] for row in missing], progress)
            if fresh.shape != (len(missing), self.dimension):
                raise IndexUnavailableError(
                    f"the encoder returned vectors of shape {fresh.shape}, "
                    f"expected ({len(missing)}, {self.dimension})"
                )
            result[missing] = fresh
            for row, vector in zip(missing, result[missing], strict=True):
                self.cache.add(keys[row], vector)
        return result
