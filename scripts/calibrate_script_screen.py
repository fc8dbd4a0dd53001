"""Choose the settings of the classifier of scripts the embedding model does not read (the
crisis screen's third layer, `safety.ScriptModel`) by grouped cross-validation.

Its examples are the messages of data/crisis_examples.yaml written in those scripts
(`safety.unread_script`): two writers for each group of languages, each writer's messages one
`kind`, each language one `voice`. Two groupings, each fold holding out one whole group:
- by writer: words the classifier never saw, in languages it knows;
- by language: a language it never saw (it must then stay quiet: the message keeps the line
  that nothing here can read it).

Out-of-fold probabilities (message and clauses, as at question time) go through the screen's
own decision (`Thresholds.level`), the phrases of `script_phrases.py` included. The evaluation
sets are read only with --check, which trains on every example and reports the messages in
these scripts of the evaluation sets that were already measured: a second set, for checking a
choice, never for making it.

    python scripts/calibrate_script_screen.py
    python scripts/calibrate_script_screen.py --c 1 3 10 30 --check eval/crisis_heldout*.yaml
    python scripts/calibrate_script_screen.py --try new_examples.yaml   # before adding them
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np
import yaml

from therapy_faq.crisis import CrisisExamples, Example, load_examples, load_validated
from therapy_faq.safety import (
    LABELS,
    Scores,
    is_bare,
    pattern_hit,
    script_clauses,
    script_features,
    unread_script,
)
from therapy_faq.screen_training import (
    SCRIPT_C,
    THRESHOLDS,
    fit_script,
    ngram_matrix,
    training_rows,
)
from therapy_faq.settings import crisis_examples_path

THRESHOLD_GRID = (0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9)
NO_SCORES = Scores(0.0, 0.0, 0.0)  # the main classifier's, which the decision ignores here


def urgent_of(model, texts: list[str]) -> tuple[float, float]:
    """As `ScriptModel.urgent`: the highest urgent probability of a message and its clauses;
    and the highest urgent + concern one."""
    probs = np.zeros((len(texts), len(LABELS)))
    probs[:, model.classes_] = model.predict_proba(ngram_matrix(texts, script_features))
    return float(probs[:, 2:].sum(axis=1).max()), float(probs[:, 1:].sum(axis=1).max())


def out_of_fold(examples: list[Example], groups: list[str], c: float) -> list[tuple[float, float]]:
    """Each example's urgent (and help) probability from a model trained without its group."""
    texts, labels, origins = training_rows(examples, scripts=True)
    scored = [(0.0, 0.0)] * len(examples)
    group_of = np.asarray(groups)
    for group in sorted(set(groups)):
        held = np.flatnonzero(group_of == group)
        train = ~np.isin(origins, held)
        if len(set(labels[train].tolist())) < 2:
            continue  # nothing to learn from: the group's messages keep (0, 0)
        model = fit_script(
            [t for t, keep in zip(texts, train, strict=True) if keep], labels[train], c
        )
        for i in held:
            scored[i] = urgent_of(model, [examples[i].text, *script_clauses(examples[i].text)])
    return scored


def verdict(text: str, urgent: float, threshold: float) -> str:
    limits = dataclasses.replace(THRESHOLDS, script_urgent=threshold)
    return limits.level(NO_SCORES, pattern_hit(text), is_bare(text), True, urgent)


def urgent_share(counts: dict[str, Counter[str]], level: str) -> str:
    total = sum(counts[level].values())
    return f"{counts[level]['urgent'] / total:.3f}" if total else "  -  "


def report(
    name: str, levels: list[str], texts: list[str], scores: list[tuple[float, float]]
) -> None:
    print(f"  {name}:")
    urgent = [u for u, _ in scores]
    for threshold in (1.01, *THRESHOLD_GRID):  # 1.01: the phrases alone, as before this layer
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for level, text, p in zip(levels, texts, urgent, strict=True):
            counts[level][verdict(text, p, threshold)] += 1

        label = "phrases" if threshold > 1 else f"t={threshold}"
        print(
            f"    {label:8} urgent recall {urgent_share(counts, 'urgent')}"
            f"  concern->urgent {urgent_share(counts, 'concern')}"
            f"  none->urgent {urgent_share(counts, 'none')}"
        )
    # Not a setting today: what dropping the unread line below a help probability would cost
    for floor in (0.02, 0.05, 0.1, 0.2):
        lost, spared = Counter(), Counter()
        for level, text, (_, help_) in zip(levels, texts, scores, strict=True):
            quiet = help_ < floor and pattern_hit(text) is None
            lost[level] += quiet
            spared[level] += 1
        print(
            f"    without the line below p(help) {floor}: crisis without help "
            f"{lost['urgent'] / max(spared['urgent'], 1):.3f}, ordinary spared it "
            f"{lost['none'] / max(spared['none'], 1):.3f}"
        )


def evaluation_messages(paths: list[str]) -> tuple[list[str], list[str]]:
    levels, texts = [], []
    for path in paths:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        for section, level in (("crisis", "urgent"), ("ordinary", "none")):
            for item in data.get(section) or []:
                if unread_script(item["text"]):
                    levels.append(level)
                    texts.append(item["text"])
    return levels, texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--c", type=float, nargs="+", default=[SCRIPT_C], help="values of C")
    parser.add_argument("--check", nargs="*", default=[], help="evaluation sets already measured")
    parser.add_argument(
        "--try",
        dest="extra",
        type=Path,
        nargs="*",
        default=[],
        help="examples files to try beside the committed ones (the shape of the examples file)",
    )
    args = parser.parse_args()
    everything = load_examples(crisis_examples_path()).examples
    for path in args.extra:
        everything = [*everything, *load_validated(path, CrisisExamples, "examples").examples]
    examples = [e for e in everything if unread_script(e.text)]
    print(f"{len(examples)} examples in other scripts: {Counter(e.level for e in examples)}")
    print(f"languages: {dict(Counter(e.voice for e in examples))}")
    levels = [e.level for e in examples]
    texts = [e.text for e in examples]
    for c in args.c:
        print(f"\nC={c}")
        for name, groups in (
            ("writers held out", [e.kind for e in examples]),
            ("languages held out", [e.voice for e in examples]),
        ):
            report(name, levels, texts, out_of_fold(examples, groups, c))
        if args.check:
            rows, labels, _ = training_rows(examples, scripts=True)
            model = fit_script(rows, labels, c)
            check_levels, check_texts = evaluation_messages(args.check)
            scores = [urgent_of(model, [t, *script_clauses(t)]) for t in check_texts]
            report(
                f"{len(check_texts)} messages of {len(args.check)} evaluation sets (a check)",
                check_levels,
                check_texts,
                scores,
            )


if __name__ == "__main__":
    main()
