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


_interrupted = False


def _on_interrupt(signum: int, frame: object) -> None:
    """Python's own Ctrl-C handler, remembering the interrupt: one that lands in an import's
    clean-up (a weakref callback) is only printed there, and the start went on."""
    global _interrupted
    _interrupted = True
    raise KeyboardInterrupt


def _quiet_unraisable(report: object) -> None:
    """A Ctrl-C that lands in a clean-up callback (a weakref's, a `__del__`) cannot propagate
    from there: Python only reports it, and the command would go on and exit 0 (seen once, in
    a CI run, while an index was being built). It is sent again as a signal, which the main
    thread handles at its next step, where it unwinds as any Ctrl-C does. Sent from another
    thread once this hook has returned: raised here, in the main thread, the handler's
    KeyboardInterrupt would land in the hook itself and be reported and dropped again (seen
    in a CI run of the Ctrl-C test at 0.9 s)."""
    if not isinstance(getattr(report, "exc_value", None), KeyboardInterrupt):
        sys.__unraisablehook__(report)  # type: ignore[arg-type]
        return
    import os
    import signal
    import threading

    resend = threading.Timer(0.01, os.kill, (os.getpid(), signal.SIGINT))
    resend.daemon = True
    resend.start()


def main() -> None:
    try:
        import signal

        sys.unraisablehook = _quiet_unraisable
        signal.signal(signal.SIGINT, _on_interrupt)
        unwind_on_termination()
        from therapy_faq.cli import main as run_cli

        if _interrupted:
            raise KeyboardInterrupt
        signal.signal(signal.SIGINT, signal.default_int_handler)
        run_cli()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(INTERRUPTED)
