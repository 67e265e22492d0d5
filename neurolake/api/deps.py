"""Dependencies routes declare: settings, platform parts, the authenticated user and role, the auditor.

Settings come from ``get_settings`` (the app's own by default), so a test overrides them with
``app.dependency_overrides[get_settings] = lambda: settings``.

Dependencies that only hand out what the process already holds are ``async def``: FastAPI runs
a plain ``def`` dependency on its thread pool, and under 20 concurrent clients each of those
hops (eighteen per query) waited for a thread and the interpreter lock longer than the cached
answer took. Those that read the catalog (the user, a session) stay on the thread pool.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from neurolake.api.audit import Auditor
from neurolake.api.errors import request_id
from neurolake.api.state import ApiState
from neurolake.cache import QueryCache
from neurolake.catalog.models import User
from neurolake.config import Settings
from neurolake.engine import NeuroLakeEngine
from neurolake.platform import NeuroLake
from neurolake.storage import DeltaStorageManager

#: Each role may do everything the roles before it may.
ROLE_RANK = {"viewer": 0, "analyst": 1, "admin": 2}
MISSING_KEY = "An API key is required (Authorization: Bearer or X-API-Key)."
INVALID_KEY = "The API key is not valid or was revoked."
CHALLENGE = {"WWW-Authenticate": "Bearer"}


def role_refusal(minimum: str, role: str) -> str | None:
    """Why ``role`` may not do what needs ``minimum``; None when it may."""
    if ROLE_RANK.get(role, -1) < ROLE_RANK[minimum]:
        return f"This needs the {minimum} role; you are {role}."
    return None


_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="X-API-Key: <API key>")


async def get_api_state(request: Request) -> ApiState:
    return request.app.state.api


ApiStateDep = Annotated[ApiState, Depends(get_api_state)]


async def get_settings(state: ApiStateDep) -> Settings:
    """The settings this app serves (override in tests)."""
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_platform(state: ApiStateDep, settings: SettingsDep) -> NeuroLake:
    return state.platform(settings)


PlatformDep = Annotated[NeuroLake, Depends(get_platform)]


def get_session(platform: PlatformDep) -> Iterator[Session]:
    """A catalog session committed after the route returns (rolled back if it raised)."""
    with platform.catalog.session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


async def get_engine(platform: PlatformDep) -> NeuroLakeEngine:
    return platform.engine


EngineDep = Annotated[NeuroLakeEngine, Depends(get_engine)]


async def get_storage(platform: PlatformDep) -> DeltaStorageManager:
    return platform.storage


StorageDep = Annotated[DeltaStorageManager, Depends(get_storage)]


async def get_cache(state: ApiStateDep, settings: SettingsDep) -> QueryCache:
    return state.cache(settings)


CacheDep = Annotated[QueryCache, Depends(get_cache)]


def get_current_user(
    state: ApiStateDep,
    platform: PlatformDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key_header)],
) -> User:
    """The active user whose key came in ``Authorization: Bearer`` or ``X-API-Key``; else 401."""
    key = bearer.credentials if bearer is not None else api_key
    if not key:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, MISSING_KEY, CHALLENGE)
    with platform.catalog.session() as session:
        user = state.authenticator.authenticate(session, key)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, INVALID_KEY, CHALLENGE)
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(minimum: str) -> Callable[[User], Awaitable[User]]:
    """A dependency that lets through users holding ``minimum`` or a higher role; else 403."""

    async def check(user: CurrentUser) -> User:
        refusal = role_refusal(minimum, user.role)
        if refusal is not None:
            raise HTTPException(status.HTTP_403_FORBIDDEN, refusal)
        return user

    return check


ViewerUser = Annotated[User, Depends(require_role("viewer"))]
AnalystUser = Annotated[User, Depends(require_role("analyst"))]
AdminUser = Annotated[User, Depends(require_role("admin"))]


def is_admin(user: User) -> bool:
    return user.role == "admin"


async def get_auditor(request: Request, platform: PlatformDep, user: CurrentUser) -> Auditor:
    return Auditor(platform.catalog, user, request_id(request))


AuditorDep = Annotated[Auditor, Depends(get_auditor)]
