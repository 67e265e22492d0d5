"""Table names: what is allowed, and a "did you mean" for names that are not found.

Every door that names a table (CLI ingest, API upload, chat upload, pipelines, SQL writes)
goes through ``validate_table_name``. A name must be a folder the storage layout does not
reserve (Delta keeps ``_delta_log``, ``_change_data``... in underscore folders) and a word
user SQL can write unquoted (no DuckDB reserved word such as ``select`` or ``order``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import cache, lru_cache

import duckdb
import sqlglot
from sqlglot.errors import SqlglotError

from neurolake.errors import StorageInputError

_TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_SHAPE_HINT = (
    "Use lower-case letters, digits and underscores, starting with a letter, at most 63 characters (e.g. sales_2024)."
)
_RESERVED_WORD = "it is a reserved SQL word, so every query would have to quote it"


@cache
def _keywords_sql_reserves() -> frozenset[str]:
    """DuckDB keywords that cannot name a table unquoted (reserved and type/function words)."""
    rows = duckdb.connect().execute(
        "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category IN ('reserved', 'type_function')"
    )
    return frozenset(name for (name,) in rows.fetchall())


@lru_cache(maxsize=4096)
def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a table name, or None when it can."""
    if not isinstance(name, str) or not _TABLE_NAME.match(name):
        if isinstance(name, str) and name.startswith("_"):
            return "names starting with '_' are reserved for Delta's own folders (such as _delta_log)"
        return "it is not a lower-case SQL identifier"
    if name in _keywords_sql_reserves() or not _reads_as_plain_table(name):
        return _RESERVED_WORD
    return None


def _reads_as_plain_table(name: str) -> bool:
    # Our parser (sqlglot, DuckDB dialect) must read it back as the plain table it names.
    sql = f"SELECT * FROM {name}"
    try:
        return sqlglot.parse_one(sql, read="duckdb").sql("duckdb") == sql
    except SqlglotError:
        return False


def validate_table_name(name: str) -> str:
    """Return ``name`` if it can name a table, else raise StorageInputError saying why."""
    problem = name_problem(name)
    if problem is not None:
        hint = f"Pick another name, e.g. {name}_data." if problem == _RESERVED_WORD else _SHAPE_HINT
        raise StorageInputError(f"{name!r} is not a valid table name: {problem}.", hint=hint)
    return name


def did_you_mean(name: str, known: Iterable[str]) -> str | None:
    """A sentence suggesting the closest known names, or None when nothing is close."""
    close = difflib.get_close_matches(name.lower(), sorted(known), n=3, cutoff=0.6)
    if not close:
        return None
    return "Did you mean " + " or ".join(repr(c) for c in close) + "?"
