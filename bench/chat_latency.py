"""The chat's speed as a person sees it: start-up, and 50 turns from send to the rendered table.

Builds the demo lakehouse in a temporary home (embedded defaults), starts the real
``neurolake chat --headless`` on a free port, and drives Debian's Chromium (Playwright):

1. start-up: seconds from launch to the page, to ``/neurolake/ready`` (200), to the first
   answer of a question sent as soon as the page shows its welcome (not waiting for ready),
   and to the embedding model being loaded (``/neurolake/ready``'s ``"models"``);
2. one conversation of ``--turns`` turns (new questions and follow-ups, cycled): for each, the
   milliseconds from the click on send to the answer's table rows in the page (measured in
   the page; a turn whose answer has no table ends when its run ends, marked ``-``), then
   p50/p95 of turns 1-10 and of the last 10.

With ``--restart`` the chat is started again on the same home (the index already built) and
the start-up figures are taken once more. Nothing is asserted: this prints figures.

    PYTHONPATH=$PWD .venv/bin/python bench/chat_latency.py [--turns 50] [--orders 120000] [--restart]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
READY = "/neurolake/ready"
ASSISTANT = '[data-step-type="assistant_message"]'
USER = '[data-step-type="user_message"]'
#: Seconds start-up may take before the bench gives up (a loaded 2-core machine is slow, not stuck).
START_LIMIT_S = 300
#: Milliseconds one answer may take before the bench gives up on it.
ANSWER_LIMIT_MS = 120_000
#: A conversation an analyst might have on the demo: new questions, each followed by follow-ups.
QUESTIONS = [
    "revenue by country",
    "only Germany",
    "now by month",
    "top 3",
    "how many customers are there",
    "orders by status",
    "top 5 products by revenue",
    "average order value by country",
    "sort ascending",
    "revenue by category",
    "revenue by category in 2024",
    "what about 2023?",
    "number of orders per month",
    "customers by country",
    "top 10 customers by revenue",
    "average price by category",
    "revenue by month in 2024",
    "count of orders by year",
    "how many products are there",
    "how many orders per status",
]
#: Sends the composer's text and resolves with the milliseconds until the answer is shown:
#: its table's rows, or (an answer without a table) the end of the run plus a quiet second.
#: The answer is looked for after the question's own message: counting messages would go wrong
#: when the chat takes an old turn off the page, or draws a new chat again on its thread's page.
_SEND_AND_TIME = """([answers, questions, question, limitMs]) => new Promise((resolve) => {
    document.querySelectorAll(questions).forEach(m => m.setAttribute('data-bench-seen', ''));
    const start = performance.now();
    let runEnded = null;
    document.querySelector('#chat-submit').click();
    const check = () => {
        const now = performance.now();
        const asked = [...document.querySelectorAll(questions)].pop();
        const ours = asked && !asked.hasAttribute('data-bench-seen') && asked.innerText.includes(question);
        const messages = !ours ? [] : [...document.querySelectorAll(answers)].filter(
            m => asked.compareDocumentPosition(m) & Node.DOCUMENT_POSITION_FOLLOWING);
        if (messages.some(m => m.querySelector('.dataframe tbody tr'))) {
            return resolve({ms: now - start, table: true});
        }
        const running = !!document.querySelector('#stop-button');
        if (!running && messages.length && runEnded === null) runEnded = now;
        if (running || !messages.length) runEnded = null;
        if (runEnded !== null && now - runEnded > 1000) return resolve({ms: runEnded - start, table: false});
        if (now - start > limitMs) return resolve({ms: now - start, table: false, timeout: true});
        setTimeout(check, 10);
    };
    check();
})"""


@dataclass
class Startup:
    page_s: float | None = None
    ready_s: float | None = None
    first_answer_s: float | None = None
    models_s: float | None = None


@dataclass
class Turn:
    number: int
    question: str
    ms: float
    table: bool
    timeout: bool = False


@dataclass
class Chat:
    process: subprocess.Popen[bytes]
    url: str
    started: float
    log: Path
    notes: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


#: The code the chat runs: this checkout unless ``--checkout`` names another (to compare branches).
CHECKOUT = Path(__file__).resolve().parents[1]


def environment(home: Path, checkout: Path = CHECKOUT) -> dict[str, str]:
    """The checkout first on the path, the temporary home, no keys: the embedded defaults."""
    repo = str(checkout)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEUROLAKE_", "CHAINLIT_"))}
    env.pop("OPENAI_API_KEY", None)
    env.pop("ANTHROPIC_API_KEY", None)
    env["PYTHONPATH"] = os.pathsep.join([repo, *filter(None, [env.get("PYTHONPATH")])])
    env["NEUROLAKE_HOME"] = str(home)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # another checkout is only read
    return env


def neurolake() -> str:
    return str(Path(sys.executable).parent / "neurolake")


def build_demo(home: Path, orders: int, checkout: Path = CHECKOUT) -> None:
    subprocess.run(
        [neurolake(), "demo", "--orders", str(orders)],
        env=environment(home, checkout),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def launch(home: Path, folder: Path, log: Path, checkout: Path = CHECKOUT) -> Chat:
    port = free_port()
    command = [neurolake(), "chat", "--headless", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        started = time.monotonic()
        process = subprocess.Popen(
            command, cwd=folder, env=environment(home, checkout), stdout=out, stderr=subprocess.STDOUT
        )
    return Chat(process, f"http://127.0.0.1:{port}", started, log)


def stop(chat: Chat) -> None:
    chat.process.terminate()
    try:
        chat.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        chat.process.kill()
        chat.process.wait(timeout=10)


def get(url: str) -> tuple[int, dict[str, Any]]:
    """Status and JSON body of a GET (0 when nothing answers yet)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, _json(response.read())
    except urllib.error.HTTPError as e:
        return e.code, _json(e.read())
    except OSError:
        return 0, {}


def _json(body: bytes) -> dict[str, Any]:
    try:
        found = json.loads(body)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def alive(chat: Chat) -> None:
    if chat.process.poll() is not None:
        tail = "\n".join(chat.log.read_text(errors="replace").splitlines()[-30:])
        raise SystemExit(f"neurolake chat exited with {chat.process.returncode}:\n{tail}")


def wait_for_page(chat: Chat, startup: Startup) -> None:
    deadline = chat.started + START_LIMIT_S
    while time.monotonic() < deadline:
        alive(chat)
        if get(chat.url + "/")[0] == 200:
            startup.page_s = time.monotonic() - chat.started
            return
        time.sleep(0.1)
    raise SystemExit(f"the chat page did not answer within {START_LIMIT_S} s")


def poll_ready(chat: Chat, startup: Startup) -> bool:
    """One look at /ready; True once ready and the models are loaded (or the chat does not say)."""
    status, body = get(chat.url + READY)
    now = time.monotonic() - chat.started
    if status == 200 and startup.ready_s is None:
        startup.ready_s = now
    models = body.get("models")
    if status == 200 and startup.models_s is None and models in (None, "loaded", "failed"):
        startup.models_s = now
    return startup.ready_s is not None and startup.models_s is not None


def wait_until_warm(chat: Chat, startup: Startup) -> None:
    deadline = chat.started + START_LIMIT_S
    while not poll_ready(chat, startup):
        alive(chat)
        if time.monotonic() > deadline:
            raise SystemExit(f"the chat was not ready within {START_LIMIT_S} s")
        time.sleep(0.1)


def open_chat(browser: Any, url: str) -> Any:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(START_LIMIT_S * 1000)
    page.goto(url)
    page.get_by_text("Welcome to NeuroLake.").wait_for()
    return page


def ask(page: Any, question: str) -> dict[str, Any]:
    """Send ``question`` once the previous run is over; the page's own timing of its answer."""
    page.locator("#stop-button").wait_for(state="detached", timeout=ANSWER_LIMIT_MS)
    page.locator("#chat-input").fill(question)
    page.locator("#chat-submit:not([disabled])").wait_for(timeout=ANSWER_LIMIT_MS)
    found: dict[str, Any] = page.evaluate(_SEND_AND_TIME, [ASSISTANT, USER, question, ANSWER_LIMIT_MS])
    return found


def measure_startup(browser: Any, home: Path, folder: Path, label: str, checkout: Path) -> tuple[Chat, Startup]:
    """Launch, open the page at once, ask as soon as the welcome shows; time each milestone."""
    chat = launch(home, folder, folder / f"chat-{label}.log", checkout)
    startup = Startup()
    wait_for_page(chat, startup)
    poll_ready(chat, startup)
    page = open_chat(browser, chat.url)
    poll_ready(chat, startup)
    answer = ask(page, QUESTIONS[0])
    startup.first_answer_s = time.monotonic() - chat.started
    if not answer.get("table"):
        chat.notes.append(f"the first answer ({QUESTIONS[0]!r}) showed no table")
    wait_until_warm(chat, startup)
    page.close()
    return chat, startup


def run_turns(browser: Any, chat: Chat, count: int) -> list[Turn]:
    page = open_chat(browser, chat.url)  # a new conversation
    turns = []
    for number in range(1, count + 1):
        question = QUESTIONS[(number - 1) % len(QUESTIONS)]
        found = ask(page, question)
        turn = Turn(number, question, float(found["ms"]), bool(found.get("table")), bool(found.get("timeout")))
        turns.append(turn)
        mark = "" if turn.table else ("  (timed out)" if turn.timeout else "  - no table")
        print(f"turn {number:2d}  {turn.ms:7.0f} ms  {question}{mark}", flush=True)
    page.close()
    return turns


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (p95 of 10 values is the largest)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def summarize(turns: list[Turn]) -> None:
    def line(name: str, chosen: list[Turn]) -> None:
        values = [t.ms for t in chosen]
        if not values:
            return
        tables = sum(t.table for t in chosen)
        print(
            f"{name:<12} p50 {statistics.median(values):6.0f} ms   p95 {percentile(values, 95):6.0f} ms   "
            f"max {max(values):6.0f} ms   ({tables}/{len(chosen)} with a table)"
        )

    line("turns 1-10", turns[:10])
    if len(turns) > 10:
        line(f"turns {len(turns) - 9}-{len(turns)}", turns[-10:])
    line("all turns", turns)


def show_startup(label: str, startup: Startup) -> None:
    def seconds(value: float | None) -> str:
        return f"{value:5.1f} s" if value is not None else "    - "

    print(
        f"{label:<14} page {seconds(startup.page_s)}   /ready {seconds(startup.ready_s)}   "
        f"first answer {seconds(startup.first_answer_s)}   models loaded {seconds(startup.models_s)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=50)
    parser.add_argument("--orders", type=int, default=120_000, help="orders in the demo lakehouse")
    parser.add_argument("--restart", action="store_true", help="time a second start on the same home too")
    parser.add_argument("--keep", action="store_true", help="keep the temporary home and logs")
    parser.add_argument("--checkout", type=Path, default=CHECKOUT, help="run the chat from this source tree")
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: `make browser` installs it")
    folder = Path(tempfile.mkdtemp(prefix="neurolake-chat-bench-"))
    home = folder / "home"
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}   cores: {os.cpu_count()}")
    checkout = options.checkout.resolve()
    print(f"checkout: {checkout}")
    build_demo(home, options.orders, checkout)
    results: dict[str, Startup] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            chat, results["first start"] = measure_startup(browser, home, folder, "first", checkout)
            try:
                turns = run_turns(browser, chat, options.turns)
            finally:
                stop(chat)
            if options.restart:
                again, results["second start"] = measure_startup(browser, home, folder, "second", checkout)
                stop(again)
            browser.close()
        print()
        for label, startup in results.items():
            show_startup(label, startup)
        for note in chat.notes:
            print("note:", note)
        summarize(turns)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if options.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
