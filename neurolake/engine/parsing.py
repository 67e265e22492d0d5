"""SQL text to one sqlglot tree, with errors a person can act on.

User SQL is read in DuckDB's dialect whatever the backend (the backend gets SQL generated
for its own dialect). Syntax errors carry line and column; several statements in one
request are refused; statements sqlglot cannot parse but whose first keyword changes state
(``EXPORT DATABASE``, ``CREATE SECRET``, ...) are refused rather than reported as typos.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from neurolake.engine.safety import READ_ONLY_HINT
from neurolake.errors import PermissionDeniedError, QueryValidationError

#: The dialect user SQL is written in.
DIALECT = "duckdb"

# First keywords of statements that change state; used only when sqlglot cannot parse.
_STATE_CHANGING_KEYWORDS = frozenset(
    {
        "ABORT", "ALTER", "ANALYZE", "ATTACH", "BEGIN", "CALL", "CHECKPOINT", "COMMENT", "COMMIT",
        "COPY", "CREATE", "DEALLOCATE", "DELETE", "DETACH", "DROP", "EXECUTE", "EXPORT", "FORCE",
        "GRANT", "IMPORT", "INSERT", "INSTALL", "LOAD", "MERGE", "PRAGMA", "PREPARE", "RESET",
        "REVOKE", "ROLLBACK", "SET", "START", "TRUNCATE", "UPDATE", "USE", "VACUUM",
    }
)  # fmt: skip


# Quoted strings, quoted names and comments (whose parentheses do not nest), or one parenthesis.
_NESTING_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/|[()]", re.DOTALL)


@dataclass(frozen=True)
class SqlLimits:
    """How long and how deeply nested SQL text may be before it is parsed at all."""

    max_chars: int = 100_000
    max_depth: int = 100


def check_limits(sql: str, limits: SqlLimits) -> None:
    """Refuse SQL longer or more deeply nested than ``limits``, with a cheap scan (no parsing).

    The parser recurses once per nesting level, so over-deep text would exhaust its stack.
    """
    if len(sql) > limits.max_chars:
        raise QueryValidationError(
            f"The query is {len(sql):,} characters long; the limit is {limits.max_chars:,}.",
            hint="Shorten it, or raise NEUROLAKE_ENGINE__MAX_SQL_CHARS.",
        )
    depth = 0
    for token in _NESTING_TOKENS.finditer(sql):
        if token.group() == "(":
            depth += 1
            if depth > limits.max_depth:
                raise QueryValidationError(
                    f"The query nests parentheses more than {limits.max_depth} deep.",
                    hint="Flatten it (a WITH clause names a subquery once), or raise NEUROLAKE_ENGINE__MAX_SQL_DEPTH.",
                )
        elif token.group() == ")":
            depth = max(depth - 1, 0)


def parse_statement(sql: str, limits: SqlLimits = SqlLimits()) -> exp.Expr:
    """The single statement in ``sql``.

    Raises QueryValidationError for empty, over-long, over-deep or malformed SQL (with line
    and column) and PermissionDeniedError for more than one statement.
    """
    if not sql or not sql.strip():
        raise QueryValidationError("The query is empty.", hint="Write one SQL statement, e.g. SELECT 1.")
    check_limits(sql, limits)
    try:
        trees = [tree for tree in sqlglot.parse(sql, read=DIALECT) if tree is not None]
    except ParseError as e:
        _refuse_state_changing(sql)
        raise syntax_error(e) from e
    except TokenError as e:
        raise QueryValidationError(f"Syntax error: {e}.") from e
    except RecursionError as e:  # nesting of another kind than parentheses
        raise QueryValidationError("The query is nested too deeply to read.", hint="Flatten it.") from e
    if not trees:
        raise QueryValidationError("The query is empty.", hint="Write one SQL statement, e.g. SELECT 1.")
    if len(trees) > 1:
        raise PermissionDeniedError(
            f"Only one statement per query is allowed; this text holds {len(trees)}.",
            hint="Send statements one at a time.",
        )
    return trees[0]


def explained_sql(sql: str, tree: exp.Expr | None = None) -> str | None:
    """For ``EXPLAIN <query>``, the query's text; None for any other statement.

    sqlglot keeps EXPLAIN as an unparsed command, so the inner statement is parsed on its
    own afterwards and checked like any other.
    """
    if tree is not None:
        if not (isinstance(tree, exp.Command) and str(tree.this).upper() == "EXPLAIN"):
            return None
        rest = str(tree.expression.name if tree.expression is not None else "")
    else:
        words = sql.split(None, 1)
        if not words or words[0].upper() != "EXPLAIN":
            return None
        rest = words[1] if len(words) > 1 else ""
    if rest.lstrip()[:7].upper() == "ANALYZE":
        raise QueryValidationError(
            "EXPLAIN ANALYZE is not supported.", hint="EXPLAIN shows the plan without running the query."
        )
    return rest


def syntax_error(error: ParseError) -> QueryValidationError:
    """A QueryValidationError pointing at the first problem sqlglot found."""
    first = error.errors[0] if error.errors else {}
    line, column = first.get("line"), first.get("col")
    description = str(first.get("description") or error).split("\n")[0].rstrip(".")
    near = str(first.get("highlight") or "").strip()
    where = f" at line {line}, column {column}" if line is not None else ""
    return QueryValidationError(
        f"Syntax error{where}: {description}" + (f" (near {near!r})." if near else "."),
        line=line,
        column=column,
    )


def _refuse_state_changing(sql: str) -> None:
    """Refuse unparseable text when any of its statements starts with a state-changing keyword."""
    try:
        tokens = Dialect.get_or_raise(DIALECT).tokenize(sql)
    except TokenError:
        return
    starts = [tokens[0]] if tokens else []
    starts += [tokens[i + 1] for i, t in enumerate(tokens[:-1]) if t.token_type == TokenType.SEMICOLON]
    for token in starts:
        keyword = token.text.upper()
        if keyword in _STATE_CHANGING_KEYWORDS:
            raise PermissionDeniedError(f"{keyword} statements are not allowed.", hint=READ_ONLY_HINT)
