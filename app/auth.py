"""Who is chatting: a password login when one is configured, else everyone is the local user.

With ``NEUROLAKE_CHAT__ADMIN_PASSWORD`` set, the login page accepts that user and password,
and also any catalog user (``neurolake users create``) with their API key as the password.

Chainlit keeps and lists threads per user, so the open mode still signs people in (without
asking anything) as one shared ``local`` user: their threads are saved and can be resumed.
"""

from __future__ import annotations

import hmac
import os
import secrets

from neurolake.catalog import Catalog, User
from neurolake.catalog.repositories import users as users_repo
from neurolake.config import Settings

#: The user everyone is when no password is configured.
OPEN_USER = "local"
SECRET_ENV = "CHAINLIT_AUTH_SECRET"


def password_required(settings: Settings) -> bool:
    """True when ``NEUROLAKE_CHAT__ADMIN_PASSWORD`` is set (login page); False means open."""
    password = settings.chat.admin_password
    return password is not None and bool(password.get_secret_value())


def check_login(settings: Settings, username: str, password: str) -> bool:
    """Whether the name and password are the configured ones (compared in constant time)."""
    expected = settings.chat.admin_password
    if expected is None:
        return False
    name_ok = hmac.compare_digest(username.strip().encode(), settings.chat.admin_user.encode())
    password_ok = hmac.compare_digest(password.encode(), expected.get_secret_value().encode())
    return name_ok and password_ok


def session_secret(settings: Settings) -> str:
    """The key that signs login cookies: the configured one, else a fresh one for this process."""
    configured = settings.chat.auth_secret
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value()
    return secrets.token_urlsafe(48)


def export_session_secret(settings: Settings) -> None:
    """Give Chainlit its signing key (it reads the environment) unless one is already there."""
    if not os.environ.get(SECRET_ENV):
        os.environ[SECRET_ENV] = session_secret(settings)


def signed_in_user(settings: Settings, catalog: Catalog, username: str, password: str) -> tuple[str, str] | None:
    """(name, role) for a good login: the configured admin, or a catalog user with their API key.

    Blocking (it reads the catalog): call it off the event loop.
    """
    if check_login(settings, username, password):
        return settings.chat.admin_user, "admin"
    with catalog.session() as session:
        user = users_repo.authenticate(session, password)
        if user is not None and user.username == username.strip():
            return user.username, user.role
    return None


def catalog_user(catalog: Catalog, username: str) -> User | None:
    """The catalog user of that name (roles decide what typed SQL may do), if there is one."""
    with catalog.session() as session:
        user = users_repo.get_user(session, username)
        if user is not None:
            session.expunge(user)
        return user
