"""The console script's entry point: Ctrl-C at any moment, even while the CLI and its
libraries are still being imported (the first half-second), is one line and exit 130."""

from __future__ import annotations

import sys

INTERRUPTED = 130


def main() -> None:
    try:
        from therapy_faq.cli import main as run_cli

        run_cli()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(INTERRUPTED)
