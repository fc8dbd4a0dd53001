#!/usr/bin/env python3
"""Choose the score from which a question in another language is answered.

    python scripts/calibrate_foreign.py [--faq FILE] [--index DIR]

Collects the labelled ordinary questions of eval/crisis_heldout*.yaml (those with `expected`)
that CLD2 reliably reads as English or as another language in Latin letters, and those written
in a script the model cannot read (`safety.unread_script`: Chinese, Cyrillic...), and prints,
for each candidate threshold, how many of them get the right entry, a wrong one, or no answer:
sets 1 to 16 choose, sets 17 to 20 only check (later sets are held out: not read here). The
rule (README "Questions in other languages"): the lowest threshold at which no larger share of
the answers to questions in other languages is wrong than of the answers to English questions,
on sets 1 to 16; the same for the scripts the model cannot read, with its own threshold. Also
prints the development sets eval/dev/foreign_dev.yaml, which chose the weight of BM25 over the
wordings in other languages, and eval/dev/scripts_dev.yaml. Changes nothing.
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
THRESHOLDS = [0.38, 0.40, 0.41, 0.42, 0.43, 0.44, 0.45, 0.46, 0.47, 0.48, 0.49, 0.50, 0.52]
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


def outcomes(assistant, questions: list[tuple[str, list[str]]]) -> tuple[float, float, float]:
    """Shares of right, wrong and unanswered replies."""
    right, wrong, none = counts(assistant, questions)
    count = len(questions)
    return right / count, wrong / count, none / count


def assistant_from_arguments(description: str):
    """The assistant of `--faq` and `--index` (the shipped FAQ and its index by default)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--faq", type=Path, default=None)
    parser.add_argument("--index", type=Path, default=None)
    args = parser.parse_args()
    faq = resolve_faq_path(args.faq)
    return open_assistant(Paths(faq=faq, index=resolve_index_dir(faq, args.index)))


def main() -> None:
    assistant = assistant_from_arguments(__doc__.splitlines()[0])
    groups = labelled_questions()
    print(
        "threshold | "
        + " | ".join(
            f"{g} {s} ({len(q)}): right / wrong / none" for (g, s), q in sorted(groups.items())
        )
    )
    shares: dict[float, dict[str, float]] = {}
    for threshold in THRESHOLDS:
        assistant.retriever.scoring = dataclasses.replace(
            DEFAULT_SCORING, foreign_min_score=threshold, unread_min_score=threshold
        )
        cells = []
        for (group, span), questions in sorted(groups.items()):
            right, wrong, none = outcomes(assistant, questions)
            cells.append(f"{right:.3f} / {wrong:.3f} / {none:.3f}")
            if span == f"sets 1-{CHOOSING_SETS}":
                shares.setdefault(threshold, {})[group] = wrong / max(right + wrong, 1e-9)
        print(f"{threshold:.2f} | " + " | ".join(cells))
    for group, name, shipped in (
        ("other", "in other languages", DEFAULT_SCORING.foreign_min_score),
        ("unread", "in scripts the model cannot read", DEFAULT_SCORING.unread_min_score),
    ):
        chosen = next((t for t in THRESHOLDS if shares[t][group] <= shares[t]["English"]), None)
        print(
            f"rule (the lowest threshold whose answers {name} are wrong no more often than "
            f"English ones): {chosen}; shipped: {shipped}"
        )
    assistant.retriever.scoring = DEFAULT_SCORING
    for name in ("foreign_dev", "scripts_dev"):
        dev = load_eval_set(REPO / "eval" / "dev" / f"{name}.yaml")
        in_scope = [(q.text, list(q.expected)) for q in dev.in_scope]
        right, wrong, none = outcomes(assistant, in_scope)
        answered = sum(r.status == "answered" for r in assistant.replies(list(dev.out_of_scope)))
        print(
            f"development set {name} ({len(in_scope)} in scope): right {right:.3f}, "
            f"wrong {wrong:.3f}, none {none:.3f}; out of scope answered "
            f"{answered} of {len(dev.out_of_scope)}"
        )


if __name__ == "__main__":
    main()
