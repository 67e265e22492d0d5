"""``neurolake chat``: the chat in the browser (the Chainlit app in ``app/``)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from neurolake.cli.context import state
from neurolake.errors import ConfigurationError

if TYPE_CHECKING:
    from neurolake.config import Settings

#: Files of ``app/`` Chainlit reads from its root folder (configuration, the readme page).
_ROOT_FILES = (Path(".chainlit") / "config.toml", Path("chainlit.md"))


def app_folder() -> Path:
    """The ``app`` package folder (source checkout or installed), importable afterwards."""
    spec = importlib.util.find_spec("app")
    if spec is None or not spec.submodule_search_locations:
        # An editable install made before app/ existed maps only neurolake: use the checkout.
        checkout = Path(__file__).resolve().parents[2]
        if not (checkout / "app" / "main.py").is_file():
            raise ConfigurationError("The chat app (app/main.py) is not installed.", hint="Reinstall NeuroLake.")
        sys.path.insert(0, str(checkout))
        return checkout / "app"
    return Path(next(iter(spec.submodule_search_locations)))


def chat_root(settings: Settings, app: Path) -> Path:
    """Chainlit's working folder under NEUROLAKE_HOME, seeded with the app's configuration.

    Chainlit writes uploads (``.files``) and translations next to its configuration; keeping
    them in the data home leaves the source tree untouched.
    """
    root = (settings.home / "chat").resolve()
    for relative in _ROOT_FILES:
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(app / relative, target)
    return root


def run_chat(settings: Settings, *, host: str, port: int, headless: bool) -> None:
    """Start Chainlit's server on ``host:port`` with ``app/main.py``; returns when it stops."""
    app = app_folder()
    root = chat_root(settings, app)
    # Chainlit reads its root and address from the environment when it is imported; the
    # app sets the session signing key itself (see app/auth.py).
    os.environ["CHAINLIT_APP_ROOT"] = str(root)
    os.environ["CHAINLIT_HOST"] = host
    os.environ["CHAINLIT_PORT"] = str(port)
    from chainlit.cli import run_chainlit
    from chainlit.config import config

    config.run.headless = headless
    run_chainlit(str(app / "main.py"))


def chat(
    host: str | None = typer.Option(None, "--host", help="Address to bind (default NEUROLAKE_CHAT__HOST)."),
    port: int | None = typer.Option(None, "--port", min=1, max=65535, help="Port (default NEUROLAKE_CHAT__PORT)."),
    headless: bool = typer.Option(False, "--headless", help="Do not open a browser window."),
) -> None:
    """Start the chat in the browser (Chainlit) over the lakehouse."""
    settings = state.settings
    state.platform.catalog.check()  # a catalog that is down: one line now, not a trace from inside Chainlit
    host = host or settings.chat.host
    port = port or settings.chat.port
    Console().print(f"NeuroLake chat on [bold]http://{host}:{port}[/] (Ctrl+C to stop)", highlight=False)
    run_chat(settings, host=host, port=port, headless=headless)


def register(app: typer.Typer) -> None:
    app.command("chat")(chat)
