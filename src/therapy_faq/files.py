"""Writing files and folders without ever losing what was there: write beside, then rename.

A rename within one folder is atomic, so a reader sees either the old content or the new one,
and a failed write (a full disk, a kill) leaves the old file untouched.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from therapy_faq.errors import OutputError
from therapy_faq.terminal import printable

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def require_regular(path: Path) -> None:
    """Refuse anything but a regular file before it is opened: a FIFO would block forever and
    a device might never end (/dev/zero is one endless line)."""
    if os.path.exists(path) and not os.path.isfile(path):
        raise OSError(errno.EINVAL, "not a regular file", str(path))


def holds_only(folder: Path, names: set[str] | frozenset[str]) -> bool:
    """Whether `folder` is a real folder holding nothing but regular files named `names`: the
    test before a cache folder is removed, so a folder with anything else in it, or a link, is
    never emptied."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    return all(
        entry.name in names and entry.is_file(follow_symlinks=False) for entry in os.scandir(folder)
    )


def read_regular(path: Path) -> bytes:
    """The bytes of a regular file (`require_regular`)."""
    require_regular(path)
    return path.read_bytes()


def read_text(path: Path) -> str:
    """`read_regular` as UTF-8 text (UnicodeDecodeError when it is not)."""
    return read_regular(path).decode("utf-8")


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to a temporary file beside `path`, flush it to disk, rename it
    over `path`. A symlink keeps its link: the file it points at is replaced."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes | memoryview) -> None:
    """`write_text_atomic` for bytes. The temporary file's name starts with `.NAME.`."""
    target = Path(os.path.realpath(path))
    if os.path.lexists(target) and not target.is_file():
        raise OutputError(
            f"{printable(target)} is not a regular file (a device, a pipe or a folder): "
            "refusing to replace it"
        )
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode_for(target))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def mode_for(target: Path, fresh: int = 0o666) -> int:
    """The mode of what is being replaced, or what creating it plainly would have given
    (`fresh` less the umask: 0o666 for `open`, 0o777 for `mkdir`)."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return fresh & ~umask


def fsync_tree(folder: Path) -> None:
    for file in folder.rglob("*"):
        if file.is_file():
            with file.open("rb") as handle:
                os.fsync(handle.fileno())


def exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where the
    system or file system cannot, so that the caller falls back to two renames."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    renameat2.restype = ctypes.c_int
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: not supported here
        return False
    raise OSError(errno, os.strerror(errno), str(second))


def replace_folder(
    staging: Path,
    target: Path,
    retired_prefix: str,
    disposable: Callable[[Path], bool] = lambda folder: True,
) -> None:
    """Put `staging` where `target` is. With an atomic exchange, an interruption at any
    instant leaves one complete folder at `target`; the old one is removed afterwards, unless
    `disposable` says it now holds something else (a file written into it during the build):
    then it is kept beside the target, renamed `.NAME.kept-XXXX`. `staging` is already on
    disk (`fsync_tree`): the caller syncs it before its last look at `target`."""
    if not target.exists():
        os.replace(staging, target)
        return
    if exchange(staging, target):
        _dispose(staging, target, disposable)  # `staging` now holds the old folder
        return
    retired = Path(tempfile.mkdtemp(prefix=retired_prefix, dir=target.parent))  # a fresh name
    os.replace(target, retired)  # a folder may replace an empty one
    os.replace(staging, target)
    _dispose(retired, target, disposable)


def _dispose(old: Path, target: Path, disposable: Callable[[Path], bool]) -> None:
    """Remove the old folder, or keep it under a fresh name; never fail after the swap (the
    caller would clean up `old` as if it were still its own staging folder)."""
    if disposable(old):
        shutil.rmtree(old, ignore_errors=True)
        return
    with contextlib.suppress(OSError):  # left where it is, at worst: never deleted
        kept = Path(tempfile.mkdtemp(prefix=f".{target.name}.kept-", dir=target.parent))
        os.replace(old, kept)
