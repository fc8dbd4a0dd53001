"""Choose the crisis screen's settings by grouped cross-validation on its training examples.

Two groupings, each fold holding out one whole group, so every figure is measured on messages
of a voice, or a kind, that the classifier never saw:
- by voice: teenagers texting, older people, non-native English, typos, emoji, long messages,
  worried relatives, each other language...;
- by kind: each crisis category for urgent messages, each kind of ordinary message (idioms,
  grief, medication, work contexts, resolved history...).

Out-of-fold probabilities (message and each clause, as at question time) go through the same
decision as `safety.CrisisScreen`, patterns included. The evaluation sets are never read.

    python scripts/calibrate_screen.py                  # the committed settings
    python scripts/calibrate_screen.py --grid           # search the vote's share, thresholds
    python scripts/calibrate_screen.py --grid --c 3 10 --weight 2 4 --k 5 --temperature 20
    python scripts/calibrate_screen.py --floor 0 0.1 0.15   # framed matches (`safe_frame`)
    python scripts/calibrate_screen.py --pattern-floor 0 0.02 0.05   # any other match
    python scripts/calibrate_screen.py --domain-weight 0 0.5 1   # other languages' blocks
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import os
import re
import sys
import time
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path
from typing import NamedTuple

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np

from therapy_faq.crisis import load_examples
from therapy_faq.encoder import default_encoder
from therapy_faq.language import ENGLISH, detected_language
from therapy_faq.safety import (
    LABELS,
    PatternHit,
    Scores,
    Thresholds,
    blended,
    is_bare,
    message_domains,
    neighbour_vote,
    pattern_hit,
    safe_frame,
    scores_of,
    sentences,
    unread_script,
)
from therapy_faq.screen_training import (
    DOMAIN_WEIGHT,
    EMBEDDING_WEIGHT,
    NEIGHBOUR_NEAR,
    NEIGHBOUR_SHARE,
    NEIGHBOUR_TEMPERATURE,
    NEIGHBOURS,
    SCREEN_C,
    THRESHOLDS,
    features,
    fit,
    neighbour_votes,
    row_domains,
    training_rows,
    unit_rows,
)
from therapy_faq.settings import crisis_examples_path

CACHE = Path("/tmp/therapy-faq-screen-vectors.npz")
LANGUAGES = {
    "spanish",
    "portuguese",
    "french",
    "german",
    "italian",
    "hinglish",
    "tagalog",
    "indonesian",
    "pidgin",
    "dutch",
    "turkish",
    "polish",
    "swahili",
    "vietnamese",
    "arabic_latin",
    "russian_latin",
    "other",
}


def embed(texts: list[str]) -> np.ndarray:
    """Vectors of `texts`, cached across runs by text (the script is run many times)."""
    known: dict[str, np.ndarray] = {}
    if CACHE.exists():
        data = np.load(CACHE, allow_pickle=False)
        known = dict(zip(data["texts"].tolist(), data["vectors"], strict=True))
    missing = sorted({t for t in texts if t not in known})
    if missing:
        print(f"embedding {len(missing)} texts ...", file=sys.stderr)
        vectors = default_encoder().encode(missing)
        known.update(zip(missing, vectors, strict=True))
        keys = sorted(known)
        np.savez(CACHE, texts=np.array(keys), vectors=np.stack([known[k] for k in keys]))
    return np.stack([known[t] for t in texts])


def kind_group(example) -> str:
    if example.level == "urgent":
        return f"urgent:{example.category}"
    if example.level == "concern":
        return f"concern:{example.kind.split('_')[0]}"
    kind = re.sub(
        r"^(?:spanish|portuguese|french|german|italian|hinglish|tagalog|indonesian)_",
        "",
        example.kind,
    )
    return f"none:{kind.split('_')[0]}"


def voice_group(example) -> str:
    return example.voice if example.voice not in LANGUAGES else f"lang:{example.voice}"


FOLDS = 6


def folds_of(groups: list[str]) -> list[int]:
    """Whole groups dealt into FOLDS folds of similar size (largest groups first)."""
    sizes = Counter(groups)
    load = [0] * FOLDS
    fold_of: dict[str, int] = {}
    for group, size in sizes.most_common():
        fold_of[group] = load.index(min(load))
        load[fold_of[group]] += size
    return [fold_of[g] for g in groups]


class OutOfFold(NamedTuple):
    """Per example, the probabilities of its message and clauses from the two parts of the
    screen, each trained on the other folds only: the linear classifier and the vote of the
    nearest training rows (`blend` mixes them as `safety.ScreenModel` does)."""

    classifier: list[np.ndarray]
    vote: list[np.ndarray]
    nearest: list[np.ndarray]  # cosine of each text's nearest training row

    def blend(self, share: float, near: tuple[float, float]) -> list[np.ndarray]:
        parts = zip(self.classifier, self.vote, self.nearest, strict=True)
        return [blended(c, v, n, share, near) for c, v, n in parts]


def out_of_fold(
    examples,
    groups,
    c: float,
    weight: float,
    vectors_of,
    k: int,
    temperature: float,
    domain_weight: float = DOMAIN_WEIGHT,
) -> OutOfFold:
    """For each example, probabilities of its message and clauses from a model trained on the
    other folds only (each fold holds whole groups)."""
    texts, labels, origins = training_rows(examples)
    row_vectors = vectors_of(texts)
    matrix = features(texts, row_vectors, weight, row_domains(examples, origins), domain_weight)
    row_units, votes = unit_rows(row_vectors), neighbour_votes(labels)
    screened = [[e.text, *sentences(e.text)] for e in examples]
    flat = [t for group in screened for t in group]
    flat_vectors = vectors_of(flat)
    flat_domains = message_domains([(group[0], group[1:]) for group in screened])
    flat_matrix = features(flat, flat_vectors, weight, flat_domains, domain_weight)
    starts = np.cumsum([0] + [len(g) for g in screened])
    classifier: list[np.ndarray] = [np.zeros(0)] * len(examples)
    vote: list[np.ndarray] = [np.zeros(0)] * len(examples)
    nearest: list[np.ndarray] = [np.zeros(0)] * len(examples)
    group_of = np.asarray(folds_of(groups))
    for group in sorted(set(group_of.tolist())):
        held = np.flatnonzero(group_of == group)
        train = ~np.isin(origins, held)
        if len(set(labels[train])) < 2:
            continue
        model = fit(matrix[train], labels[train], c)
        rows = np.concatenate([np.arange(starts[i], starts[i + 1]) for i in held])
        probs = np.zeros((len(rows), len(LABELS)))
        probs[:, model.classes_] = model.predict_proba(flat_matrix[rows])
        similarities = np.asarray(flat_vectors[rows], dtype=np.float32) @ row_units[train].T
        voted = neighbour_vote(similarities, votes[train], k, temperature)
        closest = similarities.max(axis=1)
        offset = 0
        for i in held:
            size = starts[i + 1] - starts[i]
            classifier[i] = probs[offset : offset + size]
            vote[i] = voted[offset : offset + size]
            nearest[i] = closest[offset : offset + size]
            offset += size
    return OutOfFold(classifier, vote, nearest)


def scored(oof: list[np.ndarray]) -> list[Scores]:
    """The classifier's scores of each example (message and clauses), computed once for every
    set of thresholds tried on them."""
    return [scores_of(probs)[0] for probs in oof]


def decide(
    scores: Scores,
    hit: PatternHit | None,
    limits: Thresholds,
    bare: bool = False,
    unread: bool = False,
    framed: bool = False,
) -> str:
    """The screen's own decision (`Thresholds.level`) on out-of-fold scores."""
    return limits.level(scores, hit, bare, unread, framed=framed)


@cache
def frames(text: str) -> tuple[bool, bool, bool]:
    """`is_bare`, `unread_script` and `safe_frame` of a text: the same for every setting a
    grid tries."""
    return is_bare(text), unread_script(text), safe_frame(text)


def figures(examples, scores, hits, limits: Thresholds) -> dict[str, float | int]:
    """Shares of each level's examples given each verdict; "help withheld" counts the urgent
    and concern examples given nothing (a floor is chosen on it, one example at a time)."""
    verdicts = [
        decide(s, h, limits, *frames(e.text))
        for e, s, h in zip(examples, scores, hits, strict=True)
    ]
    by_level = defaultdict(Counter)
    for example, verdict in zip(examples, verdicts, strict=True):
        by_level[example.level][verdict] += 1

    def share(level: str, *verdict: str) -> float:
        total = sum(by_level[level].values())
        return sum(by_level[level][v] for v in verdict) / total if total else float("nan")

    return {
        "urgent recall": share("urgent", "urgent"),
        "urgent help": share("urgent", "urgent", "concern"),
        "none->urgent": share("none", "urgent"),
        "none->concern": share("none", "concern"),
        "concern->help": share("concern", "urgent", "concern"),
        "concern->urgent": share("concern", "urgent"),
        "help withheld": by_level["urgent"]["none"] + by_level["concern"]["none"],
    }


def shown(figures: dict[str, float | int]) -> str:
    """One line of figures: shares to three places, counts as they are."""
    return " ".join(
        f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items()
    )


def language_group(text: str) -> str:
    """Which side of the split a text is on: "another language" when CLD2 is sure of one other
    than English, else "English"."""
    language = detected_language(text)
    return "English" if language in (None, ENGLISH) else "another language"


def worst_groups(examples, scores, hits, limits, groups, level: str, bad: tuple[str, ...]):
    rates = defaultdict(lambda: [0, 0])
    for example, score, hit, group in zip(examples, scores, hits, groups, strict=True):
        if example.level != level:
            continue
        rates[group][1] += 1
        text = example.text
        rates[group][0] += decide(score, hit, limits, *frames(text)) in bad
    return sorted(((n / t, g, t) for g, (n, t) in rates.items()), reverse=True)[:5]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--grid", action="store_true", help="search the settings")
    parser.add_argument("--c", type=float, nargs="+", help="values of C to compare")
    parser.add_argument("--weight", type=float, nargs="+", help="embedding weights to compare")
    parser.add_argument(
        "--domain-weight",
        type=float,
        nargs="+",
        help="scales of the embedding's blocks of other languages to compare",
    )
    parser.add_argument(
        "--share",
        type=float,
        nargs="+",
        help="shares of the nearest examples' vote to search (with --grid)",
    )
    parser.add_argument(
        "--floor",
        type=float,
        nargs="+",
        help="floors of p(help) under which a framed pattern match shows nothing, to compare",
    )
    parser.add_argument(
        "--pattern-floor",
        type=float,
        nargs="+",
        help="floors of p(help) under which any other pattern match shows nothing, to compare",
    )
    parser.add_argument("--k", type=int, default=NEIGHBOURS, help="examples that vote")
    parser.add_argument(
        "--temperature", type=float, default=NEIGHBOUR_TEMPERATURE, help="sharpness of the vote"
    )
    args = parser.parse_args()
    # Examples in scripts the model does not read train a classifier of their own:
    # scripts/calibrate_script_screen.py
    everything = load_examples(crisis_examples_path()).examples
    examples = [e for e in everything if not unread_script(e.text)]
    hits = [pattern_hit(e.text) for e in examples]
    print(f"{len(examples)} examples: {Counter(e.level for e in examples)}")
    found = Counter((e.level, h is not None) for e, h in zip(examples, hits, strict=True))
    print(f"pattern hits: {found}")
    groupings = {
        "voice": [voice_group(e) for e in examples],
        "kind": [kind_group(e) for e in examples],
    }
    settings = list(
        itertools.product(
            args.c or [SCREEN_C],
            args.weight or [EMBEDDING_WEIGHT],
            args.domain_weight or [DOMAIN_WEIGHT],
        )
    )
    votes = [(NEIGHBOUR_SHARE, NEIGHBOUR_NEAR)]
    if args.grid:
        nears = [(-1.0, -0.5), (0.4, 0.6), (0.5, 0.6), (0.5, 0.7), (0.6, 0.8)]  # the first: always
        votes = list(itertools.product(args.share or [0.0, 0.2, 0.35, 0.5], nears))
    for c, weight, domain_weight in settings:
        started = time.perf_counter()
        parts = {
            name: out_of_fold(
                examples, g, c, weight, embed, args.k, args.temperature, domain_weight
            )
            for name, g in groupings.items()
        }
        print(
            f"\nC={c} embedding weight={weight} domain weight={domain_weight} k={args.k} "
            f"temperature={args.temperature} "
            f"({time.perf_counter() - started:.0f} s)"
        )
        candidates = [THRESHOLDS]
        if args.floor:
            candidates = [dataclasses.replace(THRESHOLDS, framed_floor=f) for f in args.floor]
        if args.pattern_floor:
            candidates = [
                dataclasses.replace(THRESHOLDS, pattern_floor=f) for f in args.pattern_floor
            ]
        if args.grid:
            candidates = [
                dataclasses.replace(
                    THRESHOLDS, urgent=u, pattern_urgent=p, concern=h, clause_urgent=max(u, c)
                )
                for u in (0.4, 0.5, 0.6)
                for p in (0.2, 0.3, 0.4)
                for h in (0.3, 0.35, 0.4, 0.5)
                for c in (0.6, 0.7, 0.8)
            ]
        for share, near in votes:
            oofs = {name: scored(part.blend(share, near)) for name, part in parts.items()}
            for limits in candidates:
                row = []
                for name, oof in oofs.items():
                    row.append(f"{name}: " + shown(figures(examples, oof, hits, limits)))
                print(f"  share={share} near={near} {limits}\n    " + "\n    ".join(row))
        if not args.grid:
            oofs = {
                name: scored(part.blend(NEIGHBOUR_SHARE, NEIGHBOUR_NEAR))
                for name, part in parts.items()
            }
            # The classifier learns a language other than English from its examples alone (the
            # embedding model reads English): its figures there, apart, say what a language
            # without examples can expect (whole voices held out) and one with them (kinds).
            languages = [language_group(e.text) for e in examples]
            for name, oof in oofs.items():
                for group in ("English", "another language"):
                    part = [i for i, g in enumerate(languages) if g == group]
                    f = figures(
                        [examples[i] for i in part],
                        [oof[i] for i in part],
                        [hits[i] for i in part],
                        THRESHOLDS,
                    )
                    print(f"  {name} held out, {group} ({len(part)} examples): {shown(f)}")
            for name, oof in oofs.items():
                g = groupings[name]
                print(f"  worst {name} groups, urgent missed:")
                for rate, group, total in worst_groups(
                    examples, oof, hits, THRESHOLDS, g, "urgent", ("none", "concern")
                ):
                    print(f"    {group}: {rate:.3f} of {total}")
                print(f"  worst {name} groups, ordinary made urgent:")
                for rate, group, total in worst_groups(
                    examples, oof, hits, THRESHOLDS, g, "none", ("urgent",)
                ):
                    print(f"    {group}: {rate:.3f} of {total}")


if __name__ == "__main__":
    main()
