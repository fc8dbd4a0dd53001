"""How the crisis patterns read the messages of an evaluation set: for its crises and its
ordinary messages, how many a pattern matches live, how many it matches denied (a negation, a
question reported, the daily dose) or told as past, and how many no pattern matches.

Written for the sets of denials and of crises that contain a negation word
(eval/negation/*.yaml): a denial read as live can make an ordinary message urgent, and a crisis
read as denied leaves it to the classifier alone. Counts only: the texts are never printed, so
a sealed set can be measured. Run from the repository root:

    python scripts/negation_check.py eval/negation/read.yaml eval/negation/sealed.yaml
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from therapy_faq.evaluation import load_eval_set
from therapy_faq.safety import PatternHit, pattern_hit

READINGS = ("live", "denied", "past", "none")


def reading(hit: PatternHit | None) -> str:
    if hit is None:
        return "none"
    return "live" if hit.live else "denied" if hit.negated else "past"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="evaluation YAML files")
    args = parser.parse_args()
    for path in args.files:
        eval_set = load_eval_set(path)
        print(path)
        sections = (("crisis", eval_set.crisis), ("ordinary", eval_set.ordinary))
        for name, items in sections:
            counts = Counter(reading(pattern_hit(item.text)) for item in items)
            figures = ", ".join(f"{r} {counts[r]}" for r in READINGS)
            print(f"  {name} ({len(items)}): {figures}")


if __name__ == "__main__":
    main()
