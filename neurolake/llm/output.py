"""Model output is never trusted: parse it, validate it, ask once for a repair, then fail clearly.

Handles the usual ways an answer goes wrong: prose around the JSON or SQL, code fences,
trailing commentary, an answer cut off at ``max_tokens``, JSON that does not fit the schema.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import jsonschema
import sqlglot
from pydantic import BaseModel, ValidationError
from sqlglot.errors import SqlglotError

from neurolake.errors import ModelOutputError
from neurolake.llm.base import Message, ResponseSchema

log = logging.getLogger(__name__)
R = TypeVar("R")
T = TypeVar("T")

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL)
_SQL_START = re.compile(
    r"^\s*(WITH|SELECT|FROM|VALUES|EXPLAIN|DESCRIBE|SHOW|INSERT|UPDATE|DELETE|MERGE|CREATE)\b",
    re.IGNORECASE | re.MULTILINE,
)
_SCHEMA_NAME = re.compile(r"[^A-Za-z0-9_-]")


class OutputProblem(Exception):
    """Why an answer could not be used; the text is sent back to the model in the repair round."""


@dataclass(frozen=True)
class OutputSchema:
    """A response schema as providers need it: a name, a JSON schema, and a validator."""

    name: str
    json_schema: dict[str, Any]
    model: type[BaseModel] | None = None

    @classmethod
    def of(cls, schema: ResponseSchema) -> OutputSchema:
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            return cls(_schema_name(schema.__name__), schema.model_json_schema(), schema)
        as_dict = dict(schema)
        return cls(_schema_name(str(as_dict.get("title", "response"))), as_dict)

    def validate(self, data: Any) -> Any:
        """The validated object: a model instance, or the data itself for a JSON schema."""
        if self.model is not None:
            try:
                return self.model.model_validate(data)
            except ValidationError as e:
                first = e.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "the top level"
                raise OutputProblem(f"the JSON does not match the schema at {where}: {first['msg']}") from e
        try:
            jsonschema.validate(data, self.json_schema)
        except jsonschema.ValidationError as e:
            where = ".".join(str(p) for p in e.absolute_path) or "the top level"
            raise OutputProblem(f"the JSON does not match the schema at {where}: {e.message}") from e
        return data


def _schema_name(name: str) -> str:
    return _SCHEMA_NAME.sub("_", name)[:64] or "response"


def parse_json_text(text: str, *, truncated: bool = False) -> Any:
    """The JSON value in ``text``: bare, fenced, or the first balanced object inside prose."""
    stripped = text.strip()
    candidates = [stripped]
    candidates += [body.strip() for _, body in _FENCE.findall(text)]
    if (inner := _first_balanced(stripped)) is not None:
        candidates.append(inner)
    error: json.JSONDecodeError | None = None
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except json.JSONDecodeError as e:
            error = error or e
    if truncated:
        raise OutputProblem("the answer was cut off at the token limit before the JSON was complete")
    if not stripped:
        raise OutputProblem("the answer was empty; a JSON object was expected")
    if error is not None and stripped[:1] in "{[":
        raise OutputProblem(f"the JSON is malformed: {error.msg} at line {error.lineno} column {error.colno}")
    raise OutputProblem("no JSON object was found in the answer")


def _first_balanced(text: str) -> str | None:
    """The first ``{...}`` or ``[...]`` span with balanced brackets outside strings."""
    start = next((i for i, ch in enumerate(text) if ch in "{["), None)
    if start is None:
        return None
    depth, in_string, escaped = 0, False, False
    for i in range(start, len(text)):
        ch = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
    return None


def parse_structured(text: str, schema: OutputSchema, *, truncated: bool = False) -> Any:
    """Parse JSON out of ``text`` and validate it against ``schema``."""
    return schema.validate(parse_json_text(text, truncated=truncated))


def extract_sql(text: str, *, truncated: bool = False, dialect: str = "duckdb") -> str:
    """The one SQL statement in an answer: fenced, bare, inside prose, or in a ``{"sql"}`` object."""
    if truncated:
        raise OutputProblem("the answer was cut off at the token limit; the SQL may be incomplete")
    for candidate in _sql_candidates(text):
        if (sql := _parseable_prefix(candidate, dialect)) is not None:
            return sql
    if not text.strip():
        raise OutputProblem("the answer was empty; one SQL statement was expected")
    raise OutputProblem("no valid SQL statement was found in the answer")


def _sql_candidates(text: str) -> list[str]:
    candidates: list[str] = []
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, Mapping) and isinstance(data.get("sql"), str):
            candidates.append(data["sql"])
    candidates += [body for _, body in _FENCE.findall(text)]
    if match := _SQL_START.search(text):
        candidates.append(text[match.start() :])
    return candidates


def _parseable_prefix(candidate: str, dialect: str) -> str | None:
    """The longest run of leading lines that parses as exactly one statement."""
    lines = candidate.strip().splitlines()
    while lines:
        sql = "\n".join(lines).strip().rstrip(";").strip()
        if _SQL_START.match(sql) and _parses_as_one(sql, dialect):
            return sql
        # Commentary after the SQL is dropped one line at a time until the rest parses.
        lines.pop()
    return None


def _parses_as_one(sql: str, dialect: str) -> bool:
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except SqlglotError:
        return False
    return len(statements) == 1


def repair_message(problem: OutputProblem, expected: str) -> Message:
    """The user turn of the repair round: what was wrong, and what to send instead."""
    return Message.user(
        f"Your previous answer could not be used: {problem}. "
        f"Reply again with {expected} only, with no prose and no code fences."
    )


def complete_with_repair(
    messages: list[Message],
    send: Callable[[list[Message]], R],
    interpret: Callable[[R], T],
    *,
    echo: Callable[[R], str],
    expected: str,
    who: str,
) -> tuple[T, list[R]]:
    """Send, interpret; on an ``OutputProblem`` ask once for a repair; then raise clearly.

    Returns the interpreted result and every raw reply (to add up usage).
    """
    first = send(messages)
    try:
        return interpret(first), [first]
    except OutputProblem as problem:
        log.info("%s gave an unusable answer (%s); asking for a repair", who, problem)
        retry = [*messages, Message.assistant(echo(first)), repair_message(problem, expected)]
    second = send(retry)
    try:
        return interpret(second), [first, second]
    except OutputProblem as problem:
        raise ModelOutputError(
            f"{who} did not return usable output, even after one repair round: {problem}.",
            hint="Try again, rephrase the question, or raise max_tokens if the answer was cut off.",
        ) from problem
