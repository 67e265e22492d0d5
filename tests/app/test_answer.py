"""A turn as the page shows it: text, SQL, row count, versions, chart, plan; failures as a note."""

from __future__ import annotations

import pytest

from app.answer import answer_view, csv_file_name, escape_lines, escape_markdown, pretty_sql, versions_line
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


def test_an_answer_reads_summary_chart_table_with_the_steps_aside(turn: Turn, run) -> None:
    view = answer_view(turn)

    top, revenue = max(turn.result.rows, key=lambda r: r[1])
    assert view.markdown == escape_markdown(f"{top} leads with {revenue:,.2f}; 12 countries.")
    assert "```sql\nSELECT country, sum(total_amount) AS revenue\nFROM orders\nGROUP BY country\n```" in view.how
    assert f"{turn.result.row_count:,} rows" in view.how
    version = turn.table_versions["orders"]
    assert f"Read `orders` v{version[0] if isinstance(version, list) else version}" in view.how
    assert view.table is not None and len(view.table.frame) == turn.result.row_count
    assert view.figure is not None and view.figure.data[0].type == "bar"
    assert view.plan == turn.plan
    assert view.csv_name == "revenue-by-country.csv"


def test_the_table_follows_the_charts_order_with_human_headers(turn: Turn) -> None:
    turn.intent = {"tables": ["orders"], "measures": [{"function": "sum", "column": "orders.total_amount"}],
                   "group_by": [{"column": "orders.country"}]}  # fmt: skip
    turn.question = "revenue by country"
    turn.sql = "SELECT country, sum(total_amount) AS sum_total_amount FROM orders GROUP BY country"
    turn.result = turn.result  # same rows; the names come from the intent
    view = answer_view(turn)

    assert view.table is not None and view.figure is not None
    assert list(view.table.frame.columns) == ["Country", "Revenue"]
    bars = list(view.figure.data[0].x)
    assert view.table.frame["Country"].tolist() == bars
    expected = sorted(turn.result.rows, key=lambda r: -r[1])
    assert view.table.frame["Revenue"].tolist() == [f"{v:,.2f}" for _c, v in expected]
    assert view.figure.layout.yaxis.title.text == "Revenue"


def test_a_single_value_is_a_large_number_with_its_label(run) -> None:
    result = run("SELECT count(*) AS count FROM orders")
    turn = Turn(thread_id="t", turn_id="x", question="how many orders", sql="SELECT count(*) FROM orders",
                result=result, intent={"tables": ["orders"], "measures": [{"function": "count"}]})  # fmt: skip

    view = answer_view(turn)

    assert view.markdown.startswith(f"**Orders**\n\n# {result.rows[0][0]:,}")
    assert view.table is None and view.figure is None


def test_time_travel_is_said_next_to_the_versions(turn: Turn) -> None:
    view = answer_view(turn, as_of="`orders` as of version 0")

    assert "(time travel: `orders` as of version 0)" in view.how
    assert view.context.endswith("time travel: `orders` as of version 0")


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


def test_no_rows_says_so_with_the_reading(run) -> None:
    result = run("SELECT country FROM orders WHERE country = 'Atlantis'")
    turn = Turn(thread_id="t", turn_id="x", question="orders from Atlantis", sql="SELECT 1", result=result,
                intent={"tables": ["orders"], "columns": ["orders.country"],
                        "filters": [{"column": "orders.country", "value": "Atlantis"}]},
                notes=["A note."])  # fmt: skip

    view = answer_view(turn)

    assert view.markdown.startswith(escape_markdown("No rows match (read as: country where country is 'Atlantis')"))
    assert view.markdown.count("A note") == 1 and view.table is None
    assert "Context:_ country is Atlantis" in view.markdown


def test_a_follow_up_keeps_the_words_of_its_measure(turn: Turn, run) -> None:
    turn.result = run("SELECT country, sum(total_amount) AS sum_total_amount FROM orders GROUP BY country")
    turn.intent = {"tables": ["orders"], "measures": [{"function": "sum", "column": "orders.total_amount"}]}
    turn.question = "what about last year?"

    assert answer_view(turn).table.frame.columns[-1] == "Total amount"
    assert answer_view(turn, named="revenue by country").table.frame.columns[-1] == "Revenue"
