"""Wiring: the FAQ file, its index (rebuilt when missing or stale), the encoder and the crisis
screen, as one assistant."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from therapy_faq.assistant import Assistant
from therapy_faq.builder import build_index
from therapy_faq.crisis import CrisisResources, load_examples, load_resources, resources_sha256
from therapy_faq.encoder import (
    QUERY_THREADS,
    REFERENCE_MODEL,
    Encoder,
    ModelIdentity,
    OnnxEncoder,
    build_encoder,
    default_encoder,
)
from therapy_faq.errors import (
    IndexFolderRefusedError,
    IndexUnavailableError,
    IndexWriteError,
    ModelError,
    TherapyFaqError,
)
from therapy_faq.faq import FaqFile, faq_sha256, file_sha256, read_faq
from therapy_faq.index import (
    LOAD_ATTEMPTS,
    IndexState,
    LoadedIndex,
    Manifest,
    check_index,
    ensure_replaceable,
    folder_identity,
    index_rows,
    load_index,
)
from therapy_faq.query_model import SharedModel
from therapy_faq.retrieval import Retriever
from therapy_faq.safety import CrisisScreen
from therapy_faq.settings import crisis_examples_path, crisis_resources_path, topics_path
from therapy_faq.terminal import printable
from therapy_faq.topics import load_topics, topic_rows, topics_sha256
from therapy_faq.vector_cache import CachingEncoder, caching

Notify = Callable[[str], None]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Paths:
    faq: Path
    index: Path


def build(
    paths: Paths,
    encoder: Encoder | None = None,
    progress: Progress | None = None,
    faq_file: FaqFile | None = None,
    unless_current: bool = False,
    notify: Notify | None = None,
    reuse_vectors: bool = True,
) -> Manifest:
    """Validate the FAQ, check the model's fingerprints, train the crisis screen unless it is
    cached for these examples and this model, embed the FAQ and write the index.

    `unless_current` keeps an index that became current while this build waited for another
    one (an implicit build; `therapy-faq build` always rebuilds). `reuse_vectors`: texts
    embedded by an earlier build take their vectors from the cache (`vector_cache.py`); without
    it every text is embedded again (and the cache refreshed)."""
    import os

    from therapy_faq.screen_training import (
        screen_folder,
        screen_is_cached,
        trained_screen,
        training_size,
    )

    ensure_replaceable(Path(os.path.realpath(paths.index)))  # before any slow work
    faq, faq_hash = faq_file or read_faq(paths.faq)
    try:
        encoder = encoder or build_encoder(notify)
    except OSError as exc:  # the user cache: read-only, full, or not a folder
        raise IndexWriteError(
            f"cannot write the exported model to {printable(exc.filename or '')} "
            f"({exc.strerror}); set XDG_CACHE_HOME to a writable folder"
        ) from None
    encoder = caching(encoder, reuse=reuse_vectors)
    examples_path = crisis_examples_path()
    examples_sha256 = file_sha256(examples_path)
    fingerprint = encoder.fingerprint()
    examples = None  # read (1.5 s) only to train: a cached screen was trained on this very file
    screen_rows = 0
    if not screen_is_cached(examples_sha256, fingerprint, encoder.dimension):
        examples = load_examples(examples_path)
        screen_rows = training_size(examples)
    topics_hash = topics_sha256(topics_path())  # hashed before it is read, as the FAQ is
    topics = load_topics(topics_path())
    resources_hash = resources_sha256(crisis_resources_path())
    resources = load_resources(crisis_resources_path())
    faq_rows = len(index_rows(faq)[0]) + len(topic_rows(topics)[0])
    done = 0

    def screen_progress(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, screen_rows + faq_rows)

    def index_progress(index_done: int, index_total: int) -> None:
        if progress:
            progress(screen_rows + index_done, screen_rows + index_total)

    try:
        if examples is None:
            screen_dir = screen_folder(examples_sha256, fingerprint, encoder.dimension)
        else:
            if notify:
                notify(
                    "Training the crisis screen on its examples: once per machine (and after "
                    "an edit of the examples), a few minutes; later builds take seconds ..."
                )
            screen_dir = trained_screen(
                examples, examples_sha256, encoder, fingerprint, screen_progress
            )
    except OSError as exc:
        raise IndexWriteError(
            f"cannot write the crisis screen's cache {printable(exc.filename or '')} "
            f"({exc.strerror}); set XDG_CACHE_HOME to a writable folder"
        ) from None
    try:
        manifest = build_index(
            faq,
            paths.faq,
            faq_hash,
            paths.index,
            encoder,
            screen_dir=screen_dir,
            examples_sha256=examples_sha256,
            topics=topics,
            topics_sha256=topics_hash,
            progress=index_progress,
            unless_current=unless_current,
            resources=resources,
            resources_sha256=resources_hash,
        )
    except OSError as exc:  # a full or read-only disk: the previous index stays as it was
        where = exc.filename or paths.index
        raise IndexWriteError(
            f"cannot write the index to {printable(where)} ({exc.strerror}); free some space "
            "or choose a writable folder with --index or THERAPY_FAQ_INDEX"
        ) from None
    if isinstance(encoder, CachingEncoder):
        encoder.cache.save()
    return manifest


class BuildNeeded(Exception):
    """The index must be built first, and the caller asked not to build (`may_build=False`):
    a chat opening in the background leaves a build, and its progress, to the foreground."""


def open_assistant(
    paths: Paths,
    encoder: Encoder | None = None,
    notify: Notify | None = None,
    progress: Progress | None = None,
    may_build: bool = True,
    one_question: bool = False,
) -> Assistant:
    """An index that matches the FAQ file, built first when it must, and the FAQ from it: the
    index keeps the FAQ and the crisis resources it was built from, validated, so a current one
    spares parsing the YAML (and importing pydantic). `one_question`: the model is made to start
    fast rather than to encode fast (`OnnxEncoder`'s `prepack`)."""
    resources_hash = resources_sha256(crisis_resources_path())
    state = check_index(
        paths.index,
        faq_sha256(paths.faq),
        file_sha256(crisis_examples_path()),
        ModelIdentity(encoder.name, encoder.dimension) if encoder else REFERENCE_MODEL,
        topics_sha256(topics_path()),
    )
    index = None
    if state.ok:
        try:
            index, query_model = _load(paths.index, encoder, one_question)
        except IndexUnavailableError as exc:
            index, state = None, IndexState("corrupt", str(exc))
        except ModelError as exc:
            if encoder is not None:  # the caller's model, not the index's copy
                raise
            index, state = None, IndexState("corrupt", f"its model cannot be read ({exc})")
    if index is None and not may_build:
        raise BuildNeeded(state.reason)
    if index is None:
        faq_file = read_faq(paths.faq)  # a broken edit is reported before any rebuild notice
        if notify:
            verb = "Building" if state.status == "missing" else "Rebuilding"
            notify(f"{verb} the index ({state.reason}) in {paths.index} ...")
        try:
            # A build that waited for another process keeps what it built, unless the index
            # was found damaged: its manifest may still call it current.
            keep_current = state.status != "corrupt"
            build(
                paths,
                encoder,
                progress,
                faq_file=faq_file,
                unless_current=keep_current,
                notify=notify,
            )
            index, query_model = _load(paths.index, encoder, one_question)
        except (IndexFolderRefusedError, IndexWriteError):
            raise
        except IndexUnavailableError as exc:
            raise IndexUnavailableError(
                f"{exc}; run `therapy-faq build --index {paths.index}` to rebuild it"
            ) from None
    screen = CrisisScreen(index.screen)
    resources = _resources(index, resources_hash)
    return Assistant(Retriever(index.faq, index), screen, resources, query_model)


def _resources(index: LoadedIndex, sha256: str) -> CrisisResources:
    """The index's copy of the crisis resources while `data/crisis.yaml` is the file it was
    built with; the file itself (parsed and validated) after an edit."""
    if index.resources is not None and index.manifest.resources_sha256 == sha256:
        return index.resources
    return load_resources(crisis_resources_path())


class LiveAssistant:
    """The assistant of a session (a chat, `ask -`) that follows its files: between questions
    it notices an edited FAQ or an index rebuilt by another process and opens them again, so
    that no answer comes from a stale index, and none from two indexes at once."""

    def __init__(
        self,
        paths: Paths,
        encoder: Encoder | None = None,
        notify: Notify | None = None,
        progress: Progress | None = None,
        may_build: bool = True,
    ) -> None:
        """`may_build=False`: raise `BuildNeeded` instead of building the index first (later
        rebuilds, after an edit of the FAQ, still happen)."""
        self._paths, self._encoder = paths, encoder
        self._notify, self._progress = notify, progress
        self._assistant, self._stamp = self._open(may_build)

    def _open(self, may_build: bool = True) -> tuple[Assistant, tuple[object, ...]]:
        faq = self._faq_stamp()  # before reading: an edit made meanwhile is seen next time
        assistant = open_assistant(
            self._paths, self._encoder, self._notify, self._progress, may_build
        )
        return assistant, (faq, assistant.retriever.index.identity)

    def _faq_stamp(self) -> tuple[int, ...] | None:
        try:
            faq = self._paths.faq.stat()
        except OSError:
            return None
        return faq.st_dev, faq.st_ino, faq.st_size, faq.st_mtime_ns

    def _index_stamp(self) -> tuple[int, int, bytes] | None:
        try:
            return folder_identity(self._paths.index)
        except IndexUnavailableError:
            return None

    def current(self) -> Assistant:
        """The assistant for the next question: the same one while the files are unchanged (two
        stats and a read of the manifest), else a new one. When the new files cannot be used,
        the failure is reported and the loaded assistant kept: it still reads one whole index."""
        stamp = (self._faq_stamp(), self._index_stamp())
        if stamp == self._stamp:
            return self._assistant
        try:
            self._assistant, self._stamp = self._open()
            if self._notify:
                self._notify("The FAQ or its index changed: answering from the new one.")
        except TherapyFaqError as exc:
            if self._notify:
                self._notify(f"{exc}; answering from the FAQ loaded before")
            self._stamp = stamp  # report once, until the files change again
        return self._assistant


def _load(
    index_dir: Path, encoder: Encoder | None, one_question: bool = False
) -> tuple[LoadedIndex, Encoder]:
    """The index and its query model, both from one build: the model is read after the rest,
    so a swap in between means reading again."""
    for _ in range(LOAD_ATTEMPTS):
        index = load_index(index_dir)
        query_model = encoder or query_encoder(index, prepack=not one_question)
        if not gives_unit_vectors(query_model):
            raise IndexUnavailableError("its model gives invalid vectors (altered?)")
        if encoder is not None or folder_identity(index_dir) == index.identity:
            return index, query_model
    raise IndexUnavailableError(
        f"the index in {index_dir} kept changing while it was read (rebuilt meanwhile?)"
    )


def gives_unit_vectors(encoder: Encoder) -> bool:
    """A probe sentence gives a finite unit vector: a model file altered in place (same size)
    gives NaN or garbage, and NaN must never reach a score. It also loads the model, so the
    first question of a session is not the slow one."""
    vector = encoder.encode(["is it ok to cry in therapy"])[0]
    return bool(np.isfinite(vector).all()) and abs(float(vector @ vector) - 1.0) < 1e-3


def query_encoder(index: LoadedIndex, prepack: bool = True) -> Encoder:
    """The exported ONNX model when the index has one (fast start), else the reference."""
    record = index.manifest.query_model
    if record is None:
        return default_encoder()
    shared = SharedModel(Path(record.path), record.sha256, record.size, record.mtime_ns)
    shared.check()
    # Not spinning: onnxruntime's default pool (every core, spinning) took a short query 98 ms,
    # one thread without spinning 54 ms (docs/quantisation.md).
    return OnnxEncoder(shared.path, shared=shared, threads=QUERY_THREADS, prepack=prepack)
