"""Text fields shared by the schemas: stripped, not empty, and free of the characters that
drive a terminal (`terminal.refuse_controls`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints, ValidationError

from therapy_faq.terminal import refuse_controls

Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(refuse_controls)
]


def validation_problems(exc: ValidationError, shown: int = 20) -> str:
    """The first few problems on one line: a file with hundreds of bad rows needs a count, not
    a screenful (nor pydantic's several lines and links per problem)."""
    errors = exc.errors()
    text = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}" for e in errors[:shown]
    )
    return text + (f"; and {len(errors) - shown} more" if len(errors) > shown else "")
