"""What each finished step of the graph shows."""

from __future__ import annotations

from app.steps import STEP_LABELS, detail_markdown
from neurolake.conversation import STEPS


def test_every_graph_step_has_a_label() -> None:
    assert set(STEPS) <= set(STEP_LABELS)


def test_sql_steps_show_their_sql_and_others_their_facts() -> None:
    assert detail_markdown("generate_sql", {"sql": "SELECT 1", "source": "parser"}) == (
        "```sql\nSELECT 1\n```\n\nSQL from: parser"
    )
    assert detail_markdown("execute", {"sql": "SELECT 1", "row_count": 1200}) == "1,200 rows"
    assert detail_markdown("clarify", {"waiting": True}) == "Waiting for your answer."
    assert detail_markdown("validate", {"error": "invalid_query"}) == "Stopped: invalid\\_query"
    assert detail_markdown("present", None) == "Done."
    assert detail_markdown("understand", "<b>free text</b>") == "\\<b\\>free text\\</b\\>"
