"""Helpers: answer a question and compare its result with a gold SQL's on the real engine."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlglot
from sqlglot import exp

from neurolake.engine.safety import StatementKind, classify
from neurolake.intent.answer import QuestionAnswerer
from neurolake.intent.model import Intent
from neurolake.intent.parser import IntentParser
from neurolake.platform import NeuroLake
from tests.intent.conftest import same_result


def answer(parser: IntentParser, question: str, context: Intent | None = None) -> tuple[Intent, str]:
    """The intent of a question that must be answered (no clarification, no refusal) and its SQL."""
    intent = parser.parse(question, context)
    assert intent.refusal is None, (question, intent.refusal)
    assert not intent.needs_clarification, (question, intent.clarification, intent.confidence)
    return intent, parser.generate(intent)


def assert_same_answer(platform: NeuroLake, sql: str, gold: str) -> None:
    """Both queries run on the engine and return the same rows (see the bench's comparison)."""
    ordered = _ordered(gold)
    got = platform.engine.execute_sql(sql, use_cache=False)
    expected = platform.engine.execute_sql(gold, use_cache=False)
    ok, why = same_result(expected, got, ordered)
    assert ok, f"{why}\n  sql:  {sql}\n  gold: {gold}"


def assert_read_only(sql: str) -> None:
    """The SQL is one statement that only reads."""
    from neurolake.engine.parsing import parse_statement

    tree = parse_statement(sql)
    assert classify(tree) in (StatementKind.QUERY, StatementKind.SHOW_TABLES, StatementKind.DESCRIBE), sql


def _ordered(sql: str) -> bool:
    tree = sqlglot.parse_one(sql, read="duckdb")
    return isinstance(tree, exp.Select) and tree.args.get("order") is not None


def answerer_for(platform: NeuroLake) -> QuestionAnswerer:
    """The answer path ``neurolake ask`` takes, over ``platform``'s tables, offline."""
    return QuestionAnswerer(IntentParser.from_platform(platform, semantic=False), platform.engine)


def rows_of(answerer: QuestionAnswerer, question: str) -> list[tuple[Any, ...]]:
    """The rows of a question that must be answered (no clarification, no refusal)."""
    answer = answerer.answer(question)
    assert answer.refusal is None and answer.clarification is None, answer.refusal or answer.clarification
    assert answer.result is not None
    return [tuple(r) for r in answer.result.rows]


def refusal_of(answerer: QuestionAnswerer, question: str) -> str:
    """What a question that must be refused says."""
    answer = answerer.answer(question)
    assert answer.result is None and answer.refusal is not None, answer.sql
    return answer.refusal


def answerer_over(
    tmp_path_factory: Any, name: str, tables: dict[str, dict[str, list[Any]]]
) -> Iterator[QuestionAnswerer]:
    """A fresh lakehouse holding ``tables`` (written through the platform's storage) and the
    answer path ``neurolake ask`` takes over it; closed when the fixture ends."""
    import pyarrow as pa

    from neurolake.config import load_settings

    platform = NeuroLake.from_settings(load_settings(home=tmp_path_factory.mktemp(name), environment="test"))
    for table, columns in tables.items():
        platform.storage.write_table(pa.table(columns), table)
    yield answerer_for(platform)
    platform.close()
