"""The fields every schema shares (the FAQ, the crisis files, the topics, the evaluation sets and
the importer): text that is stripped, not empty and free of the characters that drive a terminal
(`terminal.refuse_controls`), ids, web addresses, and validation errors in an editor's words.

The schemas are plain frozen dataclasses that pydantic validates (`validated`). Their field types
carry pydantic's schema hooks without importing it: a question loads the FAQ and the crisis
resources already validated, and importing pydantic would cost it about 0.1 s.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from types import UnionType
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    TypeVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

from therapy_faq.terminal import refuse_controls

if TYPE_CHECKING:
    from pydantic_core import CoreSchema

T = TypeVar("T")

FORBID_EXTRA: Any = {"extra": "forbid"}  # a schema's `__pydantic_config__`: unknown keys are errors
IGNORE_EXTRA: Any = {"extra": "ignore"}


class _CleanText:
    """Stripped of surrounding blanks, not empty, no terminal controls."""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> CoreSchema:
        from pydantic_core import core_schema

        text = core_schema.str_schema(strip_whitespace=True, min_length=1)
        return core_schema.no_info_after_validator_function(refuse_controls, text)


class Matches:
    """Matches a regular expression (after the checks of the type it annotates)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> CoreSchema:
        from pydantic_core import core_schema

        return core_schema.chain_schema(
            [handler(source), core_schema.str_schema(pattern=self.pattern)]
        )


class AtLeast:
    """A list of at least `count` items."""

    def __init__(self, count: int) -> None:
        self.count = count

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> CoreSchema:
        schema = handler(source)
        schema["min_length"] = self.count
        return schema


class Then:
    """Passes the validated value through `function` (e.g. `faq.unwrap`)."""

    def __init__(self, function: Any) -> None:
        self.function = function

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> CoreSchema:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(self.function, handler(source))


Text = Annotated[str, _CleanText()]

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, Matches(SLUG_PATTERN)]
"""An id: lower-case letters, digits and single hyphens."""

LANGUAGE_PATTERN = r"^[a-z]{2,3}$"
LanguageCode = Annotated[str, Matches(LANGUAGE_PATTERN)]
"""A language as ISO 639 names it in lower case: "es", "tl", "fil"."""

URL_PATTERN = r"^https?://\S+$"
Url = Annotated[Text, Matches(URL_PATTERN)]


class SchemaError(ValueError):
    """Data that does not fit its schema; `errors` are pydantic's, for `plain_message`."""

    def __init__(self, errors: list[Any]) -> None:
        super().__init__(validation_problems(errors))
        self.errors = errors


def validated(schema: type[T], data: Any) -> T:
    """`data` (parsed YAML or JSON) validated into `schema`; SchemaError listing its problems."""
    from pydantic import ValidationError

    try:
        value: T = _adapter(schema).validate_python(data)
    except ValidationError as exc:
        raise SchemaError(list(exc.errors())) from None
    return value


_ADAPTERS: dict[Any, Any] = {}
_HINTS: dict[Any, dict[str, Any]] = {}


def _adapter(schema: Any) -> Any:
    if schema not in _ADAPTERS:
        from pydantic import TypeAdapter

        _ADAPTERS[schema] = TypeAdapter(schema)
    return _ADAPTERS[schema]


def checked(schema: type[T], data: Any) -> T:
    """`validated`, with a fast path for data a build wrote (the index's manifest, read at every
    start): when every value already has exactly its field's type, the schema is built from it
    without importing pydantic (0.1 s of a one-shot question); otherwise pydantic decides."""
    if _exact(data, schema):
        value: T = _build(data, schema)
        return value
    return validated(schema, data)


def _exact(value: Any, kind: Any) -> bool:
    if dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        extra_ignored = getattr(kind, "__pydantic_config__", {}).get("extra") == "ignore"
        return (
            isinstance(value, dict)
            and set(hints) <= value.keys()
            and (extra_ignored or value.keys() <= set(hints))
            and all(_exact(value[name], hint) for name, hint in hints.items())
        )
    origin, args = get_origin(kind), get_args(kind)
    if origin is dict:
        return isinstance(value, dict) and all(
            _exact(k, args[0]) and _exact(v, args[1]) for k, v in value.items()
        )
    if origin is list:
        return isinstance(value, list) and all(_exact(item, args[0]) for item in value)
    if origin in (Union, UnionType):
        return any(_exact(value, arg) for arg in args)
    if kind is type(None):
        return value is None
    return kind in (str, int, float) and type(value) is kind


def _build(value: Any, kind: Any) -> Any:
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        return kind(**{name: _build(value[name], hint) for name, hint in hints.items()})
    if get_origin(kind) in (Union, UnionType):
        return next(_build(value, arg) for arg in get_args(kind) if _exact(value, arg))
    return value  # dicts and lists of plain values, which `_exact` allows


def _hints(kind: Any) -> dict[str, Any]:
    """The types of a schema's fields (its annotations are strings until evaluated)."""
    if kind not in _HINTS:
        names = {f.name for f in dataclasses.fields(kind)}
        _HINTS[kind] = {k: v for k, v in get_type_hints(kind).items() if k in names}
    return _HINTS[kind]


def is_url(text: str) -> bool:
    import re

    return re.match(URL_PATTERN, text) is not None


def validation_problems(errors: Sequence[Any], shown: int = 20) -> str:
    """The first few of pydantic's errors on one line: a file with hundreds of bad rows needs a
    count, not a screenful (nor pydantic's several lines and links per problem)."""
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
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
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
    pattern = (error.get("ctx") or {}).get("pattern")
    if kind == "string_pattern_mismatch" and pattern == LANGUAGE_PATTERN:
        return (
            f"{str(value)!r} is not a language code: use ISO 639 in lower case, such as 'es' "
            "or 'tl'"
        )
    if kind == "string_pattern_mismatch" and field == "url":
        return f"{str(value)!r} is not a web address (it starts with http:// or https://)"
    if kind in ("string_type", "str_type"):
        return f"should be text, not {_kind_of(value)}"
    if kind == "list_type":
        return f"should be a list, not {_kind_of(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type", "dataclass_type"):
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
