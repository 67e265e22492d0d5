"""The chat reads only, unless the user holds write permission; pipelines need it too."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import select

from agents import ConversationService
from agents.services import can_write
from neurolake.catalog import User
from neurolake.catalog.models import Pipeline
from neurolake.catalog.repositories import users as users_repo
from neurolake.config import load_settings
from neurolake.platform import NeuroLake


def make_user(platform: NeuroLake, name: str, role: str) -> User:
    with platform.catalog.session() as session:
        user, _key = users_repo.create_user(session, name, role=role)
    return user


@pytest.fixture
def notes_platform(tmp_path: Path) -> NeuroLake:
    """A lakehouse of its own with one small table, so writes do not touch the shared demo."""
    platform = NeuroLake.from_settings(load_settings(home=tmp_path / "home", environment="test"))
    platform.storage.write_table(pa.table({"id": [1, 2, 3], "note": ["a", "b", "c"]}), "notes")
    return platform


def test_only_admins_may_write(notes_platform: NeuroLake) -> None:
    admin = make_user(notes_platform, "ada", "admin")
    analyst = make_user(notes_platform, "alan", "analyst")

    assert can_write(admin) and not can_write(analyst) and not can_write(None)


def test_typed_writes_run_only_for_users_with_write_permission(notes_platform: NeuroLake) -> None:
    admin = make_user(notes_platform, "ada", "admin")
    analyst = make_user(notes_platform, "alan", "analyst")
    service = ConversationService(notes_platform, memory=False, semantic=False)
    try:
        refused = service.ask("w1", "DELETE FROM notes WHERE id = 1", user=analyst)
        assert refused.error == "not_understood" and "read-only" in refused.message
        assert notes_platform.storage.read_table("notes").num_rows == 3

        done = service.ask("w2", "DELETE FROM notes WHERE id = 1", user=admin)
        assert done.error is None, done.message
        assert notes_platform.storage.read_table("notes").num_rows == 2
        assert done.source == "typed" and done.plan is None
        assert done.message == "DELETE on notes: 1 row(s) affected (now version 1)."
    finally:
        service.close()
        notes_platform.close()


def test_a_scheduled_question_is_saved_as_a_paused_pipeline_for_admins(
    make_service: Callable[..., ConversationService], lakehouse: NeuroLake
) -> None:
    service = make_service()
    viewer = make_user(lakehouse, "vera", "viewer")
    admin = make_user(lakehouse, "root", "admin")
    question = "create a daily job that computes revenue by country"

    refused = service.ask("p1", question, user=viewer)
    saved = service.ask("p2", question, user=admin)

    assert refused.result is not None and "needs write permission" in refused.message
    assert saved.result is not None and "paused" in saved.message
    with lakehouse.catalog.session() as session:
        [pipeline] = session.scalars(select(Pipeline).where(Pipeline.owner_id == admin.id)).all()
        assert pipeline.status == "paused" and pipeline.owner_id == admin.id
        assert pipeline.definition["sql"] == saved.sql and pipeline.schedule == "0 6 * * *"
    assert [t.thread_id for t in service.threads(admin)] == ["p2"]
    assert [t.user for t in service.threads("vera")] == ["vera"]


def test_explain_refuses_what_sql_refuses_for_the_same_user(notes_platform: NeuroLake) -> None:
    from neurolake.conversation.messages import friendly_error
    from neurolake.errors import NeuroLakeError

    analyst = make_user(notes_platform, "alan", "analyst")
    service = ConversationService(notes_platform, memory=False, semantic=False)
    try:
        for sql in ("DELETE FROM notes WHERE id = 1", "SELECT * FROM secrets", "SELECT * FROM duckdb_settings()"):
            typed = service.ask("e", sql, user=analyst, typed_sql=True)
            with pytest.raises(NeuroLakeError) as refused:
                service.explain(sql, user=analyst)
            assert typed.error is not None and friendly_error(refused.value, step="validate") == (
                typed.error,
                typed.message,
            )
        assert "only read-only" in service.ask("e", "DELETE FROM notes", user=analyst, typed_sql=True).message.lower()

        plan = service.explain("SELECT note FROM notes WHERE id = 1", user=analyst)
        assert [t.name for t in plan.tables] == ["notes"]
        assert notes_platform.storage.read_table("notes").num_rows == 3
    finally:
        service.close()
        notes_platform.close()
