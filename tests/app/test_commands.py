"""Slash commands and the ``/asof`` argument."""

from __future__ import annotations

import pytest

from app.commands import COMMANDS, AsOf, help_markdown, parse_asof, parse_command


@pytest.mark.parametrize(
    ("text", "name", "argument"),
    [
        ("/tables", "tables", ""),
        ("  /describe orders ", "describe", "orders"),
        ("/SQL SELECT 1\nFROM t", "sql", "SELECT 1\nFROM t"),
        ("/asof orders 3", "asof", "orders 3"),
        ("/frobnicate x", "unknown", "x"),
    ],
)
def test_commands_and_their_arguments(text: str, name: str, argument: str) -> None:
    command = parse_command(text)

    assert command is not None and (command.name, command.argument) == (name, argument)


@pytest.mark.parametrize("text", ["revenue by country", "what is 3/4 of sales", "/ 3", ""])
def test_questions_are_not_commands(text: str) -> None:
    assert parse_command(text) is None


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("orders 3", AsOf(table="orders", version=3)),
        ("v2", AsOf(version=2)),
        ("2024-06-01", AsOf(timestamp="2024-06-01")),
        ("orders 2024-06-01 12:30", AsOf(table="orders", timestamp="2024-06-01 12:30")),
        ("2024-06-01T12:30:00Z", AsOf(timestamp="2024-06-01T12:30:00Z")),
    ],
)
def test_asof_reads_a_version_or_a_time_of_a_table_or_all(argument: str, expected: AsOf) -> None:
    assert parse_asof(argument) == expected


@pytest.mark.parametrize("argument", ["", "off", "LATEST", "now"])
def test_asof_off_goes_back_to_now(argument: str) -> None:
    assert parse_asof(argument) is None


@pytest.mark.parametrize("argument", ["orders", "orders yesterday", "2024-13-45", "drop;table 3"])
def test_asof_without_a_version_or_time_explains_the_usage(argument: str) -> None:
    with pytest.raises(ValueError, match=r"asof|table name"):
        parse_asof(argument)


def test_asof_describes_itself() -> None:
    assert AsOf(table="orders", version=3).describe() == "`orders` as of version 3"
    assert AsOf(timestamp="2024-06-01").describe() == "every table as of 2024-06-01"


def test_help_lists_every_command() -> None:
    text = help_markdown()

    assert all(f"`/{name}" in text for name in COMMANDS)
