#!/usr/bin/env python3
"""Builds of the shipped FAQ: a rebuild with the shared exported model next to one that embeds
with sentence-transformers (what every build did before), the first build on a fresh machine,
and the entry classifier's training with OpenBLAS on one thread and on all of them.

    python benchmarks/build.py            # 3 runs of each, medians
    python benchmarks/build.py --runs 5

The builds use a private cache, linked to the user's trained crisis screens (the screen is
cached per examples file, not per FAQ; trained first if missing), so every build measured here
is the one a maintainer waits for after an FAQ edit.
Runs alternate between the two ways so that a noisy machine slows both alike.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PYTHON, median, run, table
from platformdirs import user_cache_path

BUILD = [PYTHON, "-m", "therapy_faq", "build"]
SENTENCE_TRANSFORMERS_BUILD = (
    "import sys\n"
    "from pathlib import Path\n"
    "from therapy_faq.encoder import default_encoder\n"
    "from therapy_faq.service import Paths, build\n"
    "from therapy_faq.settings import default_faq_path\n"
    "build(Paths(faq=default_faq_path(), index=Path(sys.argv[1])), default_encoder())\n"
)
CLASSIFIER = (
    "import sys, time\n"
    "import numpy as np\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "from therapy_faq.classifier import CLASSIFIER_C, single_threaded_blas\n"
    "vectors = np.load(sys.argv[1] + '/vectors.npy')\n"
    "labels = np.load(sys.argv[1] + '/row_entries.npy')\n"
    "import contextlib\n"
    "limit = single_threaded_blas() if sys.argv[2] == 'one' else contextlib.nullcontext()\n"
    "start = time.perf_counter()\n"
    "with limit:\n"
    "    LogisticRegression(C=CLASSIFIER_C, max_iter=5_000).fit(vectors, labels)\n"
    "print(time.perf_counter() - start)\n"
)


def classifier_seconds(index: Path, threads: str, env: dict[str, str]) -> float:
    import subprocess

    done = subprocess.run(
        [PYTHON, "-c", CLASSIFIER, str(index), threads],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return float(done.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {**os.environ, "XDG_CACHE_HOME": str(root / "cache")}
        (root / "cache" / "therapy-faq").mkdir(parents=True)
        models = root / "cache" / "therapy-faq" / "models"
        screens = user_cache_path("therapy-faq") / "screens"
        if screens.is_dir():  # the user's trained screens: training again takes minutes
            (root / "cache" / "therapy-faq" / "screens").symlink_to(screens)
        run([*BUILD, "--index", str(root / "warm-up")], env=env)  # trains the screen if needed
        shutil.rmtree(models)
        first, first_memory = run([*BUILD, "--index", str(root / "first")], env=env)
        times: dict[str, list[float]] = {"st": [], "onnx": []}
        memory: dict[str, list[float]] = {"st": [], "onnx": []}
        for n in range(args.runs):
            st = [PYTHON, "-c", SENTENCE_TRANSFORMERS_BUILD, str(root / f"st-{n}")]
            for name, command in (("st", st), ("onnx", [*BUILD, "--index", str(root / f"o-{n}")])):
                seconds, peak = run(command, env=env)
                times[name].append(seconds)
                memory[name].append(peak)
        all_threads, one_thread = [], []
        for _ in range(args.runs):
            all_threads.append(classifier_seconds(root / "first", "all", env))
            one_thread.append(classifier_seconds(root / "first", "one", env))
    t_st, t_onnx = median(times["st"]), median(times["onnx"])
    m_st, m_onnx = median(memory["st"]), median(memory["onnx"])
    c_all, c_one = median(all_threads), median(one_thread)
    rows = [
        ["figure", "before", "now", "ratio"],
        ["rebuild after an FAQ edit", f"{t_st:.1f} s", f"{t_onnx:.1f} s", f"{t_onnx / t_st:.2f}"],
        ["its peak memory", f"{m_st:.0f} MB", f"{m_onnx:.0f} MB", f"{m_onnx / m_st:.2f}"],
        ["first build on a fresh machine (exports the model)", "", f"{first:.1f} s", ""],
        ["its peak memory", "", f"{first_memory:.0f} MB", ""],
        ["entry classifier training", f"{c_all:.2f} s", f"{c_one:.2f} s", f"{c_one / c_all:.2f}"],
    ]
    print(table(rows))
    print(
        "\nrebuild, before: the FAQ embedded with sentence-transformers (torch imported), as every "
        "build did; now: with the shared ONNX export. Classifier, before: OpenBLAS on all "
        f"{os.cpu_count()} CPUs; now: on one thread."
    )


if __name__ == "__main__":
    main()
