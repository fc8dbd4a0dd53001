"""The FAQ file: the shipped one is complete and valid; broken ones are reported in full."""

from __future__ import annotations

from pathlib import Path

import pytest

from therapy_faq.curation import check_excerpts, check_faq
from therapy_faq.errors import FaqError
from therapy_faq.faq import load_faq, unwrap

from .conftest import SEEDS


def source_wordings(faq) -> set[str]:
    wordings = {entry.question for entry in faq.entries}
    return wordings | {s.question for e in faq.entries for s in e.sources if s.question}


def seed_questions(name: str, skip: set[str]) -> list[str]:
    """Question lines of a Q&A seed: lines ending in '?', less the title and in-answer headings."""
    lines = (SEEDS / name).read_text(encoding="utf-8").splitlines()
    return [
        line.strip() for line in lines if line.strip().endswith("?") and line.strip() not in skip
    ]


def test_shipped_faq_is_valid(shipped_faq: Path) -> None:
    faq = load_faq(shipped_faq)
    assert len(faq.entries) == 49  # 46 questions of the sources; three split for sensitive parts
    assert all(entry.sources for entry in faq.entries)
    documents = {s.document for e in faq.entries for s in e.sources}
    assert documents == {path.name for path in SEEDS.glob("0*.txt")}
    assert len(documents) == 5


def test_every_seed_question_is_curated(shipped_faq: Path) -> None:
    """Every question of the two Q&A pages is an entry's question, or the source's own wording
    of a retitled one, and that entry cites the page."""
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


def test_shipped_answers_follow_the_curation_rules(shipped_faq: Path) -> None:
    """Every entry has an excerpt that is its document's own words, and an answer with no
    number or name the excerpt lacks, no stranger's first person and no mid-thought opening."""
    faq = load_faq(shipped_faq)
    assert check_faq(faq) == []
    assert check_excerpts(faq, SEEDS) == []
    for entry in faq.entries:
        assert "Takedown" not in entry.answer and "…" not in entry.answer
        assert "More items" not in entry.answer and "View complete answer" not in entry.answer
        assert entry.answer != entry.excerpt  # edited for the reader, not pasted


def test_sensitive_material_is_reached_by_its_own_questions(shipped_faq: Path) -> None:
    """Sexual attraction and the limits of confidentiality live in entries of their own, which
    keep no innocent wording: "do therapists feel connected" reaches friendship, not desire."""
    faq = load_faq(shipped_faq)
    connected = faq.by_id["therapists-feel-connected"]
    assert "sexual" not in connected.answer and "attract" not in " ".join(connected.phrasings())
    attracted = faq.by_id["therapists-attracted-to-clients"]
    assert "sexually attracted" in attracted.answer
    assert [s.question for s in attracted.sources] == [None]  # not the innocent page question
    limits = faq.by_id["therapist-confidentiality-limits"]
    assert "confidential" in limits.answer and [s.question for s in limits.sources] == [None]
    assert "confidential" not in faq.by_id["what-not-to-tell-your-therapist"].answer
    for entry in faq.entries:  # a pointer is a pair: each side can be reached from the other
        assert all(other in faq.by_id for other in entry.see_also)
    assert "friends-after-therapy" in faq.by_id["friends-during-therapy"].see_also


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
    file = str(path)
    # every problem at once, duplicates included, each with its line, in plain words
    assert message.startswith(f"{file}: 7 problems in the FAQ:")
    assert f"{file}:5: entry 1 (id 'a'): 'anwser' is not a known key (did you mean 'answer'?)" in (
        message
    )
    assert f"{file}:3: entry 1 (id 'a'): answer is missing" in message
    assert f"{file}:9: entry 2 (id 'a'): answer is empty" in message
    assert f"{file}:10: entry 2 (id 'a'): sources needs at least one item" in message
    assert f"{file}:11: entry 3: id is missing" in message
    assert f"{file}:13: entry 3: source 1, url 'not-a-url' is not a web address" in message
    assert f"{file}:3: the id 'a' is used by entry 1 (line 3) and entry 2 (line 7)" in message
    assert "String should" not in message and "pattern" not in message


def test_a_bad_id_gets_a_valid_one_suggested(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'entries:\n  - {id: "Crying In Session", question: Q?, answer: A, sources: [{title: T}]}\n',
    )
    with pytest.raises(FaqError, match=r"not a valid id.*try 'crying-in-session'"):
        load_faq(path)


def test_duplicate_ids_and_questions(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
entries:
  - {id: a, question: "Same?", answer: A, sources: [{title: T, document: d}]}
  - {id: a, question: "same?", answer: B, sources: [{title: T, document: d}]}
""",
    )
    with pytest.raises(FaqError) as caught:
        load_faq(path)
    assert "the id 'a' is used by entry 1 (line 3) and entry 2 (line 4)" in str(caught.value)
    assert "the question 'same?' is used by entry 1" in str(caught.value)


def test_a_source_needs_only_a_title(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "entries:\n  - {id: a, question: Q?, answer: A, sources: [{title: A book on therapy}]}\n",
    )
    assert load_faq(path).entries[0].sources[0].document is None


@pytest.mark.parametrize(
    ("text", "words", "quoted"),
    [
        ('entries:\n  - id: a\n    question: "unclosed\n', "quotation mark opened here", 3),
        ("entries:\n  - {id: a, question: [x, y\n", "bracket opened here", 2),
        ("entries:\n  - id: a\n    question: what: now\n", "put this text in quotes", 3),
        ("entries:\n  - id: a\n    question: x\n   answer: y\n", "indentation", 4),
    ],
)
def test_yaml_syntax_errors_are_plain_and_quote_the_line_with_a_caret(
    tmp_path: Path, text: str, words: str, quoted: int
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(FaqError) as caught:
        load_faq(path)
    header, line, caret = str(caught.value).splitlines()
    assert header.startswith(f"{path}:{quoted}:") and "YAML syntax error" in header
    assert words in header and "scalar" not in header
    assert line.startswith(f"  {quoted} | ") and line[6:] == text.splitlines()[quoted - 1]
    column = int(header.split(":")[2])
    assert caret.index("^") - 6 == column - 1


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FaqError, match="not found"):
        load_faq(tmp_path / "nope.yaml")


def test_unwrap_joins_wrapped_lines_and_keeps_lists() -> None:
    text = "One line\ncontinued.\n\nList:\n- a\n  more a\n1. b\n"
    assert unwrap(text) == "One line continued.\n\nList:\n- a more a\n1. b"
