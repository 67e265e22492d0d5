"""``/stats``: the window it reads, and one person's figures as a table and a chart."""

from __future__ import annotations

import pyarrow as pa
import pytest

from app.commands import COMMANDS, help_markdown
from app.stats import DEFAULT_HOURS, parse_hours, stats_view
from neurolake.catalog.repositories import users as users_repo
from neurolake.errors import NeuroLakeError
from neurolake.platform import NeuroLake


@pytest.mark.parametrize(
    ("argument", "hours"),
    [("", DEFAULT_HOURS), ("48", 48.0), (" 48h ", 48.0), ("0.5", 0.5), ("0", None), ("-3", None), ("soon", None),
     ("100000", None)],
)  # fmt: skip
def test_the_window_is_a_number_of_hours(argument: str, hours: float | None) -> None:
    assert parse_hours(argument) == hours


def test_stats_is_listed_in_help() -> None:
    assert "stats" in COMMANDS and "/stats" in help_markdown()


def test_stats_shows_only_the_askers_queries_with_their_last_failure(platform: NeuroLake) -> None:
    platform.storage.write_table(pa.table({"n": pa.array(range(5), pa.int64())}), "numbers")
    with platform.catalog.session() as session:
        users_repo.create_user(session, "ada", role="analyst")
        ada = users_repo.get_user(session, "ada")
        session.expunge(ada)
    platform.engine.execute_sql("SELECT sum(n) AS s FROM numbers", user=ada)
    platform.engine.execute_sql("SELECT sum(n) AS s FROM numbers", user=ada)
    with pytest.raises(NeuroLakeError):
        platform.engine.execute_sql('SELECT "<script>" FROM numbers', user=ada)
    platform.engine.execute_sql("SELECT 1 AS someone_else")

    view = stats_view(platform, ada, 24)

    figures = dict(zip(view.figures["figure"], view.figures["value"], strict=True))
    assert (figures["queries"], figures["failed"], figures["cache hits"], figures["cache hit rate"]) == (
        "3", "1", "1", "50%",
    )  # fmt: skip
    assert "ada" in view.markdown and "Last failure" in view.markdown
    assert "\\<script\\>" in view.markdown and "<script>" not in view.markdown  # escaped for the chat
    assert view.chart is not None and sum(view.chart.data[0].y) + sum(view.chart.data[1].y) == 3


def test_stats_without_queries_says_so_and_draws_nothing(platform: NeuroLake) -> None:
    view = stats_view(platform, None, 1)

    assert "no queries yet" in view.markdown and view.chart is None
    assert dict(zip(view.figures["figure"], view.figures["value"], strict=True))["queries"] == "0"
