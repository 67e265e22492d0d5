"""Charts drawn from real results: bars for a category and a measure, a line for a time series."""

from __future__ import annotations

import pytest

from app.charts import MAX_BARS, chart_figure


def test_a_category_and_a_measure_are_bars_largest_first(run) -> None:
    result = run("SELECT country, sum(total_amount) AS revenue FROM orders GROUP BY 1 ORDER BY 1")

    figure = chart_figure(result, {"kind": "bar", "x": "country", "y": "revenue"})

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
