"""Requests about the last answer are recognised; questions are left to the parser."""

from __future__ import annotations

import pytest

from neurolake.conversation.commands import ConversationCommand, read_command


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("show the SQL", ConversationCommand("show_sql")),
        ("Show me the query you used", ConversationCommand("show_sql")),
        ("what SQL did you run?", ConversationCommand("show_sql")),
        ("sql?", ConversationCommand("show_sql")),
        ("more rows", ConversationCommand("more_rows")),
        ("show me more", ConversationCommand("more_rows")),
        ("next page please", ConversationCommand("more_rows")),
        ("as a share of the total", ConversationCommand("share_of_total")),
        ("and as a percentage of all", ConversationCommand("share_of_total")),
        ("sort by revenue instead", ConversationCommand("sort_by", "revenue")),
        ("order them by country ascending", ConversationCommand("sort_by", "country", "asc")),
        (
            "now sort it by the number of orders, highest first",
            ConversationCommand("sort_by", "number of orders", "desc"),
        ),
    ],
)
def test_commands_are_recognised(text: str, expected: ConversationCommand) -> None:
    assert read_command(text) == expected


@pytest.mark.parametrize(
    "text",
    ["show customers", "revenue by country", "only Germany", "more orders than last year", "what about 2023"],
)
def test_questions_are_not_commands(text: str) -> None:
    assert read_command(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("show the query plan", ConversationCommand("show_plan")),
        ("explain the plan", ConversationCommand("show_plan")),
        ("sort ascending", ConversationCommand("sort_by", direction="asc")),
        ("sort them descending", ConversationCommand("sort_by", direction="desc")),
        ("lowest first", ConversationCommand("sort_by", direction="asc")),
        ("reverse the order", ConversationCommand("sort_by")),
    ],
)
def test_plan_and_re_sorting_are_read(text: str, expected: ConversationCommand) -> None:
    assert read_command(text) == expected
