"""Qdrant clients: local mode (a folder) by default, a server when ``vector.url`` is set.

Local mode locks its folder: a second ``QdrantClient(path=...)`` on the same folder raises,
even inside one process. The schema index and the conversation memory both live in that
folder, so ``open_qdrant`` hands every caller of a process the same client per location and
closes it when the last caller releases it. A server has no such lock; its clients are
shared the same way only to reuse connections.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ApiException

from neurolake.errors import VectorStoreError

if TYPE_CHECKING:
    from neurolake.config import Settings


@dataclass
class _Shared:
    client: QdrantClient
    users: int


_CLIENTS: dict[str, _Shared] = {}
_CLIENTS_LOCK = threading.Lock()


def location_of(settings: Settings) -> str:
    """``url:<server>`` or ``path:<folder>``: the key a shared client is kept under."""
    if settings.vector.url:
        return f"url:{settings.vector.url}"
    return f"path:{Path(settings.qdrant_path).resolve()}"


def open_qdrant(settings: Settings) -> QdrantClient:
    """The process's client for the configured Qdrant; pair every call with ``close_qdrant``."""
    key = location_of(settings)
    with _CLIENTS_LOCK:
        shared = _CLIENTS.get(key)
        if shared is None:
            shared = _Shared(_connect(settings), 0)
            _CLIENTS[key] = shared
        shared.users += 1
        return shared.client


def close_qdrant(client: QdrantClient) -> None:
    """Release one ``open_qdrant`` reference; the client closes when none remain."""
    with _CLIENTS_LOCK:
        for key, shared in list(_CLIENTS.items()):
            if shared.client is client:
                shared.users -= 1
                if shared.users <= 0:
                    del _CLIENTS[key]
                    client.close()
                return
    client.close()  # not one of ours: the caller owned it


def close_all_qdrant() -> None:
    """Close every shared client (process shutdown, tests)."""
    with _CLIENTS_LOCK:
        clients = [shared.client for shared in _CLIENTS.values()]
        _CLIENTS.clear()
    for client in clients:
        client.close()


# Close before the interpreter tears modules down; QdrantClient.__del__ fails noisily then.
atexit.register(close_all_qdrant)


def is_local(client: QdrantClient) -> bool:
    """True for local mode (a folder or ``:memory:``), False for a server."""
    options = client.init_options
    return options.get("path") is not None or options.get("location") == ":memory:"


def _connect(settings: Settings) -> QdrantClient:
    vector = settings.vector
    if vector.url:
        # No version check at construction: a server that is down should fail the first
        # request (as a VectorStoreError), not the start-up of every command.
        api_key = vector.api_key.get_secret_value() if vector.api_key else None
        return QdrantClient(url=vector.url, api_key=api_key, timeout=10, check_compatibility=False)
    path = Path(settings.qdrant_path)
    path.mkdir(parents=True, exist_ok=True)
    try:
        return QdrantClient(path=str(path))
    except RuntimeError as e:
        raise VectorStoreError(
            f"The Qdrant folder {path} is in use by another process.",
            hint="Local mode allows one process per folder; stop the other one or set "
            "NEUROLAKE_VECTOR__URL to a Qdrant server.",
        ) from e


@contextmanager
def vector_errors(action: str) -> Iterator[None]:
    """Turn Qdrant client failures into VectorStoreError with what was being done."""
    try:
        yield
    except VectorStoreError:
        raise
    except (ApiException, RuntimeError, OSError, ValueError) as e:
        first_line = str(e).strip().splitlines()[0] if str(e).strip() else e.__class__.__name__
        raise VectorStoreError(f"Qdrant failed while {action}: {first_line}") from e


def ensure_collection(
    client: QdrantClient,
    name: str,
    dimension: int,
    *,
    keyword_fields: Mapping[str, models.PayloadSchemaType] | None = None,
    recreate_on_mismatch: bool = False,
) -> bool:
    """Create collection ``name`` (cosine, ``dimension``) if missing; True when it was created.

    An existing collection of another dimension is recreated when ``recreate_on_mismatch``
    (derived data such as the schema index) and refused otherwise (memory).
    """
    with vector_errors(f"opening collection {name!r}"):
        if client.collection_exists(name):
            size = _vector_size(client, name)
            if size == dimension:
                return False
            if not recreate_on_mismatch:
                raise VectorStoreError(
                    f"Collection {name!r} holds {size}-dimensional vectors, the embedding model makes {dimension}.",
                    hint="Use another collection name or the model the collection was built with.",
                )
            client.delete_collection(name)
        client.create_collection(
            name, vectors_config=models.VectorParams(size=dimension, distance=models.Distance.COSINE)
        )
        # Payload indexes speed up filtered search on a server; local mode ignores them.
        if not is_local(client):
            for field, schema in (keyword_fields or {}).items():
                client.create_payload_index(name, field, field_schema=schema)
        return True


def _vector_size(client: QdrantClient, name: str) -> int | None:
    vectors = client.get_collection(name).config.params.vectors
    if isinstance(vectors, models.VectorParams):
        return vectors.size
    return None
