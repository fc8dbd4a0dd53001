"""Which language a question is written in, as far as a detector can be sure.

The FAQ is English, and so is the embedding model's training: a question in Spanish lands far
from every English wording, and used to get "I don't have an answer". Entries can carry their
question as people ask it in other languages (`Entry.other_languages`); retrieval reads a
question against those wordings only when the closest wording of all is one of them
(`Retriever.reads_foreign`), so that an English question is scored exactly as before.

Compact Language Detector 2 (pycld2, a C library: 0.01 ms a question, 3 ms to import) names
the language. Only a reliable verdict counts, and even that can be wrong on short text: it is
sure that "¿Es normal llorar en terapia?" is English. So its English only raises the bar
(`retrieval.ENGLISH_MARGIN`), and its silence ("hug", "lying in therapy") changes nothing.
"""

from __future__ import annotations

ENGLISH = "en"
_UNKNOWN = "un"


def detected_language(text: str) -> str | None:
    """CLD2's language code ("en", "es", "tl", "iw"...) when it is sure; else None."""
    import pycld2

    try:
        reliable, _, languages = pycld2.detect(text)
    except (pycld2.error, UnicodeError, ValueError):  # invalid UTF-8, lone surrogates
        return None
    code = str(languages[0][1])
    return code if reliable and code != _UNKNOWN else None
