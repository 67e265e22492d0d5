"""Users and API keys."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from neurolake.api.schemas.common import UtcDatetime

Role = Literal["admin", "analyst", "viewer"]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
    email: str | None = Field(None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    role: Role = "analyst"


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    email: str | None
    role: str
    created_at: UtcDatetime
    revoked_at: UtcDatetime | None


class UserWithKeyPublic(UserPublic):
    """A new user (or a new key): ``api_key`` is shown only in this response."""

    api_key: str
