"""The encoder's batching (pure logic, no model) and its tokenizer (the real files)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from therapy_faq.encoder import (
    MAX_TOKENS,
    batches,
    encode_by_length,
    model_dir,
    question_tokenizer,
)

REPO = Path(__file__).resolve().parents[1]

LENGTHS = [5, 400, 30, 30, 2000, 1, 90, 90, 90, 90, 250]


def sorted_order(lengths: list[int]) -> list[int]:
    return sorted(range(len(lengths)), key=lambda i: lengths[i])


@pytest.mark.parametrize("budget", [None, 1, 100, 400, 800, 10_000])
@pytest.mark.parametrize("size", [1, 3, 32])
def test_batches_cover_every_text_once_in_order_within_size_and_budget(
    size: int, budget: int | None
) -> None:
    order = sorted_order(LENGTHS)
    runs = list(batches(order, LENGTHS, size, budget))
    assert [i for run in runs for i in run] == order
    for run in runs:
        assert 1 <= len(run) <= size
        if budget is not None and len(run) > 1:
            assert len(run) * max(LENGTHS[i] for i in run) <= budget


def test_a_text_longer_than_the_budget_goes_alone_and_short_ones_share() -> None:
    order = sorted_order(LENGTHS)
    runs = list(batches(order, LENGTHS, 32, 400))
    assert [LENGTHS.index(2000)] in runs
    assert max(len(run) for run in runs) > 1


def test_vectors_come_back_in_the_texts_order() -> None:
    texts = ["a" * n for n in LENGTHS]

    def vectors(batch: list[str]) -> np.ndarray:
        return np.array([[len(text), 0.0] for text in batch], dtype=np.float32)

    sizes: list[int] = []
    result = encode_by_length(texts, 4, 2, vectors, sizes.append, budget=300)
    assert result[:, 0].tolist() == LENGTHS
    assert sum(sizes) == len(texts)


# --- the tokenizer --------------------------------------------------------------------------


def tokenizers_for_questions():
    """The encoder's own (from vocab.txt) and the official tokenizer.json's, set up alike."""
    from tokenizers import Tokenizer

    official = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    official.enable_truncation(MAX_TOKENS)
    official.enable_padding(pad_id=0, pad_token="[PAD]")
    return question_tokenizer(model_dir()), official


def every_text(data: object) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [text for value in data.values() for text in every_text(value)]
    if isinstance(data, list):
        return [text for value in data for text in every_text(value)]
    return []


def test_the_vocabulary_file_holds_the_official_word_pieces_in_order() -> None:
    official = json.loads((model_dir() / "tokenizer.json").read_text(encoding="utf-8"))
    pieces = (model_dir() / "vocab.txt").read_text(encoding="utf-8").splitlines()
    vocab = official["model"]["vocab"]
    assert pieces == sorted(vocab, key=vocab.__getitem__)


def test_the_question_time_tokenizer_gives_the_official_ids() -> None:
    """On the FAQ, every evaluation set and messages built to differ: accents, full-width and
    Chinese characters, emoji, control characters, special tokens typed, text past the limit."""
    texts = every_text(yaml.safe_load((REPO / "data" / "faq.yaml").read_text(encoding="utf-8")))
    for path in sorted((REPO / "eval").glob("*.yaml")):
        texts += every_text(yaml.safe_load(path.read_text(encoding="utf-8")))
    texts += [
        "",
        "\u200b\u200b",
        "naïve café, Ångström, São Paulo",
        "ＦＵＬＬ　ＷＩＤＴＨ ｔｈｅｒａｐｙ",
        "我今天在治疗中哭了",
        "😂🔫💀 lol",
        "a\tb\nc\x00\x01",
        "[CLS] [SEP] [MASK] [PAD] [UNK]",
        "cry " * 400,
        "x" * 300,
    ]
    fast, official = tokenizers_for_questions()
    for start in range(0, len(texts), 256):
        chunk = texts[start : start + 256]
        for mine, theirs, text in zip(
            fast.encode_batch(chunk), official.encode_batch(chunk), chunk, strict=True
        ):
            assert (mine.ids, mine.type_ids, mine.attention_mask) == (
                theirs.ids,
                theirs.type_ids,
                theirs.attention_mask,
            ), text
