"""Start-up of the ``neurolake`` command line: whole processes against ``python -c pass``.

Each command runs as its own process, round-robin with the baseline so a busy machine slows
every figure alike; prints the median and best seconds, the peak memory, the ratio of the
medians to the baseline's, and the target each command has (issue 20). Nothing is asserted.

    .venv/bin/python bench/cli_startup.py [--repeat 7] [--home DIR]

Without ``--home`` the demo lakehouse is built once in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

NEUROLAKE = Path(sys.executable).with_name("neurolake")


@dataclass
class Command:
    label: str
    argv: list[str]
    #: Seconds the median must stay under (issue 20), None for the baseline.
    target_s: float | None
    seconds: list[float] = field(default_factory=list)
    peak_kib: list[int] = field(default_factory=list)


def commands() -> list[Command]:
    nl = str(NEUROLAKE)
    helps = ["sql", "ask", "serve", "chat", "demo", "tables", "users", "pipelines", "stats"]
    return [
        Command("python -c pass", [sys.executable, "-c", "pass"], None),
        Command("neurolake --help", [nl, "--help"], 0.3),
        *(Command(f"neurolake {name} --help", [nl, name, "--help"], 0.3) for name in helps),
        Command("neurolake sql (demo)", [nl, "sql", "SELECT count(*) FROM customers"], 0.8),
        Command("neurolake ask (demo)", [nl, "ask", "top 5 products by revenue"], 1.2),
    ]


def run_once(command: Command, env: dict[str, str]) -> None:
    started = time.perf_counter()
    process = subprocess.Popen(command.argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{command.label} failed ({process.returncode}): {error.strip()}")
    command.seconds.append(elapsed)
    command.peak_kib.append(usage.ru_maxrss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="Runs of each command (the median is reported).")
    parser.add_argument("--home", type=Path, help="A NEUROLAKE_HOME holding the demo (default: build one).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="neurolake-startup-") as scratch:
        home = args.home or Path(scratch) / "home"
        env = {**os.environ, "NEUROLAKE_HOME": str(home)}
        if args.home is None:
            subprocess.run([str(NEUROLAKE), "demo", "--orders", "2000"], env=env, check=True, capture_output=True)
        table = commands()
        for command in table:  # warm the file cache: the first run of anything reads it from disk
            run_once(command, env)
            command.seconds.clear()
            command.peak_kib.clear()
        for _ in range(args.repeat):
            for command in table:
                run_once(command, env)
    report(table, args.repeat)


def report(table: list[Command], repeat: int) -> None:
    base = statistics.median(table[0].seconds)
    print(f"{repeat} runs each, round-robin; load average {os.getloadavg()[0]:.2f} at the end")
    print(f"{'command':<28} {'median s':>9} {'best s':>7} {'peak MiB':>9} {'x pass':>7} {'target s':>9}  met")
    for command in table:
        median = statistics.median(command.seconds)
        target = "" if command.target_s is None else f"{command.target_s:.1f}"
        met = "" if command.target_s is None else ("yes" if median <= command.target_s else "NO")
        print(
            f"{command.label:<28} {median:>9.3f} {min(command.seconds):>7.3f} "
            f"{statistics.median(command.peak_kib) / 1024:>9.0f} {median / base:>7.1f} {target:>9}  {met}"
        )


if __name__ == "__main__":
    main()
