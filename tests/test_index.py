"""Index build, load and freshness, on the stand-in encoder (pure logic, no model needed)."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import pytest
import yaml

from therapy_faq import index as index_module
from therapy_faq.encoder import ModelIdentity
from therapy_faq.errors import IndexUnavailableError
from therapy_faq.faq import file_sha256
from therapy_faq.index import INDEX_FILE, MANIFEST_FILE, check_index, load_index
from therapy_faq.service import Paths, build, open_assistant
from therapy_faq.settings import crisis_examples_path

from .conftest import fit_loosely
from .stub_encoder import StubEncoder

EXAMPLES_SHA = file_sha256(crisis_examples_path())

SMALL_FAQ = """
entries:
  - id: crying
    question: Is it OK to cry in therapy?
    answer: Yes, it helps.
    alternates: [tears during a session]
    sources: [{title: T, document: a.txt}]
  - id: hugs
    question: Can I hug my therapist?
    answer: Ask first.
    sources: [{title: T, document: b.txt, url: "https://example.org", question: "Do you hug?"}]
"""


@cache
def shipped_examples() -> list[dict]:
    """The shipped crisis examples, read once: PyYAML's pure-Python loader took 8 s a read."""
    text = crisis_examples_path().read_text(encoding="utf-8")
    return yaml.load(text, Loader=yaml.CSafeLoader)["examples"]


def examples_sample(folder: Path, every: int) -> Path:
    """A crisis examples file of every `every`-th shipped example, to train a screen of its own."""
    path = folder / "crisis_examples.yaml"
    sample = {"examples": shipped_examples()[::every]}
    path.write_text(yaml.dump(sample, Dumper=yaml.CSafeDumper), encoding="utf-8")
    return path


@pytest.fixture
def loose_screen_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    fit_loosely(monkeypatch)  # these tests train screens of their own, and check the caching


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    faq = tmp_path / "faq.yaml"
    faq.write_text(SMALL_FAQ, encoding="utf-8")
    return Paths(faq=faq, index=tmp_path / "index")


def test_build_writes_data_files_and_manifest(paths: Paths) -> None:
    manifest = build(paths, StubEncoder())
    assert sorted(p.name for p in paths.index.iterdir()) == [
        "bm25",
        "classifier.npy",
        "crisis.json",
        "faq.json",
        "index.faiss",
        "manifest.json",
        "row_entries.npy",
        "row_kinds.npy",
        "screen.json",
        "screen_neighbours.npy",
        "screen_projection.npy",
        "screen_reduced.npy",
        "screen_votes.npy",
        "screen_weights.npy",
        "script_weights.npy",
        "topic_vectors.npy",
        "topics.json",
        "vectors.npy",
    ]
    assert not [p for p in paths.index.rglob("*") if p.suffix in (".pkl", ".pickle")]
    assert manifest.entry_count == 2
    assert manifest.vector_count == 6  # per entry: the question, one other wording, the answer
    assert manifest.faq_sha256 == file_sha256(paths.faq)
    assert manifest.model == StubEncoder.name and manifest.dimension == StubEncoder.dimension
    assert {"faiss-cpu", "numpy"} <= set(manifest.versions)
    loaded = load_index(paths.index)
    assert loaded.entry_ids == ["crying", "hugs"]
    assert list(loaded.row_entries) == [0, 0, 0, 1, 1, 1]
    assert list(loaded.row_kinds) == [0, 1, 2, 0, 1, 2]


def test_states_missing_ok_stale_mismatch(paths: Paths) -> None:
    encoder = StubEncoder()
    model = ModelIdentity(encoder.name, encoder.dimension)
    sha = file_sha256(paths.faq)
    assert check_index(paths.index, sha, EXAMPLES_SHA, model).status == "missing"
    build(paths, encoder)
    assert check_index(paths.index, sha, EXAMPLES_SHA, model).ok
    paths.faq.write_text(SMALL_FAQ.replace("Ask first.", "Ask first, always."), encoding="utf-8")
    assert check_index(paths.index, file_sha256(paths.faq), EXAMPLES_SHA, model).status == "stale"
    other = ModelIdentity("another/model", encoder.dimension)
    assert check_index(paths.index, sha, EXAMPLES_SHA, other).status == "mismatch"
    wider = ModelIdentity(encoder.name, encoder.dimension * 2)
    assert check_index(paths.index, sha, EXAMPLES_SHA, wider).status == "mismatch"


@pytest.mark.parametrize("recorded", [None, "0" * 64])
def test_an_index_built_by_other_screen_code_is_stale_and_rebuilt(
    paths: Paths, recorded: str | None
) -> None:
    """The patterns, phrases and thresholds live in code, not in the examples file: an index
    built before they changed (or before the manifest recorded them) holds a screen trained on
    other features, so it is rebuilt before it answers."""
    encoder = StubEncoder()
    model = ModelIdentity(encoder.name, encoder.dimension)
    sha = file_sha256(paths.faq)
    assert build(paths, encoder).screen_code_sha256 == index_module.screen_code_sha256()
    manifest_file = paths.index / MANIFEST_FILE
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    if recorded is None:
        del manifest["screen_code_sha256"]
    else:
        manifest["screen_code_sha256"] = recorded
    manifest_file.write_text(json.dumps(manifest), encoding="utf-8")
    state = check_index(paths.index, sha, EXAMPLES_SHA, model)
    assert (state.status, state.reason) == (
        "stale",
        "the crisis screen's code changed since the index was built",
    )
    said: list[str] = []
    open_assistant(paths, encoder, notify=said.append)
    assert any("crisis screen's code changed" in line for line in said), said
    assert check_index(paths.index, sha, EXAMPLES_SHA, model).ok


def test_the_index_keeps_the_crisis_resources_and_an_edit_of_them_counts_at_once(
    paths: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A question reads the resources from the index (no YAML, no pydantic), but only while the
    file is the one the index was built with: a localised number is shown at once, without a
    rebuild, and a broken edit is reported, never hidden by the index's copy."""
    from therapy_faq.crisis import load_resources
    from therapy_faq.errors import FaqError
    from therapy_faq.settings import CRISIS_ENV, crisis_resources_path

    crisis = tmp_path / "crisis.yaml"
    crisis.write_text(crisis_resources_path().read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv(CRISIS_ENV, str(crisis))
    encoder = StubEncoder()
    manifest = build(paths, encoder)
    loaded = load_index(paths.index)
    assert loaded.resources == load_resources(crisis)
    assert manifest.resources_sha256 == file_sha256(crisis)
    assert open_assistant(paths, encoder).resources == loaded.resources

    crisis.write_text(crisis.read_text(encoding="utf-8").replace("988", "1234"), encoding="utf-8")
    said: list[str] = []
    assistant = open_assistant(paths, encoder, notify=said.append)
    assert said == []  # no rebuild
    assert "1234" in assistant.resources.key_line("suicide").contact
    assert load_index(paths.index).resources != assistant.resources

    crisis.write_text("categories: [", encoding="utf-8")
    with pytest.raises(FaqError, match="crisis"):
        open_assistant(paths, encoder)


def test_stale_index_is_rebuilt_and_answers_from_the_new_faq(paths: Paths) -> None:
    encoder = StubEncoder()
    build(paths, encoder)
    paths.faq.write_text(SMALL_FAQ.replace("Ask first.", "Ask first, always."), encoding="utf-8")
    said: list[str] = []
    assistant = open_assistant(paths, encoder, notify=said.append)
    assert len(said) == 1 and "Rebuilding" in said[0] and "FAQ file changed" in said[0]
    reply = assistant.reply("can I hug my therapist")
    assert reply.answer is not None and reply.answer.entry.answer == "Ask first, always."


def test_missing_index_is_built_on_first_use(paths: Paths) -> None:
    said: list[str] = []
    assistant = open_assistant(paths, StubEncoder(), notify=said.append)
    assert said and said[0].startswith("Building the index")
    assert assistant.reply("is it ok to cry in therapy").answer.entry.id == "crying"


def test_an_opening_that_may_not_build_says_so_and_touches_nothing(paths: Paths) -> None:
    """The chat opens in the background with may_build=False: a needed build is left to the
    foreground, where its progress can be shown."""
    from therapy_faq.service import BuildNeeded, LiveAssistant

    said: list[str] = []
    with pytest.raises(BuildNeeded, match="none found"):
        LiveAssistant(paths, StubEncoder(), notify=said.append, may_build=False)
    assert not paths.index.exists() and not said
    build(paths, StubEncoder())
    live = LiveAssistant(paths, StubEncoder(), may_build=False)
    assert live.current().reply("is it ok to cry in therapy").answer.entry.id == "crying"


@pytest.mark.parametrize(
    "damage", ["truncate-index", "garbage-manifest", "missing-rows", "resized-bm25"]
)
def test_corrupted_index_is_rebuilt(paths: Paths, damage: str) -> None:
    encoder = StubEncoder()
    build(paths, encoder)
    if damage == "truncate-index":
        data = (paths.index / INDEX_FILE).read_bytes()
        (paths.index / INDEX_FILE).write_bytes(data[: len(data) // 2])
        with pytest.raises(IndexUnavailableError, match="truncated"):
            load_index(paths.index)
    elif damage == "garbage-manifest":
        (paths.index / MANIFEST_FILE).write_text("{not json", encoding="utf-8")
    elif damage == "missing-rows":
        (paths.index / "row_kinds.npy").unlink()
    else:
        with (paths.index / "bm25" / "vocab.index.json").open("ab") as handle:
            handle.write(b" ")
    said: list[str] = []
    assistant = open_assistant(paths, encoder, notify=said.append)
    assert len(said) == 1 and "Rebuilding" in said[0]
    assert assistant.reply("Do you hug?").answer.entry.id == "hugs"


def _alter_in_place(path: Path) -> None:
    """Same size, other bytes: what the size check of format 7 let through."""
    data = bytearray(path.read_bytes())
    data[-64:] = bytes(255 - b for b in data[-64:])
    path.write_bytes(bytes(data))


def _rebuilt_once(paths: Paths) -> str:
    """Open the index as `ask` does: it must be rebuilt, saying so once, and load afterwards."""
    said: list[str] = []
    open_assistant(paths, StubEncoder(), notify=said.append)
    assert len(said) == 1
    load_index(paths.index)
    return said[0]


def test_a_small_file_altered_in_place_is_noticed_and_rebuilt(paths: Paths) -> None:
    """The entry classifier's weights, changed without changing their size, could misroute
    answers (the screen's, linked from its cache, are the next test's)."""
    build(paths, StubEncoder())
    _alter_in_place(paths.index / "classifier.npy")
    with pytest.raises(IndexUnavailableError, match="changed since the index was built"):
        load_index(paths.index)
    assert "SHA-256 differs" in _rebuilt_once(paths)


def test_large_files_are_hashed_only_when_their_time_changed(
    paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(paths, StubEncoder())
    monkeypatch.setattr(index_module, "HASHED_ALWAYS_BYTES", 0)  # every file counts as large
    hashed: list[str] = []
    sha256 = index_module._sha256

    def counted(path: Path) -> str:
        hashed.append(path.name)
        return sha256(path)

    monkeypatch.setattr(index_module, "_sha256", counted)
    load_index(paths.index)
    assert hashed == []
    vectors = paths.index / "vectors.npy"
    before = vectors.stat()
    _alter_in_place(vectors)
    with pytest.raises(IndexUnavailableError, match="SHA-256 differs"):
        load_index(paths.index)
    assert hashed == ["vectors.npy"]
    # Altered with its time put back, a large file passes the check: the model's probe
    # (see test_robustness) is the line of defence there.
    os.utime(vectors, ns=(before.st_atime_ns, before.st_mtime_ns))
    load_index(paths.index)


def test_failed_build_keeps_the_previous_index(paths: Paths) -> None:
    build(paths, StubEncoder())
    before = (paths.index / MANIFEST_FILE).read_text(encoding="utf-8")

    class Broken(StubEncoder):
        def encode(self, texts, progress=None):
            raise RuntimeError("killed mid-way")

    paths.faq.write_text(SMALL_FAQ.replace("Yes, it helps.", "Changed."), encoding="utf-8")
    with pytest.raises(RuntimeError):
        build(paths, Broken())
    assert (paths.index / MANIFEST_FILE).read_text(encoding="utf-8") == before
    leftovers = [p.name for p in paths.index.parent.iterdir() if "building" in p.name]
    assert leftovers == []


def test_retriever_scores_each_entry_by_its_best_vector(paths: Paths) -> None:
    assistant = open_assistant(paths, StubEncoder())
    text = "tears during a session"  # only the alternate has these words
    reply = assistant.reply(text)
    assert reply.status == "answered" and reply.answer.entry.id == "crying"
    assert [m.entry.id for m in reply.alternatives] == ["hugs"]
    vector = assistant.encoder.encode([text])[0]
    signals = assistant.retriever.signals(vector, assistant.retriever.bm25.scores(text))
    assert list(signals.entries) == [0, 1]
    assert signals.wording[0] == pytest.approx(1.0, abs=1e-5)  # the alternate's own vector
    assert signals.bm25[0] > 0 and signals.bm25[1] == 0
    assert signals.classifier is not None and signals.classifier[0] > signals.classifier[1]
    payload = reply.to_json()
    assert json.loads(json.dumps(payload)) == payload


def test_far_question_is_refused(paths: Paths) -> None:
    assistant = open_assistant(paths, StubEncoder())
    reply = assistant.reply("zebra quantum lasagna")
    assert reply.status == "no_match" and reply.answer is None
    assert reply.to_json()["answer"] is None


def test_a_screen_of_another_version_is_rebuilt_not_used(paths: Paths) -> None:
    """Weights trained on other features would screen wrongly and silently: the index's copy is
    refused at load (even with a manifest that agrees) and the index rebuilt."""
    import hashlib

    build(paths, StubEncoder())
    settings_path = paths.index / "screen.json"
    settings = json.loads(settings_path.read_text(encoding="utf-8"))
    settings["version"] -= 1
    settings_path.write_text(json.dumps(settings), encoding="utf-8")
    manifest_path = paths.index / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["file_sha256"]["screen.json"] = hashlib.sha256(settings_path.read_bytes()).hexdigest()
    manifest["file_sizes"]["screen.json"] = settings_path.stat().st_size
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexUnavailableError, match="another version"):
        load_index(paths.index)
    assert "Rebuilding" in _rebuilt_once(paths)


@pytest.mark.usefixtures("loose_screen_fit")
def test_the_first_build_says_the_screen_is_trained_once_and_progress_moves(
    paths: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh machine: no screen cached for these examples. The build says the wait is a
    one-time step, and its progress goes up to the total."""
    from therapy_faq import service

    small = examples_sample(tmp_path, every=60)
    monkeypatch.setattr(service, "crisis_examples_path", lambda: small)
    said: list[str] = []
    seen: list[tuple[int, int]] = []
    open_assistant(paths, StubEncoder(), notify=said.append, progress=lambda *p: seen.append(p))
    training = [line for line in said if line.startswith("Training the crisis screen")]
    assert training and "once per machine" in training[0]
    assert seen[0][0] < seen[-1][0] == seen[-1][1]
    said.clear()
    open_assistant(paths, StubEncoder(), notify=said.append)  # cached now: no training
    assert not any(line.startswith("Training") for line in said)


def test_the_screens_arrays_are_shared_with_the_cache_not_copied(paths: Paths) -> None:
    """They are the same for every index (40 MB for the shipped examples): one copy on disk."""
    from therapy_faq.safety import SCREEN_FILES
    from therapy_faq.screen_training import screens_cache

    build(paths, StubEncoder())
    assert len(SCREEN_FILES) == 6
    for name in SCREEN_FILES:
        linked = paths.index / name
        cached = [p for p in screens_cache().glob(f"*/{name}") if p.samefile(linked)]
        assert linked.stat().st_nlink >= 2 and len(cached) == 1, name


@pytest.mark.usefixtures("loose_screen_fit")
@pytest.mark.parametrize(
    "name",
    ["screen_neighbours.npy", "screen_reduced.npy", "screen_weights.npy", "script_weights.npy"],
)
def test_screen_arrays_altered_in_place_are_noticed_in_the_index_and_the_cache(
    paths: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Linked, an index's screen arrays and the cache's are one file: altered in either, the
    index is rebuilt and the screen trained again, never copied damaged."""
    sample = examples_sample(tmp_path, every=20)  # the damaged screen is trained again
    monkeypatch.setattr("therapy_faq.service.crisis_examples_path", lambda: sample)
    build(paths, StubEncoder())
    _alter_in_place(paths.index / name)  # the cache's file too: one inode
    with pytest.raises(IndexUnavailableError, match="changed since the index was built"):
        load_index(paths.index)
    said: list[str] = []
    open_assistant(paths, StubEncoder(), notify=said.append)
    assert "SHA-256 differs" in said[0] and "Training the crisis screen" in said[1]
    load_index(paths.index)


def test_a_manifest_is_read_without_pydantic_but_checked_as_strictly(paths: Paths) -> None:
    """The fast path (`fields.checked`) takes only values of exactly the right type; anything
    else goes to pydantic, whose first problem is reported."""
    from therapy_faq.index import read_manifest

    encoder = StubEncoder()
    built = build(paths, encoder)
    path = paths.index / MANIFEST_FILE
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert read_manifest(paths.index) == built
    path.write_text(json.dumps({**raw, "written_by": "a later version"}), encoding="utf-8")
    assert read_manifest(paths.index) == built  # unknown keys are ignored
    for key, value in (("dimension", "many"), ("file_sizes", ["faq.json"]), ("faq_sha256", None)):
        path.write_text(json.dumps({**raw, key: value}), encoding="utf-8")
        model = ModelIdentity(encoder.name, encoder.dimension)
        state = check_index(paths.index, built.faq_sha256, EXAMPLES_SHA, model)
        assert state.status == "corrupt" and key in state.reason, (key, state)
    del raw["query_model"]
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(IndexUnavailableError, match="query_model"):
        read_manifest(paths.index)
