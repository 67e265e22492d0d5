"""API-key authentication with the key's slow hash checked once per key, not once per request.

``users.authenticate`` stretches the key (PBKDF2), which costs tens of milliseconds; a server
answering many requests with one key remembers which stored hash the key matched. Each
request still reads the user's row, so a revoked or rotated key fails at once.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from neurolake.catalog.models import User
from neurolake.catalog.repositories import users as users_repo


class KeyAuthenticator:
    """``authenticate(session, key)``: the active user holding ``key``, or None."""

    def __init__(self, max_keys: int = 1024) -> None:
        self.max_keys = max_keys
        self._verified: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def authenticate(self, session: Session, key: str) -> User | None:
        digest = hashlib.sha256(key.strip().encode()).hexdigest()
        with self._lock:
            known_hash = self._verified.get(digest)
        if known_hash is not None:
            user = session.scalars(
                select(User).where(User.api_key_hash == known_hash, User.revoked_at.is_(None))
            ).one_or_none()
            if user is not None:
                return user
        user = users_repo.authenticate(session, key)
        if user is not None and user.api_key_hash:
            with self._lock:
                self._verified[digest] = user.api_key_hash
                self._verified.move_to_end(digest)
                while len(self._verified) > self.max_keys:
                    self._verified.popitem(last=False)
        return user
