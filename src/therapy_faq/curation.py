"""The curation rules a maintainer's eye misses, checked: an answer says nothing its excerpt
does not say, in the FAQ's own voice, starting with the answer (README "Curation rules").

These are flags for a person to read, not proof: a number or a name absent from the excerpt is
almost always something added, and a first person outside quotation marks almost always a
stranger speaking in the FAQ's voice."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from therapy_faq.faq import Entry, Faq

MAX_ANSWER_WORDS = 110  # the rule is "about 90"; a list that needs its items may run longer

CONNECTIVES = (
    "also",
    "and",
    "as a result",
    "but",
    "furthermore",
    "however",
    "in addition",
    "moreover",
    "plus",
    "so",
    "still",
    "then",
    "though",
    "yet",
    "you also",
)
_OPENING = re.compile(r"^(?:" + "|".join(re.escape(c) for c in CONNECTIVES) + r")\b", re.I)
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I’m|I've|I’ve|I'd|I’d|(?i:my|me|mine|myself))\b")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_WORD = re.compile(r"[A-Za-z][A-Za-z’'-]*")
# where a capital letter says nothing: the text's start, after an end of sentence, a colon, an
# opening quotation mark or a list marker
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|[“\"(]\s*|^\s*(?:[-*•]|\d+[.)])\s+)$")


class Flag(NamedTuple):
    entry: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.entry}: {self.rule}: {self.detail}"


def check_faq(faq: Faq) -> list[Flag]:
    return [flag for entry in faq.entries for flag in check_entry(entry)]


def check_entry(entry: Entry) -> list[Flag]:
    """Every curation rule `entry` seems to break, one flag each."""
    flags: list[Flag] = []

    def flag(rule: str, detail: str) -> None:
        flags.append(Flag(entry.id, rule, detail))

    answer = entry.answer
    if entry.excerpt is None:
        flag("no excerpt", "keep the source's own words it rests on in `excerpt`")
    opening = _OPENING.match(answer.lstrip(' “"-*•'))
    if opening:
        flag("opens with a connective", f"starts with '{opening.group(0)}', mid-thought")
    outside_quotes = _QUOTED.sub(" ", answer)
    person = sorted({m.group(0) for m in _FIRST_PERSON.finditer(outside_quotes)})
    if person:
        flag("first person", f"{', '.join(repr(p) for p in person)} outside quotation marks")
    words = len(answer.split())
    if words > MAX_ANSWER_WORDS:
        flag("long", f"{words} words (the rule: about 90)")
    if entry.excerpt is not None:
        excerpt = entry.excerpt
        numbers = sorted({n for n in _NUMBER.findall(answer) if n not in excerpt})
        if numbers:
            flag("number not in the excerpt", ", ".join(numbers))
        names = sorted(set(capitalised(answer)) - set(_WORD.findall(excerpt)))
        if names:
            flag("name not in the excerpt", ", ".join(names))
    return flags


_OMISSION = re.compile(r"\[(?:…|\.\.\.)\]")


def check_excerpts(faq: Faq, documents: Path) -> list[Flag]:
    """Excerpts that are not their document's own words: each part between omission marks
    ([…]) must appear in the document the entry cites, spaces aside."""
    flags: list[Flag] = []
    texts: dict[str, str | None] = {}
    for entry in faq.entries:
        names = [s.document for s in entry.sources if s.document]
        if entry.excerpt is None or not names:
            continue
        for name in names:
            if name not in texts:
                path = documents / name
                texts[name] = _spaced(path.read_text("utf-8")) if path.is_file() else None
        found = [texts[name] for name in names if texts[name] is not None]
        if not found:
            flags.append(Flag(entry.id, "document not found", f"{', '.join(names)} in {documents}"))
            continue
        for part in _OMISSION.split(entry.excerpt):
            words = _spaced(part)
            if words and not any(words in text for text in found if text):
                shown = words if len(words) <= 60 else words[:57] + "..."
                flags.append(
                    Flag(entry.id, "excerpt not verbatim", f"not in the document: {shown!r}")
                )
    return flags


def _spaced(text: str) -> str:
    return " ".join(text.split())


def capitalised(text: str) -> list[str]:
    """Words written with a capital where a sentence does not start: names, mostly."""
    found = []
    for line in text.split("\n"):
        for match in _WORD.finditer(line):
            word = match.group(0)
            if (
                word[0].isupper()
                and word != "I"
                and not _SENTENCE_START.search(line[: match.start()])
            ):
                found.append(word)
    return found
