"""The console script's entry point: Ctrl-C at any moment, even while the CLI and its
libraries are still being imported (the first half-second), is one line and exit 130; SIGTERM
and SIGHUP unwind like it, so a temporary file being written is removed, not left behind."""

from __future__ import annotations

import sys  # and nothing else up here: any import before `main`'s guard can be interrupted

INTERRUPTED = 130


def _exit_on(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # the code a shell reports for a process the signal killed


def unwind_on_termination() -> None:
    import signal  # here, not above: a Ctrl-C during this import is caught in `main`

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on)


def main() -> None:
    try:
        unwind_on_termination()
        from therapy_faq.cli import main as run_cli

        run_cli()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(INTERRUPTED)
