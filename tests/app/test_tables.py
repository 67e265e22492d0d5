"""Results as the browser table shows them, on real results from the engine."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from app.labels import ColumnLabels, format_value
from app.tables import display_columns, result_csv, result_table


def test_every_row_and_value_of_a_small_result_is_shown(run) -> None:
    result = run("SELECT country, sum(total_amount) AS revenue FROM orders GROUP BY 1 ORDER BY 1")

    table = result_table(result)

    assert table.rows == table.shown_rows == result.row_count > 1
    assert list(table.frame.columns) == ["Country", "Revenue"]
    for (country, revenue), shown in zip(result.rows, table.frame.itertuples(index=False), strict=True):
        assert shown.Country == country
        assert shown.Revenue == f"{revenue:,.2f}"  # money: thousands separators and 2 decimals
    assert table.summary() == f"**{result.row_count:,} rows**"


def test_a_result_cut_at_the_row_limit_says_so(run) -> None:
    result = run("SELECT order_id FROM orders", limit=5)

    table = result_table(result)

    assert result.truncated and table.rows == 5
    assert "truncated: more rows match" in table.summary()


def test_the_page_table_is_capped_and_points_to_the_csv(run) -> None:
    result = run("SELECT order_id FROM orders ORDER BY order_id")

    table = result_table(result, max_rows=25)

    assert table.shown_rows == len(table.frame) == 25
    assert table.frame["Order id"].tolist() == [str(n) for n in range(1, 26)]  # keys without separators
    assert f"the CSV has all {result.row_count:,}" in table.summary()


def test_values_become_text_or_numbers_the_table_can_print(run) -> None:
    result = run(
        "SELECT true AS flag, [1, 2] AS list, {'a': 1} AS struct, 12.50::DECIMAL(10, 2) AS price, "
        "DATE '2024-01-02' AS day, NULL AS nothing, '<script>alert(1)</script>' AS html, "
        "0.1::DOUBLE + 0.2::DOUBLE AS sum"
    )

    row = result_table(result).frame.iloc[0].tolist()

    assert row[:5] == ["true", "[1, 2]", '{"a": 1}', "12.50", "2024-01-02"]
    assert row[5] == ""
    assert row[6] == "<script>alert(1)</script>"  # kept as text: the browser prints it, never runs it
    assert row[7] == "0.3"  # float noise trimmed


def test_the_table_follows_a_given_order_and_headers(run) -> None:
    result = run("SELECT 'a' AS name, 1200.5::DOUBLE AS sum_total_amount UNION ALL SELECT 'b', 3.0 ORDER BY 1")
    labels = ColumnLabels({"tables": ["orders"], "measures": [{"function": "sum", "column": "orders.total_amount"}]},
                          "revenue by name")  # fmt: skip

    table = result_table(result, labels=labels, order=[1, 0])

    assert list(table.frame.columns) == ["Name", "Revenue"]
    assert table.frame.values.tolist() == [["b", "3.00"], ["a", "1,200.50"]]


def test_the_csv_keeps_precision_without_float_noise(run) -> None:
    result = run("SELECT 6325152.750001076::DOUBLE AS a, 0.1::DOUBLE + 0.2::DOUBLE AS b, 1.23456789012345::DOUBLE AS c")

    text = result_csv(result).decode("utf-8")

    assert text.splitlines()[1] == "6325152.75,0.3,1.23456789012"


def test_values_are_written_by_kind() -> None:
    assert format_value(2**60, "count") == f"{2**60:,}"
    assert format_value(float("nan"), "number") == "nan"
    assert format_value(123456.78000000001, "number") == "123,456.78"
    assert format_value(1234.5, "money") == "1,234.50"
    assert format_value(42, "key") == "42"
    assert format_value(date(2024, 3, 1), "month") == "Mar 2024"
    assert format_value(datetime(2024, 1, 1), "day") == "2024-01-01"


def test_column_labels_are_unique_and_free_of_dots() -> None:
    assert display_columns(["a", "a", "orders.total", ""]) == ["a", "a (2)", "orders\u2024total", "column"]


def test_the_csv_holds_every_row_with_a_header(run) -> None:
    result = run("SELECT order_id, status FROM orders ORDER BY order_id")

    rows = list(csv.reader(io.StringIO(result_csv(result).decode("utf-8"))))

    assert rows[0] == ["order_id", "status"]
    assert [(int(i), s) for i, s in rows[1:]] == [tuple(r) for r in result.rows]


def test_nested_values_still_make_a_csv(run) -> None:
    result = run("SELECT [1, 2] AS list, 'x' AS name")

    text = result_csv(result).decode("utf-8")

    assert text.splitlines()[0] == "list,name"
    assert "x" in text.splitlines()[1]
