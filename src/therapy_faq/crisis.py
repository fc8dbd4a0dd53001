"""Crisis content, in one home: who to contact for each kind of crisis (`data/crisis.yaml`) and
the screen's training examples (`data/crisis_examples.yaml`), with their schemas and loaders.

A maintainer who localises `data/crisis.yaml` changes every place that shows a number: the
crisis panels, the concern line, the chat's banner and reminders, and `--help` (whose
disclaimer `disclaimer.py` reads from the same file without the schema, to stay fast).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from therapy_faq.errors import FaqError
from therapy_faq.fields import FORBID_EXTRA, AtLeast, SchemaError, Text, Url, validated
from therapy_faq.files import read_text
from therapy_faq.terminal import one_line

Category = Literal["suicide", "medical", "violence", "harm_to_others", "someone_else"]
Level = Literal["urgent", "concern", "none"]
CATEGORIES: tuple[Category, ...] = (
    "suicide",
    "medical",
    "violence",
    "harm_to_others",
    "someone_else",
)
CATEGORY_NAMES: dict[str, str] = {
    "suicide": "suicide or self-harm",
    "medical": "a medical emergency under way",
    "violence": "violence or sexual assault",
    "harm_to_others": "danger to others",
    "someone_else": "someone else in danger",
}


@dataclass(frozen=True)
class Resource:
    __pydantic_config__: ClassVar[Any] = FORBID_EXTRA

    name: Text
    contact: Text
    region: Text
    url: Url | None = None

    def line(self) -> str:
        return f"{self.name} ({self.region}): {self.contact}"


@dataclass(frozen=True)
class CategoryHelp:
    """What one kind of crisis is shown: its own words first, then its lines."""

    __pydantic_config__: ClassVar[Any] = FORBID_EXTRA

    title: Text
    message: Text
    resources: Annotated[list[Resource], AtLeast(1)]


@dataclass(frozen=True)
class CrisisResources:
    """`data/crisis.yaml`: every text and number shown about a crisis, per category. The
    emergency line is listed first in every category's panel."""

    __pydantic_config__: ClassVar[Any] = FORBID_EXTRA

    last_checked: date
    disclaimer: Text  # the banner and --help
    urgent: Text  # above the lines of every panel
    notice: Text  # what this tool is not
    invite: Text  # the panel's last line: reach a person
    concern: Text  # the warm line added to an ordinary reply at level `concern`
    unread: Text  # that line for a message in a script the screen cannot read
    support: Text  # the chat's reply, after an urgent one, to a message that is no question
    reminder: Text  # one line under every later answer in that chat
    medication: Text  # the reply to a medication question without risk
    emergency: Resource
    categories: dict[Category, CategoryHelp]
    general: CategoryHelp  # the chat's `crisis` command

    def __post_init__(self) -> None:
        missing = [c for c in CATEGORIES if c not in self.categories]
        if missing:
            raise ValueError(f"categories: missing {', '.join(missing)}")

    def help_for(self, category: str | None) -> CategoryHelp:
        return self.categories.get(category, self.general)  # type: ignore[call-overload]

    def lines(self, category: str | None) -> list[Resource]:
        """The emergency line, then the category's own (the general ones without a category)."""
        return [self.emergency, *self.help_for(category).resources]

    def key_line(self, category: str | None) -> Resource:
        """The first line after the emergency number: the one a short reply names."""
        return self.help_for(category).resources[0]

    def concern_line(self, unread: bool) -> str:
        return self.unread if unread else self.concern

    def to_json(self, category: str | None, level: Level, unread: bool = False) -> dict[str, Any]:
        """The `crisis` object of a JSON reply; `unread`: the message is in a script the screen
        cannot read (its concern line says so)."""
        help_ = self.help_for(category)
        return {
            "level": level,
            "category": category,
            "title": help_.title,
            "message": one_line(help_.message),
            "urgent": self.urgent,
            "resources": [asdict(r) for r in self.lines(category)],
            "notice": one_line(self.notice),
            "invite": one_line(self.invite),
            "line": one_line(self.concern_line(unread)) if level == "concern" else None,
            "last_checked": self.last_checked.isoformat(),
        }


def read_yaml(path: Path, what: str) -> Any:
    import yaml

    from therapy_faq import yamlfile

    text = ""
    try:
        text = read_text(path)
        return yamlfile.load(text)
    except OSError as exc:
        raise FaqError(f"cannot read the {what} file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise FaqError(f"{path}: the {what} file is not UTF-8 text") from None
    except yamlfile.YamlShapeError as exc:
        raise FaqError(f"{path}: the {what} file: {exc}") from None
    except yaml.MarkedYAMLError as exc:
        raise FaqError(yamlfile.syntax_error(path, text, exc)) from None
    except yaml.YAMLError as exc:
        raise FaqError(f"{path}: YAML error: {exc}") from None


Schema = TypeVar("Schema")


def load_validated(path: Path, schema: type[Schema], what: str) -> Schema:
    """A data file read safely (`read_yaml`) and validated: one FaqError naming its problems."""
    data = read_yaml(path, what)
    try:
        return validated(schema, data)
    except SchemaError as exc:
        raise FaqError(f"{path}: invalid {what}: {exc}") from None


def load_resources(path: Path) -> CrisisResources:
    return load_validated(path, CrisisResources, "crisis resources")


def resources_sha256(path: Path) -> str:
    """The resources file's hash: an index keeps a validated copy (`trusted_resources`), used
    while the file's hash is the one it was built from."""
    from therapy_faq.faq import data_file_sha256

    return data_file_sha256(path, "crisis resources")


def resources_data(resources: CrisisResources) -> dict[str, Any]:
    """The resources as JSON data, for the index's copy."""
    return {**asdict(resources), "last_checked": resources.last_checked.isoformat()}


def trusted_resources(data: dict[str, Any]) -> CrisisResources:
    """The resources from `resources_data`, written by a build that validated them (the
    index's copy, whose hash its manifest checks): no YAML to parse and no pydantic to import,
    which would cost a one-shot question about 0.1 s."""

    def help_of(item: dict[str, Any]) -> CategoryHelp:
        return CategoryHelp(**{**item, "resources": [Resource(**r) for r in item["resources"]]})

    return CrisisResources(
        **{
            **data,
            "last_checked": date.fromisoformat(data["last_checked"]),
            "emergency": Resource(**data["emergency"]),
            "categories": {k: help_of(v) for k, v in data["categories"].items()},
            "general": help_of(data["general"]),
        }
    )


@dataclass(frozen=True)
class Example:
    """One training message of the crisis screen, labelled by level, category and voice."""

    __pydantic_config__: ClassVar[Any] = FORBID_EXTRA

    text: Text
    level: Level
    category: Category | Literal["none"]
    voice: Text
    kind: Text

    def __post_init__(self) -> None:
        if (self.level == "none") != (self.category == "none"):
            raise ValueError("category must be 'none' exactly when level is 'none'")


@dataclass(frozen=True)
class CrisisExamples:
    __pydantic_config__: ClassVar[Any] = FORBID_EXTRA

    examples: Annotated[list[Example], AtLeast(1)]

    @property
    def crisis(self) -> list[Example]:
        return [e for e in self.examples if e.level == "urgent"]

    @property
    def ordinary(self) -> list[Example]:
        return [e for e in self.examples if e.level != "urgent"]


def load_examples(path: Path) -> CrisisExamples:
    examples = load_validated(path, CrisisExamples, "crisis examples")
    levels = {e.level for e in examples.examples}
    if not {"urgent", "none"} <= levels:
        raise FaqError(f"{path}: the examples need both urgent and ordinary (none) messages")
    return examples
