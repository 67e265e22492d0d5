"""The process's Prometheus counters: queries, optimizer rules, LLM calls, questions.

One ``Metrics`` per process (``METRICS``), like Prometheus's own default registry: the
engine, the LLM providers and the conversation service record into it wherever they run,
and ``GET /metrics`` serves it. Its registry is our own, not ``prometheus_client.REGISTRY``,
so an embedding application's metrics never clash with ours. Recording never raises into
the caller: a metric is worth less than the answer it describes.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.samples import Sample

log = logging.getLogger(__name__)

#: Query latency buckets (seconds): a cache hit takes ~1 ms, a big scan tens of seconds.
QUERY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
#: LLM latency buckets (seconds): the offline provider answers in ms, hosted models in seconds.
LLM_BUCKETS = (0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0)
#: How a question ended: an answer, a question back, or an error message.
QUESTION_OUTCOMES = ("answered", "clarified", "failed")


#: Failed questions kept for the dashboard, newest first.
FAILED_KEPT = 20


@dataclass(frozen=True)
class FailedQuestion:
    """A question the conversation could not answer: its text, error code and message."""

    question: str
    error: str
    message: str
    at: datetime


class Metrics:
    """Counters and histograms on one registry (``Metrics()`` in tests gets a private one)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.queries = Counter(
            "neurolake_queries", "Queries run, by backend, status and whether the cache answered.",
            ["backend", "status", "cache"], registry=r,
        )  # fmt: skip
        self.query_seconds = Histogram(
            "neurolake_query_duration_seconds", "Query latency, from parsing to the last row.",
            ["backend"], buckets=QUERY_BUCKETS, registry=r,
        )  # fmt: skip
        self.rows = Counter("neurolake_query_rows", "Rows returned by queries.", ["backend"], registry=r)
        self.bytes = Counter("neurolake_query_bytes", "Arrow bytes returned by queries.", ["backend"], registry=r)
        self.rules = Counter(
            "neurolake_optimizer_rules_fired", "Optimizer rules that changed a query that ran.", ["rule"], registry=r
        )
        self.llm_calls = Counter(
            "neurolake_llm_calls", "LLM calls by provider, model, prompt and prompt version.",
            ["provider", "model", "prompt", "version", "outcome"], registry=r,
        )  # fmt: skip
        self.llm_errors = Counter(
            "neurolake_llm_errors", "Failed LLM calls, by error type.",
            ["provider", "prompt", "version", "error"], registry=r,
        )  # fmt: skip
        self.llm_tokens = Counter(
            "neurolake_llm_tokens", "Tokens the provider counted, input and output.",
            ["provider", "prompt", "version", "direction"], registry=r,
        )  # fmt: skip
        self.llm_seconds = Histogram(
            "neurolake_llm_latency_seconds", "LLM call latency, retries included.",
            ["provider", "prompt", "version"], buckets=LLM_BUCKETS, registry=r,
        )  # fmt: skip
        self.questions = Counter(
            "neurolake_questions", "Questions in conversations, by how they ended.", ["outcome"], registry=r
        )
        for outcome in QUESTION_OUTCOMES:
            self.questions.labels(outcome)  # present at 0, so a rate has a start
        self.failed_questions: deque[FailedQuestion] = deque(maxlen=FAILED_KEPT)
        self._query_children: dict[tuple[str, str, bool], tuple[Any, Any, Any, Any]] = {}

    # ------------------------------------------------------------------------ recording

    def query(
        self, *, backend: str, status: str, seconds: float, rows: int | None, nbytes: int | None, cache_hit: bool
    ) -> None:
        """One finished query (any status)."""
        try:
            children = self._query_children.get((backend, status, cache_hit))
            if children is None:  # labels() takes a lock and builds a key: once per combination
                children = self._query_children[(backend, status, cache_hit)] = (
                    self.queries.labels(backend, status, "hit" if cache_hit else "miss"),
                    self.query_seconds.labels(backend),
                    self.rows.labels(backend),
                    self.bytes.labels(backend),
                )
            count, latency, returned_rows, returned_bytes = children
            count.inc()
            latency.observe(seconds)
            if rows:
                returned_rows.inc(rows)
            if nbytes:
                returned_bytes.inc(nbytes)
        except Exception:  # pragma: no cover - a metric must never fail a query
            log.exception("could not record query metrics")

    def rules_fired(self, rules: Iterable[str]) -> None:
        """The optimizer rules that rewrote a query that ran."""
        for rule in rules:
            self.rules.labels(rule).inc()

    def llm_call(
        self,
        *,
        provider: str,
        model: str,
        prompt: str | None,
        version: int | None,
        seconds: float,
        input_tokens: int = 0,
        output_tokens: int = 0,
        error: str | None = None,
    ) -> None:
        """One LLM call, answered or failed (``error`` is the exception's class name)."""
        try:
            name, ver = prompt or "-", str(version) if version is not None else "-"
            self.llm_calls.labels(provider, model or "-", name, ver, "error" if error else "ok").inc()
            self.llm_seconds.labels(provider, name, ver).observe(seconds)
            if error:
                self.llm_errors.labels(provider, name, ver, error).inc()
            if input_tokens:
                self.llm_tokens.labels(provider, name, ver, "input").inc(input_tokens)
            if output_tokens:
                self.llm_tokens.labels(provider, name, ver, "output").inc(output_tokens)
        except Exception:  # pragma: no cover
            log.exception("could not record LLM metrics")

    def question(self, outcome: str, *, text: str = "", error: str | None = None, message: str = "") -> None:
        """A conversation turn that ended as ``answered``, ``clarified`` or ``failed``.

        A failed one is also kept (the last ``FAILED_KEPT``) with its question and error, so the
        dashboard can show which questions fail even when they never reached the engine.
        """
        outcome = outcome if outcome in QUESTION_OUTCOMES else "failed"
        self.questions.labels(outcome).inc()
        if outcome == "failed":
            self.failed_questions.appendleft(FailedQuestion(text, error or "failed", message, datetime.now(UTC)))

    # ------------------------------------------------------------------------ reading

    def counters(self) -> CounterSnapshot:
        """Every counter's samples at one moment: several sums from one collection."""
        samples = tuple(s for f in self.registry.collect() for s in f.samples if s.name.endswith("_total"))
        return CounterSnapshot(samples)

    def total(self, name: str, **labels: str) -> float:
        """The sum of counter ``name`` (``neurolake_queries``) over samples matching ``labels``."""
        return self.counters().total(name, **labels)

    def by_label(self, name: str, label: str) -> dict[str, float]:
        """Counter ``name`` summed per value of ``label`` (``questions`` by ``outcome``)."""
        return self.counters().by_label(name, label)


@dataclass(frozen=True)
class CounterSnapshot:
    """Counter samples read once; sums over them by name and labels."""

    samples: tuple[Sample, ...]

    def grouped(self, name: str, labels: Sequence[str], **match: str) -> dict[tuple[str, ...], float]:
        """Counter ``name`` summed per combination of ``labels``, over samples matching ``match``."""
        sums: dict[tuple[str, ...], float] = {}
        for sample in self.samples:
            if sample.name == f"{name}_total" and all(sample.labels.get(k) == v for k, v in match.items()):
                key = tuple(sample.labels.get(label, "") for label in labels)
                sums[key] = sums.get(key, 0.0) + sample.value
        return sums

    def total(self, name: str, **match: str) -> float:
        return sum(self.grouped(name, (), **match).values())

    def by_label(self, name: str, label: str) -> dict[str, float]:
        return {key[0]: value for key, value in self.grouped(name, (label,)).items()}


#: The process's metrics: what ``GET /metrics`` serves.
METRICS = Metrics()
