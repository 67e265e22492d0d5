"""Users and their API keys (only a salted hash of a key is ever stored)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from neurolake.catalog.models import User, utcnow
from neurolake.errors import NeuroLakeError, NotFoundError

Role = Literal["admin", "analyst", "viewer"]
ROLES: tuple[str, ...] = ("admin", "analyst", "viewer")
_KEY_PREFIX = "nlk"
_ITERATIONS = 20_000  # keys are 256-bit random, so stretching guards only against a leaked hash table
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


class UserInputError(NeuroLakeError, ValueError):
    """A username, email or role that cannot be used."""

    status_code = 400


class UserExistsError(NeuroLakeError, ValueError):
    status_code = 409


def _hash_key(secret: str, salt: bytes, iterations: int = _ITERATIONS) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def _verify(secret: str, stored: str) -> bool:
    try:
        _, iterations, salt, _digest = stored.split("$")
        expected = _hash_key(secret, bytes.fromhex(salt), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(expected, stored)


def _new_key() -> tuple[str, str]:
    """(prefix, full key); the prefix finds the row without scanning every hash."""
    prefix = secrets.token_hex(4)
    return prefix, f"{_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"


def create_user(
    session: Session, username: str, *, email: str | None = None, role: str = "analyst"
) -> tuple[User, str]:
    """Create a user and return it with its API key, which is shown only this once."""
    if role not in ROLES:
        raise UserInputError(f"Unknown role {role!r}; use one of: {', '.join(ROLES)}.")
    if not _USERNAME.match(username):
        raise UserInputError(
            f"Username {username!r} must be 1-64 letters, digits, or _ . @ -, starting with a letter or digit."
        )
    if email is not None and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        raise UserInputError(f"{email!r} is not an email address.")
    if get_user(session, username) is not None:
        raise UserExistsError(
            f"User {username!r} already exists.", hint="Pick another name or revoke and rotate its key."
        )
    prefix, key = _new_key()
    user = User(
        username=username,
        email=email,
        role=role,
        key_prefix=prefix,
        api_key_hash=_hash_key(key, secrets.token_bytes(16)),
    )
    session.add(user)
    session.flush()
    return user, key


def rotate_key(session: Session, username: str) -> str:
    """Give a user a new key (un-revoking them); the old key stops working."""
    user = _require(session, username)
    prefix, key = _new_key()
    user.key_prefix, user.api_key_hash, user.revoked_at = prefix, _hash_key(key, secrets.token_bytes(16)), None
    return key


def get_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def _require(session: Session, username: str) -> User:
    user = get_user(session, username)
    if user is None:
        raise NotFoundError(f"No user named {username!r}.", hint="List users with `neurolake users list`.")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def revoke_user(session: Session, username: str) -> User:
    """Revoke a user's key; the user and their history stay."""
    user = _require(session, username)
    user.revoked_at = utcnow()
    return user


def authenticate(session: Session, key: str) -> User | None:
    """The active user holding ``key``, or None."""
    parts = key.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != _KEY_PREFIX:
        return None
    for user in session.scalars(select(User).where(User.key_prefix == parts[1], User.revoked_at.is_(None))):
        if user.api_key_hash and _verify(key.strip(), user.api_key_hash):
            return user
    return None
