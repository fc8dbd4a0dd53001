#!/usr/bin/env python3
"""List the FAQ's alternates and wordings in other languages that paraphrase an evaluation message.

    python scripts/check_alternates.py [--faq FILE] [--min 0.88]

An alternate within `--min` cosine of a message in eval/ lets the set measure memory, not
retrieval (README "The FAQ file"). Prints how many alternates are that close at 0.85, 0.88 and
0.90, then each wording at or above `--min`, closest first, with the file of its nearest
message and every other file with one that close, never the messages themselves (the newest
sets are sealed: read by code only). A wording in a script the model cannot read (Chinese,
Arabic...) is compared by its character trigrams instead: its cosines mean little. Changes
nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import numpy as np  # noqa: E402

from therapy_faq.encoder import default_encoder  # noqa: E402
from therapy_faq.evaluation import (  # noqa: E402
    TOO_CLOSE,
    TOO_SIMILAR,
    load_eval_set,
    similar,
    trigrams,
)
from therapy_faq.faq import load_faq  # noqa: E402
from therapy_faq.safety import unread_script  # noqa: E402


def also(first: str, files: list[str]) -> str:
    """The other sets a wording is close to: one nearest a development message may also
    paraphrase a message of a sealed set."""
    rest = sorted(set(files) - {first})
    return f" (also {', '.join(rest)})" if rest else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faq", type=Path, default=REPO / "data" / "faq.yaml")
    parser.add_argument("--min", type=float, default=TOO_CLOSE, help="cosine to list a pair")
    args = parser.parse_args()

    faq = load_faq(args.faq)
    alternates = [
        (entry.id, text)
        for entry in faq.entries
        for text in [*entry.alternates, *entry.foreign_phrasings()]
    ]
    sets = sorted((REPO / "eval").rglob("*.yaml"))
    found = [(path, text) for path in sets for text in load_eval_set(path).texts()]
    texts = [text for _, text in found]
    names = [path.relative_to(REPO).as_posix() for path, _ in found]
    encoder = default_encoder()
    similarity = encoder.encode([text for _, text in alternates]) @ encoder.encode(texts).T
    nearest = similarity.argmax(axis=1)
    best = similarity.max(axis=1)
    unread = np.array([unread_script(text) for _, text in alternates])
    best[unread] = 0.0  # compared by their letters below
    for floor in (0.85, TOO_CLOSE, 0.90):
        print(
            f"{int((best >= floor).sum())} of {len(alternates)} alternates within {floor} "
            "cosine (in scripts the model reads)"
        )
    for row in best.argsort()[::-1]:
        if best[row] < args.min:
            break
        entry_id, text = alternates[row]
        first = names[nearest[row]]
        near = [names[col] for col in np.flatnonzero(similarity[row] >= args.min)]
        print(f"  {best[row]:.2f}  {entry_id}: {text!r} ~ a message in {first}{also(first, near)}")
    others = [(name, trigrams(t)) for name, t in zip(names, texts, strict=True) if unread_script(t)]
    close = [
        (entry_id, text, [name for name, grams in others if similar(text, [grams])])
        for (entry_id, text), flag in zip(alternates, unread, strict=True)
        if flag
    ]
    close = [c for c in close if c[2]]
    print(
        f"{len(close)} of {int(unread.sum())} wordings in scripts the model cannot read share "
        f"{TOO_SIMILAR} of their character trigrams with an evaluation message"
    )
    for entry_id, text, near in close:
        print(f"  {entry_id}: {text!r} ~ a message in {near[0]}{also(near[0], near)}")


if __name__ == "__main__":
    main()
