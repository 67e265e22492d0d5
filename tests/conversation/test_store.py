"""Where threads live: the checkpointer the settings call for, and the thread index."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurolake.config import load_settings
from neurolake.conversation.checkpoints import is_postgres, open_postgres, open_store
from neurolake.conversation.threads import ThreadIndex


def test_embedded_threads_live_in_a_sqlite_file_under_the_home(tmp_path: Path) -> None:
    store = open_store(load_settings(home=tmp_path / "home", environment="test"))
    try:
        assert store.kind == "sqlite" and (tmp_path / "home" / "conversations.db").is_file()
    finally:
        store.close()


@pytest.mark.postgres
def test_postgres_threads_live_in_the_catalog_database(postgres_url: str, tmp_path: Path) -> None:
    assert is_postgres(postgres_url) and not is_postgres("sqlite:///x.db")
    store = open_store(load_settings(home=tmp_path / "home", environment="test", database={"url": postgres_url}))
    try:
        assert store.kind == "postgres" and store.saver.get_tuple({"configurable": {"thread_id": "none"}}) is None
        again = open_postgres(postgres_url)  # setup is idempotent
        again.close()
    finally:
        store.close()
    assert not (tmp_path / "home" / "conversations.db").exists()


def test_the_thread_index_lists_recent_threads_per_user(tmp_path: Path) -> None:
    index = ThreadIndex(f"sqlite:///{tmp_path / 'threads.db'}")
    try:
        index.touch("a", user="ada", title="revenue by country", turns=1, pending=False)
        index.touch("b", user="bob", title="show customers", turns=1, pending=True)
        index.touch("a", user="ada", title="ignored: the title is the first question", turns=2, pending=False)

        assert [t.thread_id for t in index.list()] == ["a", "b"]
        [ada] = index.list("ada")
        assert (ada.title, ada.turns, ada.pending, ada.user) == ("revenue by country", 2, False, "ada")
        assert index.get("b").pending and index.get("zzz") is None  # type: ignore[union-attr]
    finally:
        index.close()
