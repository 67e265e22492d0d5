"""Cron schedules: validation and the next time a pipeline is due (always in UTC)."""

from __future__ import annotations

from datetime import UTC, datetime

from croniter import croniter

from neurolake.errors import NeuroLakeError


class ScheduleError(NeuroLakeError, ValueError):
    """A cron expression NeuroLake cannot use."""

    status_code = 400


def validate_cron(expression: str) -> str:
    """``expression`` normalized (single spaces), or ScheduleError saying what a valid one looks like."""
    text = " ".join(expression.split())
    # Five fields only: seconds and years (croniter extensions) would surprise a crontab reader.
    if len(text.split(" ")) != 5 or not croniter.is_valid(text):
        raise ScheduleError(
            f"{expression!r} is not a cron schedule.",
            hint="Use five fields: minute hour day-of-month month day-of-week, e.g. '0 6 * * *' for 06:00 daily.",
        )
    return text


def as_utc(moment: datetime) -> datetime:
    """``moment`` with a UTC zone (SQLite returns stored times without one)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def next_run(expression: str, after: datetime) -> datetime:
    """The first time strictly after ``after`` that ``expression`` fires, in UTC."""
    start = as_utc(after)
    return as_utc(croniter(validate_cron(expression), start).get_next(datetime))
