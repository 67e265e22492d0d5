"""Model output is never trusted: JSON and SQL extraction, validation, one repair round."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from neurolake.errors import ModelOutputError
from neurolake.llm.base import Message
from neurolake.llm.output import (
    OutputProblem,
    OutputSchema,
    complete_with_repair,
    extract_sql,
    parse_json_text,
    parse_structured,
)


class Answer(BaseModel):
    city: str
    count: int


@pytest.mark.parametrize(
    "text",
    [
        '{"city": "Berlin", "count": 3}',
        '```json\n{"city": "Berlin", "count": 3}\n```',
        'Sure! Here is the answer:\n{"city": "Berlin", "count": 3}\nHope this helps.',
        'Result: ```\n{"city": "Berlin", "count": 3}\n``` done',
    ],
)
def test_json_is_found_bare_fenced_or_in_prose(text: str) -> None:
    assert parse_json_text(text) == {"city": "Berlin", "count": 3}


def test_braces_inside_strings_do_not_end_the_object() -> None:
    assert parse_json_text('note: {"a": "}{", "b": [1, {"c": "\\"}"}]} trailing') == {"a": "}{", "b": [1, {"c": '"}'}]}


@pytest.mark.parametrize(
    ("text", "truncated", "reason"),
    [
        ('{"city": "Berlin", "count": 3,}', False, "malformed"),
        ('{"city": "Berl', True, "cut off"),
        ("I cannot answer that.", False, "no JSON object"),
        ("   ", False, "empty"),
    ],
)
def test_json_problems_are_named(text: str, truncated: bool, reason: str) -> None:
    with pytest.raises(OutputProblem, match=reason):
        parse_json_text(text, truncated=truncated)


def test_pydantic_schema_validates_and_builds_the_model() -> None:
    schema = OutputSchema.of(Answer)
    assert schema.name == "Answer"
    assert parse_structured('{"city": "Berlin", "count": "3"}', schema) == Answer(city="Berlin", count=3)
    with pytest.raises(OutputProblem, match="at count"):
        parse_structured('{"city": "Berlin", "count": "many"}', schema)


def test_json_schema_dict_validates_and_returns_the_data() -> None:
    schema = OutputSchema.of(
        {"title": "Clarification question!", "type": "object", "required": ["options"],
         "properties": {"options": {"type": "array", "minItems": 2}}}
    )  # fmt: skip
    assert schema.name == "Clarification_question_"
    assert parse_structured('{"options": ["a", "b"]}', schema) == {"options": ["a", "b"]}
    with pytest.raises(OutputProblem, match="at options"):
        parse_structured('{"options": ["a"]}', schema)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT city, COUNT(*) FROM stations GROUP BY city",
        "```sql\nSELECT city, COUNT(*) FROM stations GROUP BY city;\n```",
        "Here is the query:\n\nSELECT city, COUNT(*)\nFROM stations\nGROUP BY city\n\nThis counts stations per city.",
        "Sure.\n```\nSELECT city, COUNT(*) FROM stations GROUP BY city\n```\nLet me know!",
        '{"sql": "SELECT city, COUNT(*) FROM stations GROUP BY city", "explanation": "..."}',
    ],
)
def test_sql_is_found_in_fences_prose_and_json(text: str) -> None:
    sql = extract_sql(text)
    assert sql.startswith("SELECT city") and sql.endswith("GROUP BY city")


def test_sql_with_a_cte_keeps_the_whole_statement() -> None:
    text = "WITH t AS (SELECT 1 AS x)\nSELECT x FROM t\n\nThe CTE is a constant."
    assert extract_sql(text) == "WITH t AS (SELECT 1 AS x)\nSELECT x FROM t"


@pytest.mark.parametrize(
    ("text", "truncated", "reason"),
    [
        ("I am not sure which table you mean.", False, "no valid SQL"),
        ("SELECT city, COUNT(*) FROM stations GROUP", True, "cut off"),
        ("", False, "empty"),
        ("SELECT FROM WHERE", False, "no valid SQL"),
    ],
)
def test_sql_problems_are_named(text: str, truncated: bool, reason: str) -> None:
    with pytest.raises(OutputProblem, match=reason):
        extract_sql(text, truncated=truncated)


def test_repair_round_sends_the_bad_answer_back_once() -> None:
    answers = iter(["no json here", '{"city": "Berlin", "count": 1}'])
    sent: list[list[Message]] = []

    def send(messages: list[Message]) -> str:
        sent.append(messages)
        return next(answers)

    schema = OutputSchema.of(Answer)
    result, replies = complete_with_repair(
        [Message.user("q")], send, lambda t: parse_structured(t, schema), echo=str, expected="JSON", who="test"
    )
    assert result == Answer(city="Berlin", count=1)
    assert replies == ["no json here", '{"city": "Berlin", "count": 1}']
    repair = sent[1]
    assert [m.role for m in repair] == ["user", "assistant", "user"]
    assert repair[1].content == "no json here"
    assert "no JSON object was found" in repair[2].content


def test_second_bad_answer_is_a_clear_error() -> None:
    calls = []

    def send(messages: list[Message]) -> str:
        calls.append(messages)
        return "still prose"

    with pytest.raises(ModelOutputError, match="even after one repair round: no JSON object"):
        complete_with_repair(
            [Message.user("q")], send, parse_json_text, echo=str, expected="JSON", who="openai model m"
        )
    assert len(calls) == 2
