"""How NeuroLake is doing: Prometheus metrics, the dashboard's summary, and its HTML page.

``METRICS`` holds the process's counters (``neurolake.observability.metrics``);
``build_summary`` (``.summary``) reads the query history into the dashboard's figures;
``render_dashboard`` (``.dashboard``) draws them with plotly. Nothing is imported until it is
asked for: the engine records into the metrics on every query and must not pay for the rest,
and ``neurolake --help`` must not pay for prometheus_client (``window`` is all it reads).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from neurolake.lazy import lazy_exports

if TYPE_CHECKING:  # mypy's view of the names __getattr__ gives
    from neurolake.observability.metrics import METRICS, Metrics  # noqa: F401

_HOMES = {"METRICS": "metrics", "Metrics": "metrics"}
__all__ = sorted(_HOMES)
__getattr__ = lazy_exports(__name__, _HOMES)
