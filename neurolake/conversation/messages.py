"""What a person reads: short answers, and failures turned into something they can act on.

Errors become a short code (for programs) and the error's own message (for people); an
unexpected exception becomes a generic apology, and its stack trace goes to the log only.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from neurolake.errors import (
    ModelOutputError,
    NeuroLakeError,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
    QueryCancelledError,
    QueryExecutionError,
    QueryTimeoutError,
    QueryValidationError,
    VectorStoreError,
)

if TYPE_CHECKING:
    from neurolake.engine import QueryResult
    from neurolake.intent.model import Intent

log = logging.getLogger(__name__)

# Most specific first: the first matching class names the code.
_CODES: tuple[tuple[type[NeuroLakeError], str], ...] = (
    (QueryValidationError, "invalid_query"),
    (PermissionDeniedError, "permission_denied"),
    (QueryTimeoutError, "timeout"),
    (QueryCancelledError, "cancelled"),
    (QueryExecutionError, "execution_failed"),
    (NotFoundError, "not_found"),
    (ModelOutputError, "model_output"),
    (ProviderError, "model_unavailable"),
    (VectorStoreError, "memory_unavailable"),
)
_ADVICE = {
    "invalid_query": "Rephrase the question, or name the table and columns you mean.",
    "timeout": "Narrow the question (a shorter period, a filter) or ask for fewer rows.",
    "execution_failed": "Rephrase the question, or say 'show the SQL' to see what was run.",
}


def error_code(error: BaseException) -> str:
    """The short code of an error: ``invalid_query``, ``timeout``, ... or ``internal_error``."""
    for cls, code in _CODES:
        if isinstance(error, cls):
            return code
    return "error" if isinstance(error, NeuroLakeError) else "internal_error"


def friendly_error(error: BaseException, *, step: str) -> tuple[str, str]:
    """(code, message) for ``error`` raised in ``step``; unexpected errors are logged in full."""
    code = error_code(error)
    if code == "internal_error":
        log.exception("unexpected error in the %s step", step, exc_info=error)
        return code, (
            f"Something went wrong on our side while answering (in the {step} step). "
            "The details are in the server log. Please try again, or rephrase the question."
        )
    log.info("turn failed in %s: %s", step, error)
    message = str(error)
    advice = _ADVICE.get(code)
    if advice and getattr(error, "hint", None) is None:
        message = f"{message} {advice}"
    return code, message


def summarize(intent: Intent | None, result: QueryResult, *, row_limit: int) -> str:
    """A one- or two-sentence answer: the single value, or how many rows and what they are."""
    from neurolake.intent.model import describe

    rows = result.row_count
    reading = f" (read as: {describe(intent)})" if intent is not None and intent.tables else ""
    if rows == 0:
        return f"No rows match{reading}. Try a wider period or fewer filters."
    if rows == 1 and len(result.columns) == 1:
        return f"{result.columns[0]}: {_format(result.rows[0][0])}{reading}."
    text = f"{rows:,} row{'s' if rows != 1 else ''}{reading}."
    if result.truncated:
        text += f" Showing the first {min(rows, row_limit):,}; say 'more rows' to see more."
    return text


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)
