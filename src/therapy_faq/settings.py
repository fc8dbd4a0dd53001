"""Where the FAQ file and the index live: command-line option, then environment, then default."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

FAQ_ENV = "THERAPY_FAQ_FILE"
INDEX_ENV = "THERAPY_FAQ_INDEX"
APP_NAME = "therapy-faq"

_PACKAGE_DIR = Path(__file__).resolve().parent


def default_faq_path() -> Path:
    """The FAQ shipped in the wheel, or `data/faq.yaml` of a source checkout."""
    packaged = _PACKAGE_DIR / "data" / "faq.yaml"
    if packaged.is_file():
        return packaged
    return _PACKAGE_DIR.parents[1] / "data" / "faq.yaml"


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

    key = hashlib.sha256(str(faq_path.resolve()).encode()).hexdigest()[:16]
    return user_cache_path(APP_NAME) / "indexes" / key
