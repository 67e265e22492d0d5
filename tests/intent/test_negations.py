"""Negations a few words before what they negate, and absences a verb or a second table names.

- "not in country 'Russia'", "not owned by CCTV": the value is negated, not the column's name;
- "books that are not published": no row of the table the verb names refers to them;
- "projects which are not assigned yet": the same, the verb naming a table no mention links;
- "devices that have no devices in stock": the rows themselves, absent from the table named after.

Real Delta tables through the platform's storage; questions go through the path
``neurolake ask`` takes. The tables are small and made up.
"""

from __future__ import annotations

from typing import Any

from neurolake.intent.answer import QuestionAnswerer
from tests.intent.checks import rows_of

#: The tables the questions below are asked over (the ``tables_answerer`` fixture writes them).
TABLES: dict[str, dict[str, list[Any]]] = {
    "stadium": {"stadium_id": [1, 2, 3], "country": ["Russia", "Spain", "Peru"]},
    "channel": {"channel_id": [1, 2, 3], "name": ["One", "Two", "Three"], "owner": ["CCTV", "HBS", "CCTV"]},
    "book": {"book_id": [1, 2, 3], "title": ["Dune", "Emma", "Ulysses"]},
    "publication": {"publication_id": [1, 2], "book_id": [1, 3], "publisher": ["Ace", "Bodley"]},
    "projects": {"code": ["P1", "P2", "P3"], "name": ["Apollo", "Borealis", "Cygnus"]},
    "assignedto": {"scientist": [10, 11], "project": ["P1", "P1"]},
    "device": {"device_id": [1, 2, 3], "carrier": ["Vodafone", "Orange", "Iusacell"]},
    "stock": {"shop_id": [1, 1], "device_id": [1, 2], "quantity": [5, 9]},
}


def test_a_negated_value_after_its_column(tables_answerer: QuestionAnswerer) -> None:
    assert rows_of(tables_answerer, 'How many stadiums are not in country "Russia"?') == [(2,)]


def test_a_negated_value_after_a_verb_and_by(tables_answerer: QuestionAnswerer) -> None:
    assert rows_of(tables_answerer, "Find the names of channels that are not owned by CCTV.") == [("Two",)]


def test_a_verb_names_the_table_nothing_refers_from(tables_answerer: QuestionAnswerer) -> None:
    assert rows_of(tables_answerer, "List the titles of books that are not published.") == [("Emma",)]


def test_a_verb_no_mention_links_names_the_table(tables_answerer: QuestionAnswerer) -> None:
    rows = rows_of(tables_answerer, "Select the project names which are not assigned yet.")
    assert sorted(rows) == [("Borealis",), ("Cygnus",)]


def test_the_rows_absent_from_the_table_named_after_them(tables_answerer: QuestionAnswerer) -> None:
    assert rows_of(tables_answerer, "List the carriers of devices that have no devices in stock.") == [("Iusacell",)]
