"""Figures read when Prometheus scrapes: the result cache's counters and the tables' sizes.

These live elsewhere (the cache backend, shared in Redis; the catalog), so they are read at
scrape time instead of being counted twice. A part that cannot be read is left out of that
scrape (and logged) rather than failing the whole page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from neurolake.platform import NeuroLake

log = logging.getLogger(__name__)

#: Cache counters exported, with their help text.
CACHE_COUNTERS = {
    "hits": "Result cache lookups answered from the cache.",
    "misses": "Result cache lookups that ran the query.",
    "evictions": "Results evicted to stay under the size limit.",
    "errors": "Failed calls to the cache backend (this process).",
    "puts": "Results stored.",
    "coalesced": "Identical concurrent queries that waited for one run.",
}


class PlatformCollector(Collector):
    """Cache counters and table gauges of one platform, read on each scrape."""

    def __init__(self, platform: NeuroLake) -> None:
        self.platform = platform

    def collect(self) -> Iterator[Metric]:
        yield from self._cache()
        yield from self._tables()

    def _cache(self) -> Iterator[Metric]:
        try:
            stats = self.platform.cache.stats()
        except Exception as e:
            log.warning("cache figures left out of /metrics: %s", e)
            return
        labels = ["backend", "scope"]
        values = [stats.backend, stats.scope]
        for name, help_text in CACHE_COUNTERS.items():
            family = CounterMetricFamily(f"neurolake_cache_{name}", help_text, labels=labels)
            family.add_metric(values, getattr(stats, name))
            yield family
        up = GaugeMetricFamily("neurolake_cache_up", "1 when the cache backend answers.", labels=labels)
        up.add_metric(values, 1.0 if stats.available else 0.0)
        yield up
        for name, value in (("entries", stats.entries), ("bytes", stats.bytes)):
            if value is not None:
                gauge = GaugeMetricFamily(f"neurolake_cache_{name}", f"Cached results ({name}).", labels=labels)
                gauge.add_metric(values, value)
                yield gauge

    def _tables(self) -> Iterator[Metric]:
        from neurolake.catalog.repositories.tables import list_tables

        try:
            with self.platform.catalog.session() as session:
                tables = [(t.name, t.current_version, t.row_count, t.size_bytes) for t in list_tables(session)]
        except Exception as e:
            log.warning("table figures left out of /metrics: %s", e)
            return
        version = GaugeMetricFamily("neurolake_table_version", "Current Delta version of each table.", labels=["table"])
        rows = GaugeMetricFamily("neurolake_table_rows", "Rows in the current version.", labels=["table"])
        size = GaugeMetricFamily(
            "neurolake_table_bytes", "Bytes of data files in the current version.", labels=["table"]
        )
        for name, current, row_count, size_bytes in tables:
            version.add_metric([name], current)
            if row_count is not None:
                rows.add_metric([name], row_count)
            if size_bytes is not None:
                size.add_metric([name], size_bytes)
        yield from (version, rows, size)
