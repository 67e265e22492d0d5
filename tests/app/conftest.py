"""Chat fixtures: Chainlit pointed at a scratch folder, a small demo lakehouse, results from it.

Chainlit reads its working folder (``CHAINLIT_APP_ROOT``) when first imported and writes
files there, so the tests point it at a temporary copy of ``app/.chainlit`` before any test
module imports it. The browser tests run the real ``neurolake chat`` server and Debian's Chromium.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from neurolake.config import load_settings
from neurolake.engine.result import QueryResult
from neurolake.platform import NeuroLake
from tests.browser import chromium

APP_DIR = Path(__file__).resolve().parents[2] / "app"
CHAINLIT_ROOT = Path(tempfile.mkdtemp(prefix="neurolake-chainlit-"))
(CHAINLIT_ROOT / ".chainlit").mkdir()
shutil.copyfile(APP_DIR / ".chainlit" / "config.toml", CHAINLIT_ROOT / ".chainlit" / "config.toml")
os.environ.setdefault("CHAINLIT_APP_ROOT", str(CHAINLIT_ROOT))
atexit.register(shutil.rmtree, CHAINLIT_ROOT, ignore_errors=True)

#: Orders in the tests' demo lakehouse (the full demo has 120,000).
DEMO_ORDERS = 300


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home folder holding the demo lakehouse at its smallest useful size, with its history."""
    from neurolake.storage.demo import build_demo

    home = tmp_path_factory.mktemp("chat") / "home"
    platform = NeuroLake.from_settings(load_settings(home=home, environment="test"))
    try:
        build_demo(platform.storage, orders=DEMO_ORDERS)
    finally:
        platform.close()
    return home


@pytest.fixture(scope="session")
def demo(demo_home: Path) -> Iterator[NeuroLake]:
    """The platform over the demo home (the engine and catalog; the tests never open vectors)."""
    platform = NeuroLake.from_settings(load_settings(home=demo_home, environment="test"))
    yield platform
    platform.close()


@pytest.fixture(scope="session")
def run(demo: NeuroLake):  # type: ignore[no-untyped-def]
    """Run SQL on the demo's engine, uncached: ``run("SELECT ...")`` -> QueryResult."""

    def execute(sql: str, **options: object) -> QueryResult:
        return demo.engine.execute_sql(sql, use_cache=False, **options)  # type: ignore[arg-type]

    return execute


# -- the chat server and the browser (tests/app/test_browser.py) ------------------------------

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
ASSISTANT = '[data-step-type="assistant_message"]'
USER = '[data-step-type="user_message"]'
#: The welcome message: the first assistant message of a conversation.
WELCOME = f'{ASSISTANT} [id^="step-"]'
#: An attribute the tests put on a new chat's welcome message. After a new chat's first message
#: with text, Chainlit moves the chat from ``/`` to ``/thread/<id>`` (after refreshing the thread
#: list: on a slow machine, when the first answer is already shown) and draws it all anew there;
#: the marked message is gone once the new drawing is in place.
NEW_CHAT_MARK = "data-nl-new-chat"
GUARDED_PASSWORD = "correct horse battery"
#: Seconds the server may take to start and warm up (imports and the embedding model, on 2 cores).
START_TIMEOUT_S = 240


@dataclass
class ChatServer:
    """A running ``neurolake chat`` process and where it listens."""

    url: str
    home: Path
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def launch_chat(home: Path, folder: Path, *, name: str, **env: str) -> ChatServer:
    """Start the real ``neurolake chat --headless`` on a free loopback port (without waiting)."""
    port = free_port()
    SCREENSHOTS.mkdir(exist_ok=True)
    log = SCREENSHOTS / f"{name}.log"  # kept after the run, next to the screenshots
    variables = {k: v for k, v in os.environ.items() if not k.startswith(("NEUROLAKE_", "CHAINLIT_"))}
    variables.pop("OPENAI_API_KEY", None)
    variables.pop("ANTHROPIC_API_KEY", None)
    variables.update({"NEUROLAKE_HOME": str(home), "NEUROLAKE_ENVIRONMENT": "test", **env})
    command = [str(Path(sys.executable).parent / "neurolake"), "chat", "--headless", "--host", "127.0.0.1"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--port", str(port)], cwd=folder, env=variables, stdout=out, stderr=subprocess.STDOUT
        )
    return ChatServer(f"http://127.0.0.1:{port}", home, process, log)


def wait_ready(server: ChatServer, path: str) -> ChatServer:
    """Wait until ``path`` answers 200; fail with the server's log when it exits or times out."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"neurolake chat exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url + path, timeout=2) as response:
                # /neurolake/ready answers before the embedding model has loaded: the tests wait
                # for it too, so an answer never depends on how fast the model loaded.
                if response.status == 200 and b'"loading"' not in response.read():
                    return server
        except OSError:
            pass
        time.sleep(0.5)
    stop_chat(server)
    pytest.fail(f"neurolake chat was not ready within {START_TIMEOUT_S} s:\n{server.log_tail()}")


def stop_chat(server: ChatServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)


@pytest.fixture(scope="session")
def chat_servers(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ChatServer]]:
    """Two chats started side by side (their start-ups overlap): ``open`` over the demo, warmed
    up, and ``guarded``, a password-protected one over an empty lakehouse."""
    guarded_folder = tmp_path_factory.mktemp("guarded")
    servers = {
        "open": launch_chat(demo_home, tmp_path_factory.mktemp("chat-server"), name="chat-server"),
        "guarded": launch_chat(
            guarded_folder / "home",
            guarded_folder,
            name="chat-server-login",
            NEUROLAKE_CHAT__ADMIN_PASSWORD=GUARDED_PASSWORD,
            NEUROLAKE_CHAT__AUTH_SECRET="a-signing-key-for-the-tests-only-0123456789",
        ),
    }
    try:
        wait_ready(servers["guarded"], "/health")  # the login page needs no warm model
        wait_ready(servers["open"], "/neurolake/ready")
        yield servers
    finally:
        for server in servers.values():
            stop_chat(server)


@pytest.fixture(scope="session")
def chat_server(chat_servers: dict[str, ChatServer]) -> ChatServer:
    """The chat over the demo lakehouse, open (no password), warmed up."""
    return chat_servers["open"]


@pytest.fixture(scope="session")
def guarded_server(chat_servers: dict[str, ChatServer]) -> ChatServer:
    """A chat over an empty lakehouse with ``GUARDED_PASSWORD`` for the ``admin`` user."""
    return chat_servers["guarded"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def browser_tab(browser: Any, chat_server: ChatServer) -> Iterator[Any]:
    """One signed-in tab on the chat, shared by a module's tests (loading the page costs seconds)."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(60_000)
    tab = context.new_page()
    tab.goto(chat_server.url)
    tab.get_by_text("Welcome to NeuroLake.").wait_for()
    yield tab
    context.close()


@pytest.fixture
def page(browser_tab: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The tab in a new conversation (the "new chat" button), past its welcome message.

    Saves a screenshot named after the test in tests/app/screenshots/ (git ignores it).
    """
    welcome = browser_tab.locator(WELCOME).first
    if browser_tab.locator(f"{ASSISTANT} >> nth=1").count() or browser_tab.locator(USER).count():
        old = welcome.get_attribute("id")
        browser_tab.locator("#new-chat-button").click()
        browser_tab.wait_for_function(
            "([selector, old]) => { const w = document.querySelector(selector); return w && w.id !== old; }",
            arg=[WELCOME, old],
        )
    welcome.wait_for()
    welcome.evaluate(f"message => message.setAttribute('{NEW_CHAT_MARK}', '')")
    try:
        yield browser_tab
    finally:
        SCREENSHOTS.mkdir(exist_ok=True)
        browser_tab.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"))
        for extra in browser_tab.context.pages[1:]:
            extra.close()
