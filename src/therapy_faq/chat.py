"""The chat loop: prompts and banner on a terminal, one reply per line on a pipe."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from therapy_faq.assistant import Assistant
from therapy_faq.conversation import Conversation
from therapy_faq.faq import Entry
from therapy_faq.render import crisis_view, entry_view, help_line, reply_view

QUIT = {"quit", "exit", "q", ":q", "bye"}
HELP = {"help", "?", "/help"}
CRISIS = {"crisis", "/crisis", "sos"}

HELP_TEXT = (
    "This is an offline FAQ: it answers common questions about therapy from a curated list, "
    "with their sources. It is not a person and cannot talk things through.\n"
    'Ask a question in your own words, for example "is it ok to cry in therapy?".\n'
    "  a number   read one of the questions listed under the last answer\n"
    "  help       show this help\n"
    "  crisis     show where to get urgent help\n"
    "  quit       leave (Ctrl-D or Ctrl-C work too)"
)


def banner(disclaimer: str) -> Panel:
    text = Text()
    text.append("therapy-faq", style="bold")
    text.append(": answers to common questions about therapy, with their sources.\n")
    text.append(disclaimer + "\n", style="yellow")
    text.append("Type a question, 'help' for help, 'quit' to leave.", style="dim")
    return Panel(text, border_style="blue", padding=(0, 1))


def terminal_lines(prompt: str) -> Iterator[str]:
    """Read lines with line editing and in-memory history (readline never writes a file here)."""
    with contextlib.suppress(ImportError):  # not on every platform
        import readline  # noqa: F401 - importing it turns on line editing for input()
    while True:
        try:
            yield input(prompt)
        except EOFError:
            return


def run_chat(
    current: Callable[[], Assistant],
    lines: Iterable[str],
    console: Console,
    interactive: bool,
    top_k: int,
) -> None:
    """Answer line after line until the input ends or the user quits. `current()` gives the
    assistant for the next line (a new one after the FAQ or the index changed)."""
    resources = current().resources
    if interactive:
        console.print(banner(" ".join(resources.disclaimer.split())))
    conversation = Conversation(current())
    last: list[Entry] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        command = line.lower()
        if command in QUIT:
            break
        if command in HELP:
            console.print(Text(HELP_TEXT))
            console.print(help_line(resources, "Urgent help:", conversation.crisis_category))
            continue
        if command in CRISIS:
            console.print(crisis_view(resources, conversation.crisis_category))
            continue
        if interactive and line.isdecimal() and last:  # not isdigit: "²" is a digit
            number = int(line)
            if 1 <= number <= len(last):
                console.print(entry_view(last[number - 1]))
                console.print()
                continue
        conversation.assistant = current()
        reply = conversation.reply(line, top_k=top_k)
        console.print(reply_view(reply, numbered_hint=interactive))
        last = [match.entry for match in reply.alternatives]
        if interactive:
            console.print()
    if interactive:
        console.print(Text("Take care.", style="dim"))
