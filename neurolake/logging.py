"""Logging set-up: human-readable lines by default, JSON lines when configured."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line; extra fields passed with ``extra=`` are kept."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


#: ``extra=`` for a record about an error that is also raised to the caller, who shows it.
REPORTED = {"reported_to_caller": True}


def _not_reported(record: logging.LogRecord) -> bool:
    return not getattr(record, "reported_to_caller", False)


def configure_logging(level: str = "INFO", fmt: str = "text", *, hide_reported: bool = False) -> None:
    """Configure the root ``neurolake`` logger once; later calls replace the handler.

    ``hide_reported`` (the CLI) leaves out records of errors the caller shows itself anyway.
    """
    handler = logging.StreamHandler(sys.stderr)
    if hide_reported:
        handler.addFilter(_not_reported)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S"))
    for name in ("neurolake", "agents", "app"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
