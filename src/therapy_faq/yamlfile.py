"""Reading the project's YAML files (the FAQ, the crisis files, the evaluation sets) safely.

PyYAML accepts things a hand-edited file should never mean: a second `answer:` silently wins, a
file of aliases can expand a few megabytes into gigabytes of work, and 50,000 nested brackets
overflow the C composer's stack (SIGSEGV, no Python error to catch). Before anything is built,
the file's events are read with libyaml's parser, which does not recurse, and its nesting depth
and alias expansion are bounded; then it is loaded by a loader that refuses duplicate keys.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_DEPTH = 64  # the shipped files nest 4 levels deep
# Nodes after alias expansion, at most this many times the file's own nodes (plus a margin):
# the FAQ's source anchors expand it by less than 1.5.
MAX_EXPANSION = 10
EXPANSION_MARGIN = 10_000

_BASE: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlShapeError(ValueError):
    """A file YAML itself accepts, refused here (duplicate key, nesting, alias expansion)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line


class _StrictLoader(_BASE):  # type: ignore[misc,valid-type,unused-ignore]
    """The safe loader, refusing a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key: the base class reports it
                continue
            if duplicate:
                raise YamlShapeError(
                    f"the key {str(key)[:60]!r} is given twice in one mapping",
                    key_node.start_mark.line + 1,
                )
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        """An impossible date written without quotes (`last_checked: 2026-11-31`) is a line of
        the file to fix, not PyYAML's bare ValueError."""
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise YamlShapeError(
                f"{node.value!r} is not a valid date ({exc})", node.start_mark.line + 1
            ) from None


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_yaml_timestamp)


def check_shape(text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH and aliases that expand the file beyond
    MAX_EXPANSION times its size, reading parser events only (no recursion, no objects)."""
    sizes: dict[str, int] = {}  # anchor -> nodes it stands for, aliases inside expanded
    stack: list[list[Any]] = []  # open collections: [anchor, nodes so far]
    nodes = expanded = 0  # nodes written in the file; nodes once every alias is expanded
    for event in yaml.parse(text, Loader=_BASE):
        if isinstance(event, yaml.CollectionStartEvent):
            if len(stack) == MAX_DEPTH:
                mark = event.start_mark
                raise YamlShapeError(
                    f"nested more than {MAX_DEPTH} levels deep", mark.line + 1 if mark else None
                )
            stack.append([event.anchor, 1])
            nodes += 1
            expanded += 1
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, size = stack.pop()  # already counted in `expanded`, node by node
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size = event.anchor, 1
            nodes += 1
            expanded += 1
        elif isinstance(event, yaml.AliasEvent):
            anchor, size = None, sizes.get(event.anchor or "", 1)
            expanded += size
        else:
            continue
        if anchor:
            sizes[anchor] = size
        if stack:
            stack[-1][1] += size
        if expanded > MAX_EXPANSION * nodes + EXPANSION_MARGIN:
            raise _expansion_error(event)


def _expansion_error(event: yaml.Event) -> YamlShapeError:
    return YamlShapeError(
        f"its aliases expand it to more than {MAX_EXPANSION} times its size",
        event.start_mark.line + 1 if event.start_mark else None,
    )


def load(text: str) -> Any:
    """The data of one YAML document, after `check_shape`; duplicate keys refused.
    Raises YamlShapeError, or yaml.YAMLError for what YAML itself refuses."""
    check_shape(text)
    return yaml.load(text, Loader=_StrictLoader)


Path_ = tuple[str | int, ...]


def node_lines(text: str) -> dict[Path_, int]:
    """The line (1-based) where each value of the document starts, by its path of keys and
    list positions (`("entries", 2, "sources", 0, "url")`): problems found in the data can then
    be reported where the file says them. Empty when the text does not compose."""
    try:
        root = yaml.compose(text, Loader=_BASE)
    except yaml.YAMLError:
        return {}
    lines: dict[Path_, int] = {}
    stack: list[tuple[Path_, yaml.Node]] = [((), root)] if root is not None else []
    while stack:  # not recursive: check_shape bounded the depth, this keeps it bounded too
        path, node = stack.pop()
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    lines.setdefault((*path, key.value), key.start_mark.line + 1)
                    stack.append(((*path, key.value), value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(((*path, i), item) for i, item in enumerate(node.value))
    return lines


def syntax_error(path: object, text: str, exc: yaml.MarkedYAMLError) -> str:
    """A YAML syntax error in plain words, at the place to fix, with the line quoted and a caret
    under the column: "the quotation mark opened here is never closed", not PyYAML's "found
    unexpected end of stream while scanning a quoted scalar"."""
    problem, context = exc.problem or "", exc.context or ""
    mark = exc.problem_mark
    at_end = mark is not None and mark.line >= len(text.splitlines())
    ended = at_end or "end of stream" in problem or "<stream end>" in problem
    if exc.context_mark is not None and (mark is None or ended):
        mark = exc.context_mark  # where the unfinished thing began
    if "quoted scalar" in context:
        words = "the quotation mark opened here is never closed"
    elif "flow" in context and ("expected ','" in problem or ended):
        words = "the bracket opened here is never closed"
    elif "mapping values are not allowed" in problem:
        words = "a colon and a space here would start a new key: put this text in quotes"
    elif "'\\t'" in problem or "tab character" in problem:
        words = "a tab character: indent with spaces"
    elif any(
        words in problem for words in ("expected <block", "expected '-' indicator", "expected key")
    ):
        words = "the indentation of this line does not match the lines above it"
    elif "undefined alias" in problem:
        words = "an alias (*name) that no anchor (&name) defines"
    else:
        words = problem + (f" ({context})" if context else "")
    if mark is None:
        return f"{path}: YAML syntax error: {words}"
    header = f"{path}:{mark.line + 1}:{mark.column + 1}: YAML syntax error: {words}"
    source = text.splitlines()
    if mark.line >= len(source):
        return header
    number = str(mark.line + 1)
    quoted = source[mark.line].expandtabs(1)[:200]
    caret = " " * min(mark.column, len(quoted))
    return f"{header}\n  {number} | {quoted}\n  {' ' * len(number)} | {caret}^"
