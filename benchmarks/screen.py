#!/usr/bin/env python3
"""What the crisis screen adds to a question, next to the question without it, in one run.

    python benchmarks/screen.py            # 5 rounds over every evaluation message, medians
    python benchmarks/screen.py --rounds 3

For each message of the evaluation sets (FAQ questions, ordinary messages, crisis messages,
long ones included) it times, in turn:
- the question without the screen (the naive baseline): encode the message, rank the FAQ;
- the screen's own work: split the clauses, encode them (the message's own vector is shared
  with retrieval, so it is not counted twice), run the patterns and the classifier.
Rounds alternate the two so that a noisy machine slows both alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PYTHON, REPO, run, table


def messages() -> dict[str, list[str]]:
    """Every message of the evaluation sets, by kind."""
    found: dict[str, list[str]] = {"short": [], "long": []}
    for path in sorted((REPO / "eval").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key in ("in_scope", "out_of_scope", "crisis", "ordinary"):
            for item in data.get(key, []):
                text = item if isinstance(item, str) else item["text"]
                found["long" if len(text.split()) > 40 else "short"].append(text)
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        os.environ["THERAPY_FAQ_INDEX"] = str(index)
        run([PYTHON, "-m", "therapy_faq", "build"], env=dict(os.environ))

        from therapy_faq.safety import sentences
        from therapy_faq.service import Paths, open_assistant
        from therapy_faq.settings import resolve_faq_path

        assistant = open_assistant(Paths(faq=resolve_faq_path(), index=index))
        encoder, screen, retriever = assistant.encoder, assistant.screen, assistant.retriever
        found = messages()
        rows = [
            [
                "messages",
                "count",
                "question without the screen",
                "screen (median)",
                "screen (95th pct)",
                "ratio",
                "target",
            ]
        ]
        for kind, texts in found.items():
            base: dict[str, list[float]] = {t: [] for t in texts}
            extra: dict[str, list[float]] = {t: [] for t in texts}
            for _ in range(args.rounds):
                for text in texts:
                    start = time.perf_counter()
                    vector = encoder.encode([text])[0]
                    retriever.rank(vector, text, 4)
                    base[text].append(time.perf_counter() - start)
                    start = time.perf_counter()
                    clauses = sentences(text)
                    vectors = vector[None, :]
                    if clauses:
                        vectors = np.vstack([vectors, encoder.encode(clauses)])
                    screen.assess(text, vectors, clauses)
                    extra[text].append(time.perf_counter() - start)
            without = [statistics.median(v) * 1000 for v in base.values()]
            screened = [statistics.median(v) * 1000 for v in extra.values()]
            rows.append(
                [
                    kind,
                    str(len(texts)),
                    f"{statistics.median(without):.2f} ms",
                    f"{statistics.median(screened):.2f} ms",
                    f"{percentile(screened, 0.95):.2f} ms",
                    f"{statistics.median(screened) / statistics.median(without):.2f}",
                    "<= 3 ms" if kind == "short" else "",
                ]
            )
        print(table(rows))


if __name__ == "__main__":
    main()
