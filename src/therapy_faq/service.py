"""Wiring: the FAQ file, its index (rebuilt when missing or stale) and the encoder, as one bot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from therapy_faq.encoder import Encoder, default_encoder
from therapy_faq.errors import IndexUnavailableError
from therapy_faq.faq import Faq, file_sha256, load_faq
from therapy_faq.index import Manifest, build_index, check_index, load_index
from therapy_faq.retrieval import Retriever

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
    faq: Faq | None = None,
) -> Manifest:
    """Validate the FAQ, check the model's fingerprints, embed and write the index."""
    faq = faq or load_faq(paths.faq)
    return build_index(
        faq,
        paths.faq,
        file_sha256(paths.faq),
        paths.index,
        encoder or default_encoder(),
        progress=progress,
    )


def open_retriever(
    paths: Paths,
    encoder: Encoder | None = None,
    notify: Notify | None = None,
    progress: Progress | None = None,
) -> Retriever:
    """Load the FAQ and an index that matches it, building the index first when it must."""
    faq = load_faq(paths.faq)
    encoder = encoder or default_encoder()
    state = check_index(paths.index, file_sha256(paths.faq), encoder)
    index = None
    if state.ok:
        try:
            index = load_index(paths.index)
        except IndexUnavailableError as exc:
            state = type(state)("corrupt", str(exc))
    if index is None:
        if notify:
            verb = "Building" if state.status == "missing" else "Rebuilding"
            notify(f"{verb} the index ({state.reason}) in {paths.index} ...")
        try:
            build(paths, encoder, progress, faq=faq)
            index = load_index(paths.index)
        except IndexUnavailableError as exc:
            raise IndexUnavailableError(
                f"{exc}; run `therapy-faq build --index {paths.index}` to rebuild it"
            ) from None
        except OSError as exc:
            raise IndexUnavailableError(
                f"cannot write the index to {paths.index} ({exc.strerror}); "
                "choose a writable folder with --index or THERAPY_FAQ_INDEX"
            ) from None
    return Retriever(faq, index, encoder)
