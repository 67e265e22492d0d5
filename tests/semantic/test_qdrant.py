"""Shared Qdrant clients: one per local folder and process; servers only constructed here."""

from __future__ import annotations

import pytest
from qdrant_client import QdrantClient

from neurolake.config import Settings, load_settings
from neurolake.errors import VectorStoreError
from neurolake.semantic import ConversationMemory, Embedder, SchemaIndex, close_qdrant, open_qdrant
from neurolake.semantic.qdrant import ensure_collection, is_local, location_of


def test_one_client_per_folder_until_the_last_user_closes(settings: Settings) -> None:
    first = open_qdrant(settings)
    second = open_qdrant(settings)
    assert first is second and is_local(first)
    close_qdrant(first)
    ensure_collection(second, "still_open", 4)  # one user left: the client still works
    close_qdrant(second)
    third = open_qdrant(settings)
    try:
        assert third is not first and third.collection_exists("still_open")
    finally:
        close_qdrant(third)


def test_index_and_memory_share_the_folder(settings: Settings, embedder: Embedder, platform) -> None:
    index = SchemaIndex.from_settings(settings, catalog=platform.catalog, storage=platform.storage, embedder=embedder)
    memory = ConversationMemory.from_settings(settings, embedder=embedder)
    try:
        assert index.client is memory.client
        memory.remember("q", "SELECT 1", [])
        index.refresh()
        assert index.client.collection_exists(settings.vector.schema_collection)
    finally:
        index.close()
        memory.close()


def test_a_folder_held_elsewhere_is_a_clear_error(settings: Settings) -> None:
    holder = QdrantClient(path=settings.qdrant_path)  # another "process" holding the lock
    try:
        with pytest.raises(VectorStoreError, match="in use by another process"):
            open_qdrant(settings)
    finally:
        holder.close()


def test_a_server_url_builds_a_remote_client_without_contacting_it(tmp_path) -> None:
    # No Qdrant server runs on this machine: only construction is checked, not requests.
    settings = load_settings(home=tmp_path, vector={"url": "https://qdrant.internal:6333", "api_key": "k"})
    client = open_qdrant(settings)
    try:
        assert not is_local(client)
        assert location_of(settings) == "url:https://qdrant.internal:6333"
        assert client.init_options["api_key"] == "k"
        assert not (tmp_path / "qdrant").exists()
    finally:
        close_qdrant(client)


def test_a_collection_of_another_dimension_is_refused_or_rebuilt(settings: Settings) -> None:
    client = open_qdrant(settings)
    try:
        ensure_collection(client, "memory", 8)
        with pytest.raises(VectorStoreError, match="8-dimensional"):
            ensure_collection(client, "memory", 384)
        assert ensure_collection(client, "memory", 384, recreate_on_mismatch=True) is True
    finally:
        close_qdrant(client)


def test_an_unreachable_server_fails_the_first_request_clearly(tmp_path, embedder: Embedder) -> None:
    # Port 9 on loopback refuses connections: a real failed request, not a stand-in.
    settings = load_settings(home=tmp_path, vector={"url": "http://127.0.0.1:9"})
    memory = ConversationMemory.from_settings(settings, embedder=embedder)
    try:
        with pytest.raises(VectorStoreError, match="Qdrant failed while opening collection"):
            memory.similar("revenue by country")
    finally:
        memory.close()
