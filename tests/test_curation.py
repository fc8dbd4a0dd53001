"""The curation rules `validate` checks, and how a source is cited for a reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from therapy_faq.curation import capitalised, check_entry, check_excerpts
from therapy_faq.errors import FaqError
from therapy_faq.faq import Entry, Faq, Source, load_faq
from therapy_faq.fields import validated

EXCERPT = (
    "One study found that 72 percent of therapists have cried in session. In my experience, "
    "Dr Blume says “it's fine”."
)


def entry(answer: str, excerpt: str | None = EXCERPT, **fields: object) -> Entry:
    return validated(
        Entry,
        {
            "id": "e",
            "question": "Q?",
            "answer": answer,
            "excerpt": excerpt,
            "sources": [{"title": "T", "document": "doc.txt"}],
            **fields,
        },
    )


def rules(answer: str, excerpt: str | None = EXCERPT) -> dict[str, str]:
    return {flag.rule: flag.detail for flag in check_entry(entry(answer, excerpt))}


def test_a_faithful_answer_raises_no_flag() -> None:
    answer = "Yes. One study found that 72 percent of therapists have cried. Dr Blume agrees."
    assert rules(answer) == {}


def test_a_number_or_a_name_the_excerpt_lacks_is_flagged() -> None:
    found = rules("Yes. In a 2013 study, 72 percent had cried, says Dr Smith of the APA.")
    assert found["number not in the excerpt"] == "2013"
    assert found["name not in the excerpt"] == "APA, Smith"


def test_capitals_at_the_start_of_a_sentence_or_an_item_are_not_names() -> None:
    assert capitalised("Yes. Tears: Often. “Quoted words” too.\n- Talk. Learn things.") == []
    assert capitalised("You may ask Anna, or the APA.") == ["Anna", "APA"]


def test_a_first_person_outside_quotation_marks_is_flagged() -> None:
    assert "first person" in rules("In my experience, therapists notice.")
    assert "first person" in rules("Therapists hug me sometimes.")
    assert "first person" in rules("My therapist hugs, says one reader.")
    assert "first person" not in rules("One person says, “I hugged my therapist.”")


@pytest.mark.parametrize("opening", ["Also, ", "But ", "As a result, ", "You also ", "however "])
def test_an_answer_opening_mid_thought_is_flagged(opening: str) -> None:
    assert "opens with a connective" in rules(opening + "therapists cry.")


def test_an_entry_without_an_excerpt_and_a_long_answer_are_flagged() -> None:
    assert "no excerpt" in rules("Yes.", excerpt=None)
    assert rules(" ".join(["word"] * 120))["long"].startswith("120 words")


def test_an_excerpt_must_be_its_documents_words(tmp_path: Path) -> None:
    (tmp_path / "doc.txt").write_text("First part here.\nSecond   part there. Third.", "utf-8")
    faq = Faq(entries=[entry("Yes.", "First part here. […] Third.")])
    assert check_excerpts(faq, tmp_path) == []  # line breaks and spaces aside, cuts marked
    faq = Faq(entries=[entry("Yes.", "First part here. Third.")])  # a cut not marked
    [flag] = check_excerpts(faq, tmp_path)
    assert flag.rule == "excerpt not verbatim" and "First part here. Third." in flag.detail
    assert check_excerpts(faq, tmp_path / "missing")[0].rule == "document not found"


def test_see_also_must_name_other_entries(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(
        "entries:\n"
        "  - {id: hugs, question: A?, answer: A, sources: [{title: T}], see_also: [hug]}\n"
        "  - {id: touch, question: B?, answer: B, sources: [{title: T}], see_also: [touch]}\n",
        encoding="utf-8",
    )
    with pytest.raises(FaqError) as error:
        load_faq(path)
    message = str(error.value)
    assert (
        f"{path}:2: entry 1 (id 'hugs'): see_also names 'hug', which is not an entry "
        "(did you mean 'hugs'?)"
    ) in message
    assert f"{path}:3: entry 2 (id 'touch'): see_also names the entry itself" in message
    with pytest.raises(ValueError, match="see_also names 'hug'"):  # built in code, not a file
        validated(
            Faq,
            {
                "entries": [
                    {
                        "id": "a",
                        "question": "Q?",
                        "answer": "A",
                        "sources": [{"title": "T"}],
                        "see_also": ["hug"],
                    }
                ]
            },
        )


@pytest.mark.parametrize(
    ("fields", "citation"),
    [
        (
            {"title": "Do therapists cry after session?", "kind": "qa-page", "site": "apa.org"},
            "From apa.org, quoted on the Q&A page “Do therapists cry after session?”",
        ),
        (
            {"title": "Quick Answer", "kind": "qa-page"},
            "The Q&A page “Quick Answer”, which names no author",
        ),
        (
            {"title": "Untitled thread", "kind": "forum", "site": "Mindwellnessforum"},
            "Anonymous forum answer, Mindwellnessforum",
        ),
        (
            {"title": "Kicked out", "kind": "blog", "author": "Kristina Cherep"},
            "Blog post “Kicked out” by Kristina Cherep",
        ),
        ({"title": "Untitled article on a session"}, "Untitled article on a session"),
        (
            {"title": "Untitled article on a session", "kind": "article"},
            "Untitled article on a session",  # a description is not quoted as a title
        ),
        ({"title": "Missing a session", "kind": "article"}, "Article “Missing a session”"),
        (
            {"title": "Ethics code", "kind": "professional-body", "site": "apa.org"},
            "“Ethics code”, apa.org (a professional body)",
        ),
    ],
)
def test_a_source_is_cited_as_a_reader_needs_it(fields: dict[str, str], citation: str) -> None:
    source = validated(Source, {**fields, "document": "003_43fa70d23418d425.txt"})
    assert source.citation() == citation
    assert "003_" not in source.citation()  # file names are for `show` and JSON only
    assert source.to_json()["citation"] == citation


def test_a_source_kind_must_be_a_known_one(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(
        "entries:\n  - {id: a, question: Q?, answer: A, sources: [{title: T, kind: magazine}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(FaqError, match="source 1, kind"):
        load_faq(path)
