"""Wordings in other languages: the schema, the index rows, and the rule that an English
question is scored exactly as if there were none (stand-in encoder: pure logic). Whether they
find the right entry for real questions is tested with the real model at the end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from therapy_faq.errors import FaqError
from therapy_faq.faq import load_faq
from therapy_faq.index import BM25_FOREIGN_DIR, FOREIGN, load_index
from therapy_faq.language import ENGLISH, detected_language
from therapy_faq.lexical import Bm25Scorer, build_bm25, character_pairs
from therapy_faq.retrieval import DEFAULT_SCORING
from therapy_faq.service import Paths, build, open_assistant

from .stub_encoder import StubEncoder

ENGLISH_ONLY = """
entries:
  - id: crying
    question: Is it OK to cry in therapy?
    answer: Yes, it helps.
    alternates: [tears during a session]
    sources: [{title: T, document: a.txt}]
  - id: hugs
    question: Can I hug my therapist?
    answer: Ask first.
    sources: [{title: T, document: b.txt}]
"""

WITH_OTHER_LANGUAGES = """
entries:
  - id: crying
    question: Is it OK to cry in therapy?
    answer: Yes, it helps.
    alternates: [tears during a session]
    other_languages:
      es: ["¿Está bien llorar en terapia?", "llorar con la psicóloga"]
      de: [Darf ich in der Therapie weinen?]
    sources: [{title: T, document: a.txt}]
  - id: hugs
    question: Can I hug my therapist?
    answer: Ask first.
    other_languages:
      es: [¿Puedo abrazar a mi terapeuta?]
    sources: [{title: T, document: b.txt}]
"""


def _paths(tmp_path: Path, name: str, text: str) -> Paths:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "faq.yaml").write_text(text, encoding="utf-8")
    return Paths(faq=folder / "faq.yaml", index=folder / "index")


def test_wordings_in_other_languages_are_rows_of_their_own_kind(tmp_path: Path) -> None:
    paths = _paths(tmp_path, "faq", WITH_OTHER_LANGUAGES)
    build(paths, StubEncoder())
    index = load_index(paths.index)
    assert list(index.row_kinds) == [0, 1, FOREIGN, FOREIGN, FOREIGN, 2, 0, FOREIGN, 2]
    assert (paths.index / BM25_FOREIGN_DIR).is_dir()
    faq = load_faq(paths.faq)
    assert faq.by_id["crying"].foreign_phrasings() == [
        "¿Está bien llorar en terapia?",
        "llorar con la psicóloga",
        "Darf ich in der Therapie weinen?",
    ]


def test_an_faq_without_them_has_no_foreign_lexical_index(tmp_path: Path) -> None:
    paths = _paths(tmp_path, "faq", ENGLISH_ONLY)
    build(paths, StubEncoder())
    assert not (paths.index / BM25_FOREIGN_DIR).exists()
    assert not open_assistant(paths, StubEncoder()).retriever.has_foreign


@pytest.mark.parametrize(
    ("languages", "problem"),
    [
        ("{en: [Can I cry?]}", r"id 'hugs'\): the entry lists English under other_languages"),
        ("{Spanish: [¿Puedo llorar?]}", "other_languages 'Spanish' is not a language code"),
        ("{es: ¿Puedo llorar?}", "other_languages, es should be a list, not text"),
    ],
)
def test_a_wrong_language_block_is_one_clear_error(
    tmp_path: Path, languages: str, problem: str
) -> None:
    faq = tmp_path / "faq.yaml"
    faq.write_text(ENGLISH_ONLY + f"    other_languages: {languages}\n", encoding="utf-8")
    with pytest.raises(FaqError, match=problem):
        load_faq(faq)


def test_english_questions_score_exactly_as_without_other_languages(tmp_path: Path) -> None:
    """The classifier is trained on English rows only, and foreign rows and their BM25 are
    read only for a question read as foreign: English scores do not move at all."""
    plain = _paths(tmp_path, "plain", ENGLISH_ONLY)
    mixed = _paths(tmp_path, "mixed", WITH_OTHER_LANGUAGES)
    build(plain, StubEncoder())
    build(mixed, StubEncoder())
    assert np.array_equal(
        np.load(plain.index / "classifier.npy"), np.load(mixed.index / "classifier.npy")
    )
    before = open_assistant(plain, StubEncoder())
    after = open_assistant(mixed, StubEncoder())
    for question in ["is it ok to cry in therapy", "can i hug my therapist", "tears session"]:
        vector = after.encoder.encode([question])[0]
        assert not after.retriever.reads_foreign(vector, None)
        assert after.reply(question).to_json() == before.reply(question).to_json()


def test_a_question_closest_to_a_foreign_wording_is_read_in_that_language(
    tmp_path: Path,
) -> None:
    paths = _paths(tmp_path, "faq", WITH_OTHER_LANGUAGES)
    build(paths, StubEncoder())
    assistant = open_assistant(paths, StubEncoder())
    retriever = assistant.retriever
    vector = assistant.encoder.encode(["puedo abrazar a mi terapeuta"])[0]
    assert retriever.reads_foreign(vector, None)
    assert retriever.reads_foreign(vector, "es")
    assert retriever.reads_foreign(vector, ENGLISH)  # far closer to Spanish: the detector loses
    english = assistant.encoder.encode(["can i hug my therapist"])[0]
    assert not retriever.reads_foreign(english, None)
    assert assistant.rank("puedo abrazar a mi terapeuta", 2)[0].entry.id == "hugs"
    reply = assistant.reply("¿Puedo abrazar a mi terapeuta?")
    best = reply.answer or reply.alternatives[0]  # answered or offered, the entry is the same
    assert best.entry.id == "hugs"
    # Accents folded in the lexical index: "psicologa" finds "psicóloga".
    signals = retriever.signals(
        vector, retriever.bm25.scores("psicologa"), foreign=True, query="psicologa"
    )
    assert signals.foreign_bm25 is not None
    assert signals.foreign_bm25[0] > 0 and signals.foreign_bm25[1] == 0


def test_a_question_in_another_language_needs_its_own_score_and_lead() -> None:
    scoring = DEFAULT_SCORING
    floor, lead = scoring.foreign_min_score, scoring.foreign_min_margin
    assert lead > scoring.min_margin  # the lead, not the score, tells right from wrong there
    assert scoring.accepts(floor, None, foreign=True)
    assert scoring.accepts(floor, floor - lead - 1e-9, foreign=True)
    assert not scoring.accepts(floor, floor - lead / 2, foreign=True)
    assert not scoring.accepts(floor - 0.01, None, foreign=True)
    # An English question with the same scores is judged by the English rule.
    assert scoring.accepts(scoring.min_score, scoring.min_score - lead / 2)


def test_one_in_a_script_the_model_cannot_read_needs_a_higher_score_and_lead_still() -> None:
    scoring = DEFAULT_SCORING
    assert scoring.unread_min_score > scoring.foreign_min_score
    assert scoring.unread_min_margin > scoring.foreign_min_margin
    between = (scoring.foreign_min_score + scoring.unread_min_score) / 2
    assert scoring.accepts(between, None, foreign=True)
    assert not scoring.accepts(between, None, foreign=True, unread=True)
    floor, lead = scoring.unread_min_score, scoring.unread_min_margin
    assert scoring.accepts(floor, floor - lead - 1e-9, foreign=True, unread=True)
    assert not scoring.accepts(floor, floor - (lead + scoring.foreign_min_margin) / 2, True, True)
    # Only a question read as foreign: an unread script alone changes nothing.
    assert scoring.accepts(scoring.min_score, None, unread=True)


def test_chinese_japanese_and_thai_are_read_in_pairs_of_characters() -> None:
    assert character_pairs("咨询师会哭吗") == " 咨询 询师 师会 会哭 哭吗 "
    assert character_pairs("ok 泣") == "ok  泣 "
    # Thai is written without spaces too; its vowel and tone marks would split a pair.
    assert character_pairs("ร้องไห้") == " รอ อง งไ ไห "
    assert character_pairs("Is it OK?") == "Is it OK?"


def test_a_chinese_question_shares_words_with_the_wording_it_paraphrases(
    tmp_path: Path,
) -> None:
    """Without the pairs a sentence with no spaces is one word, shared with no wording."""
    build_bm25(["在咨询时哭是正常的吗", "可以拥抱我的咨询师吗"], tmp_path, english=False)
    scores = Bm25Scorer(tmp_path).scores("我在咨询的时候一直哭，正常吗？")
    assert scores[0] > scores[1] > 0  # "咨询" is in both; "正常" only in the first


def test_a_foreign_question_is_not_spell_corrected_into_english(tmp_path: Path) -> None:
    paths = _paths(tmp_path, "faq", WITH_OTHER_LANGUAGES)
    build(paths, StubEncoder())
    assistant = open_assistant(paths, StubEncoder())
    # "Therapie" is one edit from the FAQ's "therapy": corrected, the question would lose the
    # German word its German wording shares.
    reply = assistant.reply("Darf ich in der Therapie weinen, bitte?")
    assert reply.answer is not None and reply.answer.entry.id == "crying"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Is it normal to cry in every single therapy session I have?", ENGLISH),
        ("Mag mijn therapeut mij een knuffel geven? Ik weet niet of dat mag.", "nl"),
        ("hug", None),  # too short to be sure
        ("", None),
        ("\ud800 lone surrogate", None),
    ],
)
def test_the_detector_answers_only_when_it_is_sure(text: str, expected: str | None) -> None:
    assert detected_language(text) == expected


@pytest.mark.model
@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        (
            "Ano ang mangyayari kapag hindi ako nakapunta sa session ko?",
            "missing-a-session-consequences",
        ),
        ("Mi terapeuta se queda callado cuando no hablo, ¿por qué?", "silence-in-therapy"),
        ("Je suis tombée amoureuse de mon psy, c'est normal ?", "falling-in-love-with-therapist"),
    ],
)
def test_real_questions_in_other_languages_find_their_entry(
    real_assistant, question: str, entry_id: str
) -> None:
    reply = real_assistant.reply(question)
    assert reply.status == "answered"
    assert reply.answer.entry.id == entry_id


HUGS = {"hugging-your-therapist", "wanting-to-hug-your-therapist", "asking-for-a-hug"}


@pytest.mark.model
def test_one_without_a_lead_is_refused_with_its_closest_entries_listed(real_assistant) -> None:
    """The three entries on hugs score within `foreign_min_margin` of each other for this
    German question: it is not answered, and they are listed as the closest questions. No
    "did you mean" is offered for a question read as another language's."""
    reply = real_assistant.reply("Kann ich meine Therapeutin am Ende der Stunde umarmen?")
    assert reply.status == "no_match" and reply.foreign
    assert reply.suggestion is None
    assert {m.entry.id for m in reply.alternatives} == HUGS


def test_only_an_english_question_is_offered_did_you_mean() -> None:
    scoring = DEFAULT_SCORING
    assert scoring.suggests(scoring.suggest_score)
    assert not scoring.suggests(scoring.suggest_score - 0.01)
    assert not scoring.suggests(scoring.min_score, foreign=True)


@pytest.mark.model
def test_one_with_a_lead_is_answered(real_assistant) -> None:
    """Polish, a hug when saying goodbye: one entry on hugs leads the others."""
    reply = real_assistant.reply("Czy mogę przytulić moją terapeutkę na pożegnanie?")
    assert reply.status == "answered" and reply.answer.entry.id in HUGS
    assert reply.foreign


@pytest.mark.model
@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("做心理咨询的时候哭是不是很丢人？", "crying-in-session"),
        ("kya therapist ko hug karna theek hai?", "asking-for-a-hug"),
    ],
)
def test_questions_in_other_scripts_find_their_entry(
    real_assistant, question: str, entry_id: str
) -> None:
    """Chinese is nothing but unknown word pieces to the model: the wordings in Chinese and
    their pairs of characters find the entry."""
    reply = real_assistant.reply(question)
    assert reply.status == "answered" and reply.answer.entry.id == entry_id


@pytest.mark.model
@pytest.mark.parametrize("question", ["附近哪里有好吃的火锅店？", "Какая завтра погода в Москве?"])
def test_questions_in_other_scripts_the_faq_does_not_answer_are_refused(
    real_assistant, question: str
) -> None:
    reply = real_assistant.reply(question)
    assert reply.status == "no_match" and reply.suggestion is None


@pytest.mark.model
def test_real_english_questions_are_never_read_as_foreign(real_assistant) -> None:
    """The shipped FAQ's own English wordings and a few short questions stay English."""
    retriever = real_assistant.retriever
    faq = real_assistant.faq
    questions = [w for entry in faq.entries for w in entry.phrasings()]
    questions += ["hug", "lying in therapy", "silence in therapy", "tears = breakthrough?"]
    vectors = real_assistant.encoder.encode(questions)
    read_foreign = [
        q
        for q, v in zip(questions, vectors, strict=True)
        if retriever.reads_foreign(v, detected_language(q))
    ]
    assert read_foreign == []
    # An English question the FAQ does not answer may be read as foreign: it is refused anyway.
    assert real_assistant.reply("what is CBT").status == "no_match"


@pytest.mark.model
def test_a_misspelt_english_question_close_to_a_foreign_wording_is_read_in_english(
    real_assistant,
) -> None:
    """Misspelt, it sits closer to a wording in another language than to any English one;
    corrected, it does not, and it is answered as an English question: as its correct
    spelling is (a near tie between what happens in therapy and what therapists keep to
    themselves)."""
    question = "what do thearpists acrually do"
    vector = real_assistant.encoder.encode([question])[0]
    assert real_assistant.retriever.reads_foreign(vector, detected_language(question))
    reply = real_assistant.reply(question)
    spelt = real_assistant.reply("what do therapists actually do")
    assert reply.status == spelt.status == "answered" and not reply.foreign
    assert reply.answer.entry.id == spelt.answer.entry.id


@pytest.mark.model
def test_a_question_in_another_language_is_told_the_answers_are_in_english(
    real_assistant,
) -> None:
    from rich.console import Console

    from therapy_faq.render import reply_view

    def shown(question: str) -> str:
        console = Console(width=100, record=True, color_system=None)
        console.print(reply_view(real_assistant.reply(question)))
        return console.export_text()

    note = "This FAQ's answers are in English."
    spanish = shown("Mi terapeuta se queda callado cuando no hablo, ¿por qué?")
    assert note in spanish and "silence" in spanish.lower()
    assert note not in shown("Why is my therapist so quiet when I stop talking?")
