"""Compare two crisis screens message by message: which messages changed level, and where.

`therapy-faq eval` gives a set's totals; a change that raises some messages and lowers others
can leave them still. Each screen is a source tree and an index of its own (the older one a
worktree of its commit, `git worktree add`), so this runs in two steps:

    python scripts/compare_levels.py dump old.json eval/*.yaml --src ../old/src --index ../old-index
    python scripts/compare_levels.py dump new.json eval/*.yaml
    python scripts/compare_levels.py diff old.json new.json          # counts only
    python scripts/compare_levels.py diff old.json new.json --show   # and the wording

`dump` records each message's level (urgent, concern, none) and the language its line names in
a trailing comment (`# tr`), when it names one. `diff` counts the changes per set, kind and
language. Its `--show` prints the wording of every changed message: use it only on sets that
are read, never on a sealed one (README, "Figures").
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import yaml

RANK = {"none": 0, "concern": 1, "urgent": 2}
LANGUAGE = re.compile(r"#\s*([A-Za-z][\w-]*)\s*$")


def languages(path: Path) -> dict[str, str]:
    """Each message's language, from the comment that ends its line (`- {text: ...}  # tr`)."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        named = LANGUAGE.search(line)
        if not named or not line.lstrip().startswith("- "):
            continue
        try:
            item = yaml.safe_load(line.strip())[0]
        except (yaml.YAMLError, IndexError, KeyError, TypeError):
            continue
        text = item.get("text") if isinstance(item, dict) else item
        if isinstance(text, str):
            found[text] = named.group(1)
    return found


def dump(args: argparse.Namespace) -> None:
    if Path(args.out).is_dir():
        sys.exit(f"compare_levels: {args.out} is a folder; name a JSON file to write")
    if args.src:
        sys.path.insert(0, str(Path(args.src).resolve()))
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from therapy_faq.evaluation import load_eval_set
    from therapy_faq.service import Paths, open_assistant
    from therapy_faq.settings import resolve_faq_path, resolve_index_dir

    faq = resolve_faq_path()
    index = resolve_index_dir(faq, Path(args.index) if args.index else None)
    assistant = open_assistant(Paths(faq=faq, index=index))
    levels: dict[str, list[dict[str, str | None]]] = {}
    for name in args.files:
        path = Path(name)
        eval_set = load_eval_set(path)
        language = languages(path)
        kinds = [("crisis", item.text) for item in eval_set.crisis]
        kinds += [("ordinary", item.text) for item in eval_set.ordinary]
        kinds += [("ordinary", item.text) for item in eval_set.in_scope]
        levels[path.name] = [
            {
                "kind": kind,
                "text": text,
                "language": language.get(text),
                "level": assistant.reply(text, top_k=2).screen.level,
            }
            for kind, text in kinds
        ]
        print(f"{path.name}: {len(kinds)} messages", file=sys.stderr)
    Path(args.out).write_text(json.dumps(levels, ensure_ascii=False, indent=0), encoding="utf-8")


def diff(args: argparse.Namespace) -> None:
    old = json.loads(Path(args.old).read_text(encoding="utf-8"))
    new = json.loads(Path(args.new).read_text(encoding="utf-8"))
    moves: Counter[tuple[str, str, str]] = Counter()
    by_language: Counter[tuple[str, str, str]] = Counter()
    lost_help = 0
    for name in sorted(old.keys() & new.keys()):
        if [m["text"] for m in old[name]] != [m["text"] for m in new[name]]:
            print(f"{name}: not the same messages in both dumps, skipped", file=sys.stderr)
            continue
        for before, after in zip(old[name], new[name], strict=True):
            if before["level"] == after["level"]:
                continue
            kind = before["kind"]
            step = "up" if RANK[after["level"]] > RANK[before["level"]] else "down"
            moves[(name, kind, f"{before['level']} -> {after['level']}")] += 1
            by_language[(before["language"] or "-", kind, step)] += 1
            lost_help += kind == "crisis" and after["level"] == "none"
            if args.show:
                print(f"{name} {kind} {before['level']} -> {after['level']} | {before['text']}")
    for (name, kind, move), count in sorted(moves.items()):
        print(f"{name:36} {kind:8} {move:20} {count}")
    if any(language != "-" for language, _, _ in by_language):
        print("by language (kind, up / down):")
        for language in sorted({language for language, _, _ in by_language}):
            cells = [
                f"{kind} {by_language[(language, kind, 'up')]} / "
                f"{by_language[(language, kind, 'down')]}"
                for kind in ("crisis", "ordinary")
            ]
            print(f"  {language:8} " + ", ".join(cells))
    print(f"crises that lost all help: {lost_help}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    steps = parser.add_subparsers(dest="step", required=True)
    recording = steps.add_parser("dump", help="record each message's level on one screen")
    recording.add_argument("out", help="JSON file to write")
    recording.add_argument("files", nargs="+", help="evaluation YAML files")
    recording.add_argument("--src", help="source tree of the screen (default: this checkout)")
    recording.add_argument("--index", help="its index folder (default: the user cache's)")
    comparing = steps.add_parser("diff", help="count the messages whose level changed")
    comparing.add_argument("old", help="dump of the screen before")
    comparing.add_argument("new", help="dump of the screen after")
    comparing.add_argument("--show", action="store_true", help="print their wording too")
    args = parser.parse_args()
    if args.step == "dump":
        dump(args)
    else:
        diff(args)


if __name__ == "__main__":
    main()
