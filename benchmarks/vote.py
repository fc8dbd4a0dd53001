#!/usr/bin/env python3
"""The crisis screen's vote read through candidates, next to the vote over every row, in one run.

    python benchmarks/vote.py              # every evaluation message, 3 rounds, medians
    python benchmarks/vote.py --rounds 5

The vote weighs the ten training rows nearest a message and each of its clauses. The naive
baseline compares each text with every row's whole vector (one product over all of them); the
screen compares it with the rows projected on their principal axes, then only the candidates
that product proposes with their whole vectors (`safety.Neighbours`). For the screen of the
current index this prints:
- how often the exact ten nearest are among the candidates, on the training rows themselves
  (each the query, itself left out: the rule that chose the axes and candidates);
- the vote's time per message (the message and its clauses at once), both ways, alternating;
- the verdicts (level and category) of both ways on every evaluation message, and how many
  differ in each file: counts only, so a sealed set's wording is never shown.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO

QUERIES = 3000  # training rows used as queries for the recall


def messages() -> dict[str, list[str]]:
    """Every message of the evaluation sets, by file."""
    found: dict[str, list[str]] = {}
    for path in sorted((REPO / "eval").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        texts = []
        for key in ("in_scope", "out_of_scope", "crisis", "ordinary"):
            for item in data.get(key) or []:
                texts.append(item if isinstance(item, str) else item["text"])
        if texts:
            found[str(path.relative_to(REPO / "eval"))] = texts
    return found


def recall(neighbours, k: int) -> float:
    """The share of training rows whose exact k nearest others are among their candidates."""
    rows = np.asarray(neighbours.vectors)
    picked = np.random.default_rng(0).choice(len(rows), min(QUERIES, len(rows)), replace=False)
    queries = rows[picked]
    exact = queries @ rows.T
    approximate = (queries @ neighbours.projection) @ np.asarray(neighbours.reduced)
    exact[np.arange(len(picked)), picked] = approximate[np.arange(len(picked)), picked] = -9.0
    nearest = np.argpartition(-exact, k - 1, axis=1)[:, :k]
    proposed = np.argpartition(-approximate, neighbours.candidates - 1, axis=1)
    proposed = proposed[:, : neighbours.candidates]
    held = [set(a) <= set(b) for a, b in zip(nearest.tolist(), proposed.tolist(), strict=True)]
    return float(np.mean(held))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    from therapy_faq.safety import CrisisScreen, ScreenModel, sentences
    from therapy_faq.service import Paths, open_assistant
    from therapy_faq.settings import resolve_faq_path, resolve_index_dir

    faq = resolve_faq_path()
    assistant = open_assistant(Paths(faq=faq, index=resolve_index_dir(faq, None)))
    model = assistant.screen.model
    fast = model.neighbours
    if fast is None or fast.projection is None:
        sys.exit("this index's screen has no projection to compare")
    full = replace(fast, projection=None, reduced=None)
    exact_model = ScreenModel(model.weights, model.dimension, model.thresholds, full, model.script)
    screens = {"every row": CrisisScreen(exact_model), "candidates": assistant.screen}
    rows, axes = fast.vectors.shape[0], fast.projection.shape[1]
    print(f"{rows} training rows, {axes} axes, {fast.candidates} candidates")
    print(f"exact {fast.k} nearest among the candidates: {recall(fast, fast.k):.4f} of the rows")

    by_file = messages()
    items = [(name, text, sentences(text)) for name, texts in by_file.items() for text in texts]
    print(f"encoding {len(items)} messages and their clauses...", flush=True)
    texts = [t for _, text, clauses in items for t in (text, *clauses)]
    encoded = np.asarray(assistant.encoder.encode(texts), dtype=np.float32)
    ends = np.cumsum([1 + len(clauses) for _, _, clauses in items])
    vectors = np.split(encoded, ends[:-1])

    times: dict[str, list[list[float]]] = {name: [] for name in screens}
    ways = {"every row": full, "candidates": fast}
    for _ in range(args.rounds):
        for name, way in ways.items():
            spent = []
            for block in vectors:
                start = time.perf_counter()
                way.probabilities(block)
                spent.append(time.perf_counter() - start)
            times[name].append(spent)
    medians = {
        name: statistics.median(statistics.median(per) for per in zip(*rounds, strict=True))
        for name, rounds in times.items()
    }
    ratio = medians["candidates"] / medians["every row"]
    print(
        f"the vote per message, median: every row {medians['every row'] * 1000:.2f} ms, "
        f"candidates {medians['candidates'] * 1000:.2f} ms (ratio {ratio:.2f})"
    )

    differ: dict[str, int] = {}
    levels = 0
    for (name, text, clauses), block in zip(items, vectors, strict=True):
        verdicts = [s.assess(text, block, clauses) for s in screens.values()]
        changed = (verdicts[0].level, verdicts[0].category) != (
            verdicts[1].level,
            verdicts[1].category,
        )
        levels += verdicts[0].level != verdicts[1].level
        if changed:
            differ[name] = differ.get(name, 0) + 1
    print(f"verdicts that differ: {sum(differ.values())} of {len(items)} ({levels} in level)")
    for name, count in sorted(differ.items()):
        print(f"  {name}: {count}")


if __name__ == "__main__":
    main()
