#!/usr/bin/env python3
"""One-shot answers, chat start-up and batch questions, next to the naive path, in one run.

    python benchmarks/oneshot.py            # 7 runs of each, medians
    python benchmarks/oneshot.py --runs 3

The naive path (benchmarks/naive_ask.py) imports sentence-transformers, loads the model,
encodes the question and searches the same FAISS index. Runs alternate between the two so
that a noisy machine slows both alike.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PYTHON, REPO, median, run, table

QUESTION = "is it ok to cry during my therapy session"
# What no one-shot answer can skip: Python, numpy, onnxruntime and the tokenizer imported, the
# question-time session created (made for one question, as `ask` makes it), and one question
# encoded, by the tool's own encoder.
FLOOR = """
import json, sys
from pathlib import Path
from therapy_faq.encoder import QUERY_THREADS, OnnxEncoder
onnx = json.loads((Path(sys.argv[1]) / "manifest.json").read_text())["query_model"]["path"]
OnnxEncoder(Path(onnx), threads=QUERY_THREADS, prepack=False).encode([sys.argv[2]])
"""


BATCH = 400


def short_questions() -> list[str]:
    """The questions of eval/queries.yaml, in scope and not (about 9 words each)."""
    data = yaml.safe_load((REPO / "eval" / "queries.yaml").read_text(encoding="utf-8"))
    return [item["text"] for item in data["in_scope"]] + data["out_of_scope"]


def long_questions() -> list[str]:
    """The BATCH longest distinct messages of the evaluation sets (questions, refusals, crisis
    and ordinary messages: about 27 words each), as the issue measured `ask -`: long messages
    cost more to encode, and their clauses are screened too."""
    texts: set[str] = set()
    for path in sorted((REPO / "eval").glob("*.yaml")):
        for items in yaml.safe_load(path.read_text(encoding="utf-8")).values():
            if isinstance(items, list):
                texts.update(i if isinstance(i, str) else i["text"] for i in items)
    return sorted(texts, key=lambda text: (-len(text.split()), text))[:BATCH]


def per_question_ms(ask: list[str], questions: list[str], env: dict[str, str], runs: int) -> float:
    """Milliseconds a question for `ask - --json`: all the questions against the first alone
    (start-up cancels out), medians of `runs` alternating runs."""
    command = [*ask, "-", "--json"]
    one, many = [], []
    for _ in range(runs):
        one.append(run(command, stdin=questions[0] + "\n", env=env)[0])
        many.append(run(command, stdin="\n".join(questions), env=env)[0])
    return (median(many) - median(one)) / (len(questions) - 1) * 1000


def chat_start(env: dict[str, str]) -> tuple[float, float]:
    """Seconds from starting the chat on a terminal to its first prompt, and to the answer of
    a question sent as soon as the prompt shows (the model loads while a person types: this
    is the wait of someone who pastes a question at once)."""
    import pexpect

    start = time.perf_counter()
    child = pexpect.spawn(PYTHON, ["-m", "therapy_faq", "chat"], env=env, encoding="utf-8")
    child.expect("you> ", timeout=60)
    prompt = time.perf_counter() - start
    child.sendline(QUESTION)
    child.expect("you> ", timeout=60)
    answer = time.perf_counter() - start
    child.sendeof()
    child.expect(pexpect.EOF, timeout=30)
    return prompt, answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    # Byte-compiled, as pip leaves an installed wheel: with PYTHONDONTWRITEBYTECODE set (as on
    # the reference machine) a checkout's package would be compiled again at every start.
    run([PYTHON, "-m", "compileall", "-q", str(REPO / "src" / "therapy_faq")])
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        env = {**os.environ, "THERAPY_FAQ_INDEX": str(index)}
        run([PYTHON, "-m", "therapy_faq", "build"], env=env)
        ask = [PYTHON, "-m", "therapy_faq", "ask", QUESTION, "--json"]
        naive = [PYTHON, str(REPO / "benchmarks" / "naive_ask.py"), str(index), QUESTION]
        floor = [PYTHON, "-c", FLOOR, str(index), QUESTION]
        times: dict[str, list[float]] = {"naive": [], "ours": [], "floor": []}
        memory: dict[str, list[float]] = {"naive": [], "ours": [], "floor": []}
        for _ in range(args.runs):
            for name, command in (("naive", naive), ("ours", ask), ("floor", floor)):
                seconds, peak = run(command, env=env)
                times[name].append(seconds)
                memory[name].append(peak)
        starts = [chat_start(env) for _ in range(args.runs)]
        light: dict[str, list[float]] = {"floor": [], "version": [], "help": []}
        for _ in range(args.runs):
            for name, command in (
                ("floor", [PYTHON, "-c", "import typer"]),
                ("version", [PYTHON, "-m", "therapy_faq", "--version"]),
                ("help", [PYTHON, "-m", "therapy_faq", "--help"]),
            ):
                light[name].append(run(command, env=env)[0])
        per_question = {
            name: per_question_ms(ask[:4], questions, env, max(3, args.runs // 2))
            for name, questions in (("short", short_questions()), ("long", long_questions()))
        }
    t_naive, t_ours = median(times["naive"]), median(times["ours"])
    m_naive, m_ours = median(memory["naive"]), median(memory["ours"])
    rows = [
        ["figure", "naive", "therapy-faq", "ratio", "target"],
        ["one-shot `ask --json`", f"{t_naive:.2f} s", f"{t_ours:.2f} s",
         f"{t_ours / t_naive:.3f}", "<= 0.05"],
        ["its floor: imports, session, one encoding (no FAQ, index or screen)", "",
         f"{median(times['floor']):.2f} s", f"{median(times['floor']) / t_naive:.3f}", ""],
        ["peak memory of that process", f"{m_naive:.0f} MB", f"{m_ours:.0f} MB",
         f"{m_ours / m_naive:.2f}", "<= 0.5"],
        ["chat: start to first prompt", "", f"{median([s[0] for s in starts]):.2f} s", "",
         "<= 0.4 s"],
        ["chat: start to the answer of a question sent at the prompt", "",
         f"{median([s[1] for s in starts]):.2f} s", "", ""],
        ["`--version` (floor: `python -c 'import typer'`)", f"{median(light['floor']):.2f} s",
         f"{median(light['version']):.2f} s", "", "<= 0.25 s"],
        ["`--help`", "", f"{median(light['help']):.2f} s", "", "<= 0.25 s"],
        [f"`ask -`: time per question, {len(short_questions())} short ones (eval/queries.yaml)",
         "", f"{per_question['short']:.1f} ms", "", ""],
        [f"`ask -`: time per question, the {BATCH} longest of eval/", "",
         f"{per_question['long']:.1f} ms", "", "<= 3 ms"],
    ]  # fmt: skip
    print(table(rows))
    print(f"\nmedians of {args.runs} runs; machine: {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
