#!/usr/bin/env python3
"""How much the crisis screen's classifier depends on the order of its training rows, per
L-BFGS tolerance: two fits of the same rows in two orders, compared on every row.

    python scripts/screen_tolerance.py                 # tolerances 1e-4 and 1e-5
    python scripts/screen_tolerance.py --tol 1e-4 1e-5 1e-6

A loose tolerance stops L-BFGS wherever the order of the sums leaves it, so two versions of
the screen that differ in nothing that matters can give different verdicts. Uses the vectors
cached by scripts/calibrate_screen.py (computed on first use).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np

from calibrate_screen import embed
from therapy_faq.crisis import load_examples
from therapy_faq.screen_training import (
    EMBEDDING_WEIGHT,
    SCREEN_C,
    features,
    level_weights,
    row_domains,
    training_rows,
)
from therapy_faq.settings import crisis_examples_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tol", type=float, nargs="+", default=[1e-4, 1e-5])
    args = parser.parse_args()
    from sklearn.linear_model import LogisticRegression

    examples = load_examples(crisis_examples_path()).examples
    texts, labels, origins = training_rows(examples)
    matrix = features(texts, embed(texts), EMBEDDING_WEIGHT, row_domains(examples, origins))
    weights = level_weights(labels)
    order = np.random.default_rng(0).permutation(len(labels))
    for tol in args.tol:
        urgent, seconds = [], []
        for rows in (np.arange(len(labels)), order):
            started = time.perf_counter()
            model = LogisticRegression(C=SCREEN_C, tol=tol, max_iter=3_000)
            model.fit(matrix[rows], labels[rows], sample_weight=weights[rows])
            seconds.append(time.perf_counter() - started)
            urgent.append(model.predict_proba(matrix)[:, 2:].sum(axis=1))
        gap = np.abs(urgent[0] - urgent[1])
        across = int(((urgent[0] >= 0.4) != (urgent[1] >= 0.4)).sum())
        print(
            f"tol {tol:g}: p(urgent) differs by {gap.mean():.4f} on average, {gap.max():.3f} at "
            f"most; {across} of {len(labels)} rows on the other side of 0.4; "
            f"fits of {seconds[0]:.0f} s and {seconds[1]:.0f} s"
        )


if __name__ == "__main__":
    main()
