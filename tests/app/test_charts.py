"""Charts drawn from real results: bars for a category and a measure, a line for a time series."""

from __future__ import annotations

import pytest

from app.arrangement import arrange, unique_labels
from app.charts import MAX_BARS, chart_figure


def test_a_category_and_a_measure_are_bars_in_the_answers_order(run) -> None:
    result = run("SELECT country, sum(total_amount) AS revenue FROM orders GROUP BY 1 ORDER BY 1")
    answer = arrange(result, {"kind": "bar", "x": "country", "y": "revenue"}, "SELECT 1", {})

    figure = chart_figure(result, {"kind": "bar", "x": "country", "y": "revenue"}, order=answer.order)

    assert figure is not None and len(figure.data) == 1
    bars = figure.data[0]
    assert bars.type == "bar"
    expected = sorted(result.rows, key=lambda row: -row[1])
    assert list(bars.x) == [country for country, _ in expected]
    assert list(bars.y) == pytest.approx([revenue for _, revenue in expected])


def test_a_time_series_is_a_line_in_time_order(run) -> None:
    result = run("SELECT date_trunc('month', order_date) AS month, count(*) AS n FROM orders GROUP BY 1 ORDER BY 1")

    figure = chart_figure(result, {"kind": "line", "x": "month", "y": "n"})

    assert figure is not None
    line = figure.data[0]
    assert line.type == "scatter" and line.mode == "lines+markers"
    assert list(line.y) == [n for _, n in result.rows]
    assert list(line.x) == sorted(line.x)


@pytest.mark.parametrize(
    "chart",
    [
        None,
        {"kind": "pie", "x": "status", "y": "n"},
        {"kind": "bar", "x": "missing", "y": "n"},
        {"kind": "bar", "x": "n", "y": "status"},  # text is not a measure
    ],
)
def test_no_chart_when_none_is_asked_for_or_it_cannot_be_drawn(run, chart) -> None:
    result = run("SELECT status, count(*) AS n FROM orders GROUP BY 1")

    assert chart_figure(result, chart) is None


def test_too_many_bars_are_left_to_the_table(run) -> None:
    result = run(f"SELECT order_id::VARCHAR AS id, total_amount FROM orders LIMIT {MAX_BARS + 1}")

    assert chart_figure(result, {"kind": "bar", "x": "id", "y": "total_amount"}) is None


def test_labels_from_the_data_are_text_not_markup(run) -> None:
    result = run("SELECT '<b>bold</b>' AS label, 1 AS n UNION ALL SELECT 'plain', 2")

    figure = chart_figure(result, {"kind": "bar", "x": "label", "y": "n"})

    assert figure is not None
    assert "&lt;b&gt;bold&lt;/b&gt;" in list(figure.data[0].x)


def test_an_ordered_query_keeps_its_order_and_same_names_stay_apart(run) -> None:
    sql = "SELECT * FROM (VALUES (1, 'Lamp', 5.0), (2, 'Lamp', 9.0), (3, 'Desk', 7.0)) t(product_id, name, total)"
    result = run(sql + " ORDER BY total")
    intent = {"group_by": [{"column": "products.product_id"}, {"column": "products.name"}]}

    answer = arrange(result, {"kind": "bar", "x": "name", "y": "total"}, sql + " ORDER BY total", intent)

    assert answer.order == [0, 1, 2]  # the query's own order
    assert answer.hidden == ["product_id"]
    assert answer.row_labels["name"] == ["Lamp (#1)", "Desk", "Lamp (#2)"]
    figure = chart_figure(result, {"kind": "bar", "x": "name", "y": "total"}, x_labels=answer.row_labels["name"])
    assert figure is not None and len(set(figure.data[0].x)) == 3
    assert unique_labels(["a", "b"], [1, 2]) == ["a", "b"]
