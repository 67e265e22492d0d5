"""The turn in progress is one typed plan, JSON-plain in the checkpointer and typed again after it."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlglot import exp

from agents import ConversationService
from agents.turn_plan import ResultShape, Statement, TurnPlan
from app.commands import parse_asof
from neurolake.conversation.clarify import from_intent
from neurolake.conversation.timetravel import TablePin
from neurolake.intent.parser import IntentParser
from neurolake.platform import NeuroLake


def test_a_plan_survives_json_as_it_was(demo_parser: IntentParser) -> None:
    reading = demo_parser.parse("how many are from Germany")
    plan = TurnPlan(
        "t",
        "turn-1",
        "how many are from Germany",
        "2025-01-01T00:00:00+00:00",
        pins=(TablePin("orders", version=0),),
        intent=reading,
        follow_up=True,
        pending=from_intent(reading),
        refine={"share_of_total": True},
        examples=(("q", "SELECT 1"),),
        statement=Statement.of("SELECT COUNT(*) AS count FROM orders"),
        repairs=("Repaired: x.",),
        table_versions={"orders": 0},
        result=ResultShape(("count",), 1),
        notes=("a note",),
        steps=("understand",),
    )

    again = TurnPlan.from_dict(json.loads(json.dumps(plan.to_dict())))

    assert again == plan
    assert again.pending is not None and again.pending.options == plan.pending.options  # type: ignore[union-attr]


def test_the_statement_kind_is_read_from_the_sqlglot_tree() -> None:
    query = Statement.of("WITH t AS (SELECT 1 AS x) SELECT x FROM t")
    write = Statement.of("DELETE FROM orders WHERE order_id = 1")

    assert query.kind == "query" and query.is_query and isinstance(query.tree, exp.Query)
    assert write.kind == "delete" and not write.is_query
    assert Statement.of("SELEC nonsense").kind is None


def test_the_checkpointer_keeps_the_typed_plan_across_a_restart(
    make_service: Callable[..., ConversationService], lakehouse: NeuroLake, thread_id: str
) -> None:
    first = make_service()
    answered = first.ask(thread_id, "revenue by country")
    first.ask(thread_id, "only the top 3")
    first.close()

    plan = make_service().turn_plan(thread_id)  # a new process reads the SQLite file back

    assert plan is not None and plan.question == "only the top 3" and plan.follow_up
    assert plan.statement is not None and plan.statement.kind == "query" and "LIMIT 3" in plan.statement.sql
    assert plan.result is not None and plan.result.columns == tuple(answered.result.columns)  # type: ignore[union-attr]
    assert plan.result.row_count == 3 and plan.steps[-1] == "remember"


def test_asof_one_table_of_a_join_pins_only_that_table_in_the_plan(
    service: ConversationService, thread_id: str
) -> None:
    as_of = parse_asof("orders 0")  # what the chat's `/asof orders 0` hands the service
    assert as_of is not None
    turn = next(
        e.turn for e in service.stream(thread_id, "revenue by customer segment", as_of=as_of.to_dict()) if e.turn
    )

    plan = service.turn_plan(thread_id)
    assert plan is not None and plan.pins == (TablePin("orders", version=0),)
    assert turn.error is None and "orders VERSION AS OF 0" in (turn.sql or "")
    assert "JOIN customers" in (turn.sql or "") and "customers VERSION AS OF" not in (turn.sql or "")
    assert turn.table_versions["orders"] == 0 and turn.table_versions["customers"] > 0
