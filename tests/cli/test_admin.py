"""The admin commands through the real CLI entry point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from neurolake.cli import app

runner = CliRunner()


@pytest.fixture
def home(cli_home: Path) -> Path:
    return cli_home  # each test gets a platform built from its own settings


def test_every_command_has_help() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for group in ("config", "db", "users"):
        sub = runner.invoke(app, [group, "--help"])
        assert sub.exit_code == 0 and "Usage" in sub.output


def test_config_show_masks_secrets(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEUROLAKE_LLM__API_KEY", "sk-top-secret")
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == 0
    assert "NEUROLAKE_LLM__API_KEY=********" in result.output
    assert "sk-top-secret" not in result.output
    assert f"NEUROLAKE_HOME={home}" in result.output


def test_users_create_prints_key_once_and_revoke(home: Path) -> None:
    created = runner.invoke(app, ["users", "create", "ana", "--email", "ana@example.com", "--role", "admin"])
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    assert key.startswith("nlk_")
    listed = runner.invoke(app, ["users", "list"])
    assert "ana" in listed.output and key not in listed.output
    assert runner.invoke(app, ["users", "revoke", "ana"]).exit_code == 0


def test_db_downgrade_and_upgrade(home: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    down = runner.invoke(app, ["db", "downgrade", "base"])
    assert down.exit_code == 0 and "base" in down.output
    up = runner.invoke(app, ["db", "upgrade"])
    assert up.exit_code == 0 and f"revision {_head_revision()}" in up.output


def _head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from neurolake.catalog.database import ALEMBIC_DIR

    config = Config()
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    """A bad setting stops the real console script with a message naming the variable."""
    env = {"PATH": str(Path(sys.executable).parent), "NEUROLAKE_LLM__PROVIDER": "nonsense", "HOME": str(tmp_path)}
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "neurolake"), "config", "show"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 1
    assert "NEUROLAKE_LLM__PROVIDER" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_user_is_a_readable_error(tmp_path: Path) -> None:
    env = {"PATH": str(Path(sys.executable).parent), "NEUROLAKE_HOME": str(tmp_path / "h"), "HOME": str(tmp_path)}
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "neurolake"), "users", "revoke", "ghost"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 1
    assert "No user named 'ghost'" in proc.stderr and "Traceback" not in proc.stderr
