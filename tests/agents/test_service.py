"""Conversations through the graph, on the demo lakehouse and the real engine.

Each answer is checked against hand-written SQL run on the same engine.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from agents import ConversationService
from neurolake.config import load_settings
from neurolake.platform import NeuroLake
from tests.agents.conftest import gold, same_rows

IN_2024 = "order_date >= DATE '2024-01-01' AND order_date < DATE '2025-01-01'"
RUN = ["understand", "generate_sql", "validate", "optimize", "execute", "present", "remember"]


def test_show_customers_asks_which_columns_and_the_answer_completes_the_query(
    service: ConversationService, lakehouse: NeuroLake, thread_id: str
) -> None:
    asked = service.ask(thread_id, "Show customers")

    assert asked.clarification is not None and asked.result is None and asked.error is None
    assert asked.clarification["question"].startswith("Which columns of customers")
    labels = {o["id"]: o["label"] for o in asked.clarification["options"]}
    assert labels == {"1": "name, country, city and segment", "2": "customer_id and name", "3": "all 7 columns"}
    assert asked.steps == ["understand", "clarify"]
    assert service.pending(thread_id) == asked.clarification

    done = service.answer(thread_id, "2")

    assert done.error is None and done.clarification is None
    assert done.sql == "SELECT customers.customer_id, customers.name FROM customers"
    assert done.result is not None and same_rows(
        done.result.rows, gold(lakehouse, "SELECT customer_id, name FROM customers")
    )
    assert done.steps == ["understand", "clarify", *RUN[1:]]
    assert service.pending(thread_id) is None


def test_a_free_text_answer_names_the_columns(
    service: ConversationService, lakehouse: NeuroLake, thread_id: str
) -> None:
    service.ask(thread_id, "show me the customers")

    done = service.ask(thread_id, "name and country")  # typed as the next message, not via answer()

    assert done.result is not None and done.result.columns == ["name", "country"]
    assert same_rows(done.result.rows, gold(lakehouse, "SELECT name, country FROM customers"))


def test_a_question_built_in_four_turns(
    make_service: Callable[..., ConversationService], lakehouse: NeuroLake, thread_id: str
) -> None:
    service = make_service(row_limit=1000)
    steps = [
        ("orders in 2024", f"SELECT * FROM orders WHERE {IN_2024}", False),
        ("by country", f"SELECT country, count(*) FROM orders WHERE {IN_2024} GROUP BY country", False),
        (
            "only the top 3",
            f"SELECT country, count(*) AS n FROM orders WHERE {IN_2024} GROUP BY country ORDER BY n DESC LIMIT 3",
            True,
        ),
        (
            "as a share of the total",
            "SELECT country, count(*) AS n, round(100.0 * count(*) / sum(count(*)) OVER (), 2) "
            f"FROM orders WHERE {IN_2024} GROUP BY country ORDER BY n DESC LIMIT 3",
            True,
        ),
    ]
    sqls = []
    for question, expected, ordered in steps:
        turn = service.ask(thread_id, question)
        assert turn.error is None, turn.message
        assert turn.result is not None and same_rows(turn.result.rows, gold(lakehouse, expected), ordered=ordered), (
            question
        )
        sqls.append(turn.sql or "")
    assert "GROUP BY orders.country" in sqls[1] and "2024-01-01" in sqls[1]
    assert sqls[2].endswith("ORDER BY count DESC LIMIT 3")
    assert "SUM(COUNT(*)) OVER ()" in sqls[3] and sqls[3].endswith("LIMIT 3")
    assert turn.chart == {"kind": "bar", "x": "country", "y": "count"}
    assert "share of the total (in %) is in share_of_total_pct" in turn.message
    assert [r.question for r in service.history(thread_id)] == [q for q, _, _ in steps]


def test_follow_ups_edit_the_last_answer(
    make_service: Callable[..., ConversationService], lakehouse: NeuroLake, thread_id: str
) -> None:
    service = make_service(row_limit=10)
    germany = "country = 'Germany'"
    by_month = "date_trunc('month', order_date)"

    first = service.ask(thread_id, "revenue by country")
    assert first.result is not None and first.result.truncated and first.result.row_count == 10
    everything = gold(lakehouse, "SELECT country, sum(total_amount) FROM orders GROUP BY country")
    assert same_rows(first.result.rows, [r for r in everything if r[0] in {x[0] for x in first.result.rows}])

    only = service.ask(thread_id, "only Germany")
    assert only.result is not None
    assert same_rows(
        only.result.rows, gold(lakehouse, f"SELECT country, sum(total_amount) FROM orders WHERE {germany} GROUP BY 1")
    )

    monthly = service.ask(thread_id, "now by month")
    months = gold(
        lakehouse, f"SELECT {by_month} m, sum(total_amount) FROM orders WHERE {germany} GROUP BY m ORDER BY m"
    )
    assert monthly.result is not None and monthly.chart == {
        "kind": "line",
        "x": "order_date_month",
        "y": "sum_total_amount",
    }
    assert same_rows(monthly.result.rows, months[:10], ordered=True)

    ranked = service.ask(thread_id, "sort by revenue instead")
    # Two months of the demo tie on revenue (25.98 each): the months, in order, break the tie.
    by_revenue = gold(
        lakehouse,
        f"SELECT {by_month} m, sum(total_amount) s FROM orders WHERE {germany} GROUP BY m ORDER BY s DESC, m",
    )
    assert (ranked.sql or "").endswith("ORDER BY sum_total_amount DESC, order_date_month ASC")
    assert ranked.result is not None and same_rows(ranked.result.rows, by_revenue[:10], ordered=True)

    shown = service.ask(thread_id, "show the SQL")
    assert shown.sql == ranked.sql and shown.result is None and ranked.sql in shown.message
    assert shown.steps == ["understand", "present", "remember"]

    more = service.ask(thread_id, "more rows")
    assert more.result is not None and same_rows(more.result.rows, by_revenue[:20], ordered=True)

    last_year = service.ask(thread_id, "what about last year?")
    expected = gold(
        lakehouse,
        f"SELECT {by_month} m, sum(total_amount) s FROM orders WHERE {germany} AND {IN_2024} "
        "GROUP BY m ORDER BY s DESC, m",
    )
    assert last_year.result is not None and same_rows(last_year.result.rows, expected[:20], ordered=True)


def test_the_platform_builds_one_service(platform: NeuroLake) -> None:
    service = platform.conversations

    assert platform.conversations is service and service.services.model is None  # offline: the fixed path
    assert service.threads() == []
    platform.close()
    assert "conversations" not in platform.__dict__


def test_a_configured_provider_gives_the_graph_a_chat_model(tmp_path: Path) -> None:
    from neurolake.llm.chat_model import ProviderChatModel

    settings = load_settings(
        home=tmp_path / "home", environment="test", llm={"provider": "openai", "api_key": "sk-test-conversations"}
    )
    platform = NeuroLake.from_settings(settings)
    try:
        service = ConversationService.from_platform(platform, memory=False, semantic=False)
        assert isinstance(service.services.model, ProviderChatModel)
        service.close()
    finally:
        platform.close()


def test_an_ambiguous_question_asks_and_the_answer_picks_the_reading(
    service: ConversationService, lakehouse: NeuroLake, thread_id: str
) -> None:
    asked = service.ask(thread_id, "how many are from Germany")

    assert asked.clarification is not None
    assert [o["label"] for o in asked.clarification["options"]] == [
        "Germany as customer country",
        "Germany as order country",
    ]
    done = service.ask(thread_id, "the country of the order")

    expected = gold(lakehouse, "SELECT count(*) FROM orders WHERE country = 'Germany'")
    assert done.result is not None and same_rows(done.result.rows, expected)
    assert "orders.country = 'Germany'" in (done.sql or "")
