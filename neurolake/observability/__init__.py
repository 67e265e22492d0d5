"""How NeuroLake is doing: Prometheus metrics, the dashboard's summary, and its HTML page.

``METRICS`` holds the process's counters (``neurolake.observability.metrics``);
``build_summary`` (``.summary``) reads the query history into the dashboard's figures;
``render_dashboard`` (``.dashboard``) draws them with plotly. Only the metrics are imported
here: the engine records into them on every query, and must not pay for the rest.
"""

from neurolake.observability.metrics import METRICS, Metrics

__all__ = ["METRICS", "Metrics"]
