"""``neurolake chat``: where Chainlit runs from and what the command offers."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from neurolake.cli import app
from neurolake.cli.chat import app_folder, chat_root
from neurolake.config import Settings

APP = Path(__file__).resolve().parents[2] / "app"


def test_the_command_offers_host_port_and_headless() -> None:
    result = CliRunner().invoke(app, ["chat", "--help"])

    assert result.exit_code == 0
    for option in ("--host", "--port", "--headless"):
        assert option in result.output


def test_the_app_folder_is_the_chainlit_app() -> None:
    assert app_folder().resolve() == APP.resolve()
    assert (app_folder() / "main.py").is_file()


def test_chainlit_runs_from_the_home_with_the_apps_configuration(settings: Settings) -> None:
    root = chat_root(settings, APP)

    assert root == (settings.home / "chat").resolve()
    assert (root / ".chainlit" / "config.toml").read_text() == (APP / ".chainlit" / "config.toml").read_text()
    assert (root / "chainlit.md").read_text() == (APP / "chainlit.md").read_text()
    (root / ".chainlit" / "config.toml").write_text("edited")
    chat_root(settings, APP)  # each start brings the app's configuration back
    assert (root / ".chainlit" / "config.toml").read_text() == (APP / ".chainlit" / "config.toml").read_text()


def test_the_configuration_names_the_assistant_and_takes_table_files() -> None:
    import tomllib

    config = tomllib.loads((APP / ".chainlit" / "config.toml").read_text())

    assert config["UI"]["name"] == "NeuroLake"
    assert config["features"]["unsafe_allow_html"] is False
    accepted = {ext for exts in config["features"]["spontaneous_file_upload"]["accept"].values() for ext in exts}
    assert {".csv", ".parquet", ".jsonl"} <= accepted
