"""Slash commands typed in the chat: ``/tables``, ``/describe``, ``/sql``, ``/asof``..."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

#: Each command, its argument and what it does (``/help`` prints this).
COMMANDS: dict[str, tuple[str, str]] = {
    "tables": ("", "list the tables with their row counts and versions"),
    "describe": ("TABLE", "the columns and types of a table"),
    "history": ("", "the questions asked in this conversation and their SQL"),
    "sql": ("QUERY", "run a read-only SQL query as typed"),
    "explain": ("QUERY", "show the plan of a SQL query without running it"),
    "asof": (
        "[TABLE] VERSION_OR_TIMESTAMP",
        "ask the next questions against an older version (`/asof orders 3`, `/asof 2024-06-01`, `/asof off`)",
    ),
    "stats": ("[HOURS]", "your queries, failures, latency and cache hit rate (default: the last 24 hours)"),
    "help": ("", "this list"),
}


@dataclass(frozen=True)
class Command:
    """A command and the text after it; ``name`` is ``unknown`` for a command we do not have."""

    name: str
    argument: str = ""
    typed: str = ""


def parse_command(text: str) -> Command | None:
    """The command ``text`` types, or None when it is a question."""
    stripped = text.strip()
    match = re.match(r"^/([A-Za-z_]+)\b\s*(.*)$", stripped, re.DOTALL)
    if match is None:
        return None
    name = match.group(1).lower()
    return Command(name if name in COMMANDS else "unknown", match.group(2).strip(), match.group(1))


def help_markdown() -> str:
    """The list of commands as Markdown."""
    lines = ["**Commands**", ""]
    for name, (argument, what) in COMMANDS.items():
        usage = f"/{name} {argument}".strip()
        lines.append(f"- `{usage}`: {what}")
    lines += ["", "Anything else is a question about your data, in plain English."]
    return "\n".join(lines)


@dataclass(frozen=True)
class AsOf:
    """Which past state the next questions read: a version or a point in time, of one table or all."""

    table: str | None = None
    version: int | None = None
    timestamp: str | None = None

    def describe(self) -> str:
        which = f"`{self.table}`" if self.table else "every table"
        when = f"version {self.version}" if self.version is not None else f"{self.timestamp}"
        return f"{which} as of {when}"

    def to_dict(self) -> dict[str, object]:
        return {"table": self.table, "version": self.version, "timestamp": self.timestamp}


_OFF = {"off", "latest", "now", "current", "reset", "none", "clear"}


def parse_asof(argument: str) -> AsOf | None:
    """``/asof`` arguments: ``[TABLE] VERSION`` or ``[TABLE] TIMESTAMP``; ``off`` (None) goes back to now.

    Raises ValueError with a usage hint when the argument is neither.
    """
    words = argument.split()
    if not words or (len(words) == 1 and words[0].lower() in _OFF):
        return None
    table: str | None = None
    if not _is_version(words[0]) and not _is_timestamp(" ".join(words)):
        table, words = words[0], words[1:]
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", table):
            raise ValueError(f"{table!r} is not a table name.")
    point = " ".join(words)
    if len(words) == 1 and _is_version(words[0]):
        return AsOf(table=table, version=int(words[0].lstrip("vV")))
    if point and _is_timestamp(point):
        return AsOf(table=table, timestamp=point)
    raise ValueError(
        "Say which version or time: `/asof orders 3`, `/asof 2024-06-01`, `/asof orders 2024-06-01 12:00`, "
        "or `/asof off` to go back to the latest data."
    )


def _is_version(word: str) -> bool:
    return bool(re.fullmatch(r"[vV]?\d+", word))


def _is_timestamp(text: str) -> bool:
    candidate = text.strip().replace("Z", "+00:00")
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", candidate):
            date.fromisoformat(candidate)
            return True
        datetime.fromisoformat(candidate)
    except ValueError:
        return False
    return True
