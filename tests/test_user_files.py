"""The tool never deletes or truncates a user's files: an index build replaces only an index of
its own (or an empty folder), and every file it writes is renamed into place whole."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from therapy_faq import files
from therapy_faq.errors import IndexFolderRefusedError, IndexUnavailableError
from therapy_faq.index import MANIFEST_FILE, load_index
from therapy_faq.service import Paths, build

from .conftest import run_module, subprocess_env
from .stub_encoder import StubEncoder
from .test_index import SMALL_FAQ


def _spreadsheet(folder: Path, rows: int = 300) -> Path:
    """A CSV FAQ of its own (the tests do not depend on files beside the checkout) whose import
    is about 100 KB of YAML."""
    path = folder / "spreadsheet.csv"
    lines = ["question,answer"]
    for number in range(rows):
        answer = f"Answer {number}: " + "it depends on you and your therapist; ask them. " * 6
        lines.append(f'"What about question {number}?","{answer}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def faq(tmp_path: Path) -> Path:
    path = tmp_path / "faq.yaml"
    path.write_text(SMALL_FAQ, encoding="utf-8")
    return path


def _user_folder(folder: Path) -> dict[str, bytes]:
    """A folder of someone's own files; returns what it holds, to compare afterwards."""
    (folder / "notes").mkdir(parents=True)
    (folder / "thesis.txt").write_bytes(b"three years of work\n")
    (folder / "notes" / "manifest.json").write_text('{"name": "my web app"}', encoding="utf-8")
    return _contents(folder)


def _contents(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize(
    "kind",
    [
        "documents",
        "foreign-manifest",
        "index-file-and-more",
        "only-manifest",
        "only-index-like-names",
    ],
)
def test_build_refuses_a_folder_that_is_not_an_index(tmp_path: Path, faq: Path, kind: str) -> None:
    folder = tmp_path / "mydocs"
    _user_folder(folder)
    if kind == "foreign-manifest":
        (folder / MANIFEST_FILE).write_text('{"format_version": 1}', encoding="utf-8")
    elif kind == "index-file-and-more":
        (folder / "vectors.npy").write_bytes(b"not ours")
    elif kind == "only-manifest":
        shutil.rmtree(folder)
        folder.mkdir()
        (folder / MANIFEST_FILE).write_text('{"name": "my web app"}', encoding="utf-8")
    elif kind == "only-index-like-names":  # found by a hostile pass: it was replaced
        shutil.rmtree(folder)
        folder.mkdir()
        (folder / "entries.json").write_text('{"my": "precious data"}', encoding="utf-8")
        (folder / MANIFEST_FILE).write_text("notes", encoding="utf-8")
    before = _contents(folder)
    with pytest.raises(IndexFolderRefusedError, match="not a therapy-faq index and is not empty"):
        build(Paths(faq, folder), StubEncoder())
    assert _contents(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "faq.yaml", "mydocs"]


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ("notes.txt", "notes.txt"),
        ("my-faq.yaml", "my-faq.yaml"),
        ("mydocs/a.txt", "mydocs"),
        ("bm25/notes.txt", "bm25/notes.txt"),  # the fourth pass: inside the index's own folders
        ("bm25/mystuff/a", "bm25/mystuff"),
    ],
)
def test_build_refuses_an_index_folder_that_also_holds_a_users_files(
    tmp_path: Path, faq: Path, extra: str, named: str
) -> None:
    """Found by the third hostile pass: a valid manifest made the whole folder "ours", and a
    rebuild deleted the notes, even the FAQ it was building from, kept beside the index."""
    folder = tmp_path / "proj"
    build(Paths(faq, folder), StubEncoder())
    (folder / extra).parent.mkdir(parents=True, exist_ok=True)
    (folder / extra).write_text("mine\n", encoding="utf-8")
    before = _contents(folder)
    with pytest.raises(IndexFolderRefusedError, match=f"did not write \\({named}\\)"):
        build(Paths(faq, folder), StubEncoder())
    assert _contents(folder) == before


def test_build_refuses_the_current_folder_and_the_folders_holding_it(
    tmp_path: Path, faq: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building into `.` replaced the folder the shell stood in (even an empty one)."""
    work = tmp_path / "work" / "here"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    for target in (Path("."), work, work.parent):
        with pytest.raises(IndexFolderRefusedError, match="current folder"):
            build(Paths(faq, target), StubEncoder())
    assert work.is_dir() and not any(work.iterdir())


def test_a_deleted_current_folder_is_one_line(tmp_path: Path, faq: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    script = (
        f"cd {gone} && rmdir {gone} && {sys.executable} -m therapy_faq ask cry --index idx "
        f"--faq {faq}"
    )
    result = subprocess.run(
        ["sh", "-c", script], capture_output=True, text=True, env=subprocess_env(), timeout=300
    )
    assert result.returncode == 2, result.stderr
    assert (
        result.stderr.strip() == "error: the current folder no longer exists; cd to another folder"
    )


def test_leftovers_of_an_index_named_like_a_pattern_are_cleared(tmp_path: Path, faq: Path) -> None:
    """The leftover names were a glob pattern: "faq [v2]" never matched its own leftovers, and
    "*" matched (and deleted) another index's build in progress."""
    folder = tmp_path / "faq [v2]"
    leftover = tmp_path / ".faq [v2].building-x1"
    leftover.mkdir()
    (leftover / "vectors.npy").write_bytes(b"half")
    (leftover / ".building").touch()  # a staging folder carries it from its first instant
    other = tmp_path / ".a.building-x2"
    other.mkdir()
    build(Paths(faq, folder), StubEncoder())
    assert not leftover.exists()
    build(Paths(faq, tmp_path / "*"), StubEncoder())
    assert other.is_dir()


def test_a_users_folder_named_like_a_leftover_is_kept(tmp_path: Path, faq: Path) -> None:
    """The fifth hostile pass: ".faq.building-drafts" beside the index was deleted as a
    leftover of a killed build; only folders holding nothing but index files are."""
    drafts = tmp_path / ".faq.building-drafts"
    drafts.mkdir()
    (drafts / "d.txt").write_text("mine\n", encoding="utf-8")
    leftover = tmp_path / ".faq.retired-123"
    leftover.mkdir()
    (leftover / "vectors.npy").write_bytes(b"half")
    (leftover / ".building").touch()  # a staging folder carries it from its first instant
    build(Paths(faq, tmp_path / "faq"), StubEncoder())
    assert (drafts / "d.txt").read_text(encoding="utf-8") == "mine\n"
    assert not leftover.exists()


def test_a_file_written_into_the_index_during_the_swap_is_kept(
    tmp_path: Path, faq: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fifth hostile pass: a note written between the last look at the folder and the swap
    was deleted with the old index. The old folder is kept instead, renamed."""
    folder = tmp_path / "idx"
    build(Paths(faq, folder), StubEncoder())

    exchange = files.exchange

    def late_note(first: Path, second: Path) -> bool:  # inside the swap, after the last check
        (folder / "notes.txt").write_text("mine\n", encoding="utf-8")
        return exchange(first, second)

    monkeypatch.setattr(files, "exchange", late_note)
    faq.write_text(faq.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    build(Paths(faq, folder), StubEncoder())
    kept = list(tmp_path.glob(".idx.kept-*"))
    assert len(kept) == 1 and (kept[0] / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    load_index(folder)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", ["/dev/zero", "../fifo", "link/fifo"])
def test_a_manifest_naming_a_file_outside_the_index_is_refused_not_read(
    tmp_path: Path, faq: Path, name: str
) -> None:
    """A hand-edited manifest listing /dev/zero or a FIFO made `ask` hang for ever."""
    folder = tmp_path / "idx"
    build(Paths(faq, folder), StubEncoder())
    os.mkfifo(tmp_path / "fifo")
    (folder / "link").symlink_to(tmp_path)  # the sixth pass: through a symlinked folder
    manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest["file_sizes"][name] = 0
    manifest["file_sha256"][name] = "0" * 64
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexUnavailableError):
        load_index(folder)


def test_build_refuses_a_file_in_place_of_the_folder(tmp_path: Path, faq: Path) -> None:
    target = tmp_path / "index"
    target.write_text("a file of mine\n", encoding="utf-8")
    with pytest.raises(IndexFolderRefusedError, match="is a file"):
        build(Paths(faq, target), StubEncoder())
    assert target.read_text(encoding="utf-8") == "a file of mine\n"


def test_build_accepts_an_empty_folder_and_an_index_of_an_older_version(
    tmp_path: Path, faq: Path
) -> None:
    folder = tmp_path / "index"
    folder.mkdir()
    build(Paths(faq, folder), StubEncoder())
    load_index(folder)
    manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest["format_version"] = 1
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    (folder / "rows.json").write_bytes(b"a file an old version wrote")
    build(Paths(faq, folder), StubEncoder())
    assert not (folder / "rows.json").exists()
    load_index(folder)


def test_a_rebuilt_index_folder_keeps_its_mode(tmp_path: Path, faq: Path) -> None:
    index = tmp_path / "index"
    build(Paths(faq, index), StubEncoder())
    index.chmod(0o750)
    build(Paths(faq, index), StubEncoder())
    assert index.stat().st_mode & 0o777 == 0o750


def test_a_symlinked_index_keeps_its_link(tmp_path: Path, faq: Path) -> None:
    real = tmp_path / "real-index"
    link = tmp_path / "index"
    link.symlink_to(real, target_is_directory=True)
    build(Paths(faq, link), StubEncoder())
    assert link.is_symlink() and (real / MANIFEST_FILE).is_file()
    build(Paths(faq, link), StubEncoder())  # a rebuild replaces the folder behind the link
    assert link.is_symlink() and os.readlink(link) == str(real)
    load_index(link)


def test_leftovers_of_an_interrupted_swap_are_cleared(tmp_path: Path, faq: Path) -> None:
    index = tmp_path / "index"
    build(Paths(faq, index), StubEncoder())
    shutil.copytree(index, tmp_path / ".index.retired-99999")  # an old index, swapped out
    (tmp_path / ".index.building-abc").mkdir()  # a staging folder, killed early
    (tmp_path / ".index.building-abc" / ".building").touch()
    (tmp_path / ".index.building-abc" / "vectors.npy").write_bytes(b"x" * 100)
    build(Paths(faq, index), StubEncoder())
    assert not [p for p in tmp_path.iterdir() if "retired" in p.name or "building" in p.name]


@pytest.mark.parametrize(
    "contents",
    [
        {
            "entries.json": '["my", "draft"]',
            "diary.txt": "mine",
            "manifest.json": '{"file_sizes": {"diary.txt": 4}}',
        },
        {"model.onnx": "my own model"},
        {"manifest.json": "{}", "entries.json": "[]", "bm25/vocab.index.json": "{}"},
    ],
)
def test_a_folder_named_like_a_leftover_but_not_written_by_a_build_is_kept(
    tmp_path: Path, faq: Path, contents: dict[str, str]
) -> None:
    """The sixth hostile pass: index-like names were enough to delete a user's folder."""
    folder = tmp_path / ".faq.retired-2023"
    for name, text in contents.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    before = _contents(folder)
    build(Paths(faq, tmp_path / "faq"), StubEncoder())
    assert _contents(folder) == before


@pytest.mark.parametrize("atomic_exchange", [True, False])
def test_replace_folder_swaps_whole_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, atomic_exchange: bool
) -> None:
    if not atomic_exchange:
        monkeypatch.setattr(files, "exchange", lambda first, second: False)
    target, staging = tmp_path / "target", tmp_path / "staging"
    target.mkdir()
    (target / "old").write_text("old", encoding="utf-8")
    staging.mkdir()
    (staging / "new").write_text("new", encoding="utf-8")
    files.replace_folder(staging, target, retired_prefix=".target.retired-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "target"]
    assert [p.name for p in target.iterdir()] == ["new"]


def test_exchange_is_atomic_on_linux(tmp_path: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("renameat2 is Linux only; elsewhere the swap falls back to two renames")
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "one").touch()
    assert files.exchange(first, second)
    assert [p.name for p in second.iterdir()] == ["one"] and not list(first.iterdir())


# --- through the command line -------------------------------------------------------------


def test_ask_with_index_pointing_at_a_user_folder_exits_4_and_deletes_nothing(
    tmp_path: Path, faq: Path
) -> None:
    folder = tmp_path / "mydocs"
    before = _user_folder(folder)
    result = run_module(
        "ask", "is it ok to cry", "--faq", str(faq), "--index", str(folder), env=subprocess_env()
    )
    assert result.returncode == 4, result.stderr
    assert "refusing to replace it" in result.stderr and "Traceback" not in result.stderr
    assert _contents(folder) == before


def test_build_with_index_dot_in_a_project_folder_deletes_nothing(
    tmp_path: Path, faq: Path
) -> None:
    project = tmp_path / "project"
    before = _user_folder(project)
    result = subprocess.run(
        [sys.executable, "-m", "therapy_faq", "build", "--faq", str(faq), "--index", "."],
        cwd=project,
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=300,
    )
    assert result.returncode == 4, result.stderr
    assert _contents(project) == before
    env_result = run_module(
        "build", "--faq", str(faq), env=subprocess_env(THERAPY_FAQ_INDEX=str(project))
    )
    assert env_result.returncode == 4, env_result.stderr
    assert _contents(project) == before


def test_import_replaces_its_output_whole(tmp_path: Path) -> None:
    out = tmp_path / "faq.yaml"
    out.write_text("# my previous FAQ\n", encoding="utf-8")
    out.chmod(0o640)
    csv = _spreadsheet(tmp_path)
    result = run_module("import", str(csv), "-o", str(out), "--force", env=subprocess_env())
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8").startswith("# Imported from")
    assert out.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "faq.yaml", csv.name]


_TERMINATED_WRITE = """
import os, signal, sys
from pathlib import Path
from therapy_faq import files
from therapy_faq.entry import unwind_on_termination

unwind_on_termination()
os.fsync = lambda fd: os.kill(os.getpid(), signal.SIG{name})  # the signal lands mid-write
files.write_text_atomic(Path(sys.argv[1]), "new text")
"""


@pytest.mark.parametrize("name", ["TERM", "HUP"])
def test_a_terminated_write_leaves_no_temporary_file(tmp_path: Path, name: str) -> None:
    """`import -o` killed by SIGTERM or SIGHUP left a partial `.faq.yaml.*.tmp` beside it."""
    out = tmp_path / "faq.yaml"
    out.write_text("old text", encoding="utf-8")
    script = _TERMINATED_WRITE.replace("{name}", name)
    result = subprocess.run(
        [sys.executable, "-c", script, str(out)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 128 + getattr(signal, f"SIG{name}"), result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "faq.yaml"]
    assert out.read_text(encoding="utf-8") == "old text"


@pytest.mark.parametrize("kind", ["fifo", "device", "symlink-to-fifo"])
def test_import_never_replaces_a_device_or_a_pipe(tmp_path: Path, kind: str) -> None:
    """As root, `import -o /dev/null --force` replaced /dev/null with a regular file."""
    target = tmp_path / "out"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "device":
        if os.geteuid() != 0:
            pytest.skip("creating a device node needs root")
        os.mknod(target, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a /dev/null of our own
    else:  # never the real /dev/null: a regression must not break the machine
        os.mkfifo(tmp_path / "pipe")
        target.symlink_to(tmp_path / "pipe")
    before = os.lstat(target)
    csv = _spreadsheet(tmp_path, rows=3)
    result = run_module("import", str(csv), "-o", str(target), "--force", env=subprocess_env())
    assert result.returncode == 7, result.stderr
    assert "not a regular file" in result.stderr and "Traceback" not in result.stderr
    after = os.lstat(target)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def _in_private_mount(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`script` in a mount namespace of its own, where it may mount a small tmpfs."""
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        capture_output=True,
        text=True,
        env=subprocess_env(**env),
        timeout=300,
    )


def _can_mount_tmpfs() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
        timeout=30,
    )
    return probe.returncode == 0


def test_import_on_a_full_disk_keeps_the_previous_file(tmp_path: Path) -> None:
    if not _can_mount_tmpfs():
        pytest.skip("needs `unshare -m` and mount rights for a private, small tmpfs")
    disk = tmp_path / "disk"
    disk.mkdir()
    csv = _spreadsheet(tmp_path)
    previous = "# my previous FAQ\n" + "# padding\n" * 2000  # about 20 KB of a 64 KB disk
    script = f"""
set -e
mount -t tmpfs -o size=64k tmpfs {disk}
printf '%s' "$PREVIOUS" > {disk}/faq.yaml
set +e
{sys.executable} -m therapy_faq import {csv} -o {disk}/faq.yaml --force
echo "exit=$?"
cat {disk}/faq.yaml > {tmp_path}/after.yaml
ls -A {disk} > {tmp_path}/listing.txt
"""
    result = _in_private_mount(script, PREVIOUS=previous)
    assert "exit=7" in result.stdout, result.stdout + result.stderr
    assert "cannot write" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "after.yaml").read_text(encoding="utf-8") == previous
    assert (tmp_path / "listing.txt").read_text(encoding="utf-8").split() == ["faq.yaml"]


_STUB_BUILD = """
import sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from stub_encoder import StubEncoder
import typer
from therapy_faq.cli import friendly_errors
from therapy_faq.service import Paths, build
try:
    with friendly_errors(debug=False):
        build(Paths(Path({faq!r}), Path({index!r})), StubEncoder())
except typer.Exit as exc:
    sys.exit(exc.exit_code)
"""


def _stub_build_on_tmpfs(
    tmp_path: Path, faq: Path, options: str
) -> subprocess.CompletedProcess[str]:
    """Build `faq` with the stand-in encoder into a private tmpfs mounted with `options`; the
    folder's listing afterwards is left in listing.txt."""
    disk = tmp_path / "disk"
    disk.mkdir()
    code = _STUB_BUILD.format(
        tests=str(Path(__file__).parent), faq=str(faq), index=str(disk / "index")
    )
    script = f"""
mount -t tmpfs -o {options} tmpfs {disk} || exit 99
{sys.executable} -c "$CODE"
echo "exit=$?"
ls -A {disk} > {tmp_path}/listing.txt
"""
    return _in_private_mount(script, CODE=code)


def _many_entries(folder: Path, count: int) -> Path:
    """An FAQ whose vectors (stand-in encoder) take about 1 MB."""
    path = folder / "big.yaml"
    lines = ["entries:"]
    for n in range(count):
        lines += [
            f"  - id: entry-{n}",
            f"    question: What about question number {n}?",
            f"    answer: Answer number {n}.",
            "    sources: [{title: T, document: a.txt}]",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_build_on_a_full_disk_is_one_line_and_keeps_nothing_half_written(
    tmp_path: Path, faq: Path
) -> None:
    """The vectors used to be written through a memory map: a full disk killed the build with
    SIGBUS and left a `.building-*` folder behind."""
    if not _can_mount_tmpfs():
        pytest.skip("needs `unshare -m` and mount rights for a private, small tmpfs")
    result = _stub_build_on_tmpfs(tmp_path, _many_entries(tmp_path, 1500), "size=256k")
    assert "exit=4" in result.stdout, result.stdout + result.stderr
    assert "No space left on device" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert (tmp_path / "listing.txt").read_text(encoding="utf-8").split() == [".index.lock"]


def test_a_build_on_a_read_only_disk_is_one_line(tmp_path: Path, faq: Path) -> None:
    if not _can_mount_tmpfs():
        pytest.skip("needs `unshare -m` and mount rights for a private, small tmpfs")
    result = _stub_build_on_tmpfs(tmp_path, faq, "ro,size=64k")
    assert "exit=4" in result.stdout, result.stdout + result.stderr
    assert "cannot write the index" in result.stderr and "Read-only file system" in result.stderr
    assert "Traceback" not in result.stderr
