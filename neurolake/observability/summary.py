"""The dashboard's figures: built from the catalog's query history and the live counters.

``build_summary`` reads the history of one window (default: the last 24 hours) for everyone
or one user, and returns totals, a time series, the slowest queries, recent failures, the
tables' sizes, and the process's live counters. The API returns it as JSON, the dashboard
draws it, and the chat's ``/stats`` shows one user's part.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy import select

from neurolake.catalog.models import QueryHistory, User
from neurolake.errors import NeuroLakeError
from neurolake.observability.metrics import METRICS, QUESTION_OUTCOMES, Metrics
from neurolake.observability.window import MAX_HOURS

if TYPE_CHECKING:
    from neurolake.platform import NeuroLake

#: Status the engine records for a query that returned rows.
SUCCEEDED = "succeeded"
#: Most history rows a summary reads.
MAX_ROWS = 100_000
#: Bucket widths (seconds) the time series may use; the smallest giving at most MAX_BUCKETS.
BUCKET_SIZES = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 86400)
MAX_BUCKETS = 48
#: Rows in the slowest-queries and recent-failures lists.
TOP = 10
#: The labels an LLM call is listed by.
_LLM_KEY = ("provider", "model", "prompt", "version")


def _utc(moment: datetime) -> datetime:
    """SQLite hands back stored times without their offset; they were written in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


#: A stored time, with its UTC offset.
Utc = Annotated[datetime, AfterValidator(_utc)]


class SummaryWindowError(NeuroLakeError, ValueError):
    """A summary window that is not a positive number of hours within the limit."""

    status_code = 400


@dataclass(frozen=True)
class Scope:
    """Whose queries: everyone's, one catalog user's, or those run without a user (open chat, CLI)."""

    everyone: bool
    user_id: int | None = None
    label: str = "everyone"

    @classmethod
    def all(cls) -> Scope:
        return cls(everyone=True)

    @classmethod
    def of(cls, user: User | None) -> Scope:
        """``user``'s queries; None means the queries run without a user."""
        if user is None:
            return cls(everyone=False, label="local (no user)")
        return cls(everyone=False, user_id=user.id, label=user.username)


class QueryTotals(BaseModel):
    queries: int = 0
    succeeded: int = 0
    failed: int = Field(0, description="Every status but succeeded: failed, invalid, refused, timeout, cancelled")
    cache_hits: int = 0
    cache_hit_rate: float = Field(0.0, description="Cache hits over succeeded queries")
    rows: int = 0
    bytes: int = 0
    mean_ms: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None


class TimeBucket(BaseModel):
    start: datetime
    queries: int
    failed: int
    cache_hits: int
    cache_hit_rate: float | None = Field(None, description="None when no query succeeded in the bucket")
    p50_ms: float | None = None
    p95_ms: float | None = None


class QueryEntry(BaseModel):
    """One ``query_history`` row."""

    model_config = ConfigDict(from_attributes=True)

    query_id: str | None
    sql: str
    question: str | None
    status: str
    error: str | None
    duration_ms: float | None
    rows: int | None
    bytes: int | None
    cache_hit: bool
    backend: str | None
    user_id: int | None
    executed_at: Utc


class TableFigure(BaseModel):
    name: str
    version: int
    rows: int | None
    size_bytes: int | None
    updated_at: datetime | None


class LlmFigure(BaseModel):
    provider: str
    model: str
    prompt: str
    version: str
    calls: int
    errors: int


class FailedQuestionEntry(BaseModel):
    question: str
    error: str = Field(description="A short code: invalid_query, timeout, internal_error...")
    message: str
    at: datetime


class LiveFigures(BaseModel):
    """This process's counters since it started (not per user, not persisted)."""

    queries_by_status: dict[str, int]
    questions: dict[str, int]
    failed_questions: list[FailedQuestionEntry] = Field(description="The most recent, newest first")
    optimizer_rules: dict[str, int]
    llm_calls: list[LlmFigure]
    llm_tokens: dict[str, int]
    cache: dict[str, Any]


class MetricsSummary(BaseModel):
    generated_at: datetime
    since: datetime
    scope: str
    bucket_seconds: int
    totals: QueryTotals
    over_time: list[TimeBucket]
    slowest: list[QueryEntry]
    failures: list[QueryEntry]
    tables: list[TableFigure]
    live: LiveFigures | None = Field(None, description="Left out for one user's figures")


def build_summary(
    platform: NeuroLake,
    *,
    hours: float = 24,
    scope: Scope | None = None,
    metrics: Metrics = METRICS,
    now: datetime | None = None,
) -> MetricsSummary:
    """Figures of the last ``hours`` for ``scope`` (default everyone); live counters for everyone only."""
    if not 0 < hours <= MAX_HOURS:
        raise SummaryWindowError(
            f"The window must be more than 0 and at most {MAX_HOURS} hours, not {hours:g}.",
            hint="Ask for hours=24 (a day) or hours=168 (a week).",
        )
    scope = scope or Scope.all()
    until = now or datetime.now(UTC)
    since = until - timedelta(hours=hours)
    bucket = bucket_seconds(hours)
    read = _read_catalog(platform, scope, since)
    return MetricsSummary(
        generated_at=until,
        since=since,
        scope=scope.label,
        bucket_seconds=bucket,
        totals=totals(read.runs),
        over_time=over_time(read.runs, since, until, bucket),
        slowest=read.slowest,
        failures=read.failures,
        tables=read.tables,
        live=live_figures(platform, metrics) if scope.everyone else None,
    )


def bucket_seconds(hours: float) -> int:
    """The narrowest bucket that splits ``hours`` into at most ``MAX_BUCKETS``."""
    span = hours * 3600
    return next((size for size in BUCKET_SIZES if span / size <= MAX_BUCKETS), BUCKET_SIZES[-1])


def totals(entries: Sequence[QueryRun]) -> QueryTotals:
    ok = [e for e in entries if e.status == SUCCEEDED]
    hits = sum(e.cache_hit for e in ok)
    durations = sorted(e.duration_ms for e in entries if e.duration_ms is not None)
    return QueryTotals(
        queries=len(entries),
        succeeded=len(ok),
        failed=len(entries) - len(ok),
        cache_hits=hits,
        cache_hit_rate=round(hits / len(ok), 4) if ok else 0.0,
        rows=sum(e.rows or 0 for e in ok),
        bytes=sum(e.bytes or 0 for e in ok),
        mean_ms=round(sum(durations) / len(durations), 3) if durations else None,
        p50_ms=percentile(durations, 50),
        p95_ms=percentile(durations, 95),
        p99_ms=percentile(durations, 99),
    )


def over_time(entries: Sequence[QueryRun], since: datetime, until: datetime, bucket: int) -> list[TimeBucket]:
    """One bucket per ``bucket`` seconds from ``since`` to ``until``; empty ones included, so charts show gaps."""
    origin = _floor(since, bucket)
    count = math.ceil((until - origin).total_seconds() / bucket) or 1
    grouped: list[list[QueryRun]] = [[] for _ in range(count)]
    for entry in entries:
        index = int((entry.executed_at - origin).total_seconds() // bucket)
        if 0 <= index < count:
            grouped[index].append(entry)
    series = []
    for index, group in enumerate(grouped):
        ok = [e for e in group if e.status == SUCCEEDED]
        durations = sorted(e.duration_ms for e in group if e.duration_ms is not None)
        hits = sum(e.cache_hit for e in ok)
        series.append(
            TimeBucket(
                start=origin + timedelta(seconds=index * bucket),
                queries=len(group),
                failed=len(group) - len(ok),
                cache_hits=hits,
                cache_hit_rate=round(hits / len(ok), 4) if ok else None,
                p50_ms=percentile(durations, 50),
                p95_ms=percentile(durations, 95),
            )
        )
    return series


def percentile(ordered: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile of an ascending list; None when it is empty."""
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return round(ordered[rank - 1], 3)


def live_figures(platform: NeuroLake, metrics: Metrics) -> LiveFigures:
    counters = metrics.counters()
    calls = counters.grouped("neurolake_llm_calls", _LLM_KEY)
    errors = counters.grouped("neurolake_llm_calls", _LLM_KEY, outcome="error")
    try:
        cache = platform.cache.stats().to_dict()
    except Exception as e:  # the summary still serves the history when the cache is down
        cache = {"available": False, "error": str(e)}

    def ints(name: str, label: str) -> dict[str, int]:
        return {k: int(v) for k, v in counters.by_label(name, label).items()}

    questions = ints("neurolake_questions", "outcome")
    return LiveFigures(
        queries_by_status=ints("neurolake_queries", "status"),
        questions={o: questions.get(o, 0) for o in QUESTION_OUTCOMES},
        failed_questions=[
            FailedQuestionEntry(question=f.question, error=f.error, message=f.message, at=f.at)
            for f in list(metrics.failed_questions)
        ],
        optimizer_rules=ints("neurolake_optimizer_rules_fired", "rule"),
        llm_calls=[
            LlmFigure(provider=p, model=m, prompt=n, version=v, calls=int(c), errors=int(errors.get((p, m, n, v), 0)))
            for (p, m, n, v), c in sorted(calls.items())
        ],
        llm_tokens=ints("neurolake_llm_tokens", "direction"),
        cache=cache,
    )


class QueryRun(NamedTuple):
    """The figures of one history row that totals and buckets need (no SQL text)."""

    executed_at: datetime
    status: str
    duration_ms: float | None
    cache_hit: bool
    rows: int | None
    bytes: int | None


@dataclass(frozen=True)
class _CatalogRead:
    runs: list[QueryRun]
    slowest: list[QueryEntry]
    failures: list[QueryEntry]
    tables: list[TableFigure]


def _read_catalog(platform: NeuroLake, scope: Scope, since: datetime) -> _CatalogRead:
    """The window's figures as light rows; the two top-10 lists chosen by the database."""
    from neurolake.catalog.repositories.tables import list_tables

    platform.engine.flush_history()  # queries just run are in the history before it is read
    h = QueryHistory
    where = [h.executed_at >= since]
    if not scope.everyone:
        where.append(h.user_id.is_(None) if scope.user_id is None else h.user_id == scope.user_id)
    newest = (h.executed_at.desc(), h.id.desc())
    figures = select(h.executed_at, h.status, h.duration_ms, h.cache_hit, h.rows, h.bytes).where(*where)
    slowest = select(h).where(*where, h.duration_ms.is_not(None)).order_by(h.duration_ms.desc(), *newest)
    failures = select(h).where(*where, h.status != SUCCEEDED).order_by(*newest)
    with platform.catalog.session() as session:
        runs = [
            QueryRun(_utc(at), status, duration, bool(hit), rows, size)
            for at, status, duration, hit, rows, size in session.execute(figures.order_by(*newest).limit(MAX_ROWS))
        ]
        return _CatalogRead(
            runs=runs,
            slowest=[QueryEntry.model_validate(row) for row in session.scalars(slowest.limit(TOP))],
            failures=[QueryEntry.model_validate(row) for row in session.scalars(failures.limit(TOP))],
            tables=[
                TableFigure(
                    name=t.name,
                    version=t.current_version,
                    rows=t.row_count,
                    size_bytes=t.size_bytes,
                    updated_at=_utc(t.updated_at) if t.updated_at else None,
                )
                for t in list_tables(session)
            ],
        )


def _floor(moment: datetime, seconds: int) -> datetime:
    stamp = moment.timestamp()
    return datetime.fromtimestamp(stamp - stamp % seconds, UTC)
