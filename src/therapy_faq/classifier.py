"""A linear classifier over the FAQ's own vectors: which entry does a question belong to?

Nearest-wording similarity treats every wording alone, so a question often lands on a
near-duplicate entry (six entries are about crying). A multinomial logistic regression trained
on all of an entry's vectors (its wordings and its answer) learns what sets entries apart;
its probability for an entry is one more signal for `retrieval.Scoring`, and, since it is
spread thin over many entries when no entry fits, it also helps to refuse.

It is trained at build time only (scikit-learn, imported lazily) and saved as one array; a
question needs a matrix product and a softmax in NumPy. Past CLASSIFIER_ENTRY_LIMIT entries it
is not trained (training time grows with the number of entries) and retrieval does without.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

CLASSIFIER_ENTRY_LIMIT = 2_000
# Inverse regularisation strength. Chosen on held-out wordings of data/faq.yaml, never on
# an evaluation set: accuracy rises from C=1 (0.39) to C=30 (0.73) and is flat to C=300
# (`python scripts/compare_retrieval.py --classifier-cv`).
CLASSIFIER_C = 100.0


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """OpenBLAS on one thread while scikit-learn trains: L-BFGS makes many small BLAS calls,
    and OpenBLAS's threads spinning against each other on a busy two-core machine made the
    entry classifier's training take 8.8 s instead of 0.15 s (`benchmarks/build.py`)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def trains_classifier(entry_count: int) -> bool:
    return 2 <= entry_count <= CLASSIFIER_ENTRY_LIMIT


def train_classifier(
    vectors: np.ndarray, labels: np.ndarray, entry_count: int, c: float = CLASSIFIER_C
) -> np.ndarray:
    """Weights of shape (entry_count, dimension + 1), the bias in the last column."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=5_000)
    with single_threaded_blas():
        model.fit(np.asarray(vectors, dtype=np.float32), labels)
    weights = np.zeros((entry_count, vectors.shape[1] + 1), dtype=np.float32)
    # With two entries scikit-learn keeps one row (the second entry's logit; the first's is 0).
    rows = model.classes_ if len(model.classes_) > 2 else model.classes_[1:]
    weights[rows, :-1] = model.coef_
    weights[rows, -1] = model.intercept_
    return weights


def entry_probabilities(weights: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """The classifier's probability of every entry for one normalised question vector."""
    logits = weights[:, :-1] @ vector + weights[:, -1]
    logits -= logits.max()
    exp = np.exp(logits)
    return (exp / exp.sum()).astype(np.float32)
