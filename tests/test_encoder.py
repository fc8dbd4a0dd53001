"""Batching for the encoder: pure logic, no model."""

from __future__ import annotations

import numpy as np
import pytest

from therapy_faq.encoder import batches, encode_by_length

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
