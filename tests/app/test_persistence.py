"""Chat threads in the catalog database (SQLite and PostgreSQL), through Chainlit's data-layer API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from chainlit.context import init_http_context
from chainlit.element import Dataframe, Text
from chainlit.types import Feedback, Pagination, ThreadFilter
from chainlit.user import User

from app.persistence import CatalogDataLayer, element_url
from neurolake.catalog import Catalog
from neurolake.errors import ConfigurationError


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def layer(request: pytest.FixtureRequest, tmp_path) -> Iterator[CatalogDataLayer]:
    sqlite_url = f"sqlite:///{tmp_path / 'catalog.db'}"
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    catalog = Catalog(url)
    with catalog.session():
        pass  # the catalog's own migrations run first, as in the chat
    yield CatalogDataLayer(catalog.engine)
    catalog.dispose()


def run(coroutine: Any) -> Any:
    async def in_context() -> Any:
        init_http_context(thread_id="scratch")  # outside a browser session: writes are not queued
        return await coroutine

    return asyncio.run(in_context())


def step(step_id: str, thread_id: str, output: str, created: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": step_id,
        "threadId": thread_id,
        "name": "NeuroLake",
        "type": "assistant_message",
        "output": output,
        "createdAt": created,
        "metadata": extra.pop("metadata", {}),
        **extra,
    }


def test_users_are_created_once_and_found_by_name(layer: CatalogDataLayer) -> None:
    first = run(layer.create_user(User(identifier="ana", metadata={"role": "analyst"})))
    again = run(layer.create_user(User(identifier="ana", metadata={"role": "admin"})))

    assert first is not None and again is not None and first.id == again.id
    assert run(layer.get_user("ana")).metadata == {"role": "admin"}
    assert run(layer.get_user("nobody")) is None


def test_a_thread_keeps_its_steps_in_order_with_feedback(layer: CatalogDataLayer) -> None:
    user = run(layer.create_user(User(identifier="ana")))
    run(layer.create_step(step("s2", "t1", "12 rows", "2025-01-01T10:00:02Z", metadata={"turn_id": "a1"})))
    run(layer.create_step(step("s1", "t1", "revenue by country", "2025-01-01T10:00:01Z", type="user_message")))
    run(layer.update_step(step("s2", "t1", "12 rows, updated", "2025-01-01T10:00:02Z", metadata={"turn_id": "a1"})))
    run(layer.update_thread("t1", name="revenue by country", user_id=user.id, metadata={"as_of": None, "x": 1}))
    feedback_id = run(layer.upsert_feedback(Feedback(forId="s2", value=1, threadId="t1")))

    thread = run(layer.get_thread("t1"))

    assert thread["name"] == "revenue by country" and thread["userIdentifier"] == "ana"
    assert thread["metadata"] == {"x": 1}
    assert [s["id"] for s in thread["steps"]] == ["s1", "s2"]
    assert thread["steps"][1]["output"] == "12 rows, updated"
    assert thread["steps"][1]["feedback"]["value"] == 1 and thread["steps"][1]["feedback"]["id"] == feedback_id
    assert layer.step_metadata("s2") == {"turn_id": "a1"}
    assert run(layer.get_thread_author("t1")) == "ana"

    run(layer.update_thread("t1", metadata={"x": None, "y": 2}))
    assert run(layer.get_thread("t1"))["metadata"] == {"y": 2}
    run(layer.upsert_feedback(Feedback(id=feedback_id, forId="s2", value=0, threadId="t1")))
    assert run(layer.get_thread("t1"))["steps"][1]["feedback"]["value"] == 0
    assert run(layer.delete_feedback(feedback_id))
    assert "feedback" not in run(layer.get_thread("t1"))["steps"][1]


def test_listing_threads_pages_searches_and_stays_per_user(layer: CatalogDataLayer) -> None:
    ana = run(layer.create_user(User(identifier="ana")))
    bob = run(layer.create_user(User(identifier="bob")))
    for index in range(5):
        thread_id = f"t{index}"
        run(layer.create_step(step(f"s{index}", thread_id, f"answer {index}", f"2025-01-01T10:00:0{index}Z")))
        run(layer.update_thread(thread_id, name=f"question {index}", user_id=ana.id))
    run(layer.update_thread("other", name="bob's", user_id=bob.id))

    first = run(layer.list_threads(Pagination(first=2), ThreadFilter(userId=ana.id)))
    rest = run(layer.list_threads(Pagination(first=10, cursor=first.pageInfo.endCursor), ThreadFilter(userId=ana.id)))
    found = run(layer.list_threads(Pagination(first=10), ThreadFilter(userId=ana.id, search="ANSWER 3")))

    assert len(first.data) == 2 and first.pageInfo.hasNextPage
    assert len(rest.data) == 3 and not rest.pageInfo.hasNextPage
    assert {t["id"] for t in first.data + rest.data} == {f"t{i}" for i in range(5)}
    assert [t["id"] for t in found.data] == ["t3"]


def test_elements_are_kept_with_their_content_and_served_back(layer: CatalogDataLayer) -> None:
    import pandas as pd

    async def send() -> tuple[Any, Any]:
        init_http_context(thread_id="t9")
        table = Dataframe(data=pd.DataFrame({"country": ["<script>x</script>"], "n": [1]}), name="Result")
        plan = Text(content="Query plan", name="plan", for_id="s9")
        table.for_id = "s9"
        await layer.create_element(table)
        await layer.create_element(plan)
        return table, plan

    table, plan = asyncio.run(send())

    stored = run(layer.get_element("t9", table.id))
    assert stored["url"] == element_url("t9", table.id) and stored["type"] == "dataframe"
    content, mime = layer.element_content("t9", table.id)
    assert mime == "text/plain"  # the page parses a dataframe's JSON itself
    assert json.loads(content)["data"] == [["<script>x</script>", 1]]
    assert layer.element_content("other-thread", table.id) is None
    assert {e["id"] for e in run(layer.get_thread("t9"))["elements"]} == {table.id, plan.id}

    run(layer.delete_element(plan.id))
    assert run(layer.get_element("t9", plan.id)) is None


def test_deleting_a_thread_removes_everything_in_it(layer: CatalogDataLayer) -> None:
    run(layer.create_step(step("s1", "t1", "x", "2025-01-01T10:00:00Z")))
    run(layer.upsert_feedback(Feedback(forId="s1", value=1, threadId="t1")))

    run(layer.delete_thread("t1"))

    assert run(layer.get_thread("t1")) is None
    assert layer.step_metadata("s1") == {}


def test_steps_written_at_once_do_not_collide(layer: CatalogDataLayer) -> None:
    async def many() -> None:
        init_http_context(thread_id="t1")
        steps = [step(f"s{i}", "busy", f"o{i}", f"2025-01-01T10:00:{i:02d}Z") for i in range(12)]
        await asyncio.gather(*(layer.create_step(s) for s in steps), *(layer.update_step(s) for s in steps))

    asyncio.run(many())

    assert len(run(layer.get_thread("busy"))["steps"]) == 12


def test_an_unmigrated_database_is_refused_with_what_to_run(tmp_path) -> None:
    catalog = Catalog(f"sqlite:///{tmp_path / 'old.db'}", auto_upgrade=False)
    catalog.upgrade("0002")  # a catalog of the release before the chat tables' migration
    try:
        with pytest.raises(ConfigurationError, match="neurolake db upgrade"):
            CatalogDataLayer(catalog.engine)
    finally:
        catalog.dispose()
