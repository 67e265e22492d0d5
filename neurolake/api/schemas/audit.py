"""The audit log."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from neurolake.api.schemas.common import UtcDatetime


class AuditPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int | None
    action: str
    details: dict[str, Any]
    timestamp: UtcDatetime
