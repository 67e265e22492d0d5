"""Prompt metrics: every prompt call (ok or failed) with its latency and tokens, per version.

``CatalogPromptMetrics`` stores calls in the catalog (as ``llm.call`` audit entries, so no
schema change is needed); ``InMemoryPromptMetrics`` keeps them in the process for tests and
short runs. ``summarize`` turns calls into per prompt/version/provider/model figures.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from neurolake.errors import CatalogError

if TYPE_CHECKING:
    from neurolake.catalog import Catalog

log = logging.getLogger(__name__)
AUDIT_ACTION = "llm.call"


@dataclass(frozen=True)
class PromptCall:
    """One call of one prompt version."""

    prompt_name: str
    prompt_version: int
    provider: str
    model: str
    ok: bool
    latency_s: float
    input_tokens: int = 0
    output_tokens: int = 0
    attempts: int = 1
    error: str | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class PromptStats:
    """Calls of one prompt version on one provider and model, added up."""

    prompt_name: str
    prompt_version: int
    provider: str
    model: str
    calls: int
    failures: int
    input_tokens: int
    output_tokens: int
    mean_latency_s: float
    max_latency_s: float


class PromptMetrics(Protocol):
    """Where prompt calls are recorded."""

    def record(self, call: PromptCall) -> None: ...

    def calls(self) -> list[PromptCall]: ...


def summarize(calls: Iterable[PromptCall]) -> list[PromptStats]:
    """Per (prompt, version, provider, model) figures, sorted by prompt then version."""
    groups: dict[tuple[str, int, str, str], list[PromptCall]] = {}
    for call in calls:
        groups.setdefault((call.prompt_name, call.prompt_version, call.provider, call.model), []).append(call)
    return [
        PromptStats(
            *key,
            calls=len(group),
            failures=sum(not c.ok for c in group),
            input_tokens=sum(c.input_tokens for c in group),
            output_tokens=sum(c.output_tokens for c in group),
            mean_latency_s=sum(c.latency_s for c in group) / len(group),
            max_latency_s=max(c.latency_s for c in group),
        )
        for key, group in sorted(groups.items())
    ]


class InMemoryPromptMetrics:
    """Calls kept in a list; thread-safe."""

    def __init__(self) -> None:
        self._calls: list[PromptCall] = []
        self._lock = threading.Lock()

    def record(self, call: PromptCall) -> None:
        with self._lock:
            self._calls.append(call)

    def calls(self) -> list[PromptCall]:
        with self._lock:
            return list(self._calls)


class CatalogPromptMetrics:
    """Calls stored in the catalog's audit log under action ``llm.call``."""

    def __init__(self, catalog: Catalog, *, history_limit: int = 10_000) -> None:
        self.catalog = catalog
        self.history_limit = history_limit

    def record(self, call: PromptCall) -> None:
        """Store one call; a catalog failure is logged, never raised into the caller's answer."""
        from neurolake.catalog.repositories.audit import record_audit

        details = asdict(call)
        details["at"] = call.at.isoformat()
        try:
            with self.catalog.session() as session:
                record_audit(session, AUDIT_ACTION, **details)
        except CatalogError as e:
            log.warning("could not record prompt metrics: %s", e)

    def calls(self) -> list[PromptCall]:
        """The most recent ``history_limit`` calls, oldest first."""
        from neurolake.catalog.repositories.audit import list_audit

        with self.catalog.session() as session:
            entries = list_audit(session, action=AUDIT_ACTION, limit=self.history_limit)
            rows = [dict(e.details) for e in entries]
        calls = [PromptCall(**{**row, "at": datetime.fromisoformat(row["at"])}) for row in rows]
        return sorted(calls, key=lambda c: c.at)
