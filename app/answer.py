"""One turn of the conversation as the page shows it: text, SQL, table, chart, plan, versions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot.tokens import Tokenizer, TokenType

from app.charts import chart_figure
from app.escaping import code_block, escape_lines, inline_code
from app.tables import ResultTable, result_table

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from neurolake.conversation import Turn


#: How an answer that failed begins (the browser tests stop waiting for a table when they see it).
NOT_ANSWERED = "I could not answer that."


@dataclass(frozen=True)
class AnswerView:
    """Everything one answer shows; built off the event loop (pandas and plotly work)."""

    markdown: str
    table: ResultTable | None = None
    figure: go.Figure | None = None
    plan: str | None = None
    csv_name: str | None = None


def pretty_sql(sql: str) -> str:
    """The SQL with each top-level clause on its own line; only whitespace changes.

    The text that runs is shown (a reformatter would rewrite ``VERSION AS OF``); breaking
    lines before FROM, WHERE, GROUP BY... at parenthesis depth 0 keeps it readable.
    """
    text = sql.strip()
    try:
        tokens = Tokenizer().tokenize(text)
    except sqlglot.errors.SqlglotError:
        return text
    breaks: list[int] = []
    depth = 0
    previous: TokenType | None = None
    for token in tokens:
        if token.token_type is TokenType.L_PAREN:
            depth += 1
        elif token.token_type is TokenType.R_PAREN:
            depth = max(depth - 1, 0)
        elif depth == 0 and _starts_clause(token.token_type, previous):
            breaks.append(token.start)
        previous = token.token_type
    out, last = [], 0
    for start in breaks:
        out.append(text[last:start].rstrip(" \t"))
        last = start
    out.append(text[last:])
    return "\n".join(part for part in out if part)


_CLAUSES = {
    TokenType.FROM,
    TokenType.WHERE,
    TokenType.GROUP_BY,
    TokenType.HAVING,
    TokenType.ORDER_BY,
    TokenType.LIMIT,
    TokenType.UNION,
    TokenType.QUALIFY,
}
_JOIN_WORDS = {TokenType.INNER, TokenType.LEFT, TokenType.RIGHT, TokenType.FULL, TokenType.CROSS, TokenType.OUTER}


def _starts_clause(kind: TokenType, previous: TokenType | None) -> bool:
    if kind is TokenType.FROM:
        return previous is not TokenType.DISTINCT  # IS DISTINCT FROM stays on its line
    if kind in _CLAUSES:
        return True
    if kind in _JOIN_WORDS or kind is TokenType.JOIN:
        return previous not in _JOIN_WORDS and previous is not TokenType.NATURAL
    return False


def versions_line(table_versions: Mapping[str, Any]) -> str | None:
    """``Read `orders` v3, `customers` v1`` from table name -> version (or list of versions)."""
    if not table_versions:
        return None
    parts = []
    for name, version in sorted(table_versions.items()):
        versions = version if isinstance(version, list | tuple) else [version]
        parts.append(f"{inline_code(str(name))} v{', v'.join(str(v) for v in versions)}")
    return "Read " + ", ".join(parts)


def metrics_line(turn: Turn) -> str | None:
    """How long the query took and whether the cache answered it."""
    result = turn.result
    if result is None:
        return None
    metrics = result.metrics
    text = f"{metrics.duration_ms:,.0f} ms"
    if metrics.cache_hit:
        text += ", from the cache"
    return text


def csv_file_name(turn: Turn) -> str:
    """A download name from the question: ``revenue-by-country.csv``."""
    slug = re.sub(r"[^a-z0-9]+", "-", (turn.question or "result").lower()).strip("-")[:60].strip("-")
    return f"{slug or 'result'}.csv"


def answer_view(turn: Turn, *, as_of: str | None = None) -> AnswerView:
    """The view of a finished turn (not a clarification); errors become a friendly note.

    ``as_of`` is the time travel in force, as Markdown (``AsOf.describe()``).
    """
    parts: list[str] = []
    if turn.error is not None:
        parts.append(f"**{NOT_ANSWERED}** " + escape_lines(turn.message or "Something went wrong."))
    elif turn.message:
        parts.append(escape_lines(turn.message))
    if turn.sql:
        parts.append(code_block(pretty_sql(turn.sql), "sql"))
    table = result_table(turn.result) if turn.result is not None and turn.error is None else None
    if table is not None:
        facts = [table.summary()]
        metrics = metrics_line(turn)
        if metrics:
            facts.append(metrics)
        parts.append(" · ".join(facts))
    versions = versions_line(turn.table_versions)
    if versions:
        parts.append(versions + (f" (time travel: {as_of})" if as_of else ""))
    figure = chart_figure(turn.result, turn.chart) if table is not None and turn.result is not None else None
    return AnswerView(
        markdown="\n\n".join(parts) or "Done.",
        table=table,
        figure=figure,
        plan=turn.plan if turn.error is None else None,
        csv_name=csv_file_name(turn) if table is not None else None,
    )
