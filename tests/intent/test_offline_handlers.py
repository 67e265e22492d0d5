"""The offline parser answers the intent_parsing and sql_generation prompts for OfflineProvider."""

from __future__ import annotations

from neurolake.intent import offline_handlers
from neurolake.llm import OfflineProvider, PromptLibrary, PromptRunner
from neurolake.llm.golden import load_golden_cases, run_golden

LIBRARY = PromptLibrary()


def test_golden_cases_of_both_prompts_pass_offline() -> None:
    offline_handlers.register()
    cases = load_golden_cases(LIBRARY, ["intent_parsing", "sql_generation"])

    results = run_golden(PromptRunner(OfflineProvider(), LIBRARY), cases)

    assert results and [(r.case.name, r.status, r.failures) for r in results if r.status != "passed"] == []


def test_the_prompt_schema_is_any_schema() -> None:
    offline_handlers.register()
    runner = PromptRunner(OfflineProvider(), LIBRARY)
    schema = "kennels(id INTEGER, name VARCHAR, town VARCHAR)\ndogs(id INTEGER, kennel_id INTEGER, weight_kg DOUBLE)"

    intent = runner.run(
        "intent_parsing", {"question": "average dog weight per kennel town", "schema": schema, "history": ""}
    )
    sql = runner.run(
        "sql_generation", {"question": "average dog weight per kennel town", "schema": schema, "dialect": "DuckDB"}
    )

    assert intent.parsed["kind"] == "aggregate" and intent.parsed["group_by"] == ["kennels.town"]
    assert sql.parsed == (
        "SELECT kennels.town AS town, AVG(dogs.weight_kg) AS avg_weight_kg FROM dogs "
        "INNER JOIN kennels ON dogs.kennel_id = kennels.id GROUP BY kennels.town"
    )


def test_registering_is_explicit_and_reversible() -> None:
    offline_handlers.unregister()
    assert not OfflineProvider().handles("intent_parsing")
    offline_handlers.register()
    assert OfflineProvider().handles("intent_parsing") and OfflineProvider().handles("sql_generation")
