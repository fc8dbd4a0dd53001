"""Synthetic FAQs of any size, for the scale benchmark: distinct, readable questions built from
word lists (deterministic for a seed), with two-sentence answers."""

from __future__ import annotations

import random
from pathlib import Path

import yaml

OPENERS = ["How do I", "Can I", "Should I", "Why do people", "When should I", "Is it normal to"]
VERBS = [
    "talk about",
    "cope with",
    "prepare for",
    "deal with",
    "explain",
    "handle",
    "plan for",
    "recover from",
    "ask about",
    "write about",
    "think about",
    "avoid",
    "understand",
    "accept",
    "notice",
    "share",
    "describe",
    "manage",
    "track",
    "question",
    "celebrate",
    "remember",
    "forgive",
    "schedule",
    "reflect on",
]
NOUNS = [
    "anxiety",
    "grief",
    "sleep",
    "anger",
    "guilt",
    "shame",
    "loneliness",
    "burnout",
    "conflict",
    "boundaries",
    "trust",
    "jealousy",
    "stress",
    "panic",
    "motivation",
    "habits",
    "memories",
    "family",
    "friendship",
    "work",
    "school",
    "money",
    "moving",
    "breakups",
    "loss",
    "change",
    "goals",
    "rest",
    "routine",
    "exercise",
    "diet",
    "holidays",
    "weekends",
    "mornings",
    "evenings",
    "phone use",
    "social media",
    "music",
    "art",
    "journaling",
    "hobbies",
    "neighbours",
    "siblings",
    "parents",
    "grandparents",
    "children",
    "partners",
    "colleagues",
    "pets",
    "travel",
]
CONTEXTS = [
    "at work",
    "at home",
    "with friends",
    "in therapy",
    "after a loss",
    "during exams",
    "on holiday",
    "in a new city",
    "after a breakup",
    "when tired",
    "in the morning",
    "at night",
    "with family",
    "online",
    "in a group",
    "alone",
    "after moving",
    "before a big day",
    "during winter",
    "in a crisis plan",
]
SENTENCES = [
    "Start small and notice what changes over a week.",
    "Talking it through with someone you trust often helps.",
    "Writing down what happened can make patterns easier to see.",
    "A therapist can help you plan the next step.",
    "Be patient with yourself: progress is rarely a straight line.",
    "Routines make hard days a little more predictable.",
    "Name the feeling first, then decide what to do about it.",
    "It is common, and there are ways to make it easier.",
]


def generate(count: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    seen: set[str] = set()
    entries = []
    while len(entries) < count:
        question = (
            f"{rng.choice(OPENERS)} {rng.choice(VERBS).strip()} "
            f"{rng.choice(NOUNS).strip()} {rng.choice(CONTEXTS).strip()}"
            f" ({rng.choice(NOUNS).strip()})?"
        )
        if question in seen:
            continue
        seen.add(question)
        number = len(entries)
        entries.append(
            {
                "id": f"synthetic-{number}",
                "question": question,
                "answer": " ".join(
                    [
                        f"{rng.choice(NOUNS).capitalize()} {rng.choice(CONTEXTS)} can be hard.",
                        *rng.sample(SENTENCES, 2),
                    ]
                ),
                "sources": [{"title": "Synthetic FAQ", "document": "synthetic"}],
            }
        )
    return {"entries": entries}


def write(count: int, path: Path, seed: int = 7) -> Path:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump(generate(count, seed), Dumper=dumper, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path
