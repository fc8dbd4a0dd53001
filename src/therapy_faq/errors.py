"""Domain errors. Each maps to one friendly line and a documented exit code in the CLI."""

from __future__ import annotations


class TherapyFaqError(Exception):
    """Base class: a failure the user can act on, shown as one line without a traceback."""

    exit_code = 1


class UsageError(TherapyFaqError):
    """The command line asked for something impossible (empty question, unknown id)."""

    exit_code = 2


class FaqError(TherapyFaqError):
    """The FAQ file is missing, unreadable or does not match the schema."""

    exit_code = 3


class IndexUnavailableError(TherapyFaqError):
    """The index is missing or broken and could not be rebuilt."""

    exit_code = 4


class IndexFolderRefusedError(IndexUnavailableError):
    """The index folder holds something other than an index (a user's files): never replaced."""


class IndexWriteError(IndexUnavailableError):
    """The index could not be written (full disk, read-only folder): the old one is kept."""


class ModelError(TherapyFaqError):
    """The embedding model is missing or its files are not the expected ones."""

    exit_code = 5


class OutputError(TherapyFaqError):
    """An output file could not be written (full disk, read-only folder); the old one is kept."""

    exit_code = 7


class BelowTargetError(TherapyFaqError):
    """`eval --check`: a figure missed its target."""

    exit_code = 6


EXIT_CODES: dict[int, str] = {
    0: "success (an answer, a refusal or a crisis panel are all successful replies)",
    1: "unexpected internal error (rerun with --debug for the traceback)",
    2: "usage error: bad option, empty question, unknown entry id, deleted current folder",
    3: "the FAQ file is missing or invalid (with validate --strict: breaks a curation rule)",
    4: "the index is missing or broken and could not be (re)built (a full or read-only disk "
    "keeps the previous index), or its folder holds other files",
    5: "the embedding model is missing or does not match its fingerprint",
    6: "eval --check: a figure is below its target",
    7: "an output file, or standard output, could not be written (full disk, read-only); any "
    "file it would replace is left as it was",
    130: "interrupted (Ctrl-C)",
    143: "terminated (SIGTERM; 129 for SIGHUP): no temporary file is left behind",
    141: "the reader of the output went away (`| head -1`); nothing is printed",
}
