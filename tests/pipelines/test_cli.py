"""`neurolake pipelines ...` and `neurolake serve` through the real CLI app."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from neurolake.cli import app
from neurolake.cli.context import state

runner = CliRunner()


@pytest.fixture
def home(cli_home: Path) -> Path:
    state.platform.storage.write_table(pa.table({"id": [1, 2], "region": ["EU", "US"]}), "sales")
    return cli_home


def invoke(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.output, result.exception)
    return result.output


def test_create_list_run_runs_and_delete(home: Path) -> None:
    created = invoke(
        "pipelines",
        "create",
        "copy",
        "--sql",
        "SELECT * FROM sales",
        "--target",
        "sales_copy",
        "--schedule",
        "0 6 * * *",
    )
    assert "Created pipeline copy" in created and "Next run:" in created
    assert "sales_copy" in invoke("pipelines", "list")
    assert "succeeded, 2 rows, table version 0" in invoke("pipelines", "run", "copy")
    assert "succeeded" in invoke("pipelines", "runs", "copy")
    assert "No pipeline is due." in invoke("pipelines", "run-due")
    assert "Deleted pipeline copy" in invoke("pipelines", "delete", "copy")
    assert state.platform.storage.exists("sales_copy")


def test_a_failed_run_exits_1(home: Path) -> None:
    invoke("pipelines", "create", "broken", "--sql", "SELECT region FROM sales", "--target", "regions")
    state.platform.storage.drop_table("sales")
    assert "failed" in invoke("pipelines", "run", "broken", code=1)


def test_bad_definitions_are_refused_before_anything_is_stored(home: Path) -> None:
    output = invoke("pipelines", "create", "m", "--sql", "SELECT 1 AS x", "--target", "t", "--mode", "merge", code=2)
    assert "merge_keys" in output
    assert "m " not in invoke("pipelines", "list")


def test_serve_is_a_command_with_host_port_and_scheduler_options() -> None:
    output = invoke("serve", "--help")
    assert "--host" in output and "--port" in output and "--no-scheduler" in output
