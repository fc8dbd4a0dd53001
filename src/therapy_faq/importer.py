"""Turning a spreadsheet FAQ (CSV) into the FAQ schema: repaired text, unique ids, a report."""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from therapy_faq.errors import FaqError, UsageError
from therapy_faq.faq import Faq
from therapy_faq.fields import SchemaError, is_url, slug_of, validated
from therapy_faq.files import require_regular
from therapy_faq.terminal import printable, strip_controls

QUESTION_NAMES = ("question", "questions", "q", "query", "prompt", "title")
ANSWER_NAMES = ("answer", "answers", "a", "response", "reply", "body", "text")
ID_NAMES = ("id", "question_id", "qid", "key", "slug")
SOURCE_NAMES = ("source", "sources", "url", "link", "reference")


@dataclass
class ImportResult:
    entries: list[dict[str, Any]]
    columns: dict[str, str | None]
    rows: int = 0
    duplicates: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    repaired: int = 0


def _normal(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def guess_column(headers: list[str], wanted: str | None, names: tuple[str, ...]) -> str | None:
    """The header the user named, or the first whose normalised name is a usual one."""
    if wanted is not None:
        if wanted not in headers:
            raise UsageError(f"no column '{wanted}' in the CSV (columns: {', '.join(headers)})")
        return wanted
    by_normal = {_normal(h): h for h in headers}
    return next((by_normal[n] for n in names if n in by_normal), None)


def slugify(text: str, limit: int = 60) -> str:
    """An entry id made of a question: the shared `slug_of`, cut to a readable length."""
    return slug_of(text)[:limit].rstrip("-") or "entry"


def _repair(text: str) -> tuple[str, bool]:
    """Mojibake repaired, then unsafe characters dropped: a repair can bring one back
    ("â€®" is a mangled U+202E)."""
    import ftfy

    fixed = ftfy.fix_text(text, uncurl_quotes=False)
    return strip_controls(fixed).strip(), fixed != text


def _paragraphs(text: str) -> str:
    """CSV answers break paragraphs with single newlines; the FAQ format uses blank lines."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if not line:
            continue
        is_item = re.match(r"^(?:[-*•]|\d+[.)])\s", line)
        if out and not is_item:
            out.append("")
        out.append(line)
    return "\n".join(out)


def import_csv(
    path: Path,
    question_col: str | None = None,
    answer_col: str | None = None,
    id_col: str | None = None,
    source_col: str | None = None,
    title: str | None = None,
    encoding: str = "utf-8",
) -> ImportResult:
    try:
        is_text = codecs.lookup(encoding)._is_text_encoding  # rot13, base64: not text codecs
    except LookupError:
        is_text = False
    if not is_text:
        raise UsageError(
            f"unknown text encoding '{printable(encoding)}' for --encoding "
            "(try utf-8, cp1252 or latin-1)"
        ) from None
    if codecs.lookup(encoding).name == "utf-8":
        encoding = "utf-8-sig"  # Excel's "CSV UTF-8" starts with a byte-order mark
    try:
        require_regular(path)
        with path.open(encoding=encoding, newline="") as handle:  # a stream: UTF-16 checks a BOM
            reader = csv.DictReader(handle)
            headers = list(reader.fieldnames or [])
            rows = list(reader)
    except UnicodeDecodeError as exc:
        raise FaqError(
            f"{path} is not {encoding} text (it holds the byte 0x{exc.object[exc.start]:02x}); "
            "name its encoding with --encoding, e.g. --encoding cp1252"
        ) from None
    except UnicodeError as exc:  # utf-16 without a byte order mark, say
        raise FaqError(
            f"{path} is not {encoding} text ({exc}); name its encoding with --encoding"
        ) from None
    except OSError as exc:
        raise FaqError(f"cannot read {path}: {exc.strerror}") from None
    except csv.Error as exc:
        raise FaqError(f"{path}: not a readable CSV file: {exc}") from None
    if not headers:
        raise FaqError(f"{path}: the CSV file has no header row")
    columns = {
        "question": guess_column(headers, question_col, QUESTION_NAMES),
        "answer": guess_column(headers, answer_col, ANSWER_NAMES),
        "id": guess_column(headers, id_col, ID_NAMES),
        "source": guess_column(headers, source_col, SOURCE_NAMES),
    }
    for needed in ("question", "answer"):
        if columns[needed] is None:
            raise UsageError(
                f"cannot tell which column holds the {needed}s (columns: {', '.join(headers)}); "
                f"name it with --{needed}-col"
            )
    result = ImportResult(entries=[], columns=columns, rows=len(rows))
    seen_questions: dict[str, int] = {}
    used_ids: set[str] = set()
    for number, row in enumerate(rows, start=1):  # data rows, the header not counted
        question, fixed_q = _repair((row.get(columns["question"]) or "").strip())
        answer, fixed_a = _repair((row.get(columns["answer"]) or "").strip())
        result.repaired += fixed_q or fixed_a
        question = " ".join(question.split())
        if not any(c.isalnum() for c in question):  # empty, or only invisible characters
            result.skipped.append(f"row {number}: no question")
            continue
        if not any(c.isalnum() for c in answer):
            result.skipped.append(f"row {number}: no answer to '{question}'")
            continue
        # Letters of every script count: Cyrillic or Greek questions are not all "the same".
        key = re.sub(r"[\W_]+", " ", question.casefold()).strip()
        if key in seen_questions:
            result.duplicates.append(
                f"row {number}: '{question}' repeats row {seen_questions[key]} (kept the first)"
            )
            continue
        seen_questions[key] = number
        raw_id = (row.get(columns["id"]) or "").strip() if columns["id"] else ""
        base = slugify(raw_id or question)
        entry_id, suffix = base, 2
        while entry_id in used_ids:
            entry_id, suffix = f"{base}-{suffix}", suffix + 1
        used_ids.add(entry_id)
        source: dict[str, Any] = {
            "title": strip_controls(title or "").strip()
            or strip_controls(path.stem).strip()
            or "Imported FAQ",
            "document": strip_controls(path.name),
        }
        source_value = (
            strip_controls(row.get(columns["source"]) or "").strip() if columns["source"] else ""
        )
        if is_url(source_value):
            source["url"] = source_value
        elif source_value:
            source["title"] = source_value
        result.entries.append(
            {
                "id": entry_id,
                "question": question,
                "answer": _paragraphs(answer),
                "sources": [source],
            }
        )
    if not result.entries:
        raise FaqError(f"{path}: no row has both a question and an answer")
    try:
        validated(Faq, {"entries": result.entries})  # what we write must load
    except SchemaError as exc:  # anything the cleaning above did not foresee
        raise FaqError(f"{path}: cannot import it: {exc}") from None
    return result


class _BlockDumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str)


def to_yaml(result: ImportResult, origin: Path) -> str:
    name = " ".join(strip_controls(origin.name).split())  # a comment is one line
    header = f"# Imported from {name} by `therapy-faq import`; check it, then build the index.\n"
    body = yaml.dump(
        {"entries": result.entries},
        Dumper=_BlockDumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    return header + body
