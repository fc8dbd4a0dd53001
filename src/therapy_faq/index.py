"""The index on disk: its files, loading it, telling whether it is still current, and which
folders may be replaced by a build (the build itself is `builder.py`).

An index folder holds data files only (no pickle anywhere):

- `index.faiss`: every row vector, in FAISS's own format, for finding candidates;
- `vectors.npy`: the same vectors, memory-mapped for exact rescoring of candidates;
- `row_entries.npy`, `row_kinds.npy`: which entry each row belongs to, and what it embeds
  (0 the question, 1 another wording, 2 the answer, 3 a wording in another language); rows of
  one entry are contiguous;
- `faq.json`: the validated FAQ it was built from (read instead of the YAML when current);
- `crisis.json`: the validated crisis resources it was built with (read instead of
  `data/crisis.yaml` while that file's hash is the one in the manifest);
- `bm25/`: the lexical index (bm25s's JSON and NumPy files); `bm25_foreign/`: another, of the
  wordings in other languages (only when the FAQ has some);
- `classifier.npy`: weights of the entry classifier (see `classifier.py`), small FAQs only;
- `screen_weights.npy`, `screen_neighbours.npy`, `screen_projection.npy`, `screen_reduced.npy`,
  `screen_votes.npy`, `screen.json`: the crisis screen's classifier, its examples' vectors and
  their projection for the vote (see `screen_training.py`; linked from the user cache where the
  file system allows);
- `topics.json`, `topic_vectors.npy`: the topics the FAQ leaves to others (see `topics.py`);
- `manifest.json`: what the index was built from, and which exported model answers questions
  (`query_model.py`: one file per machine, shared by every index).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from stat import S_ISREG
from typing import Any, ClassVar, Literal

import numpy as np

from therapy_faq.crisis import CrisisResources, trusted_resources
from therapy_faq.encoder import ModelIdentity, sha256_file
from therapy_faq.errors import IndexFolderRefusedError, IndexUnavailableError
from therapy_faq.faq import Faq, trusted_faq
from therapy_faq.fields import FORBID_EXTRA, IGNORE_EXTRA, SchemaError, checked
from therapy_faq.files import read_regular, read_text
from therapy_faq.lexical import Bm25Scorer
from therapy_faq.safety import (
    SCREEN_FILES,
    SCREEN_SETTINGS_FILE,
    SCREEN_WEIGHTS_FILE,
    ScreenModel,
)
from therapy_faq.terminal import listing, printable
from therapy_faq.topics import TOPIC_VECTORS_FILE, TOPICS_FILE, TopicIndex

INDEX_FILE = "index.faiss"
VECTORS_FILE = "vectors.npy"
ROW_ENTRIES_FILE = "row_entries.npy"
ROW_KINDS_FILE = "row_kinds.npy"
FAQ_FILE = "faq.json"
RESOURCES_FILE = "crisis.json"
BM25_DIR = "bm25"
BM25_FOREIGN_DIR = "bm25_foreign"
CLASSIFIER_FILE = "classifier.npy"
MANIFEST_FILE = "manifest.json"
FORMAT_VERSION = 13
HASHED_ALWAYS_BYTES = 8_000_000  # files up to this size are hashed at every load
EXACT_SEARCH_ROWS = 50_000  # up to this many vectors FAISS searches exhaustively
FULL_SCAN_ROWS = 50_000  # up to this many rows a question scores every entry, without FAISS
LOAD_ATTEMPTS = 3
ANSWER_VECTOR_LIMIT = 20_000

QUESTION, PHRASING, ANSWER, FOREIGN = 0, 1, 2, 3


@dataclass(frozen=True)
class QueryModelRecord:
    """The shared question-time model an index was built for (see `query_model.SharedModel`)."""

    __pydantic_config__: ClassVar[Any] = FORBID_EXTRA

    path: str
    sha256: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Manifest:
    """What an index was built from; compared with the present to detect a stale index."""

    __pydantic_config__: ClassVar[Any] = IGNORE_EXTRA

    format_version: int
    model: str
    model_sha256: str
    dimension: int
    entry_count: int
    vector_count: int
    faiss_index: str  # "flat" (exact) or "hnsw"
    faq_file: str
    faq_sha256: str
    examples_sha256: str
    topics_sha256: str
    resources_sha256: str  # "" when the index holds no copy of the resources
    query_model: QueryModelRecord | None  # None: questions use the build's encoder itself
    file_sizes: dict[str, int]  # every file of the folder, to notice truncation cheaply
    file_sha256: dict[str, str]  # every file, to notice any change (see `verify_files`)
    file_mtimes: dict[str, int]  # st_mtime_ns: large files are hashed only when it changed
    built_at: str
    versions: dict[str, str]
    screen_code_sha256: str = ""  # `screen_code_sha256()`; "" in indexes built before it


# The source of what shapes the crisis screen an index holds: the patterns and phrases, how a
# message is read, and the training settings and thresholds. These live in code, not in the
# examples file, so an index built by other code may hold a screen trained on other features
# or judged by other thresholds.
SCREEN_CODE = ("safety.py", "script_phrases.py", "screen_training.py")


@lru_cache(maxsize=1)
def screen_code_sha256() -> str:
    """A hash of the crisis screen's source files (read as bytes: importing the phrases costs
    about 30 ms, hashing their file well under one)."""
    hashes = "".join(sha256_file(Path(__file__).with_name(name)) for name in SCREEN_CODE)
    return hashlib.sha256(hashes.encode()).hexdigest()


@dataclass(frozen=True)
class LoadedIndex:
    manifest: Manifest
    vectors: np.ndarray  # (rows, dimension), memory-mapped
    row_entries: np.ndarray  # row -> position of its entry in the FAQ
    row_kinds: np.ndarray  # row -> QUESTION, PHRASING, ANSWER or FOREIGN
    faq: Faq  # the index's own copy, validated when it was built
    resources: CrisisResources | None  # the same, when the build was given them
    folder: Path
    screen: ScreenModel
    topics: TopicIndex
    classifier: np.ndarray | None  # (entries, dimension + 1), or None past the size limit
    bm25: Bm25Scorer
    search: Any | None  # the FAISS index, read only past FULL_SCAN_ROWS
    identity: tuple[int, int, bytes] = (0, 0, b"")  # see `folder_identity`

    @property
    def entry_ids(self) -> list[str]:
        return [entry.id for entry in self.faq.entries]

    def faiss_index(self) -> Any:
        """The FAISS index: the one read with the rest, or read now (a small FAQ's questions
        never need it, and importing faiss costs a one-shot question tens of milliseconds)."""
        return self.search if self.search is not None else _read_faiss(self.folder)


def _read_faiss(folder: Path) -> Any:
    import faiss

    try:
        return faiss.read_index(str(folder / INDEX_FILE))
    except RuntimeError as exc:
        raise IndexUnavailableError(f"the index in {folder} is unreadable: {exc}") from None


@dataclass(frozen=True)
class IndexState:
    """Whether an index folder can answer for the given FAQ, and if not, why not."""

    status: Literal["ok", "missing", "stale", "corrupt", "mismatch"]
    reason: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def embeds_answers(faq: Faq) -> bool:
    """Answer vectors help, but embedding long answers is the slowest part of a build: past
    ANSWER_VECTOR_LIMIT entries answers count through BM25 only, so that a 100,000-entry build
    stays under ten minutes on two cores (benchmarks/scale.py)."""
    return len(faq.entries) <= ANSWER_VECTOR_LIMIT


def index_rows(faq: Faq) -> tuple[list[str], list[int], list[int]]:
    """The texts to embed, with the entry position and kind of each: every wording, then its
    wordings in other languages, then the answer (see `embeds_answers`), entry after entry."""
    with_answers = embeds_answers(faq)
    texts: list[str] = []
    positions: list[int] = []
    kinds: list[int] = []
    for position, entry in enumerate(faq.entries):
        for number, text in enumerate(entry.phrasings()):
            texts.append(text)
            positions.append(position)
            kinds.append(QUESTION if number == 0 else PHRASING)
        for text in entry.foreign_phrasings():
            texts.append(text)
            positions.append(position)
            kinds.append(FOREIGN)
        if with_answers:
            texts.append(entry.answer)
            positions.append(position)
            kinds.append(ANSWER)
    return texts, positions, kinds


# Names an index holds besides manifest.json and model.onnx (which other tools use too).
_INDEX_FILES = {
    INDEX_FILE,
    VECTORS_FILE,
    ROW_ENTRIES_FILE,
    ROW_KINDS_FILE,
    FAQ_FILE,
    RESOURCES_FILE,
    "entries.json",  # formats before 9
    BM25_DIR,
    BM25_FOREIGN_DIR,
    *SCREEN_FILES,
    SCREEN_SETTINGS_FILE,
    TOPICS_FILE,
    TOPIC_VECTORS_FILE,
    CLASSIFIER_FILE,
    "screen.npy",  # format 6
    "rows.json",  # formats before 5
    ".building",  # BUILD_MARKER
}
BUILD_MARKER = ".building"  # written first into a staging folder
# What bm25s writes into BM25_DIR (named here for manifests that did not list files yet).
_BM25_FILES = {
    "data.csc.index.npy",
    "indices.csc.index.npy",
    "indptr.csc.index.npy",
    "params.index.json",
    "vocab.index.json",
    "query_tokenizer.json",
    "words.json",
}
# Without a manifest, a folder is taken for an index only with several names that no one else
# would use together (a lone entries.json or bm25 folder can be anyone's).
_DISTINCT_FILES = {INDEX_FILE, VECTORS_FILE, ROW_ENTRIES_FILE, ROW_KINDS_FILE, SCREEN_WEIGHTS_FILE}
_DISTINCT_NEEDED = 3


def is_our_index(folder: Path) -> bool:
    """Whether `folder` holds an index written by therapy-faq (any format version) and nothing
    else: its manifest names a format version, an FAQ hash and a model; or, when the manifest
    is damaged, three of its names are ones only an index uses. Either way every name in it is
    one an index holds (a user's notes or FAQ file beside an index are never replaced)."""
    return _looks_like_an_index(folder) and not foreign_names(folder)  # the cheap look first


def foreign_names(folder: Path) -> list[str]:
    """Paths in `folder`, at any depth, that no index of ours holds (files a build would
    delete): neither listed in its manifest nor a name an index writes."""
    listed = _manifest_files(folder)
    known = listed | _INDEX_FILES | {MANIFEST_FILE, "model.onnx"}
    if not any(name.startswith(f"{BM25_DIR}/") for name in listed):  # before manifests listed it
        known |= {f"{BM25_DIR}/{name}" for name in _BM25_FILES}
    foreign: list[str] = []
    for root, dirs, files in os.walk(folder, onerror=None, followlinks=False):
        base = Path(root).relative_to(folder)
        for name in sorted(dirs):
            rel = (base / name).as_posix()
            if rel not in known:
                foreign.append(rel)
                dirs.remove(name)  # named once, not file by file
        foreign.extend(rel for name in files if (rel := (base / name).as_posix()) not in known)
    return sorted(foreign)


def _manifest_files(folder: Path) -> set[str]:
    raw = _raw_manifest(folder)
    files = raw.get("file_sizes") if isinstance(raw, dict) else None
    return {str(name) for name in files} if isinstance(files, dict) else set()


def _raw_manifest(folder: Path) -> object:
    try:
        return json.loads(read_text(folder / MANIFEST_FILE))
    except (OSError, ValueError):
        return None


def _looks_like_an_index(folder: Path) -> bool:
    raw = _raw_manifest(folder)
    if isinstance(raw, dict) and {"format_version", "faq_sha256", "model"} <= raw.keys():
        return True
    try:
        names = {path.name for path in folder.iterdir()}
    except OSError:
        return False
    return len(names & _DISTINCT_FILES) >= _DISTINCT_NEEDED


def _is_leftover(folder: Path) -> bool:
    """A folder a killed build left: a staging folder (its marker) or an old index, holding
    nothing but index files. A user's ".faq.building-drafts" is never one."""
    if not folder.is_dir() or folder.is_symlink():
        return False
    ours = (folder / BUILD_MARKER).is_file() or _looks_like_an_index(folder)
    return ours and not foreign_names(folder)


def ensure_replaceable(index_dir: Path) -> None:
    """Refuse to build over anything but an index of ours, an empty folder or nothing: the
    build replaces the whole folder, and `--index ~` must never delete a home folder."""
    _refuse_the_working_folder(index_dir)
    if not os.path.lexists(index_dir):
        return
    if not index_dir.is_dir():
        raise IndexFolderRefusedError(
            f"{index_dir} is a file, not an index folder: refusing to replace it; "
            "choose a new or empty folder with --index or THERAPY_FAQ_INDEX"
        )
    try:
        empty = next(index_dir.iterdir(), None) is None
    except OSError as exc:
        raise IndexFolderRefusedError(
            f"cannot read the folder {index_dir} ({exc.strerror})"
        ) from None
    if empty:
        return
    if not _looks_like_an_index(index_dir):  # before walking it: `--index ~` is refused at once
        raise IndexFolderRefusedError(
            f"{index_dir} is not a therapy-faq index and is not empty: refusing to replace it; "
            "choose a new or empty folder with --index or THERAPY_FAQ_INDEX"
        )
    foreign = foreign_names(index_dir)
    if foreign:
        raise IndexFolderRefusedError(
            f"{index_dir} holds files therapy-faq did not write ({listing(foreign)}): refusing "
            "to replace it; move them out, or choose another folder with --index or "
            "THERAPY_FAQ_INDEX"
        )


def _refuse_the_working_folder(index_dir: Path) -> None:
    """A build replaces its folder: building into the current folder (or one holding it)
    would leave the shell in a deleted folder."""
    try:
        cwd = Path(os.getcwd())
    except OSError:
        return  # no current folder to protect (paths were resolved before)
    if index_dir == cwd or index_dir in cwd.parents:
        raise IndexFolderRefusedError(
            f"{index_dir} is the current folder or holds it: refusing to replace it; "
            "choose a subfolder with --index or THERAPY_FAQ_INDEX"
        )


class IndexFormatError(IndexUnavailableError):
    """The index folder was written by another version of the tool."""


def read_manifest(index_dir: Path) -> Manifest:
    try:
        raw = json.loads(read_text(index_dir / MANIFEST_FILE))
    except (OSError, ValueError) as exc:
        raise IndexUnavailableError(f"unreadable manifest in {index_dir}: {exc}") from None
    if not isinstance(raw, dict) or raw.get("format_version") != FORMAT_VERSION:
        raise IndexFormatError("the index was written by another version of therapy-faq")
    try:
        return checked(Manifest, raw)
    except SchemaError as exc:
        problem = exc.errors[0]
        where = ".".join(str(p) for p in problem["loc"])
        message = f"invalid manifest in {index_dir}: {where}: {problem['msg']}"
        raise IndexUnavailableError(message) from None


def check_index(
    index_dir: Path,
    faq_sha256: str,
    examples_sha256: str,
    model: ModelIdentity,
    topics_sha256: str | None = None,
) -> IndexState:
    """Compare the manifest with the FAQ, the crisis examples, the topics (unless None), the
    model in use and the crisis screen's code (cheap: no vectors are read, no model loaded)."""
    if not (index_dir / MANIFEST_FILE).is_file():
        return IndexState("missing", "none found")
    try:
        manifest = read_manifest(index_dir)
    except IndexFormatError as exc:
        return IndexState("mismatch", str(exc))
    except IndexUnavailableError as exc:
        return IndexState("corrupt", str(exc))
    if manifest.model != model.name or manifest.dimension != model.dimension:
        return IndexState("mismatch", f"the index was built with another model ({manifest.model})")
    if manifest.faq_sha256 != faq_sha256:
        return IndexState("stale", "the FAQ file changed since the index was built")
    if manifest.examples_sha256 != examples_sha256:
        return IndexState("stale", "the crisis examples changed since the index was built")
    if topics_sha256 is not None and manifest.topics_sha256 != topics_sha256:
        return IndexState("stale", "the topics file changed since the index was built")
    if manifest.screen_code_sha256 != screen_code_sha256():
        return IndexState("stale", "the crisis screen's code changed since the index was built")
    return IndexState("ok", "up to date")


def load_index(index_dir: Path) -> LoadedIndex:
    """Read every part of an index folder that questions need, all from one build.

    Everything is read (or memory-mapped) here, never later from the folder's path, so that a
    session outlives a rebuild by another process: it keeps answering from the index it opened
    instead of mixing two. A rebuild that lands while the parts are being read is noticed (the
    folder's identity changed) and the reading starts again.
    """
    for _ in range(LOAD_ATTEMPTS):
        before = folder_identity(index_dir)
        loaded = _read_parts(index_dir)
        if folder_identity(index_dir) == before:
            return replace(loaded, identity=before)
    raise IndexUnavailableError(
        f"the index in {index_dir} kept changing while it was read (rebuilt meanwhile?)"
    )


def folder_identity(index_dir: Path) -> tuple[int, int, bytes]:
    """Which build the folder holds: a swap puts another directory (inode) at the path, and
    every build writes its own manifest."""
    try:
        folder = index_dir.stat()
        manifest = read_regular(index_dir / MANIFEST_FILE)
    except OSError as exc:
        raise IndexUnavailableError(f"cannot read the index in {index_dir}: {exc}") from None
    return folder.st_dev, folder.st_ino, manifest


def verify_files(index_dir: Path, manifest: Manifest) -> None:
    """Every file is there with its size and hash. Files up to HASHED_ALWAYS_BYTES (all but
    the model, for the shipped FAQ: about 5 ms) are hashed at every load; larger ones when their
    modification time changed, so that a model altered in place costs one slow start, and a
    clean one nothing (`benchmarks/verify.py`)."""
    if set(manifest.file_sizes) != set(manifest.file_sha256):
        raise IndexUnavailableError(f"invalid manifest in {index_dir}: files without a hash")
    for name, size in manifest.file_sizes.items():
        path = index_dir / name
        inside = Path(os.path.realpath(path)).is_relative_to(os.path.realpath(index_dir))
        if Path(name).is_absolute() or ".." in Path(name).parts or not inside:
            # also through a symlinked folder inside the index (x -> /proc, then x/kmsg)
            raise IndexUnavailableError(f"invalid manifest in {index_dir}: a file outside it")
        try:
            stat = path.lstat()
        except OSError:
            raise IndexUnavailableError(f"{printable(str(path))} is missing") from None
        if not S_ISREG(stat.st_mode):  # a FIFO or a device would block or never end
            raise IndexUnavailableError(f"{printable(str(path))} is not a regular file")
        if stat.st_size != size:
            raise IndexUnavailableError(f"{printable(str(path))} is truncated or grew")
        unchanged = manifest.file_mtimes.get(name) == stat.st_mtime_ns
        if size > HASHED_ALWAYS_BYTES and unchanged:
            continue
        if _sha256(path) != manifest.file_sha256[name]:
            raise IndexUnavailableError(
                f"{printable(str(path))} changed since the index was built (its SHA-256 differs)"
            )


def _sha256(path: Path) -> str:
    try:
        return sha256_file(path)
    except OSError as exc:
        raise IndexUnavailableError(f"cannot read {printable(str(path))}: {exc.strerror}") from None


def _read_parts(index_dir: Path) -> LoadedIndex:
    """Read an index folder, checking that no file is missing or changed and that its parts
    agree with each other."""
    manifest = read_manifest(index_dir)
    verify_files(index_dir, manifest)
    try:
        faq = trusted_faq(json.loads((index_dir / FAQ_FILE).read_text("utf-8")))
        entry_ids = [entry.id for entry in faq.entries]
        vectors = np.load(index_dir / VECTORS_FILE, mmap_mode="r", allow_pickle=False)
        row_entries = np.load(index_dir / ROW_ENTRIES_FILE, allow_pickle=False)
        row_kinds = np.load(index_dir / ROW_KINDS_FILE, allow_pickle=False)
        screen = ScreenModel.load(index_dir)
        topics = TopicIndex.load(index_dir)
        classifier = (
            np.load(index_dir / CLASSIFIER_FILE, allow_pickle=False)
            if CLASSIFIER_FILE in manifest.file_sizes
            else None
        )
        bm25 = Bm25Scorer(index_dir / BM25_DIR)
        resources = (
            trusted_resources(json.loads((index_dir / RESOURCES_FILE).read_text("utf-8")))
            if RESOURCES_FILE in manifest.file_sizes
            else None
        )
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise IndexUnavailableError(f"the index in {index_dir} is unreadable: {exc}") from None
    rows = manifest.vector_count
    if (
        not manifest.file_sizes
        or vectors.shape != (rows, manifest.dimension)
        or row_entries.shape != (rows,)
        or row_kinds.shape != (rows,)
        or len(entry_ids) != manifest.entry_count
        or (rows and (row_entries.min() < 0 or row_entries.max() >= len(entry_ids)))
        or np.any(np.diff(row_entries) < 0)
        or screen.dimension != manifest.dimension
        or (len(topics.rows) and topics.vectors.shape[1] != manifest.dimension)
        or bm25.size != manifest.entry_count
        or (
            classifier is not None
            and classifier.shape != (manifest.entry_count, manifest.dimension + 1)
        )
    ):
        raise IndexUnavailableError(f"the index in {index_dir} is inconsistent (truncated?)")
    return LoadedIndex(
        manifest,
        vectors,
        row_entries,
        row_kinds,
        faq,
        resources,
        index_dir,
        screen=screen,
        topics=topics,
        classifier=None if classifier is None else classifier.astype(np.float32, copy=False),
        bm25=bm25,
        search=_read_faiss(index_dir) if rows > FULL_SCAN_ROWS else None,
    )
