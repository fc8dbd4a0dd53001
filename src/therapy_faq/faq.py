"""The FAQ file: its schema, and loading it with every problem reported at once."""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections import Counter
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from therapy_faq import yamlfile
from therapy_faq.errors import FaqError
from therapy_faq.fields import Text
from therapy_faq.files import read_regular, read_text

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]


class Source(BaseModel):
    """Where an answer comes from; `question` is the source's own wording when it differs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Text
    document: Text
    url: Annotated[Text, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    question: Text | None = None


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


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    question: Text
    answer: Annotated[Text, AfterValidator(unwrap)]
    sources: list[Source] = Field(min_length=1)
    alternates: list[Text] = Field(default_factory=list)
    tags: list[Text] = Field(default_factory=list)

    def phrasings(self) -> list[str]:
        """Every wording that should find this entry: its question, the sources' and alternates."""
        seen: dict[str, None] = {self.question: None}
        for source in self.sources:
            if source.question:
                seen.setdefault(source.question, None)
        for alternate in self.alternates:
            seen.setdefault(alternate, None)
        return list(seen)


class Faq(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    entries: list[Entry] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Faq:
        problems = []
        ids = Counter(entry.id for entry in self.entries)
        problems += [f"duplicate id '{i}' ({n} entries)" for i, n in ids.items() if n > 1]
        questions = Counter(entry.question.casefold() for entry in self.entries)
        problems += [
            f"duplicate question '{q}' ({n} entries)" for q, n in questions.items() if n > 1
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @cached_property
    def by_id(self) -> dict[str, Entry]:
        return {entry.id: entry for entry in self.entries}


def file_sha256(path: Path) -> str:
    return hashlib.sha256(read_regular(path)).hexdigest()


def load_faq(path: Path) -> Faq:
    """Parse and validate the FAQ; raise one FaqError that lists every problem found."""
    try:
        text = read_text(path)
    except FileNotFoundError:
        raise FaqError(f"FAQ file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FaqError(f"cannot read FAQ file {path}: {exc}") from None
    try:
        data = yamlfile.load(text)
    except yamlfile.YamlShapeError as exc:
        raise FaqError(f"{path}: {exc}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise FaqError(f"{where}: YAML syntax error: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise FaqError(f"{path}: YAML error: {exc}") from None
    try:
        return Faq.model_validate(data)
    except ValidationError as exc:
        lines = [_describe(error, data) for error in exc.errors()]
        count = len(lines)
        header = f"{path}: {count} problem{'s' if count != 1 else ''} in the FAQ:"
        raise FaqError("\n".join([header, *(f"  - {line}" for line in lines)])) from None


def _describe(error: Any, data: Any) -> str:
    """Name the entry (by id when it has one) and the field of one validation error."""
    loc = list(error["loc"])
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown key (typo?)"
    if len(loc) >= 2 and loc[0] == "entries" and isinstance(loc[1], int):
        position = loc[1]
        entry_id = None
        with contextlib.suppress(AttributeError, IndexError, KeyError, TypeError):
            entry_id = data["entries"][position].get("id")
        who = f"entry {position + 1}" + (f" (id '{entry_id}')" if entry_id else "")
        field = ".".join(str(part) for part in loc[2:]) or "(the entry itself)"
        return f"{who}: field '{field}': {message}"
    field = ".".join(str(part) for part in loc) or "(top level)"
    return f"{field}: {message}"
