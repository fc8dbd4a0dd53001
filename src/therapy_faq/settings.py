"""Where the FAQ file and the index live: command-line option, then environment, then default."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

FAQ_ENV = "THERAPY_FAQ_FILE"
INDEX_ENV = "THERAPY_FAQ_INDEX"
CRISIS_ENV = "THERAPY_FAQ_CRISIS_FILE"
TOPICS_ENV = "THERAPY_FAQ_TOPICS_FILE"
APP_NAME = "therapy-faq"
DEFAULT_TOP_K = 3  # related questions shown under an answer

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_file(name: str) -> Path:
    """A file shipped in the wheel's `therapy_faq/data/`, or in `data/` of a source checkout."""
    packaged = _PACKAGE_DIR / "data" / name
    if packaged.is_file():
        return packaged
    return _PACKAGE_DIR.parents[1] / "data" / name


def default_faq_path() -> Path:
    return data_file("faq.yaml")


def crisis_resources_path() -> Path:
    """The crisis resources shown to people in crisis; localise with THERAPY_FAQ_CRISIS_FILE."""
    env = os.environ.get(CRISIS_ENV)
    return Path(env) if env else data_file("crisis.yaml")


def topics_path() -> Path:
    """The topics the FAQ leaves to others; another file with THERAPY_FAQ_TOPICS_FILE."""
    env = os.environ.get(TOPICS_ENV)
    return Path(env) if env else data_file("topics.yaml")


def default_eval_files() -> list[Path]:
    """The evaluation sets of a source checkout (they are not shipped in the wheel)."""
    folder = _PACKAGE_DIR.parents[1] / "eval"
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def crisis_examples_path() -> Path:
    return data_file("crisis_examples.yaml")


def resolve_faq_path(option: Path | None = None) -> Path:
    if option is not None:
        return option
    env = os.environ.get(FAQ_ENV)
    if env:
        return Path(env)
    return default_faq_path()


def resolve_index_dir(faq_path: Path, option: Path | None = None) -> Path:
    """One cached index per FAQ file, so two FAQs never overwrite each other's index."""
    if option is not None:
        return option
    env = os.environ.get(INDEX_ENV)
    if env:
        return Path(env)
    from platformdirs import user_cache_path

    try:
        resolved = faq_path.resolve()
    except RuntimeError:  # Python 3.11's symlink loop
        from therapy_faq.errors import FaqError

        raise FaqError(f"cannot read the FAQ file {faq_path}: a loop of symbolic links") from None
    key = hashlib.sha256(str(resolved).encode()).hexdigest()[:16]
    return user_cache_path(APP_NAME) / "indexes" / key
