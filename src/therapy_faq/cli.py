"""Command line: parse arguments, render with Rich, map errors to exit codes. Nothing else.

Kept light at import: Rich, the schemas and the domain modules are imported by the commands
that use them, so `--version` and `ask --json` load only what they need."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup
from typer.exceptions import TyperException

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID
    from rich.text import Text

    from therapy_faq.assistant import Assistant
    from therapy_faq.faq import Faq
    from therapy_faq.service import LiveAssistant, Paths

from therapy_faq import __version__
from therapy_faq.errors import EXIT_CODES, FaqError, OutputError, TherapyFaqError, UsageError
from therapy_faq.settings import (
    CRISIS_ENV,
    DEFAULT_TOP_K,
    FAQ_ENV,
    INDEX_ENV,
    crisis_resources_path,
    resolve_faq_path,
    resolve_index_dir,
)
from therapy_faq.terminal import json_text, one_line, printable

EXIT_CODE_HELP = " · ".join(f"{code} {meaning}" for code, meaning in EXIT_CODES.items())
APP_HELP = "Offline answers to common questions about therapy, with their sources."


class HelpWithDisclaimer(TyperGroup):
    """The main help carries the crisis disclaimer, read from `data/crisis.yaml` only when the
    help is shown (reading it at import cost every command the YAML parser)."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from therapy_faq.disclaimer import disclaimer

        self.help = (
            f"{APP_HELP}\n\n{disclaimer(crisis_resources_path())}\n\n"
            "Run without a command to start the chat."
        )
        super().format_help(ctx, formatter)


SHARED_OPTIONS = {"faq": "--faq", "index": "--index", "top_k": "--top-k", "debug": "--debug"}


class SharedOptions(TyperCommand):
    """`--faq`, `--index`, `--top-k` and `--debug` mean the same before the command as after it
    (`therapy-faq --faq F list` lists F). Given in both places, the one after the command wins;
    given before a command that has no use for it, it is a usage error, as it is after it."""

    def invoke(self, ctx: Any) -> Any:
        parent = ctx.parent
        for name, flag in SHARED_OPTIONS.items():
            if parent is None or not _on_command_line(parent, name):
                continue
            if name not in ctx.params:
                raise typer.BadParameter(
                    f"`{ctx.info_name}` does not use it", ctx=ctx, param_hint=f"'{flag}'"
                )
            if not _on_command_line(ctx, name):
                ctx.params[name] = parent.params[name]
        return super().invoke(ctx)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """`ask [OPTIONS] QUESTION...` as click writes it (typer marks required arguments
        with braces)."""
        pieces = super().collect_usage_pieces(ctx)
        return [p[1:-1] if p[:1] == "{" and p[-1:] == "}" else p for p in pieces]


def _on_command_line(ctx: Any, name: str) -> bool:
    # by name: typer ships its own copy of click, whose ParameterSource is not click's
    source = ctx.get_parameter_source(name)
    return source is not None and source.name == "COMMANDLINE"


app = typer.Typer(
    name="therapy-faq",
    cls=HelpWithDisclaimer,
    rich_markup_mode=None,
    help=APP_HELP,
    epilog=f"Exit codes: {EXIT_CODE_HELP}.",
    add_completion=False,
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

INTERRUPTED = 130  # as a shell reports a process stopped by Ctrl-C
BROKEN_PIPE = 141  # as a shell reports a writer stopped by SIGPIPE
MIN_WIDTH = 40  # below it (COLUMNS=0, a tiny pane) Rich printed nothing, crisis numbers included


def _silence_stdout() -> None:
    """The reader left (`| head -1`): nothing more is written, not even at exit."""
    with suppress(OSError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _on_broken_pipe(console: Console) -> None:
    """Exit quietly with the code a shell reports for a writer stopped by SIGPIPE (Rich's own
    handler exits 1, "unexpected error")."""
    console.quiet = True
    _silence_stdout()
    raise SystemExit(BROKEN_PIPE)


@cache
def _patch_rich() -> None:
    """Rich's documented hook, set on the class once, when the first console is made: importing
    Rich is left to the commands that print with it (the help is click's, without Rich)."""
    from rich.console import Console

    Console.on_broken_pipe = _on_broken_pipe  # type: ignore[method-assign,assignment]


def _console(*, stderr: bool = False, soft_wrap: bool = False) -> Console:
    from rich.console import Console

    _patch_rich()
    console = Console(highlight=False, stderr=stderr, soft_wrap=soft_wrap)
    if console.width < MIN_WIDTH:
        console.width = MIN_WIDTH  # the terminal wraps what is wider; nothing is dropped
    return console


@cache
def out() -> Console:
    """The console of standard output, made on first use."""
    return _console(soft_wrap=False)


@cache
def err() -> Console:
    """The console of standard error (progress, notices, errors), made on first use."""
    return _console(stderr=True)


def _line(message: str, style: str = "") -> Text:
    """One line of the tool's own words (with whatever file names or user text they quote) as
    Rich `Text`: never read as markup, and made harmless by `printable`."""
    from rich.text import Text

    return Text(printable(message), style=style)


FaqOption = Annotated[
    Path | None,
    typer.Option(
        "--faq",
        help="FAQ YAML file (default: the FAQ shipped with the tool).",
        envvar=FAQ_ENV,
        show_envvar=True,
        dir_okay=False,
        show_default=False,
    ),
]
IndexOption = Annotated[
    Path | None,
    typer.Option(
        "--index",
        help="Index folder (default: one folder per FAQ file in the user cache).",
        envvar=INDEX_ENV,
        show_envvar=True,
        file_okay=False,
        show_default=False,
    ),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]
TopKOption = Annotated[
    int,
    typer.Option("--top-k", "-k", min=0, max=10, help="How many related questions to show."),
]


WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EFBIG}


@contextmanager
def friendly_errors(debug: bool) -> Iterator[None]:
    """One clear line and a documented exit code per failure; a traceback only with --debug."""
    try:
        yield
    except (typer.Exit, typer.Abort, TyperException):
        raise
    except TherapyFaqError as exc:
        if debug:
            raise
        # One line, wrapped by the terminal rather than broken inside a path.
        err().print(_line(f"error: {exc}", style="red"), soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        raise typer.Exit(INTERRUPTED) from None  # `main` says so
    except BrokenPipeError:
        _silence_stdout()
        raise typer.Exit(BROKEN_PIPE) from None
    except OSError as exc:
        if debug:
            raise
        if exc.errno in WRITE_ERRNOS:
            message = f"error: cannot write the output: {exc.strerror}"
            err().print(_line(message, style="red"), soft_wrap=True)
            raise typer.Exit(OutputError.exit_code) from None
        if _working_folder_gone():
            err().print(_line(f"error: {WORKING_FOLDER_GONE}", style="red"), soft_wrap=True)
            raise typer.Exit(UsageError.exit_code) from None
        _unexpected(exc)
    except Exception as exc:
        if debug:
            raise
        _unexpected(exc)


def _interrupted_within(exc: BaseException) -> bool:
    """Whether a Ctrl-C lies behind `exc`: one landing while a C extension initialises comes
    back as its error (pybind11's ImportError "initialization failed", from the interrupt)."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _unexpected(exc: Exception) -> NoReturn:
    if _interrupted_within(exc):
        raise typer.Exit(INTERRUPTED) from None  # `main` says so
    err().print(
        _line(f"unexpected error: {type(exc).__name__}: {exc} (rerun with --debug)"),
        soft_wrap=True,
    )
    raise typer.Exit(1) from None


WORKING_FOLDER_GONE = "the current folder no longer exists; cd to another folder"


def _working_folder_gone() -> bool:
    try:
        os.getcwd()
    except FileNotFoundError:
        return True
    return False


def _paths(faq: Path | None, index: Path | None) -> Paths:
    from therapy_faq.service import Paths

    if _working_folder_gone():
        raise UsageError(WORKING_FOLDER_GONE)
    faq_path = resolve_faq_path(faq)
    return Paths(faq=faq_path, index=resolve_index_dir(faq_path, index))


class BuildProgress:
    """A progress bar on stderr (stdout stays clean for --json), shown only once work starts."""

    def __init__(self, description: str) -> None:
        self._description = description
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, done: int, total: int) -> None:
        if self._progress is None:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err(),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self._description, total=total)
        assert self._task is not None
        self._progress.update(self._task, completed=done, total=total)

    def __enter__(self) -> BuildProgress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def _notify(message: str) -> None:
    err().print(_line(message, style="dim"), soft_wrap=True)


def _open(faq: Path | None, index: Path | None, one_question: bool = False) -> Assistant:
    from therapy_faq.service import open_assistant

    with BuildProgress("Building the index") as progress:
        paths = _paths(faq, index)
        return open_assistant(paths, notify=_notify, progress=progress, one_question=one_question)


def _open_live(faq: Path | None, index: Path | None, may_build: bool = True) -> LiveAssistant:
    """For a session: follows edits of the FAQ and rebuilds of the index between questions."""
    from therapy_faq.service import LiveAssistant

    with BuildProgress("Building the index") as progress:
        return LiveAssistant(_paths(faq, index), None, _notify, progress, may_build)


class _ChatOpening:
    """Opens a chat's assistant in a thread while the user reads the banner and types the first
    line. When the index must be built first, the build is left to the foreground, with its
    progress, once that line is in."""

    def __init__(self, faq: Path | None, index: Path | None) -> None:
        import threading

        self._faq, self._index = faq, index
        self._live: LiveAssistant | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._open, name="chat-opening")
        self._thread.start()

    def _open(self) -> None:
        try:
            self._live = _open_live(self._faq, self._index, may_build=False)
            import therapy_faq.chat  # noqa: F401 - its imports too, while the user types
        except BaseException as exc:  # re-raised in the foreground, where errors are reported
            self._error = exc

    def current(self) -> Assistant:
        if self._live is None:
            if self._thread.is_alive():
                with err().status("Loading the FAQ and the model ..."):
                    self._thread.join()
            from therapy_faq.service import BuildNeeded

            if isinstance(self._error, BuildNeeded):
                self._live = _open_live(self._faq, self._index)
            elif self._error is not None:
                raise self._error
        assert self._live is not None
        return self._live.current()


def _readable(text: str) -> str:
    """Undecodable bytes from the command line arrive as lone surrogates: make them U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _stdin_question_lines() -> Iterator[str]:
    """Lines of standard input, each read at most one character past the question cap (the
    reply then says the question was cut)."""
    from therapy_faq.assistant import MAX_QUESTION_CHARS
    from therapy_faq.stdin import stdin_lines

    return stdin_lines(MAX_QUESTION_CHARS + 1)


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    faq: FaqOption = None,
    index: IndexOption = None,
    top_k: TopKOption = DEFAULT_TOP_K,
    debug: DebugOption = False,
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    if version:
        sys.stdout.write(f"therapy-faq {__version__}\n")
        raise typer.Exit()
    if ctx.invoked_subcommand is None:
        chat(faq=faq, index=index, top_k=top_k, debug=debug)


@app.command(cls=SharedOptions)
def chat(
    faq: FaqOption = None,
    index: IndexOption = None,
    top_k: TopKOption = DEFAULT_TOP_K,
    debug: DebugOption = False,
) -> None:
    """Chat: ask question after question (reads lines, without prompts, when stdin is a pipe)."""
    interactive = sys.stdin is not None and sys.stdin.isatty()
    lines: Iterator[str]
    with friendly_errors(debug):
        if interactive:  # the prompt first; the model loads while the first line is typed
            from itertools import chain

            from therapy_faq.disclaimer import disclaimer
            from therapy_faq.prompt import banner, terminal_lines

            out().print(banner(disclaimer(crisis_resources_path())))
            opening = _ChatOpening(faq, index)
            typed = terminal_lines("you> ")
            first = next(typed, None)
            if first is None:
                out().print(_line("Take care.", style="dim"))
                return
            current, lines = opening.current, chain([first], typed)
        else:
            current, lines = _open_live(faq, index).current, _stdin_question_lines()
        from therapy_faq.chat import run_chat

        try:
            run_chat(current, lines, out(), interactive=interactive, top_k=top_k)
        except KeyboardInterrupt:
            out().print(_line("\nTake care.", style="dim"))


@app.command(cls=SharedOptions)
def ask(
    words: Annotated[
        list[str],
        typer.Argument(
            metavar="QUESTION...",
            help="The question (quotes are optional), or - to read one per line from stdin.",
            show_default=False,
        ),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per question.")
    ] = False,
    faq: FaqOption = None,
    index: IndexOption = None,
    top_k: TopKOption = DEFAULT_TOP_K,
    debug: DebugOption = False,
) -> None:
    """Answer one question (or one per line of stdin with -) and exit."""
    from therapy_faq.assistant import question_text

    question = " ".join(words)

    if not as_json:
        from therapy_faq.render import reply_view
    with friendly_errors(debug):
        if question != "-" and not question_text(question):
            raise typer.BadParameter("the question is empty", param_hint="QUESTION")
        if question == "-":
            from therapy_faq.assistant import MAX_QUESTION_CHARS
            from therapy_faq.stdin import stdin_batches

            current = _open_live(faq, index).current
            batches = stdin_batches(MAX_QUESTION_CHARS + 1)
        else:
            assistant = _open(faq, index, one_question=True)
            current, batches = lambda: assistant, iter([[_readable(question)]])
        # typed at a terminal, the replies come after the questions: each says which it answers
        label = question == "-" and not as_json and sys.stdin is not None and sys.stdin.isatty()
        for batch in batches:
            questions = [text for text in batch if question_text(text)]
            for reply in current().replies(questions, top_k=top_k) if questions else []:
                if as_json:
                    sys.stdout.write(json_text(reply.to_json()) + "\n")
                    sys.stdout.flush()
                else:
                    if label:
                        out().print(_line(f"» {one_line(reply.query)}", style="bold"))
                    out().print(reply_view(reply, faq=current().faq))


@app.command("list", cls=SharedOptions)
def list_entries(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the entries as a JSON array.")
    ] = False,
    faq: FaqOption = None,
    debug: DebugOption = False,
) -> None:
    """List every entry of the FAQ."""
    from therapy_faq.faq import load_faq
    from therapy_faq.render import entry_json, faq_table

    with friendly_errors(debug):
        entries = load_faq(resolve_faq_path(faq))
        if as_json:
            sys.stdout.write(json_text([entry_json(e) for e in entries.entries], indent=2) + "\n")
        else:
            out().print(faq_table(entries))
            out().print(_line(f"{len(entries.entries)} entries", style="dim"))


@app.command(cls=SharedOptions)
def show(
    entry_id: Annotated[str, typer.Argument(metavar="ID", help="The entry's id (see `list`).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the entry as JSON.")] = False,
    faq: FaqOption = None,
    debug: DebugOption = False,
) -> None:
    """Show one entry: its answer, the source's own words it rests on, and the full citation."""
    from therapy_faq.faq import load_faq
    from therapy_faq.render import entry_json, full_entry_view

    with friendly_errors(debug):
        entries = load_faq(resolve_faq_path(faq))
        entry = entries.by_id.get(entry_id)
        if entry is None:
            from difflib import get_close_matches

            close = get_close_matches(entry_id, list(entries.by_id), n=3, cutoff=0.6)
            names = ", ".join(close[:-1]) + " or " + close[-1] if len(close) > 1 else "".join(close)
            hint = f"did you mean {names}? " if close else ""
            raise UsageError(f"no entry with id '{entry_id}' ({hint}see `therapy-faq list`)")
        if as_json:
            sys.stdout.write(json_text(entry_json(entry), indent=2) + "\n")
        else:
            out().print(full_entry_view(entry, entries))


@app.command(cls=SharedOptions)
def validate(
    file: Annotated[
        Path | None,
        typer.Argument(
            metavar="FILE", help="FAQ file to check (default: as --faq).", dir_okay=False
        ),
    ] = None,
    faq: FaqOption = None,
    crisis: Annotated[
        Path | None,
        typer.Option(
            help="Crisis resources file to check as well.",
            envvar=CRISIS_ENV,
            show_envvar=True,
            dir_okay=False,
        ),
    ] = None,
    overlaps: Annotated[
        bool,
        typer.Option(
            "--overlaps",
            help="Also list wordings of different entries that the model can hardly tell "
            "apart (builds the index if needed).",
        ),
    ] = False,
    min_similarity: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Cosine from which --overlaps lists a pair."),
    ] = 0.90,
    documents: Annotated[
        Path | None,
        typer.Option(
            help="Folder of the source documents, to check that every excerpt is their own "
            "words [default: sources/ beside the FAQ file, when there is one].",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Fail (exit 3) when an answer breaks a curation rule, instead of warning.",
        ),
    ] = False,
    index: IndexOption = None,
    debug: DebugOption = False,
) -> None:
    """Check an FAQ file against the schema, reporting every problem at once; flag answers that
    break the curation rules (a number or name missing from the excerpt, a first person, an
    opening connective, no excerpt, an excerpt that is not its document's words); check the
    crisis resources, topics and examples the tool will show and use."""
    from therapy_faq.crisis import load_examples, load_resources
    from therapy_faq.faq import load_faq
    from therapy_faq.render import overlaps_view
    from therapy_faq.settings import crisis_examples_path, crisis_resources_path

    with friendly_errors(debug):
        path = file or resolve_faq_path(faq)
        entries = load_faq(path)
        out().print(_line(f"{path}: OK, {len(entries.entries)} entries"), soft_wrap=True)
        _curation(path, entries, strict, documents or path.parent / "sources")
        resources_path = crisis or crisis_resources_path()
        resources = load_resources(resources_path)
        out().print(
            _line(
                f"{resources_path}: OK, {len(resources.categories)} crisis categories, "
                f"last checked {resources.last_checked.isoformat()}"
            ),
            soft_wrap=True,
        )
        from therapy_faq.settings import topics_path
        from therapy_faq.topics import load_topics

        topics = load_topics(topics_path())
        count = sum(len(t.examples) for t in topics.topics)
        out().print(
            _line(f"{topics_path()}: OK, {len(topics.topics)} topics, {count} examples"),
            soft_wrap=True,
        )
        examples = load_examples(crisis_examples_path())
        concern = sum(e.level == "concern" for e in examples.examples)
        out().print(
            _line(
                f"{crisis_examples_path()}: OK, {len(examples.crisis)} urgent, "
                f"{concern} concern "
                f"and {len(examples.ordinary) - concern} ordinary examples"
            ),
            soft_wrap=True,
        )
        if overlaps:
            from therapy_faq.overlaps import find_overlaps

            assistant = _open(path, index)
            found = find_overlaps(assistant.faq, assistant.retriever.index, min_similarity)
            out().print(overlaps_view(found, min_similarity))


def _curation(path: Path, entries: Faq, strict: bool, documents: Path) -> None:
    """The curation flags, one line each; with `strict`, an error after them."""
    from therapy_faq.curation import check_excerpts, check_faq
    from therapy_faq.terminal import listing

    flags = check_faq(entries)
    if documents.is_dir():
        flags += check_excerpts(entries, documents)
    if not flags:
        out().print(_line(f"{path}: every answer follows the curation rules"), soft_wrap=True)
        return
    count = len({flag.entry for flag in flags})
    head = f"{count} entr{'ies' if count != 1 else 'y'} may break the curation rules"
    err().print(_line(f'{head} (README, "Curation rules"):', style="yellow"), soft_wrap=True)
    bare = [flag.entry for flag in flags if flag.rule == "no excerpt"]
    if len(bare) > 5:  # an imported FAQ keeps none: one line, not one per entry
        err().print(_line(f"  {len(bare)} entries have no excerpt: {listing(bare, shown=3)}"))
        flags = [flag for flag in flags if flag.rule != "no excerpt"]
    for flag in flags:
        err().print(_line(f"  {flag}"), soft_wrap=True)
    if strict:
        raise FaqError(f"{path}: {head}")


@app.command(cls=SharedOptions)
def build(
    faq: FaqOption = None,
    index: IndexOption = None,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Embed every text again instead of reusing the vectors that earlier builds "
            "cached for unchanged texts.",
        ),
    ] = False,
    debug: DebugOption = False,
) -> None:
    """Validate the FAQ, embed it and write the index (atomically). Texts an earlier build
    embedded keep their cached vectors, so a rebuild after an edit embeds only what changed."""
    from therapy_faq.service import build as build_index

    with friendly_errors(debug):
        paths = _paths(faq, index)
        with BuildProgress("Building the index") as progress:
            manifest = build_index(
                paths, progress=progress, notify=_notify, reuse_vectors=not no_cache
            )
        out().print(
            _line(
                f"Built {paths.index}: {manifest.entry_count} entries, "
                f"{manifest.vector_count} vectors, model {manifest.model}"
            ),
            soft_wrap=True,
        )


@app.command("import", cls=SharedOptions)
def import_command(
    csv_file: Annotated[Path, typer.Argument(metavar="FILE.csv", help="The spreadsheet FAQ.")],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the YAML here [default: stdout].", dir_okay=False
        ),
    ] = None,
    question_col: Annotated[str | None, typer.Option(help="Column of the questions.")] = None,
    answer_col: Annotated[str | None, typer.Option(help="Column of the answers.")] = None,
    id_col: Annotated[str | None, typer.Option(help="Column of stable ids.")] = None,
    source_col: Annotated[str | None, typer.Option(help="Column of source titles or URLs.")] = None,
    title: Annotated[
        str | None, typer.Option(help="Source title for every entry (default: the file name).")
    ] = None,
    encoding: Annotated[str, typer.Option(help="Text encoding of the CSV file.")] = "utf-8",
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing output.")] = False,
    debug: DebugOption = False,
) -> None:
    """Turn a CSV FAQ into the FAQ's YAML: repairs mis-decoded text, reports duplicates and
    rows without an answer. Columns are guessed from their names unless given."""
    from therapy_faq.importer import import_csv, to_yaml

    with friendly_errors(debug):
        if output is not None and output.exists() and not force:
            raise UsageError(f"{output} exists; add --force to overwrite it")
        result = import_csv(
            csv_file, question_col, answer_col, id_col, source_col, title, encoding=encoding
        )
        text = to_yaml(result, csv_file)
        if output is None:
            sys.stdout.write(text)
        else:
            from therapy_faq.files import write_text_atomic

            try:
                output.parent.mkdir(parents=True, exist_ok=True)
                write_text_atomic(output, text)
            except OSError as exc:
                raise OutputError(
                    f"cannot write {output} ({exc.strerror or exc}); nothing was changed"
                ) from None
        used = ", ".join(f"{k}={v}" for k, v in result.columns.items() if v)
        err().print(
            _line(
                f"Imported {len(result.entries)} of {result.rows} rows ({used}); "
                f"repaired text in {result.repaired} rows."
            ),
            soft_wrap=True,
        )
        for line in result.duplicates:
            err().print(_line(f"duplicate: {line}", style="yellow"), soft_wrap=True)
        for line in result.skipped:
            err().print(_line(f"refused: {line}", style="red"), soft_wrap=True)


@app.command("eval", cls=SharedOptions)
def evaluate_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Evaluation YAML files (default: eval/*.yaml of the checkout).", dir_okay=False
        ),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 6 when a figure misses its committed target.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    misses: Annotated[
        int | None,
        typer.Option(
            help="How many misses to list (default: 25 in the table, every one in JSON); 0 keeps "
            "a set's wording unread.",
            min=0,
            show_default=False,
        ),
    ] = None,
    faq: FaqOption = None,
    index: IndexOption = None,
    debug: DebugOption = False,
) -> None:
    """Measure answers, refusals and the crisis screen on evaluation sets."""
    from therapy_faq.errors import BelowTargetError
    from therapy_faq.evaluation import TARGETS, evaluate, failed_targets, load_eval_set
    from therapy_faq.render import eval_view
    from therapy_faq.settings import default_eval_files

    with friendly_errors(debug):
        paths = list(files or default_eval_files())
        if not paths:
            raise UsageError("no evaluation files given (and no eval/ folder beside the package)")
        sets = [load_eval_set(path) for path in paths]
        report = evaluate(_open(faq, index), sets)
        failures = failed_targets(report, TARGETS) if check else []
        if as_json:
            payload = {
                "files": [str(p) for p in paths],
                "counts": report.counts(),
                "figures": report.figures(),
                "by_category": report.category_figures(),
                "misses": [vars(m) for m in report.misses[:misses]],
                "failed_targets": failures,
            }
            sys.stdout.write(json_text(payload, indent=2) + "\n")
        else:
            out().print(eval_view(report, TARGETS, 25 if misses is None else misses))
        if failures:
            raise BelowTargetError("below target: " + "; ".join(failures))


def main() -> None:
    if sys.stdout is None:  # started with standard output closed (`>&-`): nothing can be shown
        if sys.stderr is not None:
            sys.stderr.write("error: standard output is closed; nothing could be shown\n")
        raise SystemExit(OutputError.exit_code)
    try:
        app()
    except OSError as exc:  # the help or the version to a full disk (commands handle their own)
        if exc.errno not in WRITE_ERRNOS:
            raise
        _silence_stdout()  # or the final flush fails again, with a traceback
        err().print(_line(f"error: cannot write the output: {exc.strerror}", style="red"))
        raise SystemExit(OutputError.exit_code) from None
    except SystemExit as exit:
        if exit.code == INTERRUPTED:  # from a command, or from typer, which exits 130 silently
            sys.stderr.write("interrupted\n")
            raise
        # Click (typer's) exits 1 when printing the help or the version hits a closed pipe,
        # after wrapping the streams so that nothing more fails: the one sign left to read.
        if exit.code == 1 and type(sys.stdout).__name__ == "PacifyFlushWrapper":
            raise SystemExit(BROKEN_PIPE) from None
        raise
