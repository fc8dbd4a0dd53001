"""Nothing a file or a user types reaches the terminal as a control sequence (issue 14, item 5):
ESC sequences (clear screen, a disguised OSC 8 link, an OSC 52 clipboard write), C1 controls and
bidi overrides are refused by every schema, cleaned by `import`, escaped in JSON and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from therapy_faq.cli import app
from therapy_faq.crisis import load_resources
from therapy_faq.errors import FaqError
from therapy_faq.settings import crisis_resources_path
from therapy_faq.terminal import UNSAFE

from .conftest import run_module, subprocess_env

runner = CliRunner()

ATTACKS = {
    "clear screen": "\x1b[2J\x1b[H",
    "hyperlink": "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "clipboard": "\x1b]52;c;cm0gLXJmIH4=\x07",
    "C1 CSI": "\x9b2J",
    "bidi override": "\u202egnp.exe",
}


def faq_with(field: str, value: str) -> str:
    fields = {
        "question": "What is this?",
        "answer": "An answer.",
        "title": "T",
        "url": "https://a.b",
    }
    fields[field] = fields[field] + value if field != "url" else "https://a.b/" + value
    return (
        "entries:\n"
        "  - id: one\n"
        f"    question: {json.dumps(fields['question'])}\n"
        f"    answer: {json.dumps(fields['answer'])}\n"
        f"    sources: [{{title: {json.dumps(fields['title'])}, document: d.txt, "
        f"url: {json.dumps(fields['url'])}}}]\n"
    )


@pytest.mark.parametrize("attack", list(ATTACKS))
@pytest.mark.parametrize("field", ["question", "answer", "title", "url"])
def test_the_faq_schema_refuses_control_characters(tmp_path: Path, field: str, attack: str) -> None:
    faq = tmp_path / "faq.yaml"
    faq.write_text(faq_with(field, ATTACKS[attack]), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(faq)])
    assert result.exit_code == 3, result.output
    assert "control character" in " ".join(result.output.split())
    assert not UNSAFE.search(result.output)  # the error itself echoes nothing raw


def test_the_crisis_file_refuses_control_characters(tmp_path: Path) -> None:
    shipped = crisis_resources_path().read_text(encoding="utf-8")
    line = "urgent: If you or someone else is in immediate danger"
    assert line in shipped
    bad = tmp_path / "crisis.yaml"
    # YAML refuses a raw ESC byte, but its double-quoted escapes make one.
    escaped = shipped.replace(
        line, 'urgent: "\\e[2JIf you or someone else is in immediate danger', 1
    )
    bad.write_text(escaped.replace("danger, call your local emergency number now.", 'danger."', 1))
    with pytest.raises(FaqError, match="control character U\\+001B"):
        load_resources(bad)


def test_a_crisis_line_url_refuses_control_characters(tmp_path: Path) -> None:
    """A URL passed its pattern with ESC inside (not white space): found by a hostile pass."""
    shipped = crisis_resources_path().read_text(encoding="utf-8")
    url = "url: https://988lifeline.org"
    assert url in shipped
    bad = tmp_path / "crisis.yaml"
    bad.write_text(shipped.replace(url, 'url: "https://988lifeline.org\\e]0;PWNED\\a"', 1))
    with pytest.raises(FaqError, match="control character U\\+001B"):
        load_resources(bad)


def test_an_unknown_id_is_echoed_harmlessly() -> None:
    result = runner.invoke(app, ["show", "x\x1b]52;c;AAAA\x07"])
    assert result.exit_code == 2
    assert not UNSAFE.search(result.output) and "U+001B" in result.output


def test_import_cleans_every_column_it_writes(tmp_path: Path) -> None:
    csv = tmp_path / "faq.csv"
    csv.write_text(
        "question,answer,source\n"
        '"Why\x1b[2J?","Because\x9b2J \u202eit is.","Site\x1b]8;;http://x\x1b\\\\"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.yaml"
    result = runner.invoke(
        app, ["import", str(csv), "-o", str(out), "--title", "A\x1b]52;c;QQ==\x07 title"]
    )
    assert result.exit_code == 0, result.output
    written = out.read_text(encoding="utf-8")
    assert not UNSAFE.search(written) and "\\e" not in written and "\\x1b" not in written
    # ftfy drops a whole CSI sequence ("Why?") and reads a lone C1 byte as the mojibake it
    # usually is (0x9b: "›"); what it leaves, the control characters, is stripped after it.
    assert "Why?" in written and "Because›2J it is." in written
    assert "Site]8;;http://x" in written
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    csv.write_text('question,answer\n"Why?","Because."\n', encoding="utf-8")
    titled = runner.invoke(
        app, ["import", str(csv), "-o", str(out), "--force", "--title", "A\x1b]52;c;QQ==\x07 b"]
    )
    assert titled.exit_code == 0, titled.output
    written = out.read_text(encoding="utf-8")
    assert not UNSAFE.search(written) and "title: A]52;c;QQ== b" in written


@pytest.mark.model
def test_json_escapes_what_a_question_carries(real_env) -> None:
    question = "is crying ok\x1b[2J\u202e in therapy"
    result = runner.invoke(app, ["ask", question, "--json"])
    assert result.exit_code == 0, result.output
    assert not UNSAFE.search(result.stdout)
    assert json.loads(result.stdout)["query"] == question  # the same data, escaped


@pytest.mark.model
@pytest.mark.parametrize("columns", ["0", "6"])
def test_a_crisis_panel_keeps_its_numbers_in_a_tiny_terminal(real_paths, columns: str) -> None:
    """With COLUMNS=0 Rich printed nothing at all; at 6 columns the panel lost every number."""
    env = subprocess_env(THERAPY_FAQ_INDEX=str(real_paths.index), COLUMNS=columns)
    result = run_module("ask", "i want to kill myself", env=env)
    assert result.returncode == 0, result.stderr
    assert "988" in result.stdout and "911" in result.stdout


def test_paths_in_notices_are_shown_harmlessly() -> None:
    """An index path with ESC in its name was echoed raw in "Building the index ... in PATH"."""
    from therapy_faq import cli

    with cli.err().capture() as captured:
        cli._notify("Building the index (none found) in /tmp/idx\x1b]0;PWNED\x07 ...")
    shown = captured.get()
    assert not UNSAFE.search(shown) and "<U+001B>" in shown
