"""The disclaimer `--help` shows, read from the crisis resources file (`data/crisis.yaml`)
without its schema: the help must stay fast (the schema costs a tenth of a second) and work
whatever the file holds (`therapy-faq validate` reports what is wrong with it)."""

from __future__ import annotations

from pathlib import Path

from therapy_faq import yamlfile
from therapy_faq.files import read_text
from therapy_faq.terminal import one_line

FALLBACK = (
    "This is an automated FAQ tool, not therapy or medical advice. If you are in danger, call "
    "your local emergency number now."
)


def disclaimer(path: Path) -> str:
    """The file's one-paragraph disclaimer with its numbers; FALLBACK if it is unreadable."""
    try:
        data = yamlfile.load(read_text(path))
        return one_line(str(data["disclaimer"]))
    except Exception:  # --help must work whatever the file holds; validate reports it
        return FALLBACK
