#!/usr/bin/env python3
"""Add new crisis screen training examples, keeping every evaluation set unseen.

    python scripts/add_crisis_examples.py NEW.yaml [NEW2.yaml ...] [--sealed FILE ...] [--dry-run]

Each NEW file has the shape of data/crisis_examples.yaml (`examples:` with text, level,
category, voice, kind). A new message is dropped when it repeats a training message, or when it
is within 0.88 cosine of any evaluation message (a message in a script the model does not read,
where its cosines mean little, when it shares half its character trigrams with one): every
file in eval/ (crisis, ordinary,
in-scope and out-of-scope texts) and each `--sealed` file, a held-out set written before a
change and not yet measured. Those are read here by code only; the script prints how many
messages each one caused to be dropped, never their texts. The rest is appended to
data/crisis_examples.yaml; the next build retrains the screen.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from dataclasses import asdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import numpy as np  # noqa: E402
import yaml  # noqa: E402

from therapy_faq.crisis import CrisisExamples, load_examples, load_validated  # noqa: E402
from therapy_faq.encoder import default_encoder  # noqa: E402
from therapy_faq.evaluation import (  # noqa: E402
    TOO_CLOSE,
    TOO_SIMILAR,
    load_eval_set,
    similar,
    trigrams,
)
from therapy_faq.fields import validated  # noqa: E402
from therapy_faq.files import read_text, write_text_atomic  # noqa: E402
from therapy_faq.safety import unread_script  # noqa: E402
from therapy_faq.settings import crisis_examples_path  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("new", type=Path, nargs="+", help="YAML files of new examples")
    parser.add_argument(
        "--sealed", type=Path, nargs="*", default=[], help="held-out sets not yet measured"
    )
    parser.add_argument("--dry-run", action="store_true", help="only print what would be added")
    args = parser.parse_args()

    target = crisis_examples_path()
    known = {e.text.casefold() for e in load_examples(target).examples}
    new = []
    for path in args.new:
        new.extend(load_validated(path, CrisisExamples, "crisis examples").examples)
    repeated = [e for e in new if e.text.casefold() in known]
    seen: set[str] = set()
    fresh = []
    for example in new:
        key = example.text.casefold()
        if key not in known and key not in seen:
            seen.add(key)
            fresh.append(example)

    sources = sorted((REPO / "eval").rglob("*.yaml")) + [p.resolve() for p in args.sealed]
    held = {path: load_eval_set(path).texts() for path in sources}
    encoder = default_encoder()
    vectors = encoder.encode([e.text for e in fresh])
    unread_new = [unread_script(e.text) for e in fresh]  # the model's cosines mean little there
    close = np.zeros(len(fresh), dtype=bool)
    for path, texts in held.items():
        if not texts:
            continue
        nearest = (vectors @ encoder.encode(texts).T).max(axis=1)
        others = [trigrams(t) for t in texts if unread_script(t)]
        hits = np.array(
            [
                similar(e.text, others) if unread else bool(near >= TOO_CLOSE)
                for e, unread, near in zip(fresh, unread_new, nearest, strict=True)
            ],
            dtype=bool,
        )
        name = path.relative_to(REPO) if path.is_relative_to(REPO) else path
        print(
            f"{name}: {int(hits.sum())} new message(s) within {TOO_CLOSE} cosine"
            f" (or {TOO_SIMILAR} of trigrams in other scripts)"
        )
        close |= hits
    kept = [e for e, drop in zip(fresh, close, strict=True) if not drop]
    print(
        f"{len(new)} new; {len(new) - len(fresh) - len(repeated)} repeated within the new files, "
        f"{len(repeated)} already in training, {int(close.sum())} too close to an evaluation "
        f"message; {len(kept)} to add"
    )
    for (level, category), count in sorted(Counter((e.level, e.category) for e in kept).items()):
        print(f"  {level} / {category}: {count}")
    if args.dry_run or not kept:
        return
    rows = [asdict(e) for e in kept]
    before = read_text(target)
    text = before + ("" if before.endswith("\n") else "\n")
    text += yaml.safe_dump(rows, sort_keys=False, allow_unicode=True, width=10_000)
    validated(CrisisExamples, yaml.safe_load(text))  # the whole file, before it is replaced
    write_text_atomic(target, text)  # an interrupted write leaves the old file whole
    print(f"appended to {target}")


if __name__ == "__main__":
    main()
