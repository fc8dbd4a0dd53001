"""The chat loop: one reply per line, on a terminal (after `prompt.py`'s banner) or a pipe."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from rich.console import Console
from rich.text import Text

from therapy_faq.assistant import Assistant
from therapy_faq.conversation import Conversation
from therapy_faq.faq import Entry
from therapy_faq.render import (
    crisis_view,
    entry_view,
    excerpt_view,
    help_line,
    reply_view,
    topics_view,
)

QUIT = {"quit", "exit", "q", ":q"}
GOODBYES = {"bye", "bye bye", "goodbye", "good bye", "see you", "see ya", "cya", "good night"}
HELP = {"help", "?", "/help", "h"}
CRISIS = {"crisis", "/crisis", "sos"}
SOURCE = {"source", "/source", "more", "/more", "sources", "show source"}
YES = {"y", "yes", "yeah", "yep", "yes please", "sure", "ok"}
TOPICS = {"topics", "/topics", "list", "/list", "questions", "menu"}
TOPICS_QUESTION = re.compile(
    r"(?:what|which)(?: \w+)? (?:can|do|could) you (?:answer|cover|help with|know|tell me)"
    r"|what (?:topics|questions|subjects) (?:are there|do you (?:have|know|cover))"
    r"|(?:list|show)(?: me)?(?: all)?(?: the| your)? (?:topics|questions)"
)
THANKS = re.compile(
    r"(?:ok(?:ay)? )?(?:thanks?|thank u|thx|ty|tysm|cheers|ta|many thanks)"
    r"(?: you| u)?(?: (?:so|very) much| a lot| again| for (?:that|this|the (?:help|answer)))?"
)

HELP_TEXT = (
    "This is an offline FAQ: it answers common questions about therapy from a curated list, "
    "with their sources. It is not a person and cannot talk things through.\n"
    'Ask a question in your own words, for example "is it ok to cry in therapy?".\n'
    "  a number   read one of the questions listed last\n"
    "  source     show the source's own words behind the last answer (or: more)\n"
    "  topics     list every question it can answer, by topic\n"
    "  help       show this help\n"
    "  crisis     show where to get urgent help\n"
    "  quit       leave (Ctrl-D, or Ctrl-C on an empty line; Ctrl-C clears a line)"
)


def small_talk(line: str) -> str | None:
    """What a short message that is not a question asks for: "quit", "goodbye", "help",
    "crisis", "source", "topics" or "thanks"; None for anything else (a question)."""
    said = " ".join(re.sub(r"[^\w\s?/:]", " ", line.lower()).split()).rstrip("?")
    said = said or line.strip()  # "?" alone is a request for help
    for kind, words in (("quit", QUIT), ("goodbye", GOODBYES), ("help", HELP | {"?"})):
        if said in words:
            return kind
    if said in CRISIS:
        return "crisis"
    if said in SOURCE:
        return "source"
    if said in TOPICS or TOPICS_QUESTION.fullmatch(said):
        return "topics"
    if THANKS.fullmatch(said):
        return "thanks"
    return None


def run_chat(
    current: Callable[[], Assistant],
    lines: Iterable[str],
    console: Console,
    interactive: bool,
    top_k: int,
) -> None:
    """Answer line after line until the input ends or the user quits. `current()` gives the
    assistant for the next line (a new one after the FAQ or the index changed). The banner,
    on a terminal, is the caller's (`prompt.banner`): it is shown before the model is loaded."""
    resources = current().resources
    conversation = Conversation(current())
    last: list[Entry] = []
    offered: Entry | None = None  # a "did you mean" entry, read with y
    shown: Entry | None = None  # the last entry shown, whose source `source` shows
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        offer, offered = offered, None  # an offer holds for the next line only
        talk = small_talk(line)
        if talk in ("goodbye", "thanks") and current().assess(line).level != "none":
            talk = None  # "thanks for everything", "see you" can be a farewell: screened as any
        if talk == "thanks" and conversation.after_crisis:
            talk = None  # after a crisis, the warm reply that keeps help in view
        if talk in ("quit", "goodbye"):
            break
        if talk == "help":
            console.print(Text(HELP_TEXT))
            console.print(help_line(resources, "Urgent help:", conversation.crisis_category))
            continue
        if talk == "crisis":
            console.print(crisis_view(resources, conversation.crisis_category))
            continue
        if talk == "source":
            if shown is None:
                console.print(Text("Ask a question first: 'source' then shows its source."))
            else:
                console.print(excerpt_view(shown))
                console.print()
            continue
        if talk == "topics":
            listing, last = topics_view(current().faq)
            console.print(listing)
            continue
        if talk == "thanks":
            console.print(Text("You're welcome. Ask another question whenever you like."))
            if conversation.after_crisis:
                console.print(
                    help_line(resources, resources.reminder, conversation.crisis_category)
                )
            continue
        if offer is not None and line.lower().strip(" .!") in YES:
            console.print(entry_view(offer, current().faq))
            console.print()
            shown = offer
            continue
        if interactive and line.isdecimal():  # not isdigit: "²" is a digit
            number = int(line)
            if 1 <= number <= len(last):
                shown = last[number - 1]
                console.print(entry_view(shown, current().faq))
                console.print()
            elif last:
                console.print(Text(f"Type a number from 1 to {len(last)}, or ask a question."))
            else:
                console.print(
                    Text("There is no list to pick from yet: ask a question, or type 'topics'.")
                )
            continue
        conversation.assistant = current()
        reply = conversation.reply(line, top_k=top_k)
        console.print(reply_view(reply, numbered_hint=interactive, faq=current().faq))
        shown = reply.answer.entry if reply.answer is not None else None
        last = [match.entry for match in reply.alternatives]
        if reply.suggestion is not None:  # the numbers follow the list shown under the offer
            last = [e for e in last if e.id != reply.suggestion.entry.id]
        offered = reply.suggestion.entry if reply.suggestion is not None else None
        if interactive:
            console.print()
    if conversation.after_crisis:
        console.print(help_line(resources, resources.reminder, conversation.crisis_category))
    if interactive:
        console.print(Text("Take care.", style="dim"))
