#!/usr/bin/env python3
"""Choose the score, and the lead over the runner-up, from which an English question is
answered (`Scoring.min_score`, `min_margin`, `sure_score`).

    python scripts/calibrate_threshold.py [--faq FILE] [--index DIR]

Every wording added to an entry can only raise its best cosine to a question, so a threshold
chosen on a thinner FAQ answers more questions the FAQ does not cover once wordings are added.
Each question is ranked once; each candidate setting (a minimum score, a minimum lead over the
runner-up, and the score from which no lead is needed) then decides, by `Scoring.accepts`
itself, how many questions get the right entry, a wrong one (an out-of-scope question answered
counts as wrong), or no answer, on:
- the choosing questions: the retrieval sets eval/queries.yaml and eval/queries2.yaml, and the
  labelled ordinary questions that CLD2 reads as English in eval/crisis_heldout*.yaml sets 1
  to 16;
- the checks, which take no part in the choice: eval/queries3.yaml and sets 17 to 20 (later
  sets are held out: not read here).
The rule (README "How answers are chosen"): among the settings that answer at least the
target share of the in-scope questions of queries + queries2 (`evaluation.TARGETS`, 0.97), the
one with the most right answers minus wrong ones on the choosing questions ("I don't know"
rather than a wrong answer: a wrong answer costs what a right one gains); of equals, the lowest
score, then the lowest lead, then the lowest score needing no lead. Prints the best ten
settings with and without that condition, and the shipped one. Changes nothing.
"""

from __future__ import annotations

import dataclasses
import itertools
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
    labelled_questions,
    ranked,
    tally,
)
from therapy_faq.evaluation import TARGETS, load_eval_set  # noqa: E402
from therapy_faq.retrieval import DEFAULT_SCORING  # noqa: E402

FLOORS = [0.36, 0.38, 0.39, 0.40, 0.41, 0.42, 0.43, 0.44, 0.46]
MARGINS = [0.0, 0.01, 0.02, 0.03, 0.04]
SURE = [0.55, 0.6, 0.7, 1.0]  # from this score no lead is needed (1.0: always needed)
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
    rows = {
        name: ranked(assistant, questions) for name, questions in {**choosing, **checks}.items()
    }
    retrieval = "queries + queries2"
    pairs = zip(rows[retrieval], choosing[retrieval], strict=True)
    in_scope = [row for row, (_, expected) in pairs if expected]
    results, answered = {}, {}
    settings = [
        (DEFAULT_SCORING.min_score, DEFAULT_SCORING.min_margin, DEFAULT_SCORING.sure_score),
        *(  # without a lead, the score needing none is moot
            (floor, margin, sure)
            for floor, margin, sure in itertools.product(FLOORS, MARGINS, SURE)
            if margin > 0 or sure == 1.0
        ),
    ]
    for setting in dict.fromkeys(settings):
        floor, margin, sure = setting
        scoring = dataclasses.replace(
            DEFAULT_SCORING, min_score=floor, min_margin=margin, sure_score=sure
        )
        results[setting] = {name: tally(r, scoring) for name, r in rows.items()}
        right, wrong, _ = tally(in_scope, scoring)
        answered[setting] = (right + wrong) / len(in_scope)

    def net(setting: tuple[float, float, float]) -> int:
        return sum(results[setting][name][0] - results[setting][name][1] for name in choosing)

    shipped = settings[0]
    target = TARGETS["answered"][1]
    ordered = sorted(results, key=lambda s: (-net(s), s))
    kept = [s for s in ordered if answered[s] >= target]
    chosen = kept[0]
    print(
        "score, lead, no lead from | "
        + " | ".join(f"{name} ({len(r)}): right / wrong / none" for name, r in rows.items())
        + f" | {retrieval}: in scope answered | choosing: right - wrong"
    )
    for setting in dict.fromkeys([*ordered[:10], *kept[:10], shipped]):
        cells = " | ".join(" / ".join(map(str, c)) for c in results[setting].values())
        marks = " (rule)" * (setting == chosen) + " (shipped)" * (setting == shipped)
        floor, margin, sure = setting
        print(
            f"{floor:.2f}, {margin:.2f}, {sure:.2f}{marks} | {cells} | {answered[setting]:.3f} | "
            f"{net(setting)}"
        )
    print(f"rule: {chosen}; shipped: {shipped}")


if __name__ == "__main__":
    main()
