"""The question-time model: the embedding model exported to ONNX once per machine, shared by
every index folder.

The export needs torch and takes seconds, so it happens once per model fingerprint and
onnxruntime version, into the user cache; every build after it embeds with onnxruntime and
imports neither torch nor sentence-transformers. The file is saved already optimised by
onnxruntime (the portable "extended" level), so a question's session is created with graph
optimisation off. Each index records the file's hash, size and modification time: a file changed
since is refused, and the next build exports it again.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from therapy_faq.encoder import MODEL_NAME, ONNX_FILE, ONNX_INPUTS, model_dir, sha256_file
from therapy_faq.errors import ModelError

RECORD_FILE = "model.json"


@dataclass(frozen=True)
class SharedModel:
    """One exported file, as an index records it."""

    path: Path
    sha256: str
    size: int
    mtime_ns: int

    def check(self) -> None:
        """The file is the one recorded: same size and modification time (cheap), else the same
        hash (a copy or a `touch`); ModelError otherwise."""
        try:
            stat = self.path.stat()
        except OSError as exc:
            message = f"the question-time model {self.path} is missing ({exc.strerror})"
            raise ModelError(message) from None
        if stat.st_size == self.size and stat.st_mtime_ns == self.mtime_ns:
            return
        if stat.st_size != self.size or sha256_file(self.path) != self.sha256:
            raise ModelError(f"the question-time model {self.path} changed since it was exported")


def shared_folder(fingerprint: str) -> Path:
    from importlib import metadata

    from platformdirs import user_cache_path

    from therapy_faq.settings import APP_NAME

    version = metadata.version("onnxruntime")
    return user_cache_path(APP_NAME) / "models" / f"{fingerprint[:16]}-onnxruntime-{version}"


def ensure_shared_model(
    fingerprint: str, notify: Callable[[str], None] | None = None
) -> SharedModel:
    """The exported model for these weights, exported first if there is none (or it changed).
    Concurrent builds wait for one export."""
    from filelock import FileLock

    folder = shared_folder(fingerprint)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder.parent / f".{folder.name}.lock")):
        found = _recorded(folder, fingerprint)
        if found is not None:
            return found
        if notify:
            notify(f"Exporting the model for questions (once per machine) to {folder} ...")
        return _export(folder, fingerprint)


def _recorded(folder: Path, fingerprint: str) -> SharedModel | None:
    """The folder's model if its record matches the file and the weights, else None."""
    try:
        record = json.loads((folder / RECORD_FILE).read_text(encoding="utf-8"))
        path = folder / ONNX_FILE
        stat = path.stat()
        if record["model_sha256"] != fingerprint or record["size"] != stat.st_size:
            return None
        if sha256_file(path) != record["sha256"]:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return SharedModel(_real(path), record["sha256"], stat.st_size, stat.st_mtime_ns)


def _export(folder: Path, fingerprint: str) -> SharedModel:
    """Export with torch into a staging folder beside `folder`, optimise, then swap it in."""
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.export-", dir=folder.parent))
    try:
        raw = staging / "raw.onnx"
        export_onnx(raw)
        optimise(raw, staging / ONNX_FILE)
        raw.unlink()
        digest = sha256_file(staging / ONNX_FILE)
        record = {
            "model": MODEL_NAME,
            "model_sha256": fingerprint,
            "sha256": digest,
            "size": (staging / ONNX_FILE).stat().st_size,
        }
        (staging / RECORD_FILE).write_text(json.dumps(record, indent=2), encoding="utf-8")
        os.chmod(staging, 0o755)  # mkdtemp's is 0700
        if folder.exists():  # ours, and found invalid under the lock: a changed or partial export
            shutil.rmtree(folder)
        os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    stat = (folder / ONNX_FILE).stat()
    return SharedModel(_real(folder / ONNX_FILE), digest, stat.st_size, stat.st_mtime_ns)


def _real(path: Path) -> Path:
    """The path an index records: without symbolic links, so that it still leads to the file
    when the cache is reached another way (XDG_CACHE_HOME changed, a linked cache folder)."""
    return Path(os.path.realpath(path))


def export_onnx(target: Path, path: Path | None = None) -> None:
    """The transformer of sentence-transformers, exported to ONNX with dynamic batch and length
    (its last hidden state: pooling and normalising stay in `OnnxEncoder`)."""
    import torch

    from therapy_faq.encoder import SentenceTransformerEncoder

    model = SentenceTransformerEncoder(path or model_dir()).load()
    transformer = model[0].auto_model.eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.transformer(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
            ).last_hidden_state

    example = model.tokenizer(["an example", "a longer example sentence"], padding=True)
    inputs = tuple(torch.tensor(example[name]) for name in ONNX_INPUTS)
    dynamic = {name: {0: "batch", 1: "tokens"} for name in (*ONNX_INPUTS, "last_hidden_state")}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(),
            inputs,
            str(target),
            input_names=list(ONNX_INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=dynamic,
            opset_version=17,
            dynamo=False,
        )


def optimise(source: Path, target: Path) -> None:
    """Save `source` as onnxruntime optimises it at the "extended" level: fused attention and
    layer norms, without the hardware-specific layouts of the "all" level (so the file stays
    valid on another CPU). Sessions then load it with optimisation off, at every question."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(target)
    onnxruntime.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
