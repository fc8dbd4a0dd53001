"""Shared fixtures. The real-model index is built once per session into a temporary folder."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from therapy_faq.service import Paths
from therapy_faq.settings import FAQ_ENV, INDEX_ENV, default_faq_path

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "data" / "sources"  # the five source documents, as shared/seeds holds them


@pytest.fixture(scope="session")
def _session_screens(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Trained crisis screens, shared by the session's tests (the real one takes minutes)."""
    screens = tmp_path_factory.mktemp("screens")
    _train_stand_in_screen(screens, tmp_path_factory.mktemp("cache"))
    return screens


def _train_stand_in_screen(screens: Path, cache: Path) -> None:
    """The stand-in encoder's screen, trained on every 20th example and cached under the key of
    all of them. Tests with the stand-in check the logic of builds and indexes, never the
    screen (the real model's is trained on every example and measured by test_evaluation);
    training this one on all 7,500 would add a minute and a half to every run."""
    from therapy_faq.crisis import load_examples
    from therapy_faq.faq import file_sha256
    from therapy_faq.screen_training import trained_screen
    from therapy_faq.settings import crisis_examples_path

    from .stub_encoder import StubEncoder

    (cache / "therapy-faq").mkdir()
    (cache / "therapy-faq" / "screens").symlink_to(screens, target_is_directory=True)
    path = crisis_examples_path()
    examples = load_examples(path)
    sample = replace(examples, examples=examples.examples[::20])
    encoder = StubEncoder()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(cache))
        fit_loosely(patch)
        trained_screen(sample, file_sha256(path), encoder, encoder.fingerprint())


def fit_loosely(patch: pytest.MonkeyPatch) -> None:
    """Stand-in screens fitted to a loose tolerance: the tests that use them check when a
    screen is trained and how it is kept, never what it decides. At the shipped tolerance
    L-BFGS spends seconds a fit on its 1.4 million weights, even over a twentieth of the
    examples (about three times as long as at 1e-2)."""
    from functools import partial

    from therapy_faq import screen_training

    patch.setattr(screen_training, "fit", partial(screen_training.fit, tolerance=1e-2))


@pytest.fixture(scope="session")
def _session_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The exported question-time model, shared by the session's tests (exported by the first
    real build: exporting takes torch and half a minute)."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def _session_vectors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The vectors builds cache, shared by the session's tests: after the first build of the
    shipped FAQ, the others (most in subprocesses) embed nothing again."""
    return tmp_path_factory.mktemp("vectors")


def share_session_caches(cache: Path, screens: Path, models: Path, vectors: Path) -> None:
    """Make `cache` (an XDG_CACHE_HOME) use the session's trained screens, exported model and
    cached vectors."""
    (cache / "therapy-faq").mkdir(parents=True, exist_ok=True)
    (cache / "therapy-faq" / "screens").symlink_to(screens, target_is_directory=True)
    (cache / "therapy-faq" / "models").symlink_to(models, target_is_directory=True)
    (cache / "therapy-faq" / "vectors").symlink_to(vectors, target_is_directory=True)


@pytest.fixture(autouse=True)
def _isolated_env(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    _session_screens: Path,
    _session_models: Path,
    _session_vectors: Path,
) -> None:
    """No test reads the user's environment or writes to the user's cache; each test has a
    cache of its own, whose trained screens, exported model and cached vectors are the
    session's."""
    monkeypatch.delenv(FAQ_ENV, raising=False)
    monkeypatch.delenv(INDEX_ENV, raising=False)
    cache = tmp_path / "cache"
    share_session_caches(cache, _session_screens, _session_models, _session_vectors)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))


@pytest.fixture(scope="session")
def shipped_faq() -> Path:
    return default_faq_path()


@pytest.fixture(scope="session")
def real_paths(
    tmp_path_factory: pytest.TempPathFactory,
    shipped_faq: Path,
    _session_screens: Path,
    _session_models: Path,
    _session_vectors: Path,
) -> Paths:
    """The shipped FAQ built with the real model and real FAISS, once for the session. Its
    screen is trained into the session's screens, where the subprocess builds of later tests
    find it (a session fixture runs before `_isolated_env`: without this it was trained into
    the user's own cache, and again in every subprocess)."""
    from therapy_faq.service import build

    cache = tmp_path_factory.mktemp("real-cache")
    share_session_caches(cache, _session_screens, _session_models, _session_vectors)
    paths = Paths(faq=shipped_faq, index=tmp_path_factory.mktemp("real") / "index")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(cache))
        build(paths)
    return paths


@pytest.fixture(scope="session")
def real_assistant(real_paths: Paths):
    from therapy_faq.service import open_assistant

    return open_assistant(real_paths)


@pytest.fixture
def real_env(monkeypatch: pytest.MonkeyPatch, real_paths: Paths) -> Paths:
    """Point the CLI at the session's real index through the environment."""
    monkeypatch.setenv(INDEX_ENV, str(real_paths.index))
    return real_paths


def run_module(*args: str, env: dict[str, str], input: str | bytes | None = None):
    """`python -m therapy_faq ARGS` in a real subprocess; bytes in give bytes out."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "therapy_faq", *args],
        input=input,
        capture_output=True,
        text=not isinstance(input, bytes),
        env=env,
        timeout=300,
    )


def end_with_ctrl_d(child) -> None:
    """A pexpect session ends cleanly on Ctrl-D: EOF, and exit status 0."""
    import pexpect

    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (FAQ_ENV, INDEX_ENV)}
    env.update(extra)
    return env
