"""``neurolake --help`` and each ``COMMAND --help`` load the command line only: no heavy library.

Checked by the modules a real process holds after printing the help (``sys.modules``), not by
time; bench/cli_startup.py measures the time.
"""

from __future__ import annotations

import json
import subprocess
import sys

#: Libraries only the commands that use them may import (each costs 50 ms to seconds).
HEAVY = (
    "torch",
    "sentence_transformers",
    "pyspark",
    "chainlit",
    "langgraph",
    "langchain_core",
    "sqlalchemy",
    "alembic",
    "pydantic_settings",
    "duckdb",
    "deltalake",
    "pyarrow",
    "pandas",
    "sqlglot",
    "qdrant_client",
    "redis",
    "fastapi",
    "uvicorn",
    "prometheus_client",
)

#: Prints each ``--help`` of the command lines given, then the heavy modules the process loaded.
PROBE = """
import json, sys
from neurolake.cli import main
commands, heavy = json.loads(sys.argv[1]), set(json.loads(sys.argv[2]))
for argv in commands:
    sys.argv = ["neurolake", *argv, "--help"]
    try:
        main()
    except SystemExit:
        pass
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules} & heavy)), file=sys.stderr)
"""

COMMANDS = [
    [],
    ["sql"],
    ["ask"],
    ["serve"],
    ["chat"],
    ["demo"],
    ["ingest"],
    ["tables"],
    ["describe"],
    ["explain"],
    ["history"],
    ["stats"],
    ["config", "show"],
    ["db", "upgrade"],
    ["users", "create"],
    ["cache", "warm"],
    ["prompts", "test"],
    ["pipelines", "create"],
]


def heavy_loaded(commands: list[list[str]]) -> list[str]:
    """The heavy libraries a real process holds after printing the help of each of ``commands``."""
    shown = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(commands), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.stdout.count("Usage:") == len(commands), shown.stdout + shown.stderr
    return json.loads(shown.stderr.strip().splitlines()[-1])


def test_root_help_imports_no_heavy_library() -> None:
    assert heavy_loaded([[]]) == []


def test_every_command_help_imports_no_heavy_library() -> None:
    # One process prints them all (the suite's time); what one help loads, the next keeps.
    assert heavy_loaded(COMMANDS) == []
