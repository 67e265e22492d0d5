"""Query templates: named SQL with declared parameters, stored in the catalog."""

from __future__ import annotations

from datetime import date

import pytest

from neurolake.catalog.repositories import templates as templates_repo
from neurolake.errors import NotFoundError, PermissionDeniedError, QueryValidationError

from .conftest import Lake


def test_save_and_run_a_template_with_typed_parameters(own_lake: Lake) -> None:
    engine = own_lake.engine
    engine.templates.save(
        "orders_by_status",
        "SELECT id FROM orders WHERE status = $status AND amount >= $min ORDER BY id",
        {"status": "str", "min": {"type": "decimal", "default": "0", "description": "smallest amount"}},
        description="Orders in one status",
    )

    defaulted = engine.execute_template("orders_by_status", {"status": "paid"})
    from_text = engine.execute_template("orders_by_status", {"status": "paid", "min": "50"}, limit=1)

    assert defaulted.rows == [(1,), (2,), (6,)]
    assert from_text.rows == [(1,)] and from_text.truncated is False
    with own_lake.catalog.session() as session:
        row = templates_repo.get_template(session, "orders_by_status")
        assert row is not None and row.description == "Orders in one status"
        assert row.parameters["min"] == {"type": "decimal", "default": "0", "description": "smallest amount"}


def test_template_values_are_checked(own_lake: Lake) -> None:
    engine = own_lake.engine
    engine.templates.save("since", "SELECT count(*) FROM customers WHERE signup >= $day", {"day": "date"})

    assert engine.execute_template("since", {"day": "2024-01-01"}).rows == [(3,)]
    assert engine.execute_template("since", {"day": date(2025, 1, 1)}).rows == [(1,)]
    with pytest.raises(QueryValidationError, match=r"needs a value for \$day"):
        engine.execute_template("since")
    with pytest.raises(QueryValidationError, match=r"\$day must be a date"):
        engine.execute_template("since", {"day": "soon"})
    with pytest.raises(QueryValidationError, match=r"has no parameter \$year"):
        engine.execute_template("since", {"day": "2024-01-01", "year": 2024})


@pytest.mark.parametrize(
    ("sql", "parameters", "error", "message"),
    [
        ("SELECT $a", {}, QueryValidationError, r"undeclared: \$a"),
        ("SELECT 1", {"a": "int"}, QueryValidationError, r"declared but unused: \$a"),
        ("SELECT ?", {}, QueryValidationError, "named parameters"),
        ("SELECT $a", {"a": "money"}, QueryValidationError, "unknown type"),
        ("SELEC 1", {}, QueryValidationError, "Syntax error"),
        ("DROP TABLE orders", {}, PermissionDeniedError, "not allowed"),
    ],
)
def test_templates_are_checked_when_saved(
    lake: Lake, sql: str, parameters: dict[str, str], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        lake.engine.templates.save("t", sql, parameters)
    assert "t" not in [t.name for t in lake.engine.templates.list()]


def test_list_replace_delete_and_not_found(own_lake: Lake) -> None:
    templates = own_lake.engine.templates
    templates.save("alpha", "SELECT 1 AS x")
    templates.save("alpha", "SELECT 2 AS x")
    templates.save("beta", "SELECT count(*) FROM orders")

    assert [t.name for t in templates.list()] == ["alpha", "beta"]
    assert own_lake.engine.execute_template("alpha").rows == [(2,)]
    assert templates.delete("alpha") is True and templates.delete("alpha") is False
    with pytest.raises(NotFoundError, match="Did you mean 'beta'"):
        templates.get("betta")
    with pytest.raises(QueryValidationError, match="valid template name"):
        templates.save("Bad Name", "SELECT 1")
