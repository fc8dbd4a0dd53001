"""`therapy-faq import`: a spreadsheet FAQ becomes a valid FAQ file the tool can answer from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from therapy_faq.cli import app
from therapy_faq.faq import load_faq
from therapy_faq.importer import import_csv

from .conftest import REPO

runner = CliRunner()
EXTERNAL_CSV = REPO.parent / "shared" / "external" / "mental_health_faq.csv"

MESSY = (
    "Question_ID,Questions,Answers,Link\n"
    '1,What is a therapy hangover?,"It\'s feeling drained.\nIt passes.",https://example.org/a\n'
    "2,Whatâ€™s a referral?,A note from your doctor.,\n"
    "3,what is a therapy hangover,Another answer.,\n"
    "4,Is this answered?,,\n"
)


def test_import_repairs_reports_and_validates(tmp_path: Path) -> None:
    source = tmp_path / "messy.csv"
    source.write_text(MESSY, encoding="utf-8")
    result = import_csv(source)
    assert result.columns == {
        "question": "Questions",
        "answer": "Answers",
        "id": "Question_ID",
        "source": "Link",
    }
    assert [e["id"] for e in result.entries] == ["1", "2"]
    assert result.entries[1]["question"] == "What’s a referral?"  # mojibake repaired
    assert result.entries[0]["answer"] == "It's feeling drained.\n\nIt passes."
    assert result.entries[0]["sources"][0]["url"] == "https://example.org/a"
    assert len(result.duplicates) == 1 and "repeats row 1" in result.duplicates[0]
    assert result.skipped == ["row 4: no answer to 'Is this answered?'"]


def test_import_cli_writes_yaml_and_refuses_to_overwrite(tmp_path: Path) -> None:
    source = tmp_path / "messy.csv"
    source.write_text(MESSY, encoding="utf-8")
    out = tmp_path / "faq.yaml"
    result = runner.invoke(app, ["import", str(source), "-o", str(out), "--title", "Clinic FAQ"])
    assert result.exit_code == 0, result.output
    assert "Imported 2 of 4 rows" in result.stderr
    assert "duplicate:" in result.stderr and "refused: row 4: no answer" in result.stderr
    faq = load_faq(out)
    assert faq.entries[0].sources[0].title == "Clinic FAQ"
    assert faq.entries[0].answer == "It's feeling drained.\n\nIt passes."
    again = runner.invoke(app, ["import", str(source), "-o", str(out)])
    assert again.exit_code == 2 and "--force" in again.stderr


def test_import_column_flags_and_unknown_column(tmp_path: Path) -> None:
    source = tmp_path / "odd.csv"
    source.write_text("Prompt text,Reply text\nCan I hug?,Ask first.\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(source)])
    assert result.exit_code == 2 and "--question-col" in result.stderr
    result = runner.invoke(
        app,
        ["import", str(source), "--question-col", "Prompt text", "--answer-col", "Reply text"],
    )
    assert result.exit_code == 0 and "id: can-i-hug" in result.stdout
    result = runner.invoke(app, ["import", str(source), "--question-col", "Nope"])
    assert result.exit_code == 2 and "no column 'Nope'" in result.stderr


@pytest.mark.model
@pytest.mark.skipif(not EXTERNAL_CSV.is_file(), reason="shared/external is not beside the checkout")
def test_third_party_faq_round_trip(tmp_path: Path, real_paths) -> None:
    """Import the third-party CSV, build its index, ask it a question (`real_paths` first: its
    build trains the real screen once for the session, and this build reuses it)."""
    faq = tmp_path / "mental_health.yaml"
    imported = runner.invoke(app, ["import", str(EXTERNAL_CSV), "-o", str(faq)])
    assert imported.exit_code == 0, imported.output
    assert "Imported 97 of 98 rows" in imported.stderr  # one duplicate question
    entries = load_faq(faq).entries
    assert not [e for e in entries if "â€" in e.answer or "â€" in e.question]
    index = tmp_path / "index"
    built = runner.invoke(app, ["build", "--faq", str(faq), "--index", str(index)])
    assert built.exit_code == 0, built.output
    asked = runner.invoke(
        app,
        [
            "ask",
            "where can I find a support group",
            "--json",
            "--faq",
            str(faq),
            "--index",
            str(index),
        ],
    )
    payload = json.loads(asked.stdout)
    assert payload["status"] == "answered"
    assert payload["answer"]["id"] in {"9539480", "9630578"}
    assert payload["answer"]["sources"][0]["document"] == "mental_health_faq.csv"


def test_committed_import_matches_the_csv() -> None:
    """examples/mental_health_faq.yaml is what `import` makes of the CSV today."""
    if not EXTERNAL_CSV.is_file():
        pytest.skip("shared/external is not beside the checkout")
    from therapy_faq.importer import to_yaml

    result = import_csv(EXTERNAL_CSV, title="Mental Health FAQ for Chatbot")
    committed = (REPO / "examples" / "mental_health_faq.yaml").read_text(encoding="utf-8")
    assert to_yaml(result, EXTERNAL_CSV) == committed


def test_a_file_name_with_a_line_break_still_gives_loadable_yaml(tmp_path: Path) -> None:
    """The name went raw into the header comment: a newline in it broke the YAML written."""
    csv = tmp_path / "nl\nentries: []\n.csv"
    csv.write_text("question,answer\nIs it ok?,Yes it is.\n", encoding="utf-8")
    out = tmp_path / "out.yaml"
    result = runner.invoke(app, ["import", str(csv), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert [e.id for e in load_faq(out).entries] == ["is-it-ok"]
