#!/usr/bin/env python3
"""Synthetic FAQs of 1k, 10k and 100k entries: build time and peak memory, then search time per
question (excluding encoding) and recall@10 of the served ranking against exhaustive scoring.

    python benchmarks/scale.py                 # 1000, 10000 and 100000 entries
    python benchmarks/scale.py --sizes 1000    # a quick run
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PYTHON, median, run, table
from synthetic import write

from therapy_faq.retrieval import clean_query
from therapy_faq.service import Paths, open_assistant


def questions_for(assistant, count: int, seed: int = 11) -> list[str]:
    """Reworded versions of random entries' questions, as a user might type them."""
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(assistant.faq.entries), size=count, replace=False)
    out = []
    for pick in picks:
        words = assistant.faq.entries[int(pick)].question.rstrip("?").split()
        rng.shuffle(words[2:])
        out.append("hi, " + " ".join(words).lower())
    return out


def measure(size: int, workdir: Path, queries: int) -> list[str]:
    faq = write(size, workdir / f"faq-{size}.yaml")
    index = workdir / f"index-{size}"
    seconds, peak_mb = run(
        [PYTHON, "-m", "therapy_faq", "build", "--faq", str(faq), "--index", str(index)]
    )
    assistant = open_assistant(Paths(faq, index))
    retriever = assistant.retriever
    texts = [clean_query(q) for q in questions_for(assistant, queries)]
    vectors = assistant.encoder.encode(texts)
    timings, recalls = [], []
    for text, vector in zip(texts, vectors, strict=True):
        start = time.perf_counter()
        served = retriever.rank(vector, text, 10)
        timings.append((time.perf_counter() - start) * 1000)
        bm25 = retriever.bm25.scores(text)
        signals = retriever.signals(vector, bm25, None)
        scores = retriever.scoring.combine(signals)
        exact = signals.entries[np.argsort(-scores)[:10]]
        exact_ids = {assistant.faq.entries[int(e)].id for e in exact}
        recalls.append(len(exact_ids & {m.entry.id for m in served}) / 10)
    kind = retriever.index.manifest.faiss_index
    return [
        f"{size:,}",
        f"{retriever.index.manifest.vector_count:,} ({kind})",
        f"{seconds:.0f} s",
        f"{peak_mb} MB",
        f"{median(timings):.2f} ms",
        f"{np.mean(recalls):.3f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    rows = [["entries", "vectors (index)", "build", "build peak memory", "search", "recall@10"]]
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            rows.append(measure(size, Path(tmp), min(args.queries, size)))
            print(table(rows), "\n", flush=True)
    print("search: median time of Retriever.rank per question, encoding excluded; recall@10:")
    print("share of the exhaustive top 10 (every entry scored) that the served top 10 holds.")


if __name__ == "__main__":
    main()
