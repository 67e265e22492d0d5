"""Questions that must not reach the parser as questions: empty, too long, not English,
SQL pasted in, instructions aimed at a model, requests to change data.

Read-only SQL typed as a question is accepted as it is (kind ``sql``) and checked like any
generated query; everything else here becomes a refusal that says why.
"""

from __future__ import annotations

import re

from neurolake.errors import NeuroLakeError
from neurolake.intent.model import Intent, IntentKind
from neurolake.intent.words import word_set

MAX_QUESTION_CHARS = 1000

_SQL_START = re.compile(
    r"^\s*(select|with|insert|update|delete|drop|create|alter|truncate|merge|grant|revoke|copy|attach|"
    r"detach|pragma|set|install|load|explain|describe|show|call|vacuum|replace|upsert)\b",
    re.IGNORECASE,
)
_INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(instructions?|prompts?|rules|guidelines|"
    r"system|previous|above|everything)\b|\byou are now\b|\bsystem prompt\b|\bact as\b|\bjailbreak\b",
    re.IGNORECASE,
)
_WRITE = re.compile(
    r"\b(drop|delete|truncate|erase|wipe|destroy|insert|update|alter|overwrite|rename|grant|revoke)\b"
    r"(?:\s+\w+){0,3}?\s+(table|tables|rows?|records?|data|database|schema|columns?|everything|all|"
    r"entries|the\s+\w+)\b",
    re.IGNORECASE,
)
_READ_ONLY = "NeuroLake answers questions with read-only queries; it never changes or deletes data."


def refusal(question: str, reason: str) -> Intent:
    return Intent(kind=IntentKind.UNKNOWN, question=question, confidence=0.0, refusal=reason)


def screen(text: str) -> Intent | None:
    """A refusal or a pasted SQL intent for ``text``, or None when it is a question to parse."""
    stripped = text.strip()
    if not stripped:
        return refusal(text, "The question is empty. Ask about your data, e.g. 'how many orders per month?'.")
    if len(stripped) > MAX_QUESTION_CHARS:
        return refusal(
            stripped[:80] + "...",
            f"The question is too long ({len(stripped):,} characters; the limit is {MAX_QUESTION_CHARS:,}). "
            "Ask one question at a time.",
        )
    if _SQL_START.match(stripped) and _looks_like_sql(stripped):
        return _pasted_sql(stripped)
    if _INJECTION.search(stripped):
        return refusal(
            stripped, "That looks like instructions for a model, not a question about your data. " + _READ_ONLY
        )
    if _WRITE.search(stripped):
        return refusal(stripped, _READ_ONLY + " Use `neurolake sql` with write permission to change tables.")
    letters = [ch for ch in stripped if ch.isalpha()]
    if letters and sum(1 for ch in letters if not ch.isascii()) / len(letters) > 0.3:
        return refusal(stripped, "I can only read questions in English for now. Please ask in English.")
    return None


_DDL_OBJECTS = word_set(
    "table tables view schema index database or temp temporary macro function sequence secret type from into"
)


def _looks_like_sql(text: str) -> bool:
    from sqlglot import exp

    from neurolake.intent.sqlgen import parse_sql

    words = text.split()
    if len(words) < 2:
        return False
    first = words[0].lower()
    if first in ("create", "drop", "alter", "truncate", "insert", "delete", "update", "grant", "revoke", "copy"):
        # "create a daily job ..." is a pipeline request; "create table t ..." is SQL.
        return words[1].lower() in _DDL_OBJECTS or (
            first in ("update", "truncate")
            and len(words) >= 3
            and (words[2].lower() in ("set", ";") or words[1].lower() == "table")
        )
    if first in ("show", "describe", "explain", "update", "delete", "drop", "create", "insert", "set", "load"):
        # "show me the customers", "describe orders" are questions unless they parse as statements.
        if first == "describe" and len(words) == 2:
            return False
        if first == "show" and words[1].lower() != "tables":
            return False
        if first == "explain" and words[1].lower() not in ("select", "with"):
            return False
    tree = parse_sql(text)
    return tree is not None and not isinstance(tree, exp.Command)


def _pasted_sql(text: str) -> Intent:
    from neurolake.engine.parsing import parse_statement
    from neurolake.engine.safety import StatementKind, classify

    try:
        tree = parse_statement(text)
        kind = classify(tree) if not text.lower().startswith("explain") else StatementKind.EXPLAIN
    except NeuroLakeError as e:
        return refusal(text, f"That is SQL the engine would not run: {e}")
    if kind.writes or kind not in (
        StatementKind.QUERY,
        StatementKind.EXPLAIN,
        StatementKind.DESCRIBE,
        StatementKind.SHOW_TABLES,
    ):
        return refusal(text, f"That is a {kind.value.upper()} statement. " + _READ_ONLY)
    return Intent(kind=IntentKind.SQL, question=text, sql=text, confidence=1.0)
