"""How replies and entries look in a terminal. Everything user- or FAQ-written goes in as `Text`,
so square brackets are shown as typed and never read as Rich markup."""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from therapy_faq.assistant import Reply
from therapy_faq.crisis import CrisisResources, Resource
from therapy_faq.evaluation import Report
from therapy_faq.faq import Entry, Faq
from therapy_faq.overlaps import Overlap
from therapy_faq.retrieval import Match
from therapy_faq.terminal import one_line


def sources_text(entry: Entry) -> Text:
    """Who said it, in words a reader can judge it by (file names only in `show` and JSON)."""
    text = Text("Source: " if len(entry.sources) == 1 else "Sources: ", style="bold")
    for number, source in enumerate(entry.sources):
        if number:
            text.append("; ")
        text.append(source.citation(), style="italic")
        if source.url:
            text.append(f" {source.url}", style="cyan")
    return text


def see_also_text(entry: Entry, faq: Faq | None, listed: Iterable[str] = ()) -> Text | None:
    """The entries this one overlaps or seems to contradict, by their questions; less those
    `listed` beside it already (a reply's related questions)."""
    if faq is None:
        return None
    skip = set(listed)
    others = [other for other in entry.see_also if other not in skip]
    if not others:
        return None
    text = Text("See also: ", style="bold")
    for number, other in enumerate(others):
        text.append("; " if number else "")
        text.append(f"“{faq.by_id[other].question}”" if other in faq.by_id else other)
    return text


def excerpt_view(entry: Entry) -> RenderableType:
    """The source's own words behind the answer, and where they come from in full."""
    parts: list[RenderableType] = []
    if entry.excerpt is None:
        parts.append(Text("This entry keeps no excerpt of its source.", style="yellow"))
    else:
        parts.append(
            Panel(
                answer_body(entry.excerpt),
                title=Text("In the source's words", style="bold"),
                title_align="left",
                box=box.ROUNDED,
                border_style="dim",
                padding=(0, 1),
            )
        )
    asked = [s.question for s in entry.sources if s.question and s.question != entry.question]
    if asked:
        text = Text("The source's question: " if len(asked) == 1 else "The sources' questions: ")
        parts.append(text.append("; ".join(asked), style="italic"))
    parts.append(sources_text(entry))
    files = [s.document for s in entry.sources if s.document]
    if files:
        parts.append(Text(f"Document: {', '.join(files)}", style="dim"))
    return Group(*parts)


LIST_ITEM = re.compile(r"(\s*)([-*•]|\d+[.)])\s+(.*)")


def answer_body(answer: str) -> RenderableType:
    """The answer's paragraphs; the items of a list wrap under their own text, not under their
    marker."""
    parts: list[RenderableType] = []
    items: Table | None = None
    items_width = 0
    for line in answer.split("\n"):
        item = LIST_ITEM.fullmatch(line)
        if item is None:
            items = None
            parts.append(Text(line))
            continue
        indent, marker, text = item.groups()
        if items is None or len(indent + marker) != items_width:  # a list of other markers
            items = Table.grid(padding=(0, 1, 0, 0))
            items.add_column(no_wrap=True)
            items.add_column()
            items_width = len(indent + marker)
            parts.append(items)
        items.add_row(Text(indent + marker), Text(text))
    return Group(*parts)


class TitledPanel:
    """A panel whose title, when the terminal is too narrow for it, is shortened at a word
    with an ellipsis (Rich cuts it at the border, mid-word)."""

    def __init__(self, title: str, body: RenderableType) -> None:
        self.title = title
        self.body = body

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        room = options.max_width - 6  # "╭─ " and " ─╮"
        title = self.title
        if cell_len(title) > room:
            cut = title[: max(room - 1, 1)]
            title = (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "…"
        yield Panel(
            self.body,
            title=Text(title, style="bold"),
            title_align="left",
            box=box.ROUNDED,
            border_style="green",
            padding=(0, 1),
        )


def entry_panel(entry: Entry) -> TitledPanel:
    return TitledPanel(entry.question, answer_body(entry.answer))


def entry_view(entry: Entry, faq: Faq | None = None, listed: Iterable[str] = ()) -> RenderableType:
    """The answer and its citation; with the FAQ, the entries it points to."""
    see_also = see_also_text(entry, faq, listed)
    return Group(entry_panel(entry), sources_text(entry), *([see_also] if see_also else []))


def full_entry_view(entry: Entry, faq: Faq | None = None) -> RenderableType:
    """`show`: the answer, then the source's own words and the whole citation."""
    see_also = see_also_text(entry, faq)
    return Group(entry_panel(entry), excerpt_view(entry), *([see_also] if see_also else []))


def suggestions(matches: list[Match], heading: str) -> Text:
    text = Text(heading, style="bold")
    for number, match in enumerate(matches, start=1):
        text.append(f"\n  {number}. ")
        text.append(match.entry.question)
    return text


def _resource_line(resource: Resource) -> Text:
    line = Text("• ")
    line.append(resource.name, style="bold")
    line.append(f" ({resource.region}): {resource.contact}")
    if resource.url:
        line.append(f"  {resource.url}", style="cyan")
    return line


def crisis_view(
    resources: CrisisResources, category: str | None = None, short: bool = False
) -> Panel:
    """Calm and plain: help is available now, who to contact (the emergency number first),
    what this tool is not, and an invitation to reach a person. `short`: when the chat has
    already shown the whole panel."""
    help_ = resources.help_for(category)
    lines = resources.lines(category)
    body = Text()
    if not short:
        body.append(one_line(help_.message) + "\n\n")
    body.append(resources.urgent + "\n\n", style="bold")
    for resource in lines[:3] if short else lines:
        body.append_text(_resource_line(resource))
        body.append("\n")
    if not short:
        body.append("\n")
        body.append(one_line(resources.notice) + "\n", style="italic")
    body.append("\n" if short else "")
    body.append(one_line(resources.invite), style="bold")
    return Panel(
        body,
        title=Text(help_.title, style="bold"),
        title_align="left",
        box=box.HEAVY,
        border_style="magenta",
        padding=(0 if short else 1, 2),
    )


def help_line(resources: CrisisResources, lead: str, category: str | None) -> Text:
    """One line that keeps help in view: `lead`, then the category's key line and the
    emergency number (for the concern line, the chat's reminder and its support reply)."""
    key = resources.key_line(category)
    text = Text(one_line(lead) + " ", style="magenta")
    text.append(f"{key.name}: {key.contact}", style="bold magenta")
    text.append(f" · {resources.emergency.name}: {resources.emergency.contact}", style="magenta")
    return text


def reply_view(reply: Reply, numbered_hint: bool = False, faq: Faq | None = None) -> RenderableType:
    """The answer panel, its sources and the closest other questions; or a refusal; or, for an
    urgent message, the resources and nothing that could read as dismissive. At level
    `concern`, a warm line and a crisis line follow the reply; in a chat after an urgent
    reply, help stays in view."""
    parts: list[RenderableType] = []
    hint = " (type a number to read one)" if numbered_hint else ""
    resources = reply.resources
    if reply.status == "crisis" and resources is not None:
        parts.append(crisis_view(resources, reply.screen.category, short=bool(reply.after_crisis)))
        if reply.truncated:
            parts.append(Text("(A long message: all of it was read for this.)", "dim"))
        return Group(*parts)
    if reply.follow_up_of is not None:
        parts.append(
            Text(f"Taking this with your last question: {one_line(reply.follow_up_of)}", "dim")
        )
    if reply.answer is not None:
        listed = [match.entry.id for match in reply.alternatives]
        parts.append(entry_view(reply.answer.entry, faq, listed))
        if reply.alternatives:
            parts.append(suggestions(reply.alternatives, f"Related questions{hint}:"))
    elif reply.after_crisis is not None and resources is not None:
        parts.append(help_line(resources, resources.support, reply.after_crisis))
    elif reply.pointer is not None:
        parts.append(
            Panel(
                Text(one_line(reply.pointer)),
                box=box.ROUNDED,
                border_style="yellow",
                padding=(0, 1),
            )
        )
    elif reply.suggestion is not None:
        entry = reply.suggestion.entry
        offer = Text("Did you mean: ", style="bold")
        offer.append(f"“{entry.question}”", style="bold cyan")
        offer.append("" if entry.question.rstrip().endswith("?") else "?")
        how = " Type y to read it." if numbered_hint else f" (therapy-faq show {entry.id})"
        offer.append(how, style="dim")
        parts.append(Panel(offer, box=box.ROUNDED, border_style="yellow", padding=(0, 1)))
        others = [m for m in reply.alternatives if m.entry.id != entry.id]
        if others:
            parts.append(suggestions(others, f"Other close questions{hint}:"))
    else:
        parts.append(
            Panel(
                Text("I don't have an answer to that in this FAQ."),
                box=box.ROUNDED,
                border_style="yellow",
                padding=(0, 1),
            )
        )
        if reply.alternatives:
            parts.append(suggestions(reply.alternatives, f"The closest questions I know{hint}:"))
    if reply.truncated:
        parts.append(Text("(A long question: the answer was found from its first part.)", "dim"))
    if reply.foreign and reply.after_crisis is None:
        parts.append(Text("(This FAQ's answers are in English.)", "dim"))
    if resources is not None:
        if reply.screen.level == "concern":
            lead = resources.concern_line(reply.screen.layer == "unread")
            parts.append(help_line(resources, lead, reply.screen.category))
        elif reply.after_crisis is not None and reply.answer is not None:
            parts.append(help_line(resources, resources.reminder, reply.after_crisis))
    return Group(*parts)


def topics_view(faq: Faq) -> tuple[Text, list[Entry]]:
    """The FAQ's questions under their first tag, numbered across the whole list (the chat
    lets the user pick one by its number): the text and the entries in the order shown."""
    groups: dict[str, list[Entry]] = {}
    for entry in faq.entries:
        groups.setdefault(entry.tags[0] if entry.tags else "other", []).append(entry)
    text = Text()
    text.append(f"I can answer {len(faq.entries)} questions about therapy:", style="bold")
    shown: list[Entry] = []
    for tag, entries in groups.items():
        text.append(f"\n{tag.replace('-', ' ').capitalize()}\n", style="bold cyan")
        for entry in entries:
            shown.append(entry)
            text.append(f"  {len(shown)}. ")
            text.append(entry.question + "\n")
    text.append("Type a number to read one, or ask in your own words.", style="dim")
    return text, shown


def faq_table(faq: Faq) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_lines=False)
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("question")
    for entry in faq.entries:
        table.add_row(Text(entry.id), Text(entry.question))
    return table


def overlaps_view(overlaps: list[Overlap], min_similarity: float) -> RenderableType:
    if not overlaps:
        return Text(f"No wordings of different entries are within {min_similarity:.2f} cosine.")
    lines: list[RenderableType] = [
        Text(
            f"{len(overlaps)} pairs of wordings of different entries at >= {min_similarity:.2f} "
            "cosine: the model can hardly tell them apart. Sharpen one wording, or merge the "
            "entries if they mean the same.",
            style="yellow",
        )
    ]
    pairs = Table.grid(padding=(0, 2))
    pairs.add_column(justify="right", style="bold")
    pairs.add_column()
    for overlap in overlaps:
        pair = Text()
        for entry, wording in (
            (overlap.first, overlap.first_wording),
            (overlap.second, overlap.second_wording),
        ):
            pair.append("\n" if pair else "")
            pair.append(entry.id, style="cyan")
            pair.append(f": {wording}")
        pairs.add_row(f"{overlap.similarity:.2f}", pair)
    lines.append(pairs)
    return Group(*lines)


def entry_json(entry: Entry) -> dict[str, object]:
    return {
        "id": entry.id,
        "question": entry.question,
        "answer": entry.answer,
        "sources": [s.to_json() for s in entry.sources],
        "alternates": list(entry.alternates),
        "tags": list(entry.tags),
        "excerpt": entry.excerpt,
        "see_also": list(entry.see_also),
    }


FIGURE_LABELS = {
    "top1": "top-1 accuracy (in scope)",
    "top3": "right entry in the top 3",
    "mrr": "mean reciprocal rank",
    "answered": "in-scope questions answered",
    "refused": "out-of-scope questions refused",
    "pointed": "  refused with a pointer to who can answer",
    "crisis_recall": "crisis messages met with the urgent reply",
    "crisis_help": "crisis messages shown help (urgent or concern)",
    "crisis_recall_patterns": "  urgent with a pattern match",
    "crisis_recall_classifier": "  urgent by the classifier alone",
    "crisis_recall_other_script": "  urgent by the classifier of other scripts",
    "crisis_help_script": "  help only: a script the screen cannot read",
    "false_alarms": "ordinary messages withheld (urgent)",
    "concern_rate": "ordinary messages with the concern line",
    "concern_script": "  because the screen cannot read the script",
    "ordinary_right": "ordinary messages answered right",
    "out_of_scope_crisis": "crisis panels on out-of-scope questions",
}


def eval_view(report: Report, targets: dict[str, tuple[str, float]], misses: int) -> Group:
    counts = report.counts()
    table = Table(box=box.SIMPLE_HEAD, title="Evaluation", title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right", style="dim")
    for name, value in report.figures().items():
        if value is None:
            continue
        shown = str(value) if isinstance(value, int) else f"{value:.3f}"
        op, target = targets.get(name, ("", ""))
        table.add_row(FIGURE_LABELS[name], shown, f"{op} {target}".strip())
    summary = Text(
        "questions: " + ", ".join(f"{n} {k.replace('_', '-')}" for k, n in counts.items() if n),
        style="dim",
    )
    parts: list[RenderableType] = [table, summary]
    categories = report.category_figures()
    if categories:
        by_category = Table(
            box=box.SIMPLE_HEAD, title="Crisis messages by category", title_justify="left"
        )
        by_category.add_column("category")
        by_category.add_column("messages", justify="right")
        by_category.add_column("urgent", justify="right")
        by_category.add_column("help shown", justify="right")
        by_category.add_column("named (of urgent)", justify="right")
        for name, figures in categories.items():
            named = figures["named"]
            by_category.add_row(
                name,
                str(figures["messages"]),
                f"{figures['urgent']:.3f}",
                f"{figures['help']:.3f}",
                "-" if named is None else f"{named:.3f}",
            )
        parts.append(by_category)
    if report.misses and misses:
        listing = Text("Misses:", style="bold")
        for miss in report.misses[:misses]:
            listing.append(f"\n  [{miss.section}] ", style="dim")
            listing.append(miss.text)
            listing.append(
                f"\n      expected {', '.join(miss.expected)}; got {miss.got}", style="dim"
            )
        if len(report.misses) > misses:
            listing.append(f"\n  ... and {len(report.misses) - misses} more", style="dim")
        parts.append(listing)
    return Group(*parts)
