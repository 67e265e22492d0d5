"""A turn as the page shows it: text, SQL, row count, versions, chart, plan; failures as a note."""

from __future__ import annotations

import pytest

from app.answer import answer_view, csv_file_name, escape_lines, pretty_sql, versions_line
from neurolake.conversation import Turn

SQL = "SELECT country, sum(total_amount) AS revenue FROM orders GROUP BY country"


@pytest.fixture
def turn(run) -> Turn:
    result = run(SQL)
    return Turn(
        thread_id="t1",
        turn_id="a1",
        question="Revenue by country?",
        sql=SQL,
        result=result,
        plan="Query plan (duckdb)\n├── Optimizer: no rule changed the query",
        table_versions=dict(result.metrics.tables_read),
        chart={"kind": "bar", "x": "country", "y": "revenue"},
        message="12 rows (sum of <orders.total_amount> by country).",
    )


def test_an_answer_shows_sql_rows_versions_chart_and_plan(turn: Turn) -> None:
    view = answer_view(turn)

    assert "```sql\nSELECT country, sum(total_amount) AS revenue\nFROM orders\nGROUP BY country\n```" in view.markdown
    assert f"**{turn.result.row_count:,} rows**" in view.markdown
    version = turn.table_versions["orders"]
    assert f"Read `orders` v{version[0] if isinstance(version, list) else version}" in view.markdown
    assert "\\<orders\\.total\\_amount\\>" in view.markdown  # the service's text is shown, never parsed
    assert view.table is not None and len(view.table.frame) == turn.result.row_count
    assert view.figure is not None and view.figure.data[0].type == "bar"
    assert view.plan == turn.plan
    assert view.csv_name == "revenue-by-country.csv"


def test_time_travel_is_said_next_to_the_versions(turn: Turn) -> None:
    view = answer_view(turn, as_of="`orders` as of version 0")

    assert "(time travel: `orders` as of version 0)" in view.markdown


def test_a_failed_turn_is_a_friendly_note_without_table_or_plan(turn: Turn) -> None:
    turn.error, turn.message = "invalid_query", "Table 'ordres' does not exist. Did you mean 'orders'?"

    view = answer_view(turn)

    assert view.markdown.startswith("**I could not answer that.** Table 'ordres' does not exist\\.")
    assert "Traceback" not in view.markdown
    assert view.table is None and view.figure is None and view.plan is None and view.csv_name is None


def test_pretty_sql_only_changes_whitespace() -> None:
    sql = (
        "SELECT o.channel, count(*) FROM orders VERSION AS OF 3 o LEFT JOIN customers c ON c.id = o.cid "
        "WHERE o.x IS DISTINCT FROM 2 AND o.y IN (SELECT y FROM t WHERE z) GROUP BY 1 ORDER BY 2 DESC LIMIT 5"
    )

    pretty = pretty_sql(sql)

    assert pretty.split() == sql.split()
    assert pretty.splitlines() == [
        "SELECT o.channel, count(*)",
        "FROM orders VERSION AS OF 3 o",
        "LEFT JOIN customers c ON c.id = o.cid",
        "WHERE o.x IS DISTINCT FROM 2 AND o.y IN (SELECT y FROM t WHERE z)",
        "GROUP BY 1",
        "ORDER BY 2 DESC",
        "LIMIT 5",
    ]


def test_versions_and_names() -> None:
    assert versions_line({"orders": 3, "customers": [1, 2]}) == "Read `customers` v1, v2, `orders` v3"
    assert versions_line({}) is None
    assert csv_file_name(Turn(thread_id="t", turn_id="x", question="")) == "result.csv"
    assert escape_lines("a\n<b>") == "a  \n\\<b\\>"
