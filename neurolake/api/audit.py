"""Audit entries for API actions: who, what, the outcome and the request id."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from neurolake.catalog.repositories.audit import record_audit
from neurolake.errors import NeuroLakeError

if TYPE_CHECKING:
    from neurolake.catalog import Catalog, User

log = logging.getLogger(__name__)


class Auditor:
    """Writes ``audit_logs`` rows for one request, in their own transaction (so a failed
    action is still recorded after its own work rolled back)."""

    def __init__(self, catalog: Catalog, user: User, request_id: str | None) -> None:
        self.catalog = catalog
        self.user = user
        self.request_id = request_id

    def record(self, action: str, *, status: str = "ok", **details: Any) -> None:
        """One entry; a catalog failure is logged, not raised (the action itself already happened)."""
        try:
            with self.catalog.session() as session:
                record_audit(
                    session, action, user_id=self.user.id, status=status, request_id=self.request_id, **details
                )
        except NeuroLakeError as e:
            log.error("audit entry %s for user %s not written: %s", action, self.user.username, e)

    @contextmanager
    def action(self, action: str, **details: Any) -> Iterator[dict[str, Any]]:
        """Audit the block: ``ok`` with the details the block adds, or ``failed`` with the error."""
        extra: dict[str, Any] = {}
        try:
            yield extra
        except Exception as e:
            message = str(e) if isinstance(e, NeuroLakeError) else e.__class__.__name__
            self.record(action, status="failed", error=message, **details, **extra)
            raise
        self.record(action, **details, **extra)
