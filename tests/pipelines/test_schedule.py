"""Cron validation and next run times (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from neurolake.pipelines.schedule import ScheduleError, as_utc, next_run, validate_cron


def test_next_run_is_strictly_after_and_in_utc() -> None:
    at_six = datetime(2024, 3, 1, 6, 0, tzinfo=UTC)

    assert next_run("0 6 * * *", at_six) == datetime(2024, 3, 2, 6, 0, tzinfo=UTC)
    assert next_run("0 6 * * *", at_six - timedelta(seconds=1)) == at_six
    assert next_run("*/15 * * * *", datetime(2024, 3, 1, 6, 7)) == datetime(2024, 3, 1, 6, 15, tzinfo=UTC)


def test_times_with_another_offset_are_read_as_the_same_instant() -> None:
    paris = timezone(timedelta(hours=1))
    assert as_utc(datetime(2024, 3, 1, 7, 0, tzinfo=paris)) == datetime(2024, 3, 1, 6, 0, tzinfo=UTC)
    assert next_run("0 * * * *", datetime(2024, 3, 1, 7, 30, tzinfo=paris)).hour == 7


@pytest.mark.parametrize("expression", ["every day", "0 6 * *", "0 6 * * * 2024", "61 * * * *", ""])
def test_invalid_cron_is_refused_with_an_example(expression: str) -> None:
    with pytest.raises(ScheduleError, match="minute hour day-of-month month day-of-week"):
        validate_cron(expression)


def test_cron_is_normalized() -> None:
    assert validate_cron("  0   6 * *  1-5 ") == "0 6 * * 1-5"
