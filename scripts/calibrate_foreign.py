#!/usr/bin/env python3
"""Choose the score, and the lead over the runner-up, from which a question in another
language is answered.

    python scripts/calibrate_foreign.py [--faq FILE] [--index DIR]

Collects the labelled ordinary questions of eval/crisis_heldout*.yaml (those with `expected`)
that CLD2 reliably reads as English or as another language in Latin letters, and those written
in a script the model cannot read (`safety.unread_script`: Chinese, Cyrillic...): sets 1 to 16
choose, sets 17 to 20 only check (later sets are held out: not read here). Each question is
ranked once; each candidate pair (minimum score, minimum lead) then decides, by
`Scoring.accepts` itself, which get the right entry, a wrong one, or no answer. The rule
(README "Questions in other languages"): among the pairs whose answers to questions in other
languages are wrong no more often than the answers to English questions (at the shipped
English setting), the one with the most right answers on sets 1 to 16, then the fewest wrong,
then the strictest; the same for the scripts the model cannot read, with its own pair. Also
prints the development sets eval/dev/foreign_dev.yaml, which chose the weight of BM25 over the
wordings in other languages, and eval/dev/scripts_dev.yaml, with their out-of-scope questions
answered. Changes nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from therapy_faq.evaluation import load_eval_set  # noqa: E402
from therapy_faq.language import ENGLISH, detected_language  # noqa: E402
from therapy_faq.retrieval import DEFAULT_SCORING  # noqa: E402
from therapy_faq.safety import unread_script  # noqa: E402
from therapy_faq.service import Paths, open_assistant  # noqa: E402
from therapy_faq.settings import resolve_faq_path, resolve_index_dir  # noqa: E402

LATIN_LANGUAGES = {"es", "pt", "fr", "de", "it", "nl", "tl", "pl", "tr", "id", "vi", "sw", "ms"}
FLOORS = [round(0.36 + 0.01 * i, 2) for i in range(17)]  # 0.36 to 0.52
MARGINS = [0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06]
CHOOSING_SETS = 16  # sets 1 to 16 choose; later ones check
LAST_CHECKING_SET = 20  # sets from 21 on are held out: measured by `therapy-faq eval` alone


def labelled_questions() -> dict[tuple[str, str], list[tuple[str, list[str]]]]:
    """(language group, set range) -> [(question, expected entries)]."""
    groups: dict[tuple[str, str], list[tuple[str, list[str]]]] = {}
    for path in sorted((REPO / "eval").glob("crisis_heldout*.yaml")):
        number = re.fullmatch(r"crisis_heldout(\d*)", path.stem)
        if number is None:
            continue  # the sets in other scripts
        first = int(number.group(1) or 1)
        if first > LAST_CHECKING_SET:
            continue
        span = (
            f"sets 1-{CHOOSING_SETS}"
            if first <= CHOOSING_SETS
            else f"sets {CHOOSING_SETS + 1}-{LAST_CHECKING_SET}"
        )
        for item in load_eval_set(path).ordinary:
            if not item.expected:
                continue
            language = detected_language(item.text)
            group = (
                "unread"
                if unread_script(item.text)
                else "English"
                if language == ENGLISH
                else "other"
                if language in LATIN_LANGUAGES
                else None
            )
            if group:
                groups.setdefault((group, span), []).append((item.text, list(item.expected)))
    return groups


def counts(assistant, questions: list[tuple[str, list[str]]]) -> tuple[int, int, int]:
    """Right, wrong and unanswered replies (`[]` expected: any answer is wrong)."""
    replies = assistant.replies([text for text, _ in questions])
    right = wrong = 0
    for reply, (_, expected) in zip(replies, questions, strict=True):
        if reply.status == "answered":
            right += reply.answer.entry.id in expected
            wrong += reply.answer.entry.id not in expected
    return right, wrong, len(questions) - right - wrong


def assistant_from_arguments(description: str):
    """The assistant of `--faq` and `--index` (the shipped FAQ and its index by default)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--faq", type=Path, default=None)
    parser.add_argument("--index", type=Path, default=None)
    args = parser.parse_args()
    faq = resolve_faq_path(args.faq)
    return open_assistant(Paths(faq=faq, index=resolve_index_dir(faq, args.index)))


Question = tuple[str, list[str]]  # text, the entries that answer it ([]: none does)


@dataclasses.dataclass(frozen=True)
class Ranked:
    """One question's best entry, ranked with every floor and lead at zero."""

    right: bool | None  # None: no entry is offered (urgent, or a topic the FAQ leaves to others)
    score: float
    runner_up: float | None
    foreign: bool
    unread: bool


def ranked(assistant, questions: list[Question]) -> list[Ranked]:
    """Each question's best entry and scores, from one pass of `assistant.replies`."""
    shipped = assistant.retriever.scoring
    assistant.retriever.scoring = dataclasses.replace(
        shipped,
        min_score=0.0,
        min_margin=0.0,
        foreign_min_score=0.0,
        foreign_min_margin=0.0,
        unread_min_score=0.0,
        unread_min_margin=0.0,
    )
    try:
        replies = assistant.replies([text for text, _ in questions])
    finally:
        assistant.retriever.scoring = shipped
    rows = []
    for reply, (text, expected) in zip(replies, questions, strict=True):
        answer = reply.answer
        rows.append(
            Ranked(
                None if answer is None else answer.entry.id in expected,
                0.0 if answer is None else answer.score,
                reply.alternatives[0].score if reply.alternatives else None,
                reply.foreign,
                reply.foreign and unread_script(text),
            )
        )
    return rows


def tally(rows: list[Ranked], scoring) -> tuple[int, int, int]:
    """Right, wrong and unanswered questions under `scoring`'s rule."""
    answered = [
        row.right
        for row in rows
        if row.right is not None
        and scoring.accepts(row.score, row.runner_up, row.foreign, row.unread)
    ]
    right = sum(answered)
    return right, len(answered) - right, len(rows) - len(answered)


def with_pair(group: str, floor: float, margin: float):
    if group == "unread":
        return dataclasses.replace(
            DEFAULT_SCORING, unread_min_score=floor, unread_min_margin=margin
        )
    return dataclasses.replace(DEFAULT_SCORING, foreign_min_score=floor, foreign_min_margin=margin)


def main() -> None:
    assistant = assistant_from_arguments(__doc__.splitlines()[0])
    groups = labelled_questions()
    choosing, checking = f"sets 1-{CHOOSING_SETS}", f"sets {CHOOSING_SETS + 1}-{LAST_CHECKING_SET}"
    right, wrong, none = counts(assistant, groups[("English", choosing)])
    english_share = wrong / (right + wrong)
    print(
        f"English questions, {choosing} ({right + wrong + none}): right {right}, wrong {wrong}, "
        f"none {none}; wrong share of answers {english_share:.3f}"
    )
    devs = {}
    for name in ("foreign_dev", "scripts_dev"):
        dev = load_eval_set(REPO / "eval" / "dev" / f"{name}.yaml")
        devs[name] = (
            ranked(assistant, [(q.text, list(q.expected)) for q in dev.in_scope]),
            ranked(assistant, [(text, []) for text in dev.out_of_scope]),
        )
    for group, name, dev in (
        ("other", "in other languages (Latin letters)", "foreign_dev"),
        ("unread", "in scripts the model cannot read", "scripts_dev"),
    ):
        rows = {span: ranked(assistant, groups[(group, span)]) for span in (choosing, checking)}
        results = {}
        for floor in FLOORS:
            for margin in MARGINS:
                scoring = with_pair(group, floor, margin)
                results[(floor, margin)] = tally(rows[choosing], scoring)
        admissible = [
            pair for pair, (r, w, _) in results.items() if r + w and w / (r + w) <= english_share
        ]
        chosen = max(admissible, key=lambda p: (results[p][0], -results[p][1], p))
        shipped = (
            (DEFAULT_SCORING.unread_min_score, DEFAULT_SCORING.unread_min_margin)
            if group == "unread"
            else (DEFAULT_SCORING.foreign_min_score, DEFAULT_SCORING.foreign_min_margin)
        )
        best = sorted(admissible, key=lambda p: (-results[p][0], results[p][1], p))[:5]
        print(f"\nQuestions {name}. right / wrong / none; development set: out of scope answered")
        print(
            f"score, lead | {choosing} ({len(rows[choosing])}) | {checking} (check, "
            f"{len(rows[checking])}) | {dev} ({len(devs[dev][0])}) | out of scope "
            f"({len(devs[dev][1])})"
        )
        for pair in dict.fromkeys([*best, chosen, shipped]):
            scoring = with_pair(group, *pair)
            cells = [
                tally(rows[choosing], scoring),
                tally(rows[checking], scoring),
                tally(devs[dev][0], scoring),
            ]
            outside = len(devs[dev][1]) - tally(devs[dev][1], scoring)[2]
            marks = " (rule)" * (pair == chosen) + " (shipped)" * (pair == shipped)
            print(
                f"{pair[0]:.2f}, {pair[1]:.2f}{marks} | "
                + " | ".join(" / ".join(map(str, c)) for c in cells)
                + f" | {outside}"
            )
        print(f"rule: score {chosen[0]:.2f}, lead {chosen[1]:.2f}; shipped: {shipped}")


if __name__ == "__main__":
    main()
