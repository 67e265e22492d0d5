"""Threads survive a restart: SQLite under the home embedded, PostgreSQL in production."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from agents import ConversationService
from neurolake.config import load_settings
from neurolake.intent.parser import IntentParser
from neurolake.platform import NeuroLake
from tests.agents.conftest import DEMO_TODAY, gold, same_rows


def test_a_pending_clarification_resumes_after_a_restart_with_sqlite(
    make_service: Callable[..., ConversationService], lakehouse: NeuroLake, thread_id: str
) -> None:
    first = make_service()
    assert first.store.kind == "sqlite"
    assert Path(first.store.url.removeprefix("sqlite:///")) == (lakehouse.settings.home / "conversations.db").resolve()
    first.ask(thread_id, "number of orders by country")
    asked = first.ask(thread_id, "Show customers")
    assert asked.clarification is not None
    first.close()

    restarted = make_service()  # a new process would build exactly this

    assert restarted.pending(thread_id) == asked.clarification
    done = restarted.answer(thread_id, "customer_id and name")
    assert done.result is not None and done.result.columns == ["customer_id", "name"]
    assert [r.question for r in restarted.history(thread_id)] == ["number of orders by country", "Show customers"]
    [info] = [t for t in restarted.threads() if t.thread_id == thread_id]
    assert info.title == "number of orders by country" and info.turns == 2 and not info.pending


def test_follow_ups_continue_after_a_restart(
    make_service: Callable[..., ConversationService], lakehouse: NeuroLake, thread_id: str
) -> None:
    make_service().ask(thread_id, "revenue by country")

    turn = make_service().ask(thread_id, "only the top 3")

    expected = gold(lakehouse, "SELECT country, sum(total_amount) s FROM orders GROUP BY 1 ORDER BY s DESC LIMIT 3")
    assert turn.result is not None and same_rows(turn.result.rows, expected, ordered=True)


@pytest.mark.postgres
def test_a_conversation_resumes_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    from sqlalchemy import create_engine, inspect

    from neurolake.storage.demo import build_demo

    settings = load_settings(home=tmp_path / "home", environment="test", database={"url": postgres_url})
    platform = NeuroLake.from_settings(settings)
    try:
        build_demo(platform.storage, orders=120)
        parser = IntentParser(platform.catalog, storage=platform.storage, today=DEMO_TODAY)
        first = ConversationService(platform, parser=parser, memory=False, semantic=False)
        assert first.store.kind == "postgres"
        first.ask("pg-thread", "number of orders in 2024")
        asked = first.ask("pg-thread", "show customers")
        assert asked.clarification is not None
        first.close()

        second = ConversationService(platform, parser=parser, memory=False, semantic=False)
        try:
            assert second.pending("pg-thread") == asked.clarification
            waiting = second.turn_plan("pg-thread")  # the typed plan, read back from PostgreSQL
            assert waiting is not None and waiting.pending is not None and waiting.statement is None
            assert waiting.pending.public() == asked.clarification and waiting.question == "show customers"
            done = second.answer("pg-thread", "1")
            assert done.result is not None and done.result.columns == ["name", "country", "city", "segment"]
            follow = second.ask("pg-thread", "by country")  # builds on the answered clarification
            assert follow.error is None and follow.result is not None
            plan = second.turn_plan("pg-thread")
            assert plan is not None and plan.follow_up and plan.statement is not None
            assert plan.statement.kind == "query" and plan.result is not None
            assert same_rows(
                follow.result.rows, gold(platform, "SELECT country, count(*) FROM customers GROUP BY country")
            )
            assert [t.turns for t in second.threads()] == [3]
        finally:
            second.close()
        tables = set(inspect(create_engine(postgres_url)).get_table_names())
        assert {"checkpoints", "conversation_threads"} <= tables
        assert not (tmp_path / "home" / "conversations.db").exists()
    finally:
        platform.close()
