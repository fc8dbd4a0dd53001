"""The entry classifier: trained on an entry's own vectors, it must tell entries apart."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from therapy_faq import builder
from therapy_faq.classifier import (
    CLASSIFIER_ENTRY_LIMIT,
    entry_probabilities,
    train_classifier,
    trains_classifier,
)
from therapy_faq.errors import IndexUnavailableError
from therapy_faq.index import CLASSIFIER_FILE, MANIFEST_FILE, load_index
from therapy_faq.service import Paths, build, open_assistant

from .stub_encoder import StubEncoder
from .test_index import SMALL_FAQ


def clusters(entries: int, per_entry: int, dimension: int = 16) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(entries, dimension))
    vectors = np.repeat(centres, per_entry, axis=0) + 0.3 * rng.normal(
        size=(entries * per_entry, dimension)
    )
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32), np.repeat(np.arange(entries), per_entry)


@pytest.mark.parametrize("entries", [2, 3, 12])
def test_classifier_recognises_each_entrys_vectors(entries: int) -> None:
    vectors, labels = clusters(entries, 5)
    weights = train_classifier(vectors, labels, entries)
    assert weights.shape == (entries, vectors.shape[1] + 1)
    for vector, label in zip(vectors, labels, strict=True):
        probabilities = entry_probabilities(weights, vector)
        assert probabilities.shape == (entries,)
        assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)
        assert int(np.argmax(probabilities)) == label


def test_probabilities_survive_large_logits() -> None:
    weights = np.zeros((3, 3), dtype=np.float32)
    weights[0, 0] = 1e4  # exp(1e4) overflows without the max shift
    probabilities = entry_probabilities(weights, np.array([1.0, 0.0], dtype=np.float32))
    assert np.all(np.isfinite(probabilities)) and probabilities[0] == pytest.approx(1.0)


def test_classifier_is_trained_only_for_small_faqs() -> None:
    assert not trains_classifier(1)  # one class: nothing to tell apart
    assert trains_classifier(2) and trains_classifier(CLASSIFIER_ENTRY_LIMIT)
    assert not trains_classifier(CLASSIFIER_ENTRY_LIMIT + 1)


def faq_paths(tmp_path: Path) -> Paths:
    faq = tmp_path / "faq.yaml"
    faq.write_text(SMALL_FAQ, encoding="utf-8")
    return Paths(faq=faq, index=tmp_path / "index")


def test_index_carries_the_classifier(tmp_path: Path) -> None:
    paths = faq_paths(tmp_path)
    build(paths, StubEncoder())
    loaded = load_index(paths.index)
    assert loaded.classifier is not None
    assert loaded.classifier.shape == (2, StubEncoder.dimension + 1)
    assert CLASSIFIER_FILE in loaded.manifest.file_sizes


def test_retrieval_works_without_a_classifier(tmp_path: Path, monkeypatch) -> None:
    """Past the size limit the index has no classifier and the scorer does without it."""
    monkeypatch.setattr(builder, "trains_classifier", lambda count: False)
    paths = faq_paths(tmp_path)
    build(paths, StubEncoder())
    assert not (paths.index / CLASSIFIER_FILE).exists()
    assistant = open_assistant(paths, StubEncoder())
    assert assistant.retriever.index.classifier is None
    reply = assistant.reply("tears during a session")
    assert reply.status == "answered" and reply.answer.entry.id == "crying"
    vector = assistant.encoder.encode(["tears during a session"])[0]
    signals = assistant.retriever.signals(vector, assistant.retriever.bm25.scores("tears"))
    assert signals.classifier is None


def test_wrongly_shaped_classifier_is_reported(tmp_path: Path) -> None:
    paths = faq_paths(tmp_path)
    build(paths, StubEncoder())
    path = paths.index / CLASSIFIER_FILE
    with path.open("wb") as handle:  # same byte size, other shape
        np.save(handle, np.zeros((StubEncoder.dimension + 1, 2), dtype=np.float32))
    with pytest.raises(IndexUnavailableError, match="SHA-256 differs"):
        load_index(paths.index)
    # Written by a faulty build, with a manifest that agrees: the shapes are checked too.
    manifest_path = paths.index / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["file_sha256"][CLASSIFIER_FILE] = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexUnavailableError, match="inconsistent"):
        load_index(paths.index)
