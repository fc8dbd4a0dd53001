"""Training the crisis screen's classifier (build time only; scikit-learn and SciPy are imported
inside the functions).

The classifier is trained once per examples file and model, and cached in the user cache under
a key made of their hashes and this module's settings: an FAQ rebuild reuses it. An index build
copies the two small files into the index folder, so a session reads one consistent index.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from therapy_faq import safety
from therapy_faq.crisis import CrisisExamples, Example
from therapy_faq.encoder import Encoder, sha256_file
from therapy_faq.files import holds_only
from therapy_faq.safety import (
    EMBEDDING_BLOCKS,
    HASH_BITS,
    LABELS,
    SCREEN_FILES,
    SCREEN_NEIGHBOURS_FILE,
    SCREEN_PROJECTION_FILE,
    SCREEN_REDUCED_FILE,
    SCREEN_SETTINGS_FILE,
    SCREEN_VERSION,
    SCREEN_VOTES_FILE,
    SCREEN_WEIGHTS_FILE,
    SCRIPT_NGRAMS,
    SCRIPT_WEIGHTS_FILE,
    VOTE_CANDIDATES,
    Thresholds,
    embedding_domain,
    ngram_features,
    screen_settings,
    script_clauses,
    script_features,
    sentences,
    unread_script,
)
from therapy_faq.script_phrases import SCRIPTS

# Chosen by grouped cross-validation on the training examples, holding out whole voices and
# whole kinds of message (`python scripts/calibrate_screen.py --grid`); never on an evaluation
# set. Safety first: among the settings whose voice-held-out false urgent rate stays at most
# 0.111, the one with the highest urgent recall; then the concern threshold that shows help
# more often than before the vote (0.946 against 0.928, whole voices held out) for about as
# many crisis lines under ordinary replies (0.204 against 0.206).
EMBEDDING_WEIGHT = 2.0  # scale of the sentence embedding beside the unit-norm n-gram block
# Scale of the embedding's blocks of other languages and of no sure language
# (`safety.embedding_domain`) beside the shared block: under 1, the weights they add cost more
# than the shared ones, so a language's own block learns only what the shared one cannot.
# Out of fold, voices held out (python scripts/calibrate_screen.py --domain-weight 0 0.5 1):
# urgent 0.824, 0.833, 0.838; ordinary made urgent 0.122, 0.122, 0.126. None meets 0.111 (round
# m's ordinary examples are the hardest); the lowest, then the highest recall: 0.5.
DOMAIN_WEIGHT = 0.5
SCREEN_C = 3.0  # inverse regularisation strength
# L-BFGS stops when its steps are this small. Two fits of the same rows in another order
# differ in p(urgent) by 0.012 on average at 1e-3 (up to 0.26; 187 of 19,436 rows on the other
# side of 0.4), by 0.003 at 1e-4 (up to 0.07: a fresh machine's figures moved by a message
# a set), and by 0.0001 at 1e-5 (up to 0.003, no row across 0.4), for a fit of 32 s instead of
# 18 s on two cores: python scripts/screen_tolerance.py --tol 1e-4 1e-5 1e-6
TOLERANCE = 1e-5
NEIGHBOURS = 10  # examples that vote
NEIGHBOUR_TEMPERATURE = 40.0  # a vote weighs exp(40 * cosine): the nearest count most
NEIGHBOUR_SHARE = 0.35  # the vote's share of the blended probabilities, at most
NEIGHBOUR_NEAR = (0.4, 0.6)  # the vote counts from this cosine of the nearest example, fully
# from this one (`safety.vote_share`): off-topic messages far from every example are left to
# the classifier
VOTE_AXES = 160  # principal axes that propose the vote's candidates (`safety.VOTE_CANDIDATES`)
# The classifier of scripts the embedding model does not read, and its threshold: chosen by
# cross-validation that holds out whole writers and whole languages, by the rule: the lowest
# threshold at which neither grouping's ordinary messages are made urgent 0.01 more often than
# by the phrases alone; then the C with the highest urgent recall, writers held out (C 30, 100,
# 300: 0.753, 0.766, 0.808): python scripts/calibrate_script_screen.py --c 30 100 300
# The rule gave 0.5 until round j's examples joined the folds; with them, 0.5 made held-out
# writers' ordinary messages urgent 0.021 of the time against 0.008 by the phrases, and 0.55 0.017
# (python scripts/calibrate_script_screen.py --c 300; C was not searched again).
SCRIPT_C = 300.0
# The floor of a framed match (`safe_frame`): by the same cross-validation, the highest floor
# at which neither grouping takes help from any urgent or concern example, on the 16,021
# examples in Latin letters (0.02 to 0.1 take none; 0.15 one with kinds held out). Ordinary
# messages with the line: 0.210 -> 0.204 (voices), 0.223 -> 0.218 (kinds).
#   python scripts/calibrate_screen.py --floor 0 0.1 0.15   (the floors in between: ad hoc)
THRESHOLDS = Thresholds(
    urgent=0.4,
    pattern_urgent=0.3,
    concern=0.35,
    clause_urgent=0.7,
    script_urgent=0.55,
    framed_floor=0.1,
)

Progress = Callable[[int], None]


def label_of(example: Example) -> int:
    if example.level == "urgent":
        return LABELS.index(f"urgent:{example.category}")
    return LABELS.index(example.level)


def training_rows(
    examples: Sequence[Example], scripts: bool = False
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Texts, labels and the example each row comes from: of the examples the embedding model
    reads, or with `scripts` of those it does not (`unread_script`), which train a classifier
    of their own. Clauses of ordinary messages are ordinary rows too: at question time every
    clause of a long message is screened alone."""
    split = script_clauses if scripts else sentences
    texts: list[str] = []
    labels: list[int] = []
    origins: list[int] = []
    for number, example in enumerate(examples):
        if unread_script(example.text) != scripts:
            continue
        texts.append(example.text)
        labels.append(label_of(example))
        origins.append(number)
        if example.level == "none":
            for clause in split(example.text):
                texts.append(clause)
                labels.append(LABELS.index("none"))
                origins.append(number)
    return texts, np.asarray(labels, dtype=np.int64), np.asarray(origins, dtype=np.int64)


def ngram_matrix(
    texts: Sequence[str], featurise: Callable[[str], tuple[np.ndarray, np.ndarray]] = ngram_features
):  # returns a scipy.sparse.csr_matrix
    from scipy.sparse import csr_matrix

    indptr = [0]
    indices: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    values: list[np.ndarray] = [np.zeros(0, dtype=np.float32)]
    for text in texts:
        columns, weights = featurise(text)
        indices.append(columns)
        values.append(weights)
        indptr.append(indptr[-1] + len(columns))
    return csr_matrix(
        (np.concatenate(values), np.concatenate(indices), np.asarray(indptr)),
        shape=(len(texts), 1 << HASH_BITS),
        dtype=np.float32,
    )


def features(
    texts: Sequence[str],
    vectors: np.ndarray,
    embedding_weight: float,
    domains: np.ndarray,
    domain_weight: float = DOMAIN_WEIGHT,
):  # returns a scipy.sparse.csr_matrix
    """N-grams, then the embedding once for every row and once more (scaled by
    `domain_weight`) in the block of the row's domain (`safety.embedding_domain`; English rows
    leave the other blocks at zero)."""
    from scipy.sparse import csr_matrix, hstack

    dense = np.asarray(vectors, dtype=np.float32) * embedding_weight
    blocks = [csr_matrix(dense)]
    for block in range(1, EMBEDDING_BLOCKS):
        in_block = (np.asarray(domains) == block)[:, None]
        blocks.append(csr_matrix(dense * in_block * domain_weight))
    return hstack([ngram_matrix(texts), *blocks], format="csr")


def row_domains(examples: Sequence[Example], origins: np.ndarray) -> np.ndarray:
    """The domain of each training row: its example's (a clause is read in its message's)."""
    domain_of = {int(o): embedding_domain(examples[o].text) for o in set(origins.tolist())}
    return np.asarray([domain_of[int(o)] for o in origins], dtype=np.int64)


def level_weights(labels: np.ndarray) -> np.ndarray:
    """Each level (none, concern, urgent) weighs the same in total, whatever its number of
    examples; within urgent, categories keep their share (balancing the seven labels would give
    urgent five sevenths of the weight)."""
    levels = np.minimum(labels, 2)
    counts = np.bincount(levels, minlength=3).astype(np.float64)
    present = counts > 0
    per_level = np.where(present, len(labels) / (present.sum() * np.maximum(counts, 1)), 0.0)
    return per_level[levels]


def fit(
    matrix, labels: np.ndarray, c: float = SCREEN_C, tolerance: float | None = None
):  # returns a LogisticRegression
    """`tolerance` other than TOLERANCE is for stand-in screens, whose decisions nobody reads."""
    from sklearn.linear_model import LogisticRegression

    tol = TOLERANCE if tolerance is None else tolerance
    model = LogisticRegression(C=c, tol=tol, max_iter=3_000)
    model.fit(matrix, labels, sample_weight=level_weights(labels))
    return model


def weight_matrix(
    model,
    dimension: int,
    embedding_weight: float,
    blocks: int = EMBEDDING_BLOCKS,
    domain_weight: float = DOMAIN_WEIGHT,
) -> np.ndarray:
    """The layout `safety.ScreenModel` reads: n-gram rows, embedding rows of each block (with
    the scales of `features` folded in), bias row; one column per label (a label absent from
    training keeps a very low bias)."""
    hashed = 1 << HASH_BITS
    weights = np.zeros((hashed + blocks * dimension + 1, len(LABELS)), dtype=np.float32)
    weights[-1, :] = -30.0
    coef, intercept, classes = model.coef_, model.intercept_, model.classes_
    if len(classes) == 2:  # scikit-learn keeps one row: the second label's logit, the first's 0
        coef = np.vstack([np.zeros_like(coef[0]), coef[0]])
        intercept = np.array([0.0, intercept[0]])
    for row, label in enumerate(classes):
        weights[:hashed, label] = coef[row, :hashed]
        weights[hashed:-1, label] = coef[row, hashed:] * embedding_weight
        weights[hashed + dimension : -1, label] *= domain_weight
        weights[-1, label] = intercept[row]
    return weights


def fit_script(texts: Sequence[str], labels: np.ndarray, c: float = SCRIPT_C):
    """The classifier of scripts the embedding model does not read (a LogisticRegression)."""
    return fit(ngram_matrix(texts, script_features), labels, c)


def script_weight_matrix(model) -> np.ndarray:
    """The layout `safety.ScriptModel` reads: `weight_matrix`'s without embedding rows. Without
    a model (no example in such a script) every message there is left to the patterns."""
    if model is not None:
        return weight_matrix(model, 0, 1.0, blocks=0)
    weights = np.zeros(((1 << HASH_BITS) + 1, len(LABELS)), dtype=np.float32)
    weights[-1, :] = -30.0
    weights[-1, LABELS.index("none")] = 0.0
    return weights


def neighbour_votes(labels: np.ndarray) -> np.ndarray:
    """Each training row's vote: its label, weighted as in training (`level_weights`), so that
    the many ordinary rows do not outvote the fewer urgent ones by number alone."""
    votes = np.zeros((len(labels), len(LABELS)), dtype=np.float32)
    votes[np.arange(len(labels)), labels] = level_weights(labels)
    return votes


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def principal_axes(unit: np.ndarray, axes: int) -> np.ndarray:
    """(dimension, axes): the first `axes` right singular vectors of the rows (uncentred: the
    vote compares raw cosines), as columns; all of them when there are fewer."""
    _, _, basis = np.linalg.svd(unit.astype(np.float64), full_matrices=False)
    return np.ascontiguousarray(basis[:axes].T, dtype=np.float32)


def patterns_fingerprint() -> str:
    """The crisis patterns and the rules that read their matches as denied or past, which the
    classifier reads as features: a screen trained with others is trained again, without
    anyone having to remember to bump SCREEN_VERSION."""
    parts = (safety.EXPLICIT, safety.EXPLICIT_MORE, safety.GUARDED, safety.LANGUAGES)
    text = json.dumps([*parts, SCRIPTS, safety.match_rules()], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def screen_key(examples_sha256: str, model_fingerprint: str, dimension: int) -> str:
    settings = (
        f"{SCREEN_VERSION}:{HASH_BITS}:{EMBEDDING_WEIGHT}:{DOMAIN_WEIGHT}:{SCREEN_C}:{TOLERANCE}:{THRESHOLDS}:"
        f"{NEIGHBOURS}:{NEIGHBOUR_TEMPERATURE}:{NEIGHBOUR_SHARE}:{NEIGHBOUR_NEAR}:"
        f"{VOTE_AXES}:{VOTE_CANDIDATES}:"
        f"{SCRIPT_C}:{SCRIPT_NGRAMS}:{patterns_fingerprint()}"
    )
    text = f"{examples_sha256}:{model_fingerprint}:{dimension}:{settings}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def screens_cache() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("therapy-faq") / "screens"


def screen_folder(examples_sha256: str, model_fingerprint: str, dimension: int) -> Path:
    return screens_cache() / screen_key(examples_sha256, model_fingerprint, dimension)


# Screens kept in the cache, the one in use among them: each is about 47 MB, and a maintainer who
# edits the examples trains a new one each time. The last few stay, so going back to a branch
# (or undoing an edit) does not cost minutes of training again.
KEEP_SCREENS = 3
# A screen used this recently is never removed: another build may be linking its files.
SCREEN_IN_USE_SECONDS = 3600
_SCREEN_NAME = re.compile(r"[0-9a-f]{20}")


def prune_screens(current: Path) -> list[Path]:
    """Remove cached screens for examples or settings no longer in use, all but the
    `KEEP_SCREENS` used last (`current` among them), and return them. A folder is removed only
    if it is named as a screen is and holds nothing but a screen's files; a failure to remove
    one leaves it for the next time (a cache that cannot be tidied is no reason to fail)."""
    now = time.time()
    names = frozenset({*SCREEN_FILES, SCREEN_SETTINGS_FILE})
    try:
        candidates = [
            path
            for path in current.parent.iterdir()
            if _SCREEN_NAME.fullmatch(path.name) and path.name != current.name
        ]
        others = [(path.stat().st_mtime, path) for path in candidates if holds_only(path, names)]
    except OSError:
        return []
    others.sort(reverse=True)
    removed = []
    for mtime, path in others[KEEP_SCREENS - 1 :]:
        if now - mtime < SCREEN_IN_USE_SECONDS:
            continue
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            removed.append(path)
    return removed


def _mark_used(folder: Path) -> None:
    """The folder's time says when a build last used it (`prune_screens` keeps the latest)."""
    with contextlib.suppress(OSError):
        os.utime(folder)


def screen_is_cached(examples_sha256: str, model_fingerprint: str, dimension: int) -> bool:
    """A cached screen is used only whole: each file's hash is the one written beside them
    (a damaged cache is trained again, not copied into every index)."""
    folder = screen_folder(examples_sha256, model_fingerprint, dimension)
    try:
        settings = json.loads((folder / SCREEN_SETTINGS_FILE).read_text(encoding="utf-8"))
        digests = {name: sha256_file(folder / name) for name in SCREEN_FILES}
    except (OSError, ValueError):
        return False
    return isinstance(settings, dict) and settings.get("sha256") == digests


def trained_screen(
    examples: CrisisExamples,
    examples_sha256: str,
    encoder: Encoder,
    model_fingerprint: str,
    progress: Progress | None = None,
) -> Path:
    """The folder of the classifier for these examples and this model: from the cache, or
    trained now (embedding every example is the slow part) and cached."""
    folder = screen_folder(examples_sha256, model_fingerprint, encoder.dimension)
    if screen_is_cached(examples_sha256, model_fingerprint, encoder.dimension):
        _mark_used(folder)
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)  # an unusable cache fails before training
    texts, labels, origins = training_rows(examples.examples)
    vectors = encoder.encode(texts, progress=progress)
    domains = row_domains(examples.examples, origins)
    model = fit(features(texts, vectors, EMBEDDING_WEIGHT, domains), labels)
    script_texts, script_labels, _ = training_rows(examples.examples, scripts=True)
    script_model = fit_script(script_texts, script_labels) if len(set(script_labels)) > 1 else None
    unit = unit_rows(vectors)
    projection = principal_axes(unit, VOTE_AXES)
    arrays = {
        SCREEN_WEIGHTS_FILE: weight_matrix(model, encoder.dimension, EMBEDDING_WEIGHT),
        SCREEN_NEIGHBOURS_FILE: unit,
        SCREEN_PROJECTION_FILE: projection,
        SCREEN_REDUCED_FILE: np.ascontiguousarray((unit @ projection).T),
        SCREEN_VOTES_FILE: neighbour_votes(labels),
        SCRIPT_WEIGHTS_FILE: script_weight_matrix(script_model),
    }
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        for name, array in arrays.items():
            with (staging / name).open("wb") as handle:
                np.save(handle, array, allow_pickle=False)
        settings = screen_settings(
            encoder.dimension,
            THRESHOLDS,
            neighbours={
                "k": NEIGHBOURS,
                "temperature": NEIGHBOUR_TEMPERATURE,
                "share": NEIGHBOUR_SHARE,
                "near": list(NEIGHBOUR_NEAR),
                "candidates": VOTE_CANDIDATES,
            },
            examples_sha256=examples_sha256,
            rows=len(texts),
            script_rows=len(script_texts),
            sha256={name: sha256_file(staging / name) for name in SCREEN_FILES},
        )
        (staging / SCREEN_SETTINGS_FILE).write_text(json.dumps(settings), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)  # a damaged copy, if any
        try:
            os.replace(staging, folder)
        except OSError:  # another build cached the same screen meanwhile
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    prune_screens(folder)
    return folder


def training_size(examples: CrisisExamples) -> int:
    return len(training_rows(examples.examples)[0])
