"""The chat's first screen, light enough to show before the model and the index are loaded:
the banner and the line reader."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

from rich.panel import Panel
from rich.text import Text


def banner(disclaimer: str) -> Panel:
    text = Text()
    text.append("therapy-faq", style="bold")
    text.append(": answers to common questions about therapy, with their sources.\n")
    text.append(disclaimer + "\n", style="yellow")
    text.append("Type a question, 'help' for help, 'quit' to leave.", style="dim")
    return Panel(text, border_style="blue", padding=(0, 1))


def terminal_lines(prompt: str) -> Iterator[str]:
    """Read lines with line editing and in-memory history (readline never writes a file here).
    Ctrl-C clears the line being typed, as a shell does; on an empty line it leaves, as Ctrl-D
    does; either way the terminal is left on a new line."""
    get_buffer: Callable[[], str] = lambda: ""  # noqa: E731 - without readline, Ctrl-C leaves
    with contextlib.suppress(ImportError):  # not on every platform
        import readline  # importing it turns on line editing for input()

        get_buffer = readline.get_line_buffer
    while True:
        typed = ""
        try:
            yield input(prompt)
            continue
        except EOFError:
            pass
        except KeyboardInterrupt:
            typed = get_buffer()
        sys.stdout.write("\n")
        sys.stdout.flush()
        if not typed:
            return
