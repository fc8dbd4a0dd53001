"""Building an index folder (its format is `index.py`): into a staging folder beside the target,
step after step, then swapped in whole.

The steps, in order: embed every wording (and answer) into `vectors.npy` and `index.faiss`;
train the entry classifier; copy the crisis screen (trained beforehand, once per examples file:
`screen_training.py`); embed the topics the FAQ leaves to others (`topics.py`); write the rows
and the validated FAQ; build the lexical index; record the
shared question-time model (`query_model.py`) and write the manifest. A build killed part-way
leaves the previous index in place; concurrent builds of one folder wait for each other.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from therapy_faq.classifier import train_classifier, trains_classifier
from therapy_faq.crisis import CrisisResources, resources_data
from therapy_faq.encoder import Encoder, ModelIdentity
from therapy_faq.errors import IndexUnavailableError
from therapy_faq.faq import Faq
from therapy_faq.files import fsync_tree, mode_for, replace_folder
from therapy_faq.index import (
    BM25_DIR,
    BM25_FOREIGN_DIR,
    BUILD_MARKER,
    CLASSIFIER_FILE,
    EXACT_SEARCH_ROWS,
    FAQ_FILE,
    FOREIGN,
    FORMAT_VERSION,
    INDEX_FILE,
    MANIFEST_FILE,
    RESOURCES_FILE,
    ROW_ENTRIES_FILE,
    ROW_KINDS_FILE,
    VECTORS_FILE,
    Manifest,
    QueryModelRecord,
    _is_leftover,
    _sha256,
    check_index,
    ensure_replaceable,
    foreign_names,
    index_rows,
    load_index,
    read_manifest,
    screen_code_sha256,
)
from therapy_faq.lexical import build_bm25
from therapy_faq.safety import SCREEN_FILES, SCREEN_SETTINGS_FILE
from therapy_faq.topics import Topics, topic_rows, write_topics

BUILD_BATCH = 2048
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 64


def build_index(
    faq: Faq,
    faq_path: Path,
    faq_sha256: str,
    index_dir: Path,
    encoder: Encoder,
    screen_dir: Path,
    examples_sha256: str,
    topics: Topics | None = None,
    topics_sha256: str = "",
    progress: Callable[[int, int], None] | None = None,
    unless_current: bool = False,
    resources: CrisisResources | None = None,
    resources_sha256: str = "",
) -> Manifest:
    """Build the index of `faq` into `index_dir`; return its manifest.

    `resources` (validated, from the file whose hash is `resources_sha256`) are kept in the
    index, so that a question need not parse and validate them again.

    `progress(done, total)` is called after each batch of embedded texts. With
    `unless_current`, a build that waited for another one first looks again, and keeps the
    index that the other one wrote if it is current (three `ask`s after an FAQ edit build once).
    """
    from filelock import FileLock

    texts, positions, kinds = index_rows(faq)
    topics = topics or Topics()
    topic_texts, _ = topic_rows(topics)
    total = len(texts) + len(topic_texts)
    # A symlinked index folder keeps its link: the folder it points at is replaced.
    index_dir = Path(os.path.realpath(index_dir))
    ensure_replaceable(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)

    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, total)

    if progress:
        progress(0, total)
    with FileLock(str(_lock_path(index_dir))):
        _clear_leftovers(index_dir)  # holding the lock, no other build is running
        model_sha256 = encoder.fingerprint()
        if unless_current:
            current = _current_manifest(
                index_dir, faq_sha256, examples_sha256, topics_sha256, encoder
            )
            if current is not None and current.model_sha256 == model_sha256:
                return current
        staging = Path(
            tempfile.mkdtemp(prefix=f".{index_dir.name}.building-", dir=index_dir.parent)
        )
        (staging / BUILD_MARKER).touch()  # what tells a leftover of ours from a user's folder
        try:
            os.chmod(staging, mode_for(index_dir, fresh=0o777))  # mkdtemp's is 0700
            _embed(texts, encoder, staging, advance)
            _train_entry_classifier(faq, positions, kinds, staging)
            _copy_screen(screen_dir, staging)
            _embed_topics(topics, topic_texts, encoder, staging, advance)
            _write_rows(faq, positions, kinds, staging)
            build_bm25(lexical_documents(faq), staging / BM25_DIR)
            if FOREIGN in kinds:
                foreign = [" ".join(entry.foreign_phrasings()) for entry in faq.entries]
                build_bm25(foreign, staging / BM25_FOREIGN_DIR, english=False)
            if resources is not None:
                text = json.dumps(resources_data(resources), ensure_ascii=False)
                (staging / RESOURCES_FILE).write_text(text, encoding="utf-8")
            manifest = Manifest(
                format_version=FORMAT_VERSION,
                model=encoder.name,
                model_sha256=model_sha256,
                dimension=encoder.dimension,
                entry_count=len(faq.entries),
                vector_count=len(texts),
                faiss_index=_faiss_kind(len(texts)),
                faq_file=str(faq_path.absolute()),
                faq_sha256=faq_sha256,
                examples_sha256=examples_sha256,
                topics_sha256=topics_sha256,
                resources_sha256=resources_sha256 if resources is not None else "",
                query_model=_query_model(encoder),
                **_file_records(staging),
                built_at=datetime.now(UTC).isoformat(timespec="seconds"),
                versions=_library_versions(),
                screen_code_sha256=screen_code_sha256(),
            )
            _swap_in(staging, index_dir, manifest)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return manifest


def lexical_documents(faq: Faq) -> list[str]:
    return ["\n".join([*entry.phrasings(), entry.answer]) for entry in faq.entries]


def _lock_path(index_dir: Path) -> Path:
    return index_dir.parent / f".{index_dir.name}.lock"


def _clear_leftovers(index_dir: Path) -> None:
    """Staging and retired folders of killed builds: only those that hold nothing else."""
    name = glob.escape(index_dir.name)  # "faq [v2]" or "*" are names, not patterns
    for pattern in (f".{name}.building-*", f".{name}.retired-*"):
        for leftover in index_dir.parent.glob(pattern):
            if _is_leftover(leftover):
                shutil.rmtree(leftover, ignore_errors=True)


def _current_manifest(
    index_dir: Path, faq_sha256: str, examples_sha256: str, topics_sha256: str, encoder: Encoder
) -> Manifest | None:
    model = ModelIdentity(encoder.name, encoder.dimension)
    if not check_index(index_dir, faq_sha256, examples_sha256, model, topics_sha256).ok:
        return None
    try:
        load_index(index_dir)  # whole, not only a current manifest
    except IndexUnavailableError:
        return None
    return read_manifest(index_dir)


# --- the steps -------------------------------------------------------------------------------


def _embed(
    texts: list[str], encoder: Encoder, staging: Path, advance: Callable[[int], None]
) -> None:
    """`vectors.npy` and `index.faiss`."""
    search = _stream_vectors(texts, encoder, staging / VECTORS_FILE, advance)
    _write_faiss(search, staging / INDEX_FILE)


def _train_entry_classifier(
    faq: Faq, positions: list[int], kinds: list[int], staging: Path
) -> None:
    """`classifier.npy`, for FAQs small enough (see `classifier.py`), from the English rows
    only: wordings in other languages would move every English question's scores."""
    if trains_classifier(len(faq.entries)):
        english = np.asarray(kinds) != FOREIGN
        vectors = np.load(staging / VECTORS_FILE, allow_pickle=False)[english]
        labels = np.asarray(positions)[english]
        weights = train_classifier(vectors, labels, len(faq.entries))
        _save(staging / CLASSIFIER_FILE, weights)


def _copy_screen(screen_dir: Path, staging: Path) -> None:
    """The cached screen's files. Its arrays (40 MB, the same for every index) are linked
    where the file system allows, copied otherwise: nothing of ours writes to them in place,
    and if anything else does, the index's hashes and the cache's both notice."""
    for name in SCREEN_FILES:
        try:
            os.link(screen_dir / name, staging / name)
        except OSError:
            shutil.copyfile(screen_dir / name, staging / name)
    shutil.copyfile(screen_dir / SCREEN_SETTINGS_FILE, staging / SCREEN_SETTINGS_FILE)


def _embed_topics(
    topics: Topics,
    texts: list[str],
    encoder: Encoder,
    staging: Path,
    advance: Callable[[int], None],
) -> None:
    """`topics.json` and `topic_vectors.npy` (a few hundred examples: one batch or two)."""
    vectors = np.zeros((0, encoder.dimension), dtype=np.float32)
    if texts:
        vectors = _normalised(encoder.encode(texts), encoder)
        advance(len(texts))
    write_topics(staging, topics, vectors)


def _write_rows(faq: Faq, positions: list[int], kinds: list[int], staging: Path) -> None:
    """Which entry each vector belongs to and what it embeds, and the FAQ itself, validated."""
    _save(staging / ROW_ENTRIES_FILE, np.asarray(positions, dtype=np.int32))
    _save(staging / ROW_KINDS_FILE, np.asarray(kinds, dtype=np.int8))
    (staging / FAQ_FILE).write_text(json.dumps(asdict(faq), ensure_ascii=False), encoding="utf-8")


def _query_model(encoder: Encoder) -> QueryModelRecord | None:
    """The shared exported model questions will use (exported now if there is none)."""
    shared = encoder.query_model()
    if shared is None:
        return None
    return QueryModelRecord(
        path=str(shared.path), sha256=shared.sha256, size=shared.size, mtime_ns=shared.mtime_ns
    )


def _file_records(staging: Path) -> dict[str, Any]:
    """Every file's size, hash and time, for the manifest."""
    files = {str(p.relative_to(staging)): p for p in sorted(staging.rglob("*"))}
    files = {n: path for n, path in files.items() if path.is_file() and n != BUILD_MARKER}
    stats = {name: path.stat() for name, path in files.items()}
    return {
        "file_sizes": {name: stat.st_size for name, stat in stats.items()},
        "file_sha256": {name: _sha256(path) for name, path in files.items()},
        "file_mtimes": {name: stat.st_mtime_ns for name, stat in stats.items()},
    }


def _swap_in(staging: Path, index_dir: Path, manifest: Manifest) -> None:
    """Write the manifest, make the folder durable, and swap it in for the old one."""
    (staging / MANIFEST_FILE).write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
    (staging / BUILD_MARKER).unlink()  # from here its manifest marks it as ours
    fsync_tree(staging)  # the slow part, before the last look at the folder
    ensure_replaceable(index_dir)  # again: the folder may have changed meanwhile
    replace_folder(
        staging,
        index_dir,
        retired_prefix=f".{index_dir.name}.retired-",
        disposable=lambda old: not foreign_names(old),  # written to since that look
    )


# --- helpers ---------------------------------------------------------------------------------


def _library_versions() -> dict[str, str]:
    from importlib import metadata

    versions = {}
    for name in ("faiss-cpu", "sentence-transformers", "torch", "numpy", "onnxruntime"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def _faiss_kind(rows: int) -> str:
    return "flat" if rows <= EXACT_SEARCH_ROWS else "hnsw"


def _empty_faiss_index(dimension: int, rows: int) -> Any:
    """Exact search while it is fast enough; an HNSW graph beyond (see benchmarks/scale.py)."""
    import faiss

    if _faiss_kind(rows) == "flat":
        return faiss.IndexFlatIP(dimension)
    index = faiss.IndexHNSWFlat(dimension, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    return index


def _normalised(vectors: np.ndarray, encoder: Encoder) -> np.ndarray:
    if vectors.ndim != 2 or vectors.shape[1] != encoder.dimension:
        raise IndexUnavailableError(
            f"the encoder returned vectors of shape {vectors.shape}, "
            f"expected (n, {encoder.dimension})"
        )
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.clip(norms, 1e-12, None)


def _stream_vectors(
    texts: list[str], encoder: Encoder, path: Path, advance: Callable[[int], None]
) -> Any:
    """Encode in batches, appending each to a .npy file and adding it to the FAISS index, so
    that memory stays bounded by the batch and the index, whatever the FAQ's size. Plain
    writes, not a memory map: a full disk is an OSError here, not a SIGBUS."""
    dimension = encoder.dimension
    search = _empty_faiss_index(dimension, len(texts))
    header = {"descr": "<f4", "fortran_order": False, "shape": (len(texts), dimension)}
    with path.open("wb") as handle:
        np.lib.format.write_array_header_1_0(handle, header)
        for start in range(0, len(texts), BUILD_BATCH):
            batch = _normalised(encoder.encode(texts[start : start + BUILD_BATCH]), encoder)
            batch = np.ascontiguousarray(batch, dtype="<f4")
            handle.write(batch.tobytes())
            search.add(batch)
            advance(len(batch))
    return search


def _write_faiss(search: Any, path: Path) -> None:
    """faiss's own writer fails with a bare RuntimeError on a full disk: serialise, then write
    the bytes ourselves."""
    import faiss

    with path.open("wb") as handle:
        handle.write(faiss.serialize_index(search).tobytes())


def _save(path: Path, array: np.ndarray) -> None:
    with path.open("wb") as handle:
        np.save(handle, array, allow_pickle=False)
