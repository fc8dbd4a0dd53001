"""The fields every schema shares (the FAQ, the crisis files, the topics, the evaluation sets and
the importer): text that is stripped, not empty and free of the characters that drive a terminal
(`terminal.refuse_controls`), ids, web addresses, and validation errors in an editor's words."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import AfterValidator, StringConstraints, ValidationError

from therapy_faq.terminal import refuse_controls

Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(refuse_controls)
]

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
"""An id: lower-case letters, digits and single hyphens."""

URL_PATTERN = r"^https?://\S+$"
Url = Annotated[Text, StringConstraints(pattern=URL_PATTERN)]


def is_url(text: str) -> bool:
    import re

    return re.match(URL_PATTERN, text) is not None


def validation_problems(exc: ValidationError, shown: int = 20) -> str:
    """The first few problems on one line: a file with hundreds of bad rows needs a count, not
    a screenful (nor pydantic's several lines and links per problem)."""
    errors = exc.errors()
    text = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(top level)'} {plain_message(e)}"
        for e in errors[:shown]
    )
    return text + (f"; and {len(errors) - shown} more" if len(errors) > shown else "")


def slug_of(text: str) -> str:
    """A valid id made of `text`: "Crying In Session" -> "crying-in-session"."""
    import re
    import unicodedata

    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join(re.findall(r"[a-z0-9]+", folded))


def plain_message(error: Any, known_keys: Iterable[str] = ()) -> str:
    """One pydantic error in the words of someone editing the file: "is empty", not "String
    should have at least 1 character"; an unknown key with the close known one."""
    kind, value = error["type"], error.get("input")
    field = str(error["loc"][-1]) if error["loc"] else ""
    if kind == "missing":
        return "is missing"
    if kind == "string_too_short":
        return "is empty"
    if kind == "too_short":
        least = (error.get("ctx") or {}).get("min_length", 1)
        return "needs at least one item" if least == 1 else f"needs at least {least} items"
    if kind == "extra_forbidden":
        from difflib import get_close_matches

        close = get_close_matches(field, list(known_keys), n=1)
        return "is not a known key" + (f" (did you mean '{close[0]}'?)" if close else " (typo?)")
    an_id = field == "id" or tuple(error["loc"][-2:-1]) == ("see_also",)
    if kind == "string_pattern_mismatch" and an_id:
        suggestion = slug_of(str(value))
        hint = f"; try '{suggestion}'" if suggestion else ""
        return (
            f"{str(value)!r} is not a valid id: use lower-case letters, digits and single "
            f"hyphens{hint}"
        )
    if kind == "string_pattern_mismatch" and field == "url":
        return f"{str(value)!r} is not a web address (it starts with http:// or https://)"
    if kind in ("string_type", "str_type"):
        return f"should be text, not {_kind_of(value)}"
    if kind == "list_type":
        return f"should be a list, not {_kind_of(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"should be keys and values, not {_kind_of(value)}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return str(error["msg"])


def _kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "keys and values", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )
