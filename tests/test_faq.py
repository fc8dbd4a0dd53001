"""The FAQ file: the shipped one is complete and valid; broken ones are reported in full."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from therapy_faq.errors import FaqError
from therapy_faq.faq import load_faq, unwrap

from .conftest import SEEDS


def source_wordings(faq) -> set[str]:
    return {
        w
        for entry in faq.entries
        for w in [entry.question] + [s.question for s in entry.sources]
        if w
    }


def seed_questions(name: str, skip: set[str]) -> list[str]:
    """Question lines of a Q&A seed: lines ending in '?', less the title and in-answer headings."""
    lines = (SEEDS / name).read_text(encoding="utf-8").splitlines()
    return [
        line.strip() for line in lines if line.strip().endswith("?") and line.strip() not in skip
    ]


def test_shipped_faq_is_valid(shipped_faq: Path) -> None:
    faq = load_faq(shipped_faq)
    assert len(faq.entries) == 46
    assert all(entry.sources for entry in faq.entries)
    documents = {s.document for e in faq.entries for s in e.sources}
    assert documents == {
        "000_5e628d48e8febd24.txt",
        "001_41d5a53685653430.txt",
        "002_3336213553c620b9.txt",
        "003_43fa70d23418d425.txt",
        "004_07a2c1a8c54e1dab.txt",
    }


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds is not beside the checkout")
def test_every_seed_question_is_curated(shipped_faq: Path) -> None:
    faq = load_faq(shipped_faq)
    wordings = source_wordings(faq)
    q001 = seed_questions(
        "001_41d5a53685653430.txt", {"Quick Answer: Is It Okay To Cry In Therapy?"}
    )
    q003 = seed_questions("003_43fa70d23418d425.txt", {"What Happens in Therapy?"})
    assert (len(q001), len(q003)) == (18, 25)
    assert sorted(set(q001 + q003) - wordings) == []
    cited = {(s.document, e.id) for e in faq.entries for s in e.sources}
    for question in q001 + q003:
        entry = next(
            e for e in faq.entries if question in {e.question, *(s.question for s in e.sources)}
        )
        doc = "001_41d5a53685653430.txt" if question in q001 else "003_43fa70d23418d425.txt"
        assert (doc, entry.id) in cited, f"{entry.id} does not cite {doc}"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds is not beside the checkout")
def test_answers_are_clean_and_keep_source_text(shipped_faq: Path) -> None:
    faq = load_faq(shipped_faq)
    for entry in faq.entries:
        assert "Takedown" not in entry.answer and "…" not in entry.answer
        assert "More items" not in entry.answer and "View complete answer" not in entry.answer
    seed = re.sub(r"\s+", " ", (SEEDS / "003_43fa70d23418d425.txt").read_text(encoding="utf-8"))
    # An answer taken from a Q&A page keeps the source's sentences.
    assert faq.by_id["therapists-grieve-clients"].answer in seed


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "faq.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_all_schema_problems_are_reported_together(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
entries:
  - id: a
    question: Q one?
    anwser: typo
    sources: [{title: T, document: d.txt}]
  - id: a
    question: Q two?
    answer: "   "
    sources: []
  - question: Q three?
    answer: A
    sources: [{title: T, document: d.txt, url: not-a-url}]
""",
    )
    with pytest.raises(FaqError) as caught:
        load_faq(path)
    message = str(caught.value)
    assert "entry 1 (id 'a'): field 'anwser': unknown key" in message
    assert "entry 1 (id 'a'): field 'answer'" in message
    assert "entry 2 (id 'a'): field 'answer'" in message
    assert "entry 2 (id 'a'): field 'sources'" in message
    assert "entry 3: field 'id'" in message
    assert "entry 3: field 'sources.0.url'" in message


def test_duplicate_ids_and_questions(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
entries:
  - {id: a, question: "Same?", answer: A, sources: [{title: T, document: d}]}
  - {id: a, question: "same?", answer: B, sources: [{title: T, document: d}]}
""",
    )
    with pytest.raises(FaqError, match=r"duplicate id 'a'.*duplicate question 'same\?'"):
        load_faq(path)


def test_yaml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "entries:\n  - id: a\n    question: [unclosed\n")
    with pytest.raises(FaqError, match=re.escape(str(path)) + r":\d+:\d+: YAML syntax error"):
        load_faq(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FaqError, match="not found"):
        load_faq(tmp_path / "nope.yaml")


def test_unwrap_joins_wrapped_lines_and_keeps_lists() -> None:
    text = "One line\ncontinued.\n\nList:\n- a\n  more a\n1. b\n"
    assert unwrap(text) == "One line continued.\n\nList:\n- a more a\n1. b"
