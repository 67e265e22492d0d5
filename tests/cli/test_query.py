"""The query commands (sql, explain, history) through the real CLI app."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from neurolake.cli import app, main
from neurolake.cli.context import state
from neurolake.cli.query import parse_params

runner = CliRunner()


@pytest.fixture
def home(cli_home: Path) -> Path:
    """A home with one table, ``people``, at version 1."""
    storage = state.platform.storage
    storage.write_table(pa.table({"id": pa.array([1, 2, 3], pa.int64()), "name": ["Ada", "Bo", None]}), "people")
    storage.write_table(pa.table({"id": pa.array([4], pa.int64()), "name": ["Cy"]}), "people")
    return cli_home


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_sql_prints_a_table_with_a_summary(home: Path) -> None:
    output = invoke("sql", "SELECT id, name FROM people ORDER BY id")

    assert "Ada" in output and "NULL" in output and "Cy" in output
    assert "4 row(s)" in output and "people@v1" in output


def test_sql_json_output(home: Path) -> None:
    data = json.loads(invoke("sql", "SELECT id, name FROM people WHERE id < $n ORDER BY id", "-f", "json", "-p", "n=3"))

    assert data["sql"].startswith("SELECT id") and data["columns"] == ["id", "name"]
    assert data["rows"] == [[1, "Ada"], [2, "Bo"]]
    assert data["metrics"]["tables_read"] == {"people": [1]}


def test_sql_csv_output_with_positional_parameters_limit_and_page(home: Path) -> None:
    output = invoke(
        "sql",
        "SELECT id, name FROM people WHERE id > ? ORDER BY id",
        "-f",
        "csv",
        "-p",
        "1",
        "--page",
        "2",
        "--page-size",
        "2",
    )
    capped = invoke("sql", "SELECT id FROM people ORDER BY id", "-f", "json", "--limit", "2")

    assert list(csv.reader(io.StringIO(output))) == [["id", "name"], ["4", "Cy"]]
    assert json.loads(capped)["truncated"] is True


def test_sql_time_travel_and_writes_need_the_flag(home: Path) -> None:
    old = json.loads(invoke("sql", "SELECT count(*) AS n FROM people VERSION AS OF 0", "-f", "json"))
    refused = runner.invoke(app, ["sql", "DELETE FROM people WHERE id = 4"])
    deleted = json.loads(invoke("sql", "DELETE FROM people WHERE id = 4", "--write", "-f", "json"))

    assert old["rows"] == [[3]]
    assert refused.exit_code != 0 and "needs write permission" in str(refused.exception)
    assert deleted["rows"] == [["DELETE", "people", 1, 2]]


def test_errors_are_one_line_without_a_stack(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["neurolake", "sql", "SELECT nme FROM people"])
    with pytest.raises(SystemExit) as exited:
        main()

    err = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert exited.value.code == 1
    assert "Error: Column 'nme' does not exist" in err and "Did you mean 'name'?" in err
    assert "Traceback" not in err


def test_explain_prints_the_plan_tree(home: Path) -> None:
    output = invoke("explain", "SELECT count(*) FROM people WHERE id = $id", "-p", "id=2")

    assert output.startswith("Query plan (duckdb)") and "people@v1" in output and "Physical plan" in output


def test_history_of_queries_and_of_a_table(home: Path) -> None:
    invoke("sql", "SELECT count(*) FROM people")
    runner.invoke(app, ["sql", "DROP TABLE people"])
    state.close()  # a new process would start here: history was flushed on close

    queries = json.loads(invoke("history", "-f", "json", "--limit", "5"))
    commits = json.loads(invoke("history", "people", "-f", "json"))
    as_table = invoke("history", "people")

    assert [q["status"] for q in queries] == ["refused", "succeeded"]
    assert queries[1]["tables"] == "people@v1" and queries[1]["sql"] == "SELECT count(*) FROM people"
    assert [c["version"] for c in commits] == [1, 0] and commits[0]["operation"] == "WRITE"
    assert "version" in as_table and "WRITE" in as_table


def test_parse_params() -> None:
    assert parse_params(["a=1", "b=x", 'c="007"', "d=true", "e=2024-01-01"]) == {
        "a": 1,
        "b": "x",
        "c": "007",
        "d": True,
        "e": "2024-01-01",
    }
    assert parse_params(["5", "x"]) == [5, "x"]
    assert parse_params([]) is None
