"""A catalog database that cannot be reached becomes one ``CatalogUnavailableError``.

SQLAlchemy raises driver errors (psycopg's ``OperationalError``, hundreds of lines of trace) from
wherever the connection is first needed: a session, a migration, a revision check. One
``handle_error`` hook on the engine turns every connect failure and dropped connection into
the same one-line error, so each door (CLI, API, history writer) only catches that.
"""

from __future__ import annotations

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, ExceptionContext, make_url

from neurolake.errors import CatalogUnavailableError


def catalog_location(url: str | URL) -> str:
    """Where the catalog lives, without credentials: ``host:port`` for a server, the file for SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    port = parsed.port or {"postgresql": 5432}.get(parsed.get_backend_name())
    return f"{parsed.host or 'localhost'}:{port}" if port else str(parsed.host or "localhost")


def unavailable_error(location: str, cause: BaseException) -> CatalogUnavailableError:
    # The driver's first line names the cause (refused, timeout, unknown host); the rest is advice.
    reason = next((line.strip() for line in str(cause).splitlines() if line.strip()), cause.__class__.__name__)
    return CatalogUnavailableError(
        f"the catalog database at {location} is unreachable: {reason.rstrip('.')}.",
        hint="Start it, or point NEUROLAKE_DATABASE__URL at one that runs.",
    )


def raise_when_unreachable(engine: Engine) -> None:
    """Make ``engine`` raise ``CatalogUnavailableError`` when it cannot connect or loses its connection."""
    location = catalog_location(engine.url)

    def on_error(context: ExceptionContext) -> None:
        if context.is_pre_ping:
            return  # the pool reconnects after a failed ping; a failed reconnect comes back here
        connecting = context.connection is None
        if connecting or context.is_disconnect:
            raise unavailable_error(location, context.original_exception) from context.original_exception

    event.listen(engine, "handle_error", on_error)
