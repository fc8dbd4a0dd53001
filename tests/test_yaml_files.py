"""Hand-edited YAML files: what PyYAML would accept silently, or crash on, is refused with one line
and exit 3 (issue 14, items 2 and 6). Through the real CLI in a subprocess: a SIGSEGV in the C
composer would show there as a negative return code, not as a failed assertion in this process."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from therapy_faq import yamlfile
from therapy_faq.crisis import load_resources
from therapy_faq.errors import FaqError
from therapy_faq.evaluation import evaluate, load_eval_set
from therapy_faq.faq import load_faq
from therapy_faq.service import Paths, open_assistant
from therapy_faq.settings import crisis_resources_path, default_faq_path

from .conftest import run_module, subprocess_env
from .stub_encoder import StubEncoder
from .test_index import SMALL_FAQ


def validate(path: Path, *extra: str):
    return run_module("validate", str(path), *extra, env=subprocess_env())


def assert_one_line_exit_3(result, *words: str) -> None:
    assert result.returncode == 3, (result.returncode, result.stderr[-500:])
    assert "Traceback" not in result.stderr
    message = " ".join(result.stderr.split())  # Rich wraps it at the terminal's width
    assert message.startswith("error:") and "unexpected" not in message, result.stderr
    for word in words:
        assert word in message


def test_50000_nested_brackets_are_refused_not_a_crash(tmp_path: Path) -> None:
    faq = tmp_path / "faq.yaml"
    faq.write_text("entries: " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    assert_one_line_exit_3(validate(faq), str(faq))


def test_deep_block_nesting_is_refused(tmp_path: Path) -> None:
    faq = tmp_path / "faq.yaml"
    faq.write_text("entries:\n" + "- " * 20_000 + "x\n", encoding="utf-8")
    assert_one_line_exit_3(validate(faq), "nested more than")


def test_a_key_given_twice_is_refused_with_its_line(tmp_path: Path) -> None:
    shipped = default_faq_path().read_text(encoding="utf-8")
    first_answer = shipped.index("    answer:")
    doubled = shipped[:first_answer] + "    answer: a second answer\n" + shipped[first_answer:]
    faq = tmp_path / "faq.yaml"
    faq.write_text(doubled, encoding="utf-8")
    line = doubled[: doubled.index("    answer:", first_answer + 10)].count("\n") + 1
    assert_one_line_exit_3(validate(faq), "'answer' is given twice", f"line {line}")


def test_a_second_entries_key_does_not_drop_the_first(tmp_path: Path) -> None:
    faq = tmp_path / "faq.yaml"
    faq.write_text(default_faq_path().read_text(encoding="utf-8") + "entries: []\n")
    assert_one_line_exit_3(validate(faq), "'entries' is given twice")


def test_an_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 12):
        aliases = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{aliases}]")
    faq = tmp_path / "faq.yaml"
    faq.write_text("\n".join(lines) + "\nentries: []\n", encoding="utf-8")
    started = time.perf_counter()
    result = validate(faq)
    assert time.perf_counter() - started < 30  # 9**12 nodes if expanded: this would never end
    assert_one_line_exit_3(result, "aliases expand it")


def test_a_crisis_file_with_a_duplicate_key_is_refused(tmp_path: Path) -> None:
    shipped = crisis_resources_path().read_text(encoding="utf-8")
    bad = tmp_path / "crisis.yaml"
    bad.write_text(shipped + "disclaimer: a second one\n", encoding="utf-8")
    with pytest.raises(FaqError, match="'disclaimer' is given twice"):
        load_resources(bad)
    assert_one_line_exit_3(validate(default_faq_path(), "--crisis", str(bad)), "given twice")


def test_the_shipped_files_and_their_anchors_still_load() -> None:
    faq = load_faq(default_faq_path())
    assert len(faq.entries) >= 40
    assert all(entry.sources for entry in faq.entries)  # the sources are shared by anchors
    load_resources(crisis_resources_path())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("base: &b {k: 1}\nuse:\n  <<: *b\n  j: 2\n", {"base": {"k": 1}, "use": {"k": 1, "j": 2}}),
        ("a: &x [1, 2]\nb: *x\n", {"a": [1, 2], "b": [1, 2]}),
        ("- {a: 1}\n- {a: 2}\n", [{"a": 1}, {"a": 2}]),  # the same key in two mappings
    ],
)
def test_merge_keys_aliases_and_repeated_keys_across_mappings_are_fine(text, expected) -> None:
    assert yamlfile.load(text) == expected


def test_an_invalid_evaluation_set_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("in_scope: 5\n", encoding="utf-8")
    with pytest.raises(FaqError) as caught:
        load_eval_set(path)
    assert "\n" not in str(caught.value) and "pydantic.dev" not in str(caught.value)


def test_an_expected_id_the_faq_lacks_is_an_error_not_a_miss(tmp_path: Path) -> None:
    """A typo in `expected` was silently counted as a wrong answer."""
    faq = tmp_path / "faq.yaml"
    faq.write_text(SMALL_FAQ, encoding="utf-8")
    assistant = open_assistant(Paths(faq, tmp_path / "index"), StubEncoder())
    path = tmp_path / "set.yaml"
    path.write_text("in_scope:\n  - {text: cry, expected: [no-such-entry]}\n", encoding="utf-8")
    with pytest.raises(FaqError, match="no-such-entry"):
        evaluate(assistant, [load_eval_set(path)])


@pytest.mark.parametrize("kind", ["faq", "crisis"])
def test_an_impossible_date_is_a_line_of_the_file_not_an_unexpected_error(
    tmp_path: Path, kind: str
) -> None:
    """The seventh hostile pass: `last_checked: 2026-11-31` (unquoted) was exit 1."""
    if kind == "crisis":
        path = tmp_path / "crisis.yaml"
        text = crisis_resources_path().read_text(encoding="utf-8")
        path.write_text(
            re.sub(r"(?m)^last_checked: .*$", "last_checked: 2026-11-31", text), encoding="utf-8"
        )
        args = ["validate", "--crisis", str(path)]
    else:
        path = tmp_path / "faq.yaml"
        path.write_text(
            "entries:\n  - id: x\n    question: When?\n    answer: 2026-02-30\n", encoding="utf-8"
        )
        args = ["validate", str(path)]
    result = run_module(*args, env=subprocess_env())
    assert result.returncode == 3, result.stderr
    assert "not a valid date" in result.stderr and "Traceback" not in result.stderr
