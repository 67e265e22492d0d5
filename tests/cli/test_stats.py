"""``neurolake stats``: the query history's figures, for everyone or one user, as a table or JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from neurolake.catalog.repositories import users as users_repo
from neurolake.cli import app, main
from neurolake.cli.context import state

runner = CliRunner()


@pytest.fixture
def home(cli_home: Path) -> Path:
    """Three queries without a user (one failing), one by ``ada``."""
    platform = state.platform
    platform.storage.write_table(pa.table({"n": pa.array([1, 2, 3], pa.int64())}), "numbers")
    with platform.catalog.session() as session:
        users_repo.create_user(session, "ada", role="analyst")
        ada = users_repo.get_user(session, "ada")
        session.expunge(ada)
    platform.engine.execute_sql("SELECT sum(n) AS s FROM numbers")
    platform.engine.execute_sql("SELECT sum(n) AS s FROM numbers")
    with pytest.raises(Exception, match="missing_column"):
        platform.engine.execute_sql("SELECT missing_column FROM numbers")
    platform.engine.execute_sql("SELECT max(n) AS m FROM numbers", user=ada)
    return cli_home


def test_json_counts_everyone_or_one_user(home: Path) -> None:
    everyone = runner.invoke(app, ["stats", "--json"])
    ada = runner.invoke(app, ["stats", "--json", "--user", "ada", "--hours", "1"])

    assert everyone.exit_code == 0, everyone.output
    totals = json.loads(everyone.output)["totals"]
    assert (totals["queries"], totals["failed"], totals["cache_hits"]) == (4, 1, 1)
    assert json.loads(ada.output)["totals"]["queries"] == 1 and json.loads(ada.output)["scope"] == "ada"


def test_the_table_shows_failures_slow_queries_and_tables(home: Path) -> None:
    result = runner.invoke(app, ["stats"], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    for text in ("queries", "Slowest queries", "SELECT max(n) AS m FROM numbers", "Recent failures", "missing_column"):
        assert text in result.output
    assert "numbers" in result.output.split("Tables")[-1]


def test_an_unknown_user_or_window_is_refused(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["neurolake", "stats", "--user", "ghost"])
    with pytest.raises(SystemExit) as exited:
        main()
    window = runner.invoke(app, ["stats", "--hours", "0"])

    assert exited.value.code == 1 and "Error: No user named 'ghost'" in capsys.readouterr().err
    assert window.exit_code != 0 and "--hours" in window.output
