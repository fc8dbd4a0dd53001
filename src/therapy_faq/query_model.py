"""The question-time model: the embedding model exported to ONNX once per machine, shared by
every index folder.

The export needs torch and takes seconds, so it happens once per model fingerprint and
onnxruntime version, into the user cache; every build after it embeds with onnxruntime and
imports neither torch nor sentence-transformers. The file is saved already optimised by
onnxruntime (the portable "extended" level), so a question's session is created with graph
optimisation off, and with its weights in a file of their own, which onnxruntime maps instead of
copying. Each index records the file's hash, size and modification time: a file changed
since is refused, and the next build exports it again.
"""

from __future__ import annotations

import glob
import hashlib
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
from therapy_faq.files import holds_only, read_regular

RECORD_FILE = "model.json"
WEIGHTS_SUFFIX = ".data"
RAW_FILE = "raw.onnx"  # torch's export, before onnxruntime optimises it
OWN_NAMES = {ONNX_FILE, ONNX_FILE + WEIGHTS_SUFFIX, RECORD_FILE}  # all an export folder holds


@dataclass(frozen=True)
class SharedModel:
    """One export, as an index records it: the graph at `path`, its weights beside it."""

    path: Path
    sha256: str  # of the graph and the weights (`model_digest`)
    size: int  # of both
    mtime_ns: int  # the later of the two

    def check(self) -> None:
        """The files are the ones recorded: same sizes and times (cheap), else the same hash (a
        copy or a `touch`); ModelError otherwise."""
        try:
            size, mtime_ns = measure(self.path)
        except FileNotFoundError:
            raise ModelError(f"the question-time model {self.path} is missing") from None
        except OSError as exc:
            message = f"the question-time model {self.path} cannot be read ({exc.strerror})"
            raise ModelError(message) from None
        if size == self.size and mtime_ns == self.mtime_ns:
            return
        if size != self.size or model_digest(self.path) != self.sha256:
            raise ModelError(f"the question-time model {self.path} changed since it was exported")


def model_files(path: Path) -> tuple[Path, Path]:
    """The graph and its weights: stored apart, onnxruntime maps the weights from the file
    instead of copying them (a session starts in 0.1 s instead of 0.34 s)."""
    return path, path.with_name(path.name + WEIGHTS_SUFFIX)


def measure(path: Path) -> tuple[int, int]:
    """Total size and latest modification time of the model's files."""
    stats = [file.stat() for file in model_files(path)]
    return sum(s.st_size for s in stats), max(s.st_mtime_ns for s in stats)


def model_digest(path: Path) -> str:
    digest = hashlib.sha256()
    for file in model_files(path):
        digest.update(bytes.fromhex(sha256_file(file)))
    return digest.hexdigest()


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
        _clear_leftovers(folder)
        found = _recorded(folder, fingerprint)
        if found is not None:
            return found
        if notify:
            notify(f"Exporting the model for questions (once per machine) to {folder} ...")
        return _export(folder, fingerprint)


def _recorded(folder: Path, fingerprint: str) -> SharedModel | None:
    """The folder's model if its record matches the files and the weights, else None."""
    path = folder / ONNX_FILE
    try:
        record = json.loads(read_regular(folder / RECORD_FILE))  # a FIFO would block
        size, mtime_ns = measure(path)
        if record["model_sha256"] != fingerprint or record["size"] != size:
            return None
        if model_digest(path) != record["sha256"]:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return SharedModel(_real(path), record["sha256"], size, mtime_ns)


def _export(folder: Path, fingerprint: str) -> SharedModel:
    """Export with torch into a staging folder beside `folder`, optimise, then swap it in."""
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.export-", dir=folder.parent))
    try:
        raw = staging / RAW_FILE
        export_onnx(raw)
        optimise(raw, staging / ONNX_FILE)
        raw.unlink()
        record = {
            "model": MODEL_NAME,
            "model_sha256": fingerprint,
            "sha256": model_digest(staging / ONNX_FILE),
            "size": measure(staging / ONNX_FILE)[0],
        }
        (staging / RECORD_FILE).write_text(json.dumps(record, indent=2), encoding="utf-8")
        os.chmod(staging, 0o755)  # mkdtemp's is 0700
        _remove_invalid_export(folder)
        os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    size, mtime_ns = measure(folder / ONNX_FILE)
    return SharedModel(_real(folder / ONNX_FILE), str(record["sha256"]), size, mtime_ns)


def _clear_leftovers(folder: Path) -> None:
    """Staging folders of exports killed part-way (53 MB each): those holding nothing else."""
    for leftover in folder.parent.glob(glob.escape(f".{folder.name}.export-") + "*"):
        if holds_only(leftover, {*OWN_NAMES, RAW_FILE}):
            shutil.rmtree(leftover, ignore_errors=True)


def _remove_invalid_export(folder: Path) -> None:
    """An export found invalid (changed, partial): its files go, and nothing else. A folder
    that holds anything an export does not write, or is a link, is refused, never emptied."""
    if not os.path.lexists(folder):
        return
    if not holds_only(folder, OWN_NAMES):
        raise ModelError(
            f"{folder} holds files an export does not write, or is a link: move it away, "
            "then build again"
        )
    for name in os.listdir(folder):
        (folder / name).unlink()
    folder.rmdir()


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

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def,unused-ignore]
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
    weights = model_files(target)[1].name  # relative: found beside the graph
    options.add_session_config_entry(
        "session.optimized_model_external_initializers_file_name", weights
    )
    options.add_session_config_entry(
        "session.optimized_model_external_initializers_min_size_in_bytes", "1024"
    )
    onnxruntime.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
