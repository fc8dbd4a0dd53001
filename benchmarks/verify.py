#!/usr/bin/env python3
"""What checking an index's files costs at load, next to the naive ways, in one run.

    python benchmarks/verify.py              # the shipped FAQ's index in a temporary folder
    python benchmarks/verify.py --rounds 50

It times, alternating, over the same index folder:
- sizes only (what format 7 checked: blind to bytes altered in place);
- the check `load_index` runs (`index.verify_files`): every file up to HASHED_ALWAYS_BYTES
  hashed, larger ones (the model) only when their modification time changed;
- hashing every file, the model included (the naive full check);
and reads the whole index (`load_index`) for scale.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    from therapy_faq.index import load_index, read_manifest, verify_files
    from therapy_faq.service import Paths, build
    from therapy_faq.settings import default_faq_path

    with tempfile.TemporaryDirectory() as folder:
        index = Path(folder) / "index"
        print("building the shipped FAQ's index ...", file=sys.stderr)
        build(Paths(default_faq_path(), index))
        manifest = read_manifest(index)

        def sizes_only() -> None:
            for name, size in manifest.file_sizes.items():
                assert (index / name).stat().st_size == size

        def hash_everything() -> None:
            for name in manifest.file_sizes:
                with (index / name).open("rb") as handle:
                    hashlib.file_digest(handle, "sha256")

        ways = {
            "sizes only (format 7)": sizes_only,
            "verify_files (format 8)": lambda: verify_files(index, manifest),
            "hash every file (naive)": hash_everything,
            "load_index, for scale": lambda: load_index(index),
        }
        times: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(args.rounds):
            for name, way in ways.items():
                started = time.perf_counter()
                way()
                times[name].append(time.perf_counter() - started)

    total = sum(manifest.file_sizes.values())
    print(f"{len(manifest.file_sizes)} files, {total / 1e6:.1f} MB; medians of {args.rounds}")
    rows = [["check", "median ms", "p90 ms"]]
    for name, values in times.items():
        values.sort()
        p90 = values[int(0.9 * (len(values) - 1))]
        rows.append([name, f"{statistics.median(values) * 1000:.2f}", f"{p90 * 1000:.2f}"])
    print(table(rows))


if __name__ == "__main__":
    main()
