"""Over-deep and over-long SQL is refused before parsing, with one clear message in the CLI
and a 400 carrying that message from the API; never a RecursionError."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurolake.config import load_settings
from neurolake.errors import QueryValidationError
from neurolake.platform import NeuroLake
from tests.reliability.storage_helpers import admin_api, assert_one_clear_error, run_cli

DEEP = "SELECT " + "(" * 500 + "1" + ")" * 500 + " AS x"


def nested(depth: int) -> str:
    return "SELECT " + "(" * depth + "1" + ")" * depth + " AS x"


def test_the_cli_refuses_500_nested_parentheses_in_one_line(tmp_path: Path) -> None:
    run = run_cli(tmp_path / "home", "sql", DEEP)
    assert_one_clear_error(run, "nests parentheses more than 100 deep", "NEUROLAKE_ENGINE__MAX_SQL_DEPTH")
    assert "RecursionError" not in run.err


def test_the_api_answers_400_with_the_same_message(tmp_path: Path) -> None:
    with admin_api(tmp_path / "home") as api:
        response = api.client.post("/api/v1/queries", json={"sql": DEEP}, headers=api.headers)
        assert response.status_code == 400, response.text
        assert "nests parentheses more than 100 deep" in response.json()["message"]
        assert "RecursionError" not in response.text
        fine = api.client.post("/api/v1/queries", json={"sql": nested(100)}, headers=api.headers)
        assert fine.status_code == 200 and fine.json()["rows"] == [[1]], fine.text


@pytest.fixture
def platform_with_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> NeuroLake:
    monkeypatch.setenv("NEUROLAKE_ENGINE__MAX_SQL_DEPTH", "5")
    monkeypatch.setenv("NEUROLAKE_ENGINE__MAX_SQL_CHARS", "300")
    platform = NeuroLake.from_settings(load_settings(home=tmp_path / "home", environment="test"))
    yield platform
    platform.close()


def test_the_limits_are_settings(platform_with_limits: NeuroLake) -> None:
    engine = platform_with_limits.engine
    assert engine.execute_sql(nested(5)).table.to_pylist() == [{"x": 1}]
    with pytest.raises(QueryValidationError, match="more than 5 deep"):
        engine.execute_sql(nested(6))
    with pytest.raises(QueryValidationError, match="301 characters long; the limit is 300"):
        engine.execute_sql("SELECT 1 AS x" + " " * 288)
    # Parentheses inside strings, quoted names and comments do not nest anything.
    sql = "SELECT '((((((((' AS \"((((((((\" -- ((((((((\n /* (((((((( */"
    assert engine.execute_sql(sql).table.to_pylist() == [{"((((((((": "(((((((("}]
