"""Small pieces of SQL text handed to delta-rs: quoted identifiers and literals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any


def quote_identifier(name: str) -> str:
    """``name`` as a double-quoted SQL identifier (safe for spaces and capitals)."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: Any) -> str:
    """SQL text for an update value: strings are expressions, other values literals."""
    if isinstance(value, str):
        return value
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return repr(value) if not isinstance(value, Decimal) else str(value)
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat()}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    raise TypeError(f"Cannot write {type(value).__name__} as a SQL literal; pass a SQL expression string.")
