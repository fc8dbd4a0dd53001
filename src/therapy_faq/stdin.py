"""Lines of standard input for `ask -` and the chat on a pipe: bounded, decoded leniently, and
grouped into batches of what has already arrived.

A line is kept to at most `limit` characters and the rest of it skipped as it is read, so
`< /dev/zero` cannot fill the memory; bytes that are not UTF-8 become U+FFFD; a closed standard
input (`<&-`) is an empty one. Batches let `ask -` encode many questions in one run of the model,
but only questions that are already waiting: a question typed at a terminal, or written by a
program that waits for each answer, is answered as soon as its line arrives.
"""

from __future__ import annotations

import io
import os
import select
import sys
from collections.abc import Iterator

CHUNK = 1 << 16


class _FdLines:
    """Lines read straight from a file descriptor, so that what is already buffered is known
    (a text stream's buffer hides it, and `select` cannot see inside it)."""

    def __init__(self, fd: int, limit: int) -> None:
        self._fd = fd
        self._limit = limit
        self._max_bytes = 4 * limit  # a character is at most four bytes of UTF-8
        self._pending = bytearray()
        self._eof = False

    def _read(self) -> bytes:
        while True:
            try:
                return os.read(self._fd, CHUNK)
            except BlockingIOError:  # a descriptor someone set non-blocking: wait for data
                select.select([self._fd], [], [])
            except OSError:  # EIO from a terminal that went away, EBADF: the end of the input
                return b""

    def next_line(self) -> str | None:
        while True:
            end = self._pending.find(b"\n")
            if end >= 0:
                raw = bytes(self._pending[:end])
                del self._pending[: end + 1]
                return self._text(raw)
            if len(self._pending) > self._max_bytes:
                raw = bytes(self._pending[: self._max_bytes])
                self._skip_to_line_end()
                return self._text(raw)
            if self._eof:
                if not self._pending:
                    return None
                raw = bytes(self._pending)
                self._pending.clear()
                return self._text(raw)
            chunk = self._read()
            self._eof = not chunk
            self._pending += chunk

    def _skip_to_line_end(self) -> None:
        """Drop the rest of an over-long line, a chunk at a time."""
        del self._pending[:]
        while not self._eof:
            chunk = self._read()
            self._eof = not chunk
            end = chunk.find(b"\n")
            if end >= 0:
                self._pending += chunk[end + 1 :]
                return

    def _text(self, raw: bytes) -> str:
        return raw.decode("utf-8", "replace").rstrip("\r")[: self._limit]

    def waiting(self) -> bool:
        """Whether the next line can be read without waiting for anyone."""
        if b"\n" in self._pending or self._eof:
            return True
        try:
            return bool(select.select([self._fd], [], [], 0)[0])
        except (OSError, ValueError):
            return False


def _fd_of_stdin() -> int | None:
    if sys.stdin is None:
        return None
    try:
        return sys.stdin.fileno()
    except (OSError, ValueError, io.UnsupportedOperation):  # replaced by an in-memory stream
        return None


def _text_lines(limit: int) -> Iterator[str]:
    """The same from a text stream without a descriptor (a test runner's input)."""
    stream = sys.stdin
    if stream is None:
        return
    if hasattr(stream, "reconfigure"):
        stream.reconfigure(errors="replace")
    while line := stream.readline(limit):
        rest = line
        while rest and not rest.endswith("\n"):
            rest = stream.readline(limit)
        yield line.rstrip("\r\n")


def stdin_lines(limit: int) -> Iterator[str]:
    """Every line of standard input, each cut to `limit` characters."""
    for batch in stdin_batches(limit, size=1):
        yield from batch


def stdin_batches(limit: int, size: int = 64) -> Iterator[list[str]]:
    """Lines of standard input in batches of at most `size`: a batch ends where the next line
    has not arrived yet."""
    fd = _fd_of_stdin()
    if fd is None:  # an in-memory stream: everything has arrived
        batch: list[str] = []
        for line in _text_lines(limit):
            batch.append(line)
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch
        return
    reader = _FdLines(fd, limit)
    batch = []
    while (next_line := reader.next_line()) is not None:
        batch.append(next_line)
        if len(batch) == size or not reader.waiting():
            yield batch
            batch = []
    if batch:
        yield batch
