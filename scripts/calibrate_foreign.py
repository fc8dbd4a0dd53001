#!/usr/bin/env python3
"""Choose the score from which a question in another language is answered.

    python scripts/calibrate_foreign.py [--faq FILE] [--index DIR]

Collects the labelled ordinary questions of eval/crisis_heldout*.yaml (those with `expected`)
that CLD2 reliably reads as English or as another language in Latin letters, and prints, for
each candidate threshold, how many of them get the right entry, a wrong one, or no answer:
sets 1 to 16 choose, sets 17 on only check. The rule (README "Questions in other languages"):
the lowest threshold at which no larger share of the answers to questions in other languages is
wrong than of the answers to English questions, on sets 1 to 16. Also prints the development
set eval/dev/foreign_dev.yaml, which chose the weight of BM25 over the wordings in other
languages. Changes nothing.
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
from therapy_faq.service import Paths, open_assistant  # noqa: E402
from therapy_faq.settings import resolve_faq_path, resolve_index_dir  # noqa: E402

LATIN_LANGUAGES = {"es", "pt", "fr", "de", "it", "nl", "tl", "pl", "tr", "id", "vi", "sw", "ms"}
THRESHOLDS = [0.38, 0.40, 0.41, 0.42, 0.43, 0.44, 0.45, 0.46]
CHOOSING_SETS = 16  # sets 1 to 16 choose; later ones check


def labelled_questions() -> dict[tuple[str, str], list[tuple[str, list[str]]]]:
    """(language group, set range) -> [(question, expected entries)]."""
    groups: dict[tuple[str, str], list[tuple[str, list[str]]]] = {}
    for path in sorted((REPO / "eval").glob("crisis_heldout*.yaml")):
        number = re.fullmatch(r"crisis_heldout(\d*)", path.stem)
        if number is None:
            continue  # the sets in other scripts
        first = int(number.group(1) or 1)
        span = f"sets 1-{CHOOSING_SETS}" if first <= CHOOSING_SETS else f"sets {CHOOSING_SETS + 1}-"
        for item in load_eval_set(path).ordinary:
            if not item.expected:
                continue
            language = detected_language(item.text)
            group = (
                "English"
                if language == ENGLISH
                else "other"
                if language in LATIN_LANGUAGES
                else None
            )
            if group:
                groups.setdefault((group, span), []).append((item.text, list(item.expected)))
    return groups


def outcomes(assistant, questions: list[tuple[str, list[str]]]) -> tuple[float, float, float]:
    """Shares of right, wrong and unanswered replies."""
    replies = assistant.replies([text for text, _ in questions])
    right = wrong = 0
    for reply, (_, expected) in zip(replies, questions, strict=True):
        if reply.status == "answered":
            if reply.answer.entry.id in expected:
                right += 1
            else:
                wrong += 1
    count = len(questions)
    return right / count, wrong / count, (count - right - wrong) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faq", type=Path, default=None)
    parser.add_argument("--index", type=Path, default=None)
    args = parser.parse_args()
    faq = resolve_faq_path(args.faq)
    assistant = open_assistant(Paths(faq=faq, index=resolve_index_dir(faq, args.index)))
    groups = labelled_questions()
    print(
        "threshold | "
        + " | ".join(
            f"{g} {s} ({len(q)}): right / wrong / none" for (g, s), q in sorted(groups.items())
        )
    )
    wrong_share: dict[float, tuple[float, float]] = {}
    for threshold in THRESHOLDS:
        assistant.retriever.scoring = dataclasses.replace(
            DEFAULT_SCORING, foreign_min_score=threshold
        )
        cells = []
        for (group, span), questions in sorted(groups.items()):
            right, wrong, none = outcomes(assistant, questions)
            cells.append(f"{right:.3f} / {wrong:.3f} / {none:.3f}")
            if span.endswith(str(CHOOSING_SETS)):
                share = wrong / max(right + wrong, 1e-9)
                english, other = wrong_share.get(threshold, (0.0, 0.0))
                wrong_share[threshold] = (share, other) if group == "English" else (english, share)
        print(f"{threshold:.2f} | " + " | ".join(cells))
    chosen = next((t for t in THRESHOLDS if wrong_share[t][1] <= wrong_share[t][0]), None)
    print(
        "rule (the lowest threshold whose answers in other languages are wrong no more often "
        f"than English ones): {chosen}"
    )
    print(f"shipped: {DEFAULT_SCORING.foreign_min_score}")
    assistant.retriever.scoring = DEFAULT_SCORING
    dev = load_eval_set(REPO / "eval" / "dev" / "foreign_dev.yaml")
    right, wrong, none = outcomes(assistant, [(q.text, list(q.expected)) for q in dev.in_scope])
    print(
        f"development set ({len(dev.in_scope)} in scope): right {right:.3f}, "
        f"wrong {wrong:.3f}, none {none:.3f}"
    )


if __name__ == "__main__":
    main()
