"""What may reach a terminal.

A file the tool reads (the FAQ, the crisis files, an evaluation set, an imported spreadsheet) can
hold characters that drive a terminal rather than print: ESC sequences clear the screen, disguise
a hyperlink (OSC 8) or write to the clipboard (OSC 52); bidi overrides reorder what is shown.
The schemas refuse them (`refuse_controls`); `printable` makes anything else shown on a terminal
harmless. Standard library only: the one-shot `--json` path imports it.
"""

from __future__ import annotations

import json
import re

# C0 controls but tab and newline, DEL, C1 controls, bidi embeddings, overrides and isolates.
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def refuse_controls(value: str) -> str:
    found = UNSAFE.search(value)
    if found:
        raise ValueError(
            f"holds the control character U+{ord(found.group()):04X} at position "
            f"{found.start() + 1} (terminal escapes and bidi overrides are not allowed)"
        )
    return value


def strip_controls(value: str) -> str:
    """`value` without those characters (for text the tool writes itself, as `import` does)."""
    return UNSAFE.sub("", value)


def printable(value: object) -> str:
    """`value` as text that cannot drive a terminal: each unsafe character shown as its code."""
    return UNSAFE.sub(lambda m: f"<U+{ord(m.group()):04X}>", str(value))


def json_text(value: object, **options: object) -> str:
    """JSON with non-ASCII letters kept readable, but every unsafe character escaped (`\\u001b`):
    the same data, and nothing a terminal would act on."""
    text = json.dumps(value, ensure_ascii=False, **options)  # type: ignore[arg-type]
    return UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def one_line(text: str) -> str:
    """`text` with every run of whitespace, line breaks included, made one space."""
    return " ".join(text.split())


def listing(items: list[str], shown: int = 3) -> str:
    """The first few items, comma-separated, and how many more: one line, whatever the count."""
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more
