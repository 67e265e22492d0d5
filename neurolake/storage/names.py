"""Table names: what is allowed, and a "did you mean" for names that are not found."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from neurolake.errors import StorageInputError

_TABLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def validate_table_name(name: str) -> str:
    """Return ``name`` if it is a lower-case SQL identifier, else raise StorageInputError."""
    if not isinstance(name, str) or not _TABLE_NAME.match(name):
        raise StorageInputError(
            f"{name!r} is not a valid table name.",
            hint="Use lower-case letters, digits and underscores, starting with a letter "
            "or underscore, at most 63 characters (e.g. sales_2024).",
        )
    return name


def did_you_mean(name: str, known: Iterable[str]) -> str | None:
    """A sentence suggesting the closest known names, or None when nothing is close."""
    close = difflib.get_close_matches(name.lower(), sorted(known), n=3, cutoff=0.6)
    if not close:
        return None
    return "Did you mean " + " or ".join(repr(c) for c in close) + "?"
