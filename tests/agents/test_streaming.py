"""Each step is streamed as it starts and ends, then the finished turn."""

from __future__ import annotations

import asyncio

from agents import ConversationService, TurnEvent


async def _collect(
    service: ConversationService, thread_id: str, text: str | None, resume: str | None
) -> list[TurnEvent]:
    return [event async for event in service.astream(thread_id, text, resume=resume)]


def test_astream_yields_every_step_then_the_turn(service: ConversationService, thread_id: str) -> None:
    events = asyncio.run(_collect(service, thread_id, "revenue by country", None))

    steps = [(e.name, e.status) for e in events if e.kind == "step"]
    order = ["understand", "generate_sql", "validate", "optimize", "execute", "present", "remember"]
    assert steps == [(name, status) for name in order for status in ("start", "done")]
    assert events[-1].kind == "turn" and events[-1].turn is not None
    assert events[-1].turn.steps == order and events[-1].turn.result is not None
    execute_done = next(e for e in events if e.name == "execute" and e.status == "done")
    assert execute_done.detail["row_count"] == 12
    generated = next(e for e in events if e.name == "generate_sql" and e.status == "done")
    assert generated.detail["source"] == "parser" and generated.detail["sql"].startswith("SELECT")
    assert all(e.to_dict()["kind"] in ("step", "turn") for e in events)


def test_a_clarification_streams_then_resumes(service: ConversationService, thread_id: str) -> None:
    asked = asyncio.run(_collect(service, thread_id, "Show customers", None))
    assert [(e.name, e.status) for e in asked if e.kind == "step"] == [
        ("understand", "start"),
        ("understand", "done"),
        ("clarify", "start"),
        ("clarify", "done"),
    ]
    assert asked[-1].turn is not None and asked[-1].turn.clarification is not None

    resumed = asyncio.run(_collect(service, thread_id, None, "3"))

    names = [e.name for e in resumed if e.kind == "step" and e.status == "start"]
    assert names == ["clarify", "generate_sql", "validate", "optimize", "execute", "present", "remember"]
    final = resumed[-1].turn
    assert final is not None and final.result is not None and len(final.result.columns) == 7


def test_aask_and_aanswer(service: ConversationService, thread_id: str) -> None:
    async def talk() -> tuple[object, object]:
        asked = await service.aask(thread_id, "Show customers")
        done = await service.aanswer(thread_id, "1")
        return asked, done

    asked, done = asyncio.run(talk())
    assert getattr(asked, "clarification", None) is not None
    assert getattr(done, "error", "x") is None
