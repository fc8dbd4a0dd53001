"""Crisis content, in one home: who to contact for each kind of crisis (`data/crisis.yaml`) and
the screen's training examples (`data/crisis_examples.yaml`), with their schemas and loaders.

A maintainer who localises `data/crisis.yaml` changes every place that shows a number: the
crisis panels, the concern line, the chat's banner and reminders, and `--help` (whose
disclaimer `disclaimer.py` reads from the same file without the schema, to stay fast).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from therapy_faq import yamlfile
from therapy_faq.errors import FaqError
from therapy_faq.fields import Text, Url, validation_problems
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


class Resource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: Text
    contact: Text
    region: Text
    url: Url | None = None

    def line(self) -> str:
        return f"{self.name} ({self.region}): {self.contact}"


class CategoryHelp(BaseModel):
    """What one kind of crisis is shown: its own words first, then its lines."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    title: Text
    message: Text
    resources: list[Resource] = Field(min_length=1)


class CrisisResources(BaseModel):
    """`data/crisis.yaml`: every text and number shown about a crisis, per category. The
    emergency line is listed first in every category's panel."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

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

    @model_validator(mode="after")
    def _every_category(self) -> CrisisResources:
        missing = [c for c in CATEGORIES if c not in self.categories]
        if missing:
            raise ValueError(f"categories: missing {', '.join(missing)}")
        return self

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
            "resources": [r.model_dump(mode="json") for r in self.lines(category)],
            "notice": one_line(self.notice),
            "invite": one_line(self.invite),
            "line": one_line(self.concern_line(unread)) if level == "concern" else None,
            "last_checked": self.last_checked.isoformat(),
        }


def read_yaml(path: Path, what: str) -> Any:
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


Model = TypeVar("Model", bound=BaseModel)


def load_validated(path: Path, model: type[Model], what: str) -> Model:
    """A data file read safely (`read_yaml`) and validated: one FaqError naming its problems."""
    data = read_yaml(path, what)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FaqError(f"{path}: invalid {what}: {validation_problems(exc)}") from None


def load_resources(path: Path) -> CrisisResources:
    return load_validated(path, CrisisResources, "crisis resources")


class Example(BaseModel):
    """One training message of the crisis screen, labelled by level, category and voice."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    text: Text
    level: Level
    category: Category | Literal["none"]
    voice: Text
    kind: Text

    @model_validator(mode="after")
    def _category_matches_level(self) -> Example:
        if (self.level == "none") != (self.category == "none"):
            raise ValueError("category must be 'none' exactly when level is 'none'")
        return self


class CrisisExamples(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    examples: list[Example] = Field(min_length=1)

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
