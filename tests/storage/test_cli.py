"""The lakehouse commands through typer's CliRunner on the real app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from neurolake.cli import app
from neurolake.errors import IngestError, StorageInputError, TableNotFoundError

runner = CliRunner()


@pytest.fixture
def home(cli_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """NEUROLAKE_HOME in tmp_path, with fresh settings and platform for each test."""
    monkeypatch.setenv("COLUMNS", "250")  # no wrapping in rich tables
    return cli_home


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_every_storage_command_has_help(home: Path) -> None:
    for command in ("demo", "ingest", "tables", "describe", "optimize", "vacuum"):
        output = _run(command, "--help")
        assert "Usage" in output and len(output.splitlines()) > 4, command
    assert "--if-missing" in _run("demo", "--help")
    assert "--retention-hours" in _run("vacuum", "--help")


def test_demo_then_tables_describe_optimize_vacuum(home: Path) -> None:
    output = _run("demo", "--orders", "2000")
    assert "Generating" in output and "order_items" in output and "Built in" in output
    assert "nothing to do" in _run("demo", "--orders", "2000", "--if-missing")
    refused = runner.invoke(app, ["demo", "--orders", "2000"])
    assert refused.exit_code == 1 and isinstance(refused.exception, StorageInputError)

    listing = _run("tables")
    for name in ("customers", "products", "orders", "order_items"):
        assert name in listing
    rows = {r["name"]: r for r in json.loads(_run("tables", "--format", "json"))}
    assert rows["orders"]["version"] == 1 and rows["orders"]["rows"] > 2000
    assert rows["orders"]["description"]

    described = _run("describe", "orders")
    assert "order_date" in described and "DATE" in described
    assert "Date the order was placed" in described
    assert "2023-01-01" in described  # min of order_date from the log's statistics

    optimized = _run("optimize", "orders", "--zorder", "customer_id,order_date")
    assert "Optimized orders" in optimized and "version 2" in optimized
    assert "Would delete" in _run("vacuum", "orders")
    deleted = _run("vacuum", "orders", "--retention-hours", "0", "--no-dry-run")
    assert "Deleted 2 file(s)" in deleted
    assert "can no longer be read" in deleted
    assert "Built in" in _run("demo", "--orders", "2000", "--force")


def test_ingest_modes_and_errors(home: Path, tmp_path: Path) -> None:
    first = tmp_path / "people.csv"
    first.write_text("id,name\n1,ann\n2,bob\n")
    assert "2 rows from people.csv into people (append), now at version 0" in _run(
        "ingest", str(first), "--table", "people"
    )
    update = tmp_path / "update.csv"
    update.write_text("id,name\n2,BOB\n3,cy\n")
    merged = _run("ingest", str(update), "-t", "people", "--mode", "merge", "--key", "id")
    assert "1 inserted, 1 updated" in merged

    bad = tmp_path / "bad.csv"
    bad.write_text("id,nme\n4,dee\n")
    result = runner.invoke(app, ["ingest", str(bad), "--table", "people"])
    assert result.exit_code == 1
    assert isinstance(result.exception, IngestError)
    assert "does not match table 'people'" in str(result.exception)
    assert json.loads(_run("tables", "--format", "json"))[0]["version"] == 1

    for args, error in (
        (["ingest", str(first), "--table", "people", "--mode", "upsert"], StorageInputError),
        (["ingest", str(tmp_path / "nope.csv"), "--table", "people"], IngestError),
        (["describe", "peple"], TableNotFoundError),
    ):
        failed = runner.invoke(app, args)
        assert failed.exit_code == 1 and isinstance(failed.exception, error), args
    assert "Did you mean 'people'" in str(runner.invoke(app, ["describe", "peple"]).exception)


def test_tables_when_empty(home: Path) -> None:
    assert "neurolake demo" in _run("tables")
    assert json.loads(_run("tables", "--format", "json")) == []
