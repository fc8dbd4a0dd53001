"""The FAQ file: its schema, and loading it with every problem reported at once."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import get_close_matches
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, NamedTuple

from therapy_faq.errors import FaqError
from therapy_faq.fields import (
    FORBID_EXTRA,
    AtLeast,
    LanguageCode,
    SchemaError,
    Slug,
    Text,
    Then,
    Url,
    plain_message,
    validated,
)
from therapy_faq.files import read_regular

SourceKind = Literal[
    "professional-body", "publisher", "practice", "blog", "forum", "qa-page", "article", "unknown"
]
KIND_WORDS: dict[str, str] = {  # the kinds `citation` names in words; the others shape the line
    "professional-body": "a professional body",
    "publisher": "a publisher",
    "practice": "a therapy practice",
}


@dataclass(frozen=True)
class Source:
    """Where an answer comes from, as a reader needs to judge it. `title` is the title of the
    page or document the excerpt was taken from, as written there (a page without one gets a
    plain description, e.g. "Untitled article on missing a therapy session"); `site` is the
    website the page credits for the text, or hosts it; `kind` is what the page is; `url` only
    where it leads to the article itself, never a bare domain; `document` is the file in the
    seeds, shown in `show` and JSON only."""

    __pydantic_config__: ClassVar[Any] = FORBID_EXTRA

    title: Text
    kind: SourceKind = "unknown"
    site: Text | None = None
    author: Text | None = None
    document: Text | None = None
    url: Url | None = None
    question: Text | None = None  # the source's own wording, when the entry's question differs

    def to_json(self) -> dict[str, str | None]:
        return {
            "title": self.title,
            "document": self.document,
            "url": self.url,
            "site": self.site,
            "kind": self.kind,
            "author": self.author,
            "question": self.question,
            "citation": self.citation(),
        }

    def citation(self) -> str:
        """One line a reader can judge the answer by: who said it, where we found it."""
        untitled = self.title.startswith("Untitled")  # a description, not the page's words
        title = self.title if untitled else f"“{self.title}”"
        by = f" by {self.author}" if self.author else ""
        if self.kind == "forum":
            return f"Anonymous forum answer, {self.site or title}"
        if self.kind == "qa-page":
            if self.site:
                return f"From {self.site}, quoted on the Q&A page {title}"
            return f"The Q&A page {title}, which names no author"
        if self.kind == "blog":
            return f"Blog post {title}{by}" + (f", {self.site}" if self.site else "")
        if self.kind == "unknown" or (self.kind == "article" and untitled):
            return f"{self.title}{by}" + (f", {self.site}" if self.site else "")
        if self.kind == "article":
            return f"Article {title}{by}" + (f", {self.site}" if self.site else "")
        kind = KIND_WORDS[self.kind]
        return f"{title}{by}, " + (f"{self.site} ({kind})" if self.site else kind)


_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s")


def unwrap(text: str) -> str:
    """Join hard-wrapped lines of a YAML block into paragraphs; keep blank lines and list items."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines: list[str] = []
        for raw in block.splitlines():
            if lines and not _LIST_ITEM.match(raw):
                lines[-1] = f"{lines[-1]} {raw.strip()}"
            else:
                lines.append(raw.rstrip() if _LIST_ITEM.match(raw) else raw.strip())
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


@dataclass(frozen=True)
class Entry:
    """One question and its answer. `question` says what the entry really answers (a source's own
    wording, when it differs, is the source's `question`); `answer` is written for the person
    asking; `excerpt` is the source's text it rests on, verbatim, […] marking a cut (README
    "Curation rules")."""

    __pydantic_config__: ClassVar[Any] = FORBID_EXTRA

    id: Slug
    question: Text
    answer: Annotated[Text, Then(unwrap)]
    sources: Annotated[list[Source], AtLeast(1)]
    excerpt: Annotated[Text, Then(unwrap)] | None = None
    see_also: list[Slug] = field(default_factory=list)
    alternates: list[Text] = field(default_factory=list)
    # The question as people ask it in other languages, by language code: read only for a
    # question read as another language's (`retrieval.Retriever.reads_foreign`).
    other_languages: dict[LanguageCode, list[Text]] = field(default_factory=dict)
    tags: list[Text] = field(default_factory=list)

    def __post_init__(self) -> None:
        if "en" in self.other_languages:
            raise ValueError("lists English under other_languages (it goes in alternates)")

    def phrasings(self) -> list[str]:
        """Every wording that should find this entry: its question, the sources' and alternates."""
        seen: dict[str, None] = {self.question: None}
        for source in self.sources:
            if source.question:
                seen.setdefault(source.question, None)
        for alternate in self.alternates:
            seen.setdefault(alternate, None)
        return list(seen)

    def foreign_phrasings(self) -> list[str]:
        """Its wordings in other languages, each once, none repeating an English one."""
        english = set(self.phrasings())
        seen: dict[str, None] = {}
        for wordings in self.other_languages.values():
            for wording in wordings:
                if wording not in english:
                    seen.setdefault(wording, None)
        return list(seen)


@dataclass(frozen=True)
class Faq:
    __pydantic_config__: ClassVar[Any] = FORBID_EXTRA

    entries: Annotated[list[Entry], AtLeast(1)]

    def __post_init__(self) -> None:
        """Run by pydantic's validation (`validated`), not by `trusted_faq`."""
        problems = []
        ids = Counter(entry.id for entry in self.entries)
        problems += [f"duplicate id '{i}' ({n} entries)" for i, n in ids.items() if n > 1]
        questions = Counter(entry.question.casefold() for entry in self.entries)
        problems += [
            f"duplicate question '{q}' ({n} entries)" for q, n in questions.items() if n > 1
        ]
        for entry in self.entries:
            problems += [
                f"entry '{entry.id}': see_also {_see_also_problem(other, entry.id, list(ids))}"
                for other in entry.see_also
                if other == entry.id or other not in ids
            ]
        if problems:
            raise ValueError("; ".join(problems))

    @cached_property
    def by_id(self) -> dict[str, Entry]:
        return {entry.id: entry for entry in self.entries}


def trusted_faq(data: Any) -> Faq:
    """The FAQ from `dumped(faq)` written by a build that validated it (the index's copy, whose
    hash the manifest checks): built without parsing YAML or validating again, which costs a
    one-shot question tens of milliseconds, and a 100,000-entry FAQ seconds."""
    entries = [
        Entry(**{**entry, "sources": [Source(**s) for s in entry["sources"]]})
        for entry in data["entries"]
    ]
    faq = Faq.__new__(Faq)  # without `__post_init__`: its checks passed at the build
    object.__setattr__(faq, "entries", entries)
    return faq


def file_sha256(path: Path) -> str:
    return hashlib.sha256(read_regular(path)).hexdigest()


def data_file_sha256(path: Path, what: str) -> str:
    """`file_sha256` of one of the tool's data files; FaqError naming it when unreadable."""
    try:
        return file_sha256(path)
    except OSError as exc:
        raise FaqError(f"cannot read the {what} file {path}: {exc.strerror}") from None


def faq_sha256(path: Path) -> str:
    """The FAQ file's hash, which says whether an index is current; FaqError when unreadable."""
    return hashlib.sha256(_faq_bytes(path)).hexdigest()


def _faq_bytes(path: Path) -> bytes:
    try:
        return read_regular(path)
    except FileNotFoundError:
        raise FaqError(f"FAQ file not found: {path}") from None
    except OSError as exc:
        raise FaqError(f"cannot read FAQ file {path}: {exc}") from None


def load_faq(path: Path) -> Faq:
    """Parse and validate the FAQ; raise one FaqError that lists every problem found."""
    return read_faq(path).faq


class FaqFile(NamedTuple):
    """A validated FAQ and the hash of the very bytes it was parsed from: an index records both,
    and an edit landing between two reads must not give the old FAQ the new file's hash."""

    faq: Faq
    sha256: str


def read_faq(path: Path) -> FaqFile:
    """`load_faq`, with the hash of what it read."""
    raw = _faq_bytes(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FaqError(f"cannot read FAQ file {path}: {exc}") from None
    return FaqFile(_parse(path, text), hashlib.sha256(raw).hexdigest())


def _parse(path: Path, text: str) -> Faq:
    import yaml

    from therapy_faq import yamlfile

    try:
        data = yamlfile.load(text)
    except yamlfile.YamlShapeError as exc:
        raise FaqError(f"{path}: {exc}") from None
    except yaml.MarkedYAMLError as exc:
        raise FaqError(yamlfile.syntax_error(path, text, exc)) from None
    except yaml.YAMLError as exc:
        raise FaqError(f"{path}: YAML error: {exc}") from None
    return _validated(data, text, path)


def _validated(data: Any, text: str, path: Path) -> Faq:
    """The parsed FAQ validated; one FaqError listing every problem, each with its line in
    `text`, the YAML it was parsed from."""
    from therapy_faq import yamlfile

    try:
        return validated(Faq, data)
    except SchemaError as exc:
        errors = exc.errors
    lines = yamlfile.node_lines(text)
    # Duplicates are found here, on the data as written, so that they are reported with the
    # other problems (pydantic checks them only once every entry is valid).
    found = [_describe(error, data, lines) for error in errors if error["loc"]]
    found += _duplicates(data, lines)
    found += _dangling_see_also(data, lines)
    found.sort(key=lambda problem: problem[0])
    count = len(found)
    header = f"{path}: {count} problem{'s' if count != 1 else ''} in the FAQ:"
    body = [f"  {path}:{line}: {words}" if line else f"  {path}: {words}" for line, words in found]
    raise FaqError("\n".join([header, *body]))


Problem = tuple[int, str]  # (line, or 0 when unknown; what is wrong, in plain words)

_KEYS = {
    "entries": [f.name for f in dataclasses.fields(Entry)],
    "sources": [f.name for f in dataclasses.fields(Source)],
    "top": [f.name for f in dataclasses.fields(Faq)],
}


def _describe(error: Any, data: Any, lines: dict[tuple[str | int, ...], int]) -> Problem:
    """One validation error: the line it is on, the entry (by position and id), the field in
    words ("source 1, document") and what is wrong with it."""
    loc = tuple(error["loc"])
    line = lines.get(loc) or lines.get(loc[:-1]) or 0
    if len(loc) >= 2 and loc[0] == "entries" and isinstance(loc[1], int):
        who = _entry_name(data, loc[1])
        rest = loc[2:]
        keys = _KEYS["sources"] if rest[:1] == ("sources",) and len(rest) >= 3 else _KEYS["entries"]
        field = _field_words(rest) if rest else "the entry"
        if error["type"] == "unexpected_keyword_argument":  # the key is the problem: quote it
            field = ", ".join([*filter(None, [_field_words(rest[:-1])]), f"'{rest[-1]}'"])
        return line, f"{who}: {field} {plain_message(error, keys)}"
    field = ".".join(str(part) for part in loc)
    return line, f"{field or 'the file'} {plain_message(error, _KEYS['top'])}"


def _field_words(rest: tuple[str | int, ...]) -> str:
    """("sources", 0, "document") -> "source 1, document"; ("alternates", 2) -> "alternate 3";
    ("other_languages", "Spanish", "[key]") -> "other_languages" (the message quotes the key)."""
    if rest[-1:] == ("[key]",):
        rest = rest[:-2]
    words: list[str] = []
    for part in rest:
        if isinstance(part, int) and words:
            words[-1] = f"{words[-1].removesuffix('s')} {part + 1}"
        else:
            words.append(str(part))
    return ", ".join(words)


def _see_also_problem(other: str, own: str, ids: list[str]) -> str:
    if other == own:
        return "names the entry itself"
    close = get_close_matches(other, ids, n=1)
    return f"names '{other}', which is not an entry" + (
        f" (did you mean '{close[0]}'?)" if close else ""
    )


def _dangling_see_also(data: Any, lines: dict[tuple[str | int, ...], int]) -> list[Problem]:
    """see_also ids that name no entry (or the entry itself), with their lines: found on the
    data as written, like duplicates, so they are reported with every other problem."""
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return []
    ids = [e["id"] for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str)]
    found: list[Problem] = []
    for position, entry in enumerate(entries):
        others = entry.get("see_also") if isinstance(entry, dict) else None
        if not isinstance(others, list):
            continue
        for number, other in enumerate(others):
            if isinstance(other, str) and (other == entry.get("id") or other not in ids):
                line = lines.get(("entries", position, "see_also", number)) or lines.get(
                    ("entries", position, "see_also"), 0
                )
                problem = _see_also_problem(other, str(entry.get("id")), ids)
                found.append((line, f"{_entry_name(data, position)}: see_also {problem}"))
    return found


def _entry_name(data: Any, position: int) -> str:
    entry_id = None
    with contextlib.suppress(AttributeError, IndexError, KeyError, TypeError):
        entry_id = data["entries"][position].get("id")
    return f"entry {position + 1}" + (f" (id '{entry_id}')" if isinstance(entry_id, str) else "")


def _duplicates(data: Any, lines: dict[tuple[str | int, ...], int]) -> list[Problem]:
    """Ids and questions (ignoring case) used by more than one entry, naming every one."""
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return []
    found: list[Problem] = []
    for key, fold in (("id", str), ("question", str.casefold)):
        where: dict[str, list[int]] = {}
        for position, entry in enumerate(entries):
            value = entry.get(key) if isinstance(entry, dict) else None
            if isinstance(value, str) and value.strip():
                where.setdefault(fold(value.strip()), []).append(position)
        for value, positions in where.items():
            if len(positions) > 1:
                places = [
                    f"entry {p + 1} (line {lines.get(('entries', p, key), '?')})" for p in positions
                ]
                listed = ", ".join(places[:-1]) + " and " + places[-1]
                first = lines.get(("entries", positions[0], key), 0)
                found.append((first, f"the {key} {value!r} is used by {listed}"))
    return found
