"""A clarification as the chat shows it: the question, then each reading's first rows as a table."""

from __future__ import annotations

from datetime import date

from app.clarification import clarification_markdown, preview_markdown
from neurolake.conversation.clarify import from_intent
from neurolake.intent.parser import IntentParser
from neurolake.platform import NeuroLake


def test_each_option_shows_its_label_and_first_rows(demo: NeuroLake) -> None:
    parser = IntentParser(demo.catalog, storage=demo.storage, today=date(2025, 1, 1), engine=demo.engine)
    pending = from_intent(parser.parse("revenue by name"))
    assert pending is not None

    text = clarification_markdown(pending.public())

    question, customers, products = text.split("\n\n**")
    assert question == "By 'name', do you mean customer name or product name?"
    for shown, label in ((customers, "1. customer name**"), (products, "2. product name**")):
        lines = shown.splitlines()
        assert lines[0] == label
        assert lines[2:4] == ["| Name | Total amount |", "|---|---:|"]
        assert len([line for line in lines if line.startswith("| ")]) == 6  # the header and five rows
    preview = pending.previews["1"]
    name, total = preview["rows"][0]
    assert f"| {name} | {total:,.2f} |".replace(".", "\\.") in customers
    assert customers.endswith(f"… {preview['row_count']} rows in all")


def test_cells_are_escaped_cut_and_numbers_aligned_right() -> None:
    preview = {
        "columns": ["note|kind", "amount"],
        "rows": [["<b>*bold*</b>", 1.5], ["x" * 100, None], [None, 3]],
        "row_count": 3,
        "truncated": False,
    }

    lines = preview_markdown(preview).splitlines()

    assert lines[0] == "| Note\\|kind | Amount |"
    assert lines[1] == "|---|---:|"
    assert lines[2] == "| \\<b\\>\\*bold\\*\\</b\\> | 1\\.50 |"  # an amount: money
    assert lines[3] == "| " + "x" * 59 + "… |  |"
    assert lines[4] == "|  | 3\\.00 |"
    assert len(lines) == 5  # every row is shown: no count line


def test_more_rows_than_shown_are_counted() -> None:
    rows = [[n] for n in range(5)]

    assert preview_markdown({"columns": ["n"], "rows": rows, "row_count": 1234}).endswith("… 1,234 rows in all")
    assert preview_markdown({"columns": ["n"], "rows": rows, "row_count": 200, "truncated": True}).endswith(
        "… more than 200 rows"
    )
    assert preview_markdown({"columns": ["n"], "rows": [], "row_count": 0}).endswith("_No rows._")


def test_options_without_a_preview_show_only_the_question() -> None:
    clarification = {
        "question": "Which columns of customers?\nPick one.",
        "options": [{"id": "1", "label": "name and city"}, {"id": "2", "label": "all 7 columns"}],
    }

    assert clarification_markdown(clarification) == "Which columns of customers?  \nPick one\\."
