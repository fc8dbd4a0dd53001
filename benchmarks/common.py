"""Helpers for the benchmarks: run a command and report its wall time and peak memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def run(args: list[str], stdin: str | None = None, env: dict | None = None) -> tuple[float, int]:
    """(seconds, peak resident memory in MB) of one child process; fails loudly on error."""
    start = time.perf_counter()
    process = subprocess.Popen(
        args,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    if stdin is not None:
        process.stdin.write(stdin)
        process.stdin.close()
    output = process.stdout.read()
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{args} failed ({process.returncode}):\n{errors}\n{output}")
    return seconds, usage.ru_maxrss // 1024


def median(values: list[float]) -> float:
    return statistics.median(values)


def table(rows: list[list[str]]) -> str:
    header, *body = rows
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)
