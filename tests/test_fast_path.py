"""The question-time path: ONNX gives the reference vectors, and never imports torch."""

from __future__ import annotations

import subprocess
import sys
from functools import cache

import numpy as np
import pytest
import yaml

from therapy_faq.encoder import OnnxEncoder, SentenceTransformerEncoder
from therapy_faq.index import FOREIGN, index_rows
from therapy_faq.retrieval import Retriever, clean_query
from therapy_faq.service import query_encoder

from .conftest import REPO, subprocess_env

pytestmark = pytest.mark.model


def eval_questions() -> list[str]:
    texts = []
    for name in ("queries.yaml", "ordinary.yaml", "crisis.yaml"):
        data = yaml.safe_load((REPO / "eval" / name).read_text(encoding="utf-8"))
        for section in ("in_scope", "ordinary"):
            texts += [item["text"] for item in data.get(section, [])]
        texts += data.get("out_of_scope", []) + data.get("crisis", [])
    return [clean_query(t) for t in texts]


def faq_sample(faq) -> list[str]:
    """Every English text of the FAQ, and every sixth wording in another language (all 19
    languages and six scripts among them): torch took 100 s over all 4,600 texts."""
    texts, _, kinds = index_rows(faq)
    english = [text for text, kind in zip(texts, kinds, strict=True) if kind != FOREIGN]
    others = [text for text, kind in zip(texts, kinds, strict=True) if kind == FOREIGN]
    return english + others[::6]


def spread(texts: list[str], every: int = 4) -> list[str]:
    """Every `every`-th text by length, shortest and longest kept: the graph, not the words, is
    what the two ways of running the model could disagree on (the tokenizers are compared on
    every text in test_encoder). All 2,076 texts took 75 s, torch's half of it."""
    ordered = sorted(set(texts), key=lambda text: (len(text), text))
    return ordered[::every] + ordered[-1:]


@cache
def reference_vectors(texts: tuple[str, ...]) -> np.ndarray:
    """Computed once for both tests below: torch takes half a minute over the FAQ's texts."""
    return SentenceTransformerEncoder().encode(list(texts))


@pytest.mark.parametrize("prepack", [True, False], ids=["session", "one-question"])
def test_onnx_vectors_match_sentence_transformers(real_assistant, prepack: bool) -> None:
    """Both ways of making the session: for many questions, and started fast for one."""
    onnx = query_encoder(real_assistant.retriever.index, prepack=prepack)
    assert isinstance(onnx, OnnxEncoder)
    texts = [*spread(faq_sample(real_assistant.faq) + eval_questions()), "word " * 400]  # cut
    a, b = onnx.encode(texts), reference_vectors(tuple(texts))
    cosines = np.sum(a * b, axis=1)
    assert cosines.min() >= 0.999, texts[int(np.argmin(cosines))]


def test_onnx_and_reference_pick_the_same_entry(real_assistant) -> None:
    retriever: Retriever = real_assistant.retriever
    reference = SentenceTransformerEncoder()
    questions = eval_questions()
    a = real_assistant.encoder.encode(questions)
    b = reference.encode(questions)
    for question, va, vb in zip(questions, a, b, strict=True):
        top_a = retriever.rank(va, question, 1)[0].entry.id
        top_b = retriever.rank(vb, question, 1)[0].entry.id
        assert top_a == top_b, question


HEAVY = ("torch", "transformers", "sentence_transformers", "sklearn", "scipy")


@pytest.mark.parametrize("args", [["ask", "Do you hug your therapist?", "--json"], ["ask", "-"]])
def test_one_shot_ask_imports_no_torch_nor_scikit_learn(real_paths, args: list[str]) -> None:
    code = (
        "import sys\n"
        "from therapy_faq.cli import app\n"
        f"try:\n    app({args!r})\n"
        "except SystemExit as exit:\n    assert not exit.code, exit.code\n"
        f"print('HEAVY', [m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        input="Is it OK to cry in a therapy session?\nkms\n",
        capture_output=True,
        text=True,
        env=subprocess_env(THERAPY_FAQ_INDEX=str(real_paths.index)),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "HEAVY []"


def test_a_current_index_answers_without_parsing_the_faq_nor_importing_rich(real_paths) -> None:
    """The index keeps the FAQ it was built from, validated: `ask --json` reads that copy (the
    YAML is only hashed), and prints JSON without Rich."""
    code = (
        "import sys\n"
        "import therapy_faq.faq\n"
        "def refuse(*args):\n    raise AssertionError('the FAQ YAML was parsed')\n"
        "therapy_faq.faq._parse = refuse\n"
        "from therapy_faq.cli import app\n"
        "try:\n    app(['ask', 'Do you hug your therapist?', '--json'])\n"
        "except SystemExit as exit:\n    assert not exit.code, exit.code\n"
        "print('RICH', [m for m in sys.modules if m.split('.')[0] == 'rich'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=subprocess_env(
            THERAPY_FAQ_INDEX=str(real_paths.index), THERAPY_FAQ_FILE=str(real_paths.faq)
        ),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert '"status": "answered"' in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "RICH []"
