"""Wide tables: the optimizer's cost as the column count doubles, and a whole ``SELECT *`` against
``--no-optimize``.

Part one times the engine's optimizer (``default_optimizer``) on a table of 1,250 to 10,000
columns, for a plain read and for a query its rules work on; a cost that grows linearly
doubles when the columns double (the ``x prev`` column). Part two, with ``--home`` naming a
NEUROLAKE_HOME that holds a table ``wide``, runs ``neurolake sql "SELECT * FROM wide LIMIT 1"``
as whole processes with and without ``--no-optimize``, alternating, and prints the ratio of the
medians. Nothing is asserted.

    .venv/bin/python bench/wide_tables.py [--repeat 3] [--home DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sqlglot import parse_one

from neurolake.engine.optimization import default_optimizer

QUERIES = {
    "plain read": "SELECT * FROM wide LIMIT 1",
    "filtered": "SELECT * FROM wide WHERE c0 > 1 AND 1 = 1 LIMIT 1",
}
WIDTHS = (1250, 2500, 5000, 10_000)


def optimizer_ms(sql: str, columns: int, repeat: int) -> float:
    schema = {"wide": {f"c{i}": "BIGINT" for i in range(columns)}}
    tree = parse_one(sql, read="duckdb")
    optimizer = default_optimizer()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        optimizer.optimize(tree, schema=schema, row_counts={"wide": 3})
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def whole_process(home: Path, repeat: int) -> None:
    neurolake = str(Path(sys.executable).with_name("neurolake"))
    env = {**os.environ, "NEUROLAKE_HOME": str(home)}
    runs: dict[str, list[float]] = {"--no-optimize": [], "optimized": []}
    for _ in range(repeat):
        for label in runs:
            argv = [neurolake, "sql", QUERIES["plain read"], "--no-cache"]
            started = time.perf_counter()
            subprocess.run(
                [*argv, "--no-optimize"] if label == "--no-optimize" else argv, env=env, check=True, capture_output=True
            )
            runs[label].append(time.perf_counter() - started)
    base = statistics.median(runs["--no-optimize"])
    for label, seconds in runs.items():
        median = statistics.median(seconds)
        print(f"neurolake sql 'SELECT * FROM wide LIMIT 1' {label:<13} {median:7.2f} s  x{median / base:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--home", type=Path, help="A NEUROLAKE_HOME with a table `wide` (whole-process part).")
    args = parser.parse_args()
    print(f"{'query':<12} {'columns':>8} {'optimizer ms':>13} {'x prev':>7}")
    for label, sql in QUERIES.items():
        previous = None
        for columns in WIDTHS:
            ms = optimizer_ms(sql, columns, args.repeat)
            growth = "" if previous is None else f"{ms / previous:.2f}"
            print(f"{label:<12} {columns:>8} {ms:>13.1f} {growth:>7}")
            previous = ms
    if args.home is not None:
        whole_process(args.home, args.repeat)


if __name__ == "__main__":
    main()
