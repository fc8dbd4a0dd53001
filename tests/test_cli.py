"""The command line, through Typer's CliRunner and through real subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from therapy_faq.cli import app
from therapy_faq.service import Paths

from .conftest import REPO, end_with_ctrl_d, run_module, subprocess_env

runner = CliRunner()
JSON_KEYS = {"query", "status", "answer", "alternatives", "crisis"}


def invoke(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


@pytest.mark.model
def test_ask_renders_answer_source_and_related(real_env) -> None:
    result = invoke("ask", "Is it OK to cry in a therapy session?")
    assert result.exit_code == 0, result.output
    assert "It’s OK to cry your feelings out; it helps." in result.stdout
    assert "Source: The Q&A page “Quick Answer: Is It Okay To Cry In Therapy?”" in result.stdout
    assert "Related questions:" in result.stdout
    assert "\x1b[" not in result.stdout  # no colours when not on a terminal


@pytest.mark.model
def test_ask_json_is_one_stable_object(real_env) -> None:
    result = invoke("ask", "can my therapist tell when im lying", "--json", "--top-k", "2")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) >= JSON_KEYS
    assert payload["status"] == "answered" and payload["crisis"] is None
    assert payload["answer"]["id"] == "lying-to-your-therapist"
    assert set(payload["answer"]) >= {"id", "question", "answer", "score", "sources"}
    assert set(payload["answer"]["sources"][0]) >= {"title", "document", "url"}  # stable keys
    assert len(payload["alternatives"]) == 2
    assert set(payload["alternatives"][0]) == {"id", "question", "score"}


@pytest.mark.model
def test_ask_json_no_match(real_env) -> None:
    payload = json.loads(invoke("ask", "best pizza recipe in naples", "--json").stdout)
    assert payload["status"] == "no_match" and payload["answer"] is None
    assert len(payload["alternatives"]) == 3


@pytest.mark.model
def test_ask_stdin_gives_one_json_line_per_question_in_order(real_env) -> None:
    questions = ["Why do therapists stare at you?", "", "Can you ask your therapist for a hug?"]
    result = invoke("ask", "-", "--json", input="\n".join(questions) + "\n")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [json.loads(line)["answer"]["id"] for line in lines] == [
        "therapist-eye-contact",
        "asking-for-a-hug",
    ]


@pytest.mark.model
def test_chat_on_a_pipe_answers_each_line_without_prompts(real_env) -> None:
    result = invoke("chat", input="Do you hug your therapist?\nWhy do therapists cry?\n")
    assert result.exit_code == 0, result.output
    assert "you>" not in result.stdout and "Type a question" not in result.stdout
    assert result.stdout.index("Most therapists will ask") < result.stdout.index("72 percent")


@pytest.mark.model
def test_chat_is_the_default_command_and_quit_stops(real_env) -> None:
    result = invoke(input="help\nquit\nWhy do therapists cry?\n")
    assert result.exit_code == 0, result.output
    assert "a number" in result.stdout
    assert "72 percent" not in result.stdout


def test_list_and_show(tmp_path: Path) -> None:
    listed = invoke("list", "--json")
    assert listed.exit_code == 0
    entries = json.loads(listed.stdout)
    assert len(entries) == 49
    assert set(entries[0]) >= {"id", "question", "answer", "sources"}
    table = invoke("list")
    assert "crying-in-session" in table.stdout and "49 entries" in table.stdout
    shown = invoke("show", "crying-in-session")
    assert shown.exit_code == 0 and "mascara" in shown.stdout and "Source:" in shown.stdout
    assert json.loads(invoke("show", "hugging-your-therapist", "--json").stdout)["id"] == (
        "hugging-your-therapist"
    )


def test_usage_errors_exit_2_without_traceback() -> None:
    for args in (
        ["ask", "   "],
        ["ask", ""],
        ["show", "no-such-entry"],
        ["ask", "x", "--top-k", "99"],
    ):
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output


def test_invalid_faq_exits_3_with_one_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("entries:\n  - id: x\n    question: q\n", encoding="utf-8")
    for args in (
        ["validate", str(bad)],
        ["ask", "hello", "--faq", str(bad)],
        ["build", "--faq", str(bad)],
    ):
        result = invoke(*args)
        assert result.exit_code == 3, (args, result.output)
        assert "bad.yaml:2: entry 1 (id 'x'): answer is missing" in result.stderr
        assert "Traceback" not in result.output
    assert invoke("validate").exit_code == 0


def test_validate_reports_missing_file(tmp_path: Path) -> None:
    result = invoke("validate", str(tmp_path / "missing.yaml"))
    assert result.exit_code == 3 and "not found" in result.stderr


def test_help_lists_commands_exit_codes_and_disclaimer() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for word in ("chat", "ask", "list", "show", "build", "validate", "Exit codes", "not therapy"):
        assert word in result.stdout


HEAVY = ("torch", "transformers", "sentence_transformers", "faiss", "sklearn")


NOT_NEEDED = ("rich", "numpy", "pydantic", "therapy_faq.crisis", "therapy_faq.safety")


@pytest.mark.parametrize(
    ("args", "absent"),
    [(["--help"], NOT_NEEDED + HEAVY), (["--version"], ("yaml", *NOT_NEEDED, *HEAVY))],
)
def test_help_and_version_import_neither_heavy_libraries_nor_the_domain(
    args: list[str], absent: tuple[str, ...]
) -> None:
    """The CLI's floor: typer and the standard library, and YAML for the help's disclaimer
    (benchmarks/oneshot.py)."""
    code = (
        "import sys\n"
        "from therapy_faq.cli import app\n"
        f"try:\n    app({args!r})\nexcept SystemExit:\n    pass\n"
        f"print([m for m in {absent!r} if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("therapy-faq ") or done.stdout.startswith("Usage:")
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.model
def test_subprocess_build_then_ask_json_and_chat_pipe(tmp_path: Path, real_paths: Paths) -> None:
    """`real_paths` first: the crisis screen is trained once, in this process, and the
    subprocess's build finds it in the session's cache (training it there took minutes)."""
    index = tmp_path / "index"
    env = subprocess_env(THERAPY_FAQ_INDEX=str(index))
    built = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_index.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    assert "49 entries" in built.stdout and (index / "manifest.json").is_file()

    asked = run_module("ask", "Is it OK to cry in a therapy session?", "--json", env=env)
    assert asked.returncode == 0, asked.stderr
    payload = json.loads(asked.stdout)
    assert payload["answer"]["id"] == "crying-in-session"
    assert payload["answer"]["sources"][0]["document"] == "001_41d5a53685653430.txt"

    # A current index spares a one-shot answer the YAML parser and pydantic (about 0.1 s).
    absent = ("yaml", "pydantic", "rich", *HEAVY)
    code = (
        "import sys\n"
        "from therapy_faq.cli import app\n"
        "try:\n    app(['ask', 'is it ok to hug my therapist', '--json'])\n"
        "except SystemExit:\n    pass\n"
        f"print([m for m in {absent!r} if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert '"status": "answered"' in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"

    chatted = run_module(env=env, input="Should your therapist touch?\n")
    assert chatted.returncode == 0, chatted.stderr
    assert "Is a therapist allowed to touch you?" in chatted.stdout
    assert chatted.stderr == ""
    assert "\x1b[" not in chatted.stdout


@pytest.mark.model
def test_ask_builds_a_missing_index_saying_so_on_stderr(tmp_path: Path, real_paths: Paths) -> None:
    env = subprocess_env(THERAPY_FAQ_INDEX=str(tmp_path / "fresh"))
    asked = run_module("ask", "Do therapists grieve clients?", "--json", env=env)
    assert asked.returncode == 0, asked.stderr
    assert "Building the index" in asked.stderr
    assert json.loads(asked.stdout)["answer"]["id"] == "therapists-grieve-clients"


@pytest.mark.model
def test_the_chat_reads_superscripts_and_circled_numbers_as_text(real_assistant) -> None:
    """`²` (a key on French keyboards) passed isdigit() and ended the chat in a ValueError."""
    import io

    from rich.console import Console

    from therapy_faq.chat import run_chat

    console = Console(file=io.StringIO(), width=100)
    lines = ["is it ok to cry in therapy", "²", "①", "٢"]  # the last: an Arabic-Indic 2
    run_chat(lambda: real_assistant, lines, console, interactive=True, top_k=3)
    output = console.file.getvalue()
    assert output.count("Take care.") == 1


def test_the_package_front_door_is_light_until_used() -> None:
    code = (
        "import sys\n"
        "import therapy_faq\n"
        "print([m for m in ('numpy', 'pydantic', 'therapy_faq.service') if m in sys.modules])\n"
        "from therapy_faq import Assistant, LiveAssistant, Paths, Reply, open_assistant\n"
        "print(open_assistant.__module__, Paths.__name__, Reply.__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["[]", "therapy_faq.service Paths Reply"]


def test_options_before_the_command_mean_the_same_as_after(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.yaml")
    for args in (["--faq", missing, "list"], ["list", "--faq", missing]):
        result = invoke(*args)
        assert result.exit_code == 3, (args, result.output)
        assert "missing.yaml" in result.output
    after_wins = invoke("--faq", missing, "list", "--json", "--faq", str(REPO / "data/faq.yaml"))
    assert after_wins.exit_code == 0 and len(json.loads(after_wins.stdout)) == 49


def test_an_option_before_a_command_that_does_not_use_it_is_a_usage_error() -> None:
    result = invoke("--top-k", "2", "list")
    assert result.exit_code == 2
    assert "--top-k" in result.output and "`list` does not use it" in result.output


def test_the_command_line_beats_the_environment_before_the_command_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THERAPY_FAQ_FILE", str(tmp_path / "missing.yaml"))
    result = invoke("--faq", str(REPO / "data/faq.yaml"), "list", "--json")
    assert result.exit_code == 0, result.output


@pytest.mark.model
def test_ask_takes_an_unquoted_question_of_several_words(real_env) -> None:
    result = invoke("ask", "can", "my", "therapist", "tell", "when", "im", "lying", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["query"] == "can my therapist tell when im lying"
    assert payload["answer"]["id"] == "lying-to-your-therapist"


def test_usage_lines_name_arguments_as_click_does() -> None:
    assert "Usage: therapy-faq ask [OPTIONS] QUESTION..." in invoke("ask", "--help").stdout
    assert "Usage: therapy-faq show [OPTIONS] ID" in invoke("show", "--help").stdout


def test_show_suggests_close_ids() -> None:
    result = invoke("show", "crying-in-sesion")
    assert result.exit_code == 2
    assert "did you mean crying-in-session" in " ".join(result.output.split())
    assert "did you mean" not in invoke("show", "pizza").output


@pytest.mark.model
def test_ask_stdin_at_a_terminal_says_which_question_each_reply_answers(real_paths) -> None:
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "therapy_faq", "ask", "-", "--index", str(real_paths.index), "-k", "0"],
        env=subprocess_env(),
        encoding="utf-8",
        timeout=240,
        dimensions=(40, 100),
    )
    child.sendline("can i hug my therapist")
    child.expect("right to say no")
    assert "» can i hug my therapist" in child.before
    end_with_ctrl_d(child)


@pytest.mark.model
def test_a_near_miss_gets_did_you_mean_with_the_way_to_read_it(real_env) -> None:
    payload = json.loads(invoke("ask", "my counsellor seems irritated", "--json").stdout)
    assert payload["status"] == "no_match" and payload["answer"] is None
    assert payload["suggestion"]["id"] == "therapists-annoyed-with-clients"
    shown = " ".join(invoke("ask", "my counsellor seems irritated").stdout.split())
    assert (
        "Did you mean:" in shown and "(therapy-faq show therapists-annoyed-with-clients)" in shown
    )
    far = json.loads(invoke("ask", "best pizza recipe in naples", "--json").stdout)
    assert far["suggestion"] is None


@pytest.mark.model
def test_an_answer_is_cited_for_a_reader_and_points_to_its_neighbours(real_env) -> None:
    result = invoke("ask", "Is it OK to cry in a therapy session?")
    assert "Source: The Q&A page “Quick Answer: Is It Okay To Cry In Therapy?”" in result.stdout
    assert "001_41d5a53685653430.txt" not in result.stdout  # file names are for show and JSON
    assert "See also:" in result.stdout and "“Is crying in therapy a breakthrough?”" in (
        result.stdout
    )
    payload = json.loads(invoke("ask", "Do therapists cry after session?", "--json").stdout)
    answer = payload["answer"]
    assert answer["question"] == "Do therapists cry, or must they stay strong and neutral?"
    assert answer["excerpt"].startswith("As a result, students may be led to believe")
    assert "how-often-therapists-cry" in answer["see_also"]
    [source] = answer["sources"]
    assert source["citation"] == (
        "From apa.org, quoted on the Q&A page “Do therapists cry after session?”"
    )
    assert (source["site"], source["kind"], source["url"]) == ("apa.org", "qa-page", None)
    assert source["question"] == "Do therapists cry after session?"


def test_show_prints_the_answer_the_excerpt_and_the_whole_citation() -> None:
    shown = invoke("show", "hugging-your-therapist")
    assert shown.exit_code == 0
    text = " ".join(shown.stdout.replace("│", " ").split())  # a panel's borders aside
    assert "One person quoted on the page says" in text  # the answer, in the FAQ's voice
    assert "In the source's words" in text and "My middle-aged therapist does allow me" in text
    assert "The source's question: Do you hug your therapist?" in text
    assert "Document: 001_41d5a53685653430.txt" in text
    assert "See also: “Can you ask your therapist for a hug?”" in text
    payload = json.loads(invoke("show", "hugging-your-therapist", "--json").stdout)
    assert payload["excerpt"].startswith("Most therapists will ask clients")
    assert payload["see_also"][0] == "asking-for-a-hug"
    assert payload["sources"][0]["kind"] == "qa-page"


@pytest.mark.model
def test_source_in_the_chat_shows_the_last_answers_excerpt(real_env) -> None:
    result = invoke("chat", input="source\nCan a therapist tell if you are lying?\nmore\n")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "Ask a question first: 'source' then shows its source." in text
    assert "In the source's words" in text
    assert "In my experience, yes, most of the time." in text  # the excerpt's own words
    assert text.count("In my experience") == 1  # only in the excerpt, never in the answer


def test_validate_flags_curation_problems_and_strict_fails_on_them(tmp_path: Path) -> None:
    faq = tmp_path / "faq.yaml"
    faq.write_text(
        "entries:\n"
        "  - id: a\n"
        "    question: Do therapists cry?\n"
        "    answer: Also, in my experience 90 percent do, says Dr Smith.\n"
        "    excerpt: Most therapists cry.\n"
        "    sources: [{title: T, document: doc.txt}]\n",
        encoding="utf-8",
    )
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "doc.txt").write_text("Many therapists cry.", encoding="utf-8")
    warned = invoke("validate", str(faq))
    assert warned.exit_code == 0, warned.output
    flags = " ".join(warned.stderr.split())
    for flag in (
        "a: opens with a connective: starts with 'Also'",
        "a: first person: 'my' outside quotation marks",
        "a: number not in the excerpt: 90",
        "a: name not in the excerpt: Dr, Smith",
        "a: excerpt not verbatim: not in the document: 'Most therapists cry.'",
    ):
        assert flag in flags
    strict = invoke("validate", str(faq), "--strict")
    assert strict.exit_code == 3
    assert "1 entry may break the curation rules" in strict.stderr
    shipped = invoke("validate", "--strict")
    assert shipped.exit_code == 0, shipped.output
    assert "every answer follows the curation rules" in shipped.stdout
    imported = invoke("validate", str(REPO / "examples" / "mental_health_faq.yaml"))
    assert imported.exit_code == 0  # a spreadsheet keeps no excerpts: one line says so
    assert "97 entries have no excerpt: 1590140, 2110618, 6361820 and 94 more" in imported.stderr
    assert "no excerpt: keep" not in imported.stderr
    assert invoke("validate", "--documents", str(tmp_path / "none")).exit_code == 2
