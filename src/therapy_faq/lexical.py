"""Lexical scoring with BM25, fused with the dense scores.

The index is built by bm25s (with Snowball stemming from PyStemmer) and saved in its own JSON
and NumPy files, with the documents' words as written (`words.json`): a question's word that no
document uses, and that the model does not know as a word, is read as the closest of them, one
edit away (two for long words), so "therpist" and "sesson" still count (`Bm25Scorer.corrected`;
rapidfuzz's optimal string alignment distance: a swap is one edit).
A second index, of the wordings in other languages, is built without stemming or stop words and
with accents folded ("psicóloga" = "psicologa"), for questions written in those languages.
Chinese, Japanese and Thai put no spaces between words, so there each pair of neighbouring
characters counts as a word ("咨询师" -> "咨询 询师"): a question then shares words with the
wordings it paraphrases.
Questions are scored straight from those files: importing bm25s pulls in scipy, which would
cost a one-shot `ask` a third of a second. The tokeniser settings are saved beside the index,
and a test checks tokens and scores against bm25s itself.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np

TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # bm25s's default
STEMMER_LANGUAGE = "english"
SETTINGS_FILE = "query_tokenizer.json"
WORDS_FILE = "words.json"
FUZZY_MIN_LENGTH = 4  # a shorter word has too many others one edit away
LONG_WORD = 8  # from this length, two edits


def max_edits(word: str) -> int:
    return 1 if len(word) < LONG_WORD else 2


@cache
def _stemmer(language: str = STEMMER_LANGUAGE) -> Any:
    import Stemmer

    return Stemmer.Stemmer(language)


def fold_accents(text: str) -> str:
    """Lower case without accents: people type "psicologa" for "psicóloga"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# Han ideographs, kana and their half-width forms, and Thai: scripts written without spaces.
_UNSPACED = re.compile(
    r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]+"
)


def character_pairs(text: str) -> str:
    """`text` with each run of Chinese, Japanese or Thai characters written as its overlapping
    pairs, spaced, so that a tokeniser that splits on spaces reads them as words. Thai vowel and
    tone marks are left out: the tokeniser would split a pair at them."""

    def pairs(run: re.Match[str]) -> str:
        chars = "".join(c for c in run.group() if unicodedata.category(c) != "Mn")
        return " " + " ".join(chars[i : i + 2] for i in range(max(len(chars) - 1, 1))) + " "

    return _UNSPACED.sub(pairs, text)


def build_bm25(documents: Sequence[str], folder: Path, english: bool = True) -> None:
    """One document per FAQ entry; bm25s writes JSON and NumPy files (no pickle). Not
    `english`: no stop words, no stemming, accents folded (wordings in many languages)."""
    import bm25s
    from bm25s.stopwords import STOPWORDS_EN

    stopwords = sorted(STOPWORDS_EN) if english else []
    texts = list(documents) if english else [character_pairs(fold_accents(d)) for d in documents]
    tokens = bm25s.tokenize(
        texts,
        stopwords="en" if english else [],
        stemmer=_stemmer() if english else None,
        show_progress=False,
    )
    model = bm25s.BM25()
    model.index(tokens, show_progress=False)
    model.save(str(folder))
    split = re.compile(TOKEN_PATTERN).findall
    words = {w for document in texts for w in split(document.lower())} - set(stopwords)
    (folder / WORDS_FILE).write_text(json.dumps(sorted(words)), encoding="utf-8")
    settings = {
        "pattern": TOKEN_PATTERN,
        "stopwords": stopwords,
        "stemmer": STEMMER_LANGUAGE if english else None,
        "fold_accents": not english,
        "character_pairs": not english,
    }
    (folder / SETTINGS_FILE).write_text(json.dumps(settings), encoding="utf-8")


class Bm25Scorer:
    """BM25 scores of every document for a question, from bm25s's saved sparse matrix."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        settings = json.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8"))
        self._split = re.compile(settings["pattern"]).findall
        self._stopwords = frozenset(settings["stopwords"])
        self._stemmer = _stemmer(settings["stemmer"]) if settings["stemmer"] else None
        self._fold = bool(settings.get("fold_accents", False))
        self._pairs = bool(settings.get("character_pairs", False))
        self.vocabulary: dict[str, int] = json.loads(
            (folder / "vocab.index.json").read_text(encoding="utf-8")
        )
        params = json.loads((folder / "params.index.json").read_text(encoding="utf-8"))
        self.size = int(params["num_docs"])
        self._data = np.load(folder / "data.csc.index.npy", allow_pickle=False)
        self._indices = np.load(folder / "indices.csc.index.npy", allow_pickle=False)
        self._indptr = np.load(folder / "indptr.csc.index.npy", allow_pickle=False)

    def tokenize(self, text: str) -> list[str]:
        """As bm25s.tokenize does: lower case, split, drop stop words, stem."""
        text = fold_accents(text) if self._fold else text.lower()
        if self._pairs:
            text = character_pairs(text)
        words = [w for w in self._split(text) if w not in self._stopwords]
        return list(self._stemmer.stemWords(words)) if self._stemmer else words

    @cached_property
    def words(self) -> list[str]:
        """The documents' words as written (read on the first misspelt word)."""
        data = json.loads((self._folder / WORDS_FILE).read_text(encoding="utf-8"))
        return [w for w in data if isinstance(w, str)]

    def corrected(self, text: str, is_word: Callable[[str], bool] | None = None) -> str:
        """`text` with each word that no document uses, and that `is_word` does not know as a
        word, replaced by the closest word some document uses (within `max_edits`): "is criyng
        in therpy ok" -> "is crying in therapy ok". Unchanged when nothing is misspelt."""
        fixed: list[str] = []
        changed = False
        for word in text.split():
            bare = word.strip(".,;:!?'\"()").lower()
            if (
                len(bare) >= FUZZY_MIN_LENGTH
                and bare.isalpha()
                and bare not in self._stopwords
                and self._stemmer is not None
                and self._stemmer.stemWord(bare) not in self.vocabulary
                and not (is_word and is_word(bare))
            ):
                near = self._closest_word(bare)
                if near is not None:
                    word, changed = word.lower().replace(bare, near), True
            fixed.append(word)
        return " ".join(fixed) if changed else text

    def _closest_word(self, word: str) -> str | None:
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        found = process.extractOne(
            word, self.words, scorer=OSA.distance, score_cutoff=max_edits(word)
        )
        return None if found is None else str(found[0])

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for `query` (zeros when no word is known)."""
        scores = np.zeros(self.size, dtype=np.float32)
        for token in self.tokenize(query):
            column = self.vocabulary.get(token)
            if column is None:
                continue
            start, end = self._indptr[column], self._indptr[column + 1]
            # A column lists each document once, so a plain fancy-index add is exact.
            scores[self._indices[start:end]] += self._data[start:end]
        return scores
