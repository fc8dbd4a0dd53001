#!/usr/bin/env python3
"""Choose the score from which an English question is answered (`Scoring.min_score`).

    python scripts/calibrate_threshold.py [--faq FILE] [--index DIR]

Every wording added to an entry can only raise its best cosine to a question, so a threshold
chosen on a thinner FAQ answers more questions the FAQ does not cover once wordings are added.
This prints, for each candidate threshold, how many questions get the right entry, a wrong one
(an out-of-scope question answered counts as wrong), or no answer, on:
- the choosing questions: the retrieval sets eval/queries.yaml and eval/queries2.yaml, and the
  labelled ordinary questions that CLD2 reads as English in eval/crisis_heldout*.yaml sets 1
  to 16;
- the checks, which take no part in the choice: eval/queries3.yaml and sets 17 to 20 (later
  sets are held out: not read here).
The rule (README "How answers are chosen"): the threshold with the most right answers
minus wrong ones on the choosing questions ("I don't know" rather than a wrong answer: a wrong
answer costs what a right one gains); the lowest of equals. Changes nothing.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "scripts"))

from calibrate_foreign import (  # noqa: E402
    CHOOSING_SETS,
    LAST_CHECKING_SET,
    assistant_from_arguments,
    counts,
    labelled_questions,
)
from therapy_faq.evaluation import load_eval_set  # noqa: E402
from therapy_faq.retrieval import DEFAULT_SCORING  # noqa: E402

THRESHOLDS = [0.34, 0.36, 0.37, 0.38, 0.39, 0.40, 0.41, 0.42, 0.43, 0.44, 0.45, 0.46, 0.48]
Question = tuple[str, list[str]]  # text, the entries that answer it ([]: none does)


def retrieval_set(name: str) -> list[Question]:
    eval_set = load_eval_set(REPO / "eval" / name)
    return [(q.text, list(q.expected)) for q in eval_set.in_scope] + [
        (text, []) for text in eval_set.out_of_scope
    ]


def main() -> None:
    assistant = assistant_from_arguments(__doc__.splitlines()[0])
    labelled = labelled_questions()
    choosing = {
        "queries + queries2": retrieval_set("queries.yaml") + retrieval_set("queries2.yaml"),
        f"sets 1-{CHOOSING_SETS}, English": labelled[("English", f"sets 1-{CHOOSING_SETS}")],
    }
    checks = {
        "queries3 (check)": retrieval_set("queries3.yaml"),
        f"sets {CHOOSING_SETS + 1}-{LAST_CHECKING_SET}, English (check)": labelled[
            ("English", f"sets {CHOOSING_SETS + 1}-{LAST_CHECKING_SET}")
        ],
    }
    groups = {**choosing, **checks}
    print(
        "threshold | "
        + " | ".join(f"{name} ({len(q)}): right / wrong / none" for name, q in groups.items())
        + " | choosing: right - wrong"
    )
    net: dict[float, int] = {}
    for threshold in THRESHOLDS:
        assistant.retriever.scoring = dataclasses.replace(DEFAULT_SCORING, min_score=threshold)
        cells, net[threshold] = [], 0
        for name, questions in groups.items():
            right, wrong, none = counts(assistant, questions)
            cells.append(f"{right} / {wrong} / {none}")
            if name in choosing:
                net[threshold] += right - wrong
        print(f"{threshold:.2f} | " + " | ".join(cells) + f" | {net[threshold]}")
    chosen = max(THRESHOLDS, key=lambda t: (net[t], -t))
    print(
        f"rule (the most right answers minus wrong ones on the choosing questions, the lowest "
        f"of equals): {chosen:.2f}; shipped: {DEFAULT_SCORING.min_score:.2f}"
    )


if __name__ == "__main__":
    main()
