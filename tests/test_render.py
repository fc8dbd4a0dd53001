"""How answers are laid out at a given terminal width (Rich, recorded; no terminal needed)."""

from __future__ import annotations

from rich.console import Console

from therapy_faq.faq import Entry
from therapy_faq.fields import validated
from therapy_faq.render import entry_view


def rendered(entry: Entry, width: int) -> list[str]:
    console = Console(width=width, record=True, color_system=None)
    console.print(entry_view(entry))
    return console.export_text().splitlines()


def entry(question: str, answer: str) -> Entry:
    return validated(
        Entry,
        {
            "id": "x",
            "question": question,
            "answer": answer,
            "sources": [{"title": "T", "document": "a.txt"}],
        },
    )


def test_wrapped_list_items_indent_under_their_text() -> None:
    answer = (
        "Some signs:\n"
        "- Changes in behaviour, small ones that can often be the first sign of it.\n"
        "  2. Numbered items too, when they run over the width of the terminal."
    )
    lines = rendered(entry("Signs?", answer), 40)
    first = next(i for i, line in enumerate(lines) if "- Changes" in line)
    assert lines[first + 1].startswith("│   ")  # under "Changes", not under "-"
    numbered = next(i for i, line in enumerate(lines) if "2. Numbered" in line)
    assert lines[numbered].startswith("│   2. Numbered")
    assert lines[numbered + 1].startswith("│      ")


def test_a_title_too_wide_is_shortened_at_a_word_with_an_ellipsis() -> None:
    question = "What are the signs that your therapist is developing feelings for you?"
    top = rendered(entry(question, "Some."), 50)[0]
    assert "What are the signs that your therapist is…" in top
    assert len(top) == 50
    wide = rendered(entry(question, "Some."), 100)[0]
    assert question in wide and "…" not in wide
