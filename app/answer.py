"""One turn of the conversation as the page shows it: text, SQL, table, chart, plan, versions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot.tokens import Tokenizer, TokenType

from app.arrangement import arrange
from app.charts import chart_figure
from app.clarification import in_words
from app.escaping import code_block, escape_lines, escape_markdown, inline_code
from app.labels import ColumnLabels
from app.summary import single_value_markdown, summary_line
from app.tables import ResultTable, result_table
from neurolake.conversation.missing import reading_label
from neurolake.intent.model import Filter, Intent

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from neurolake.conversation import Turn


#: How an answer that failed begins (the browser tests stop waiting for a table when they see it).
NOT_ANSWERED = "I could not answer that."


@dataclass(frozen=True)
class AnswerView:
    """Everything one answer shows; built off the event loop (pandas and plotly work).

    ``markdown`` is the message: the summary in words (or a single value as a large number),
    notes, and the context the answer ran in. ``how`` goes in the collapsed "How I got this"
    group: the reading, the SQL, timings, the tables and versions read; ``plan`` beside it.
    """

    markdown: str
    how: str | None = None
    table: ResultTable | None = None
    figure: go.Figure | None = None
    plan: str | None = None
    csv_name: str | None = None
    #: The filters, period and time travel the answer ran with ("" when none): a reset is offered.
    context: str = ""


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


def answer_view(turn: Turn, *, as_of: str | None = None, named: str = "") -> AnswerView:
    """The view of a finished turn (not a clarification); errors become a friendly note.

    ``as_of`` is the time travel in force, as Markdown (``AsOf.describe()``); ``named`` is how
    earlier questions named the same measures ("revenue"), so a follow-up keeps the header.
    """
    intent = dict(turn.intent or {})
    failed = turn.error is not None
    result = turn.result if not failed else None
    labels = ColumnLabels(intent, f"{named} {turn.question}".strip())
    parts: list[str] = []
    table = figure = None
    if failed:
        parts.append(f"**{NOT_ANSWERED}** " + escape_lines(turn.message or "Something went wrong."))
    elif result is None or not result.columns:
        if turn.message:
            parts.append(escape_lines(turn.message))
        if turn.plan and not turn.result:
            parts.append(code_block(turn.plan, "text"))  # "show the query plan": the plan is the answer
    else:
        arranged = arrange(result, turn.chart, turn.sql, intent)
        x = (turn.chart or {}).get("x")
        x_labels = arranged.row_labels.get(x) if isinstance(x, str) else None
        single = single_value_markdown(result, labels)
        if single is not None:
            parts.append(single)
        elif not result.row_count:
            reading = reading_words(intent)
            said = f" (read as: {reading})" if reading else ""
            parts.append(escape_markdown(f"No rows match{said}. Try a wider period or fewer filters."))
        else:
            parts.append(escape_markdown(summary_line(result, turn.chart, labels, arranged.order, x_labels) or ""))
            if result.row_count:
                table = result_table(
                    result, labels=labels, order=arranged.order, hidden=arranged.hidden, row_labels=arranged.row_labels
                )
                figure = chart_figure(result, turn.chart, order=arranged.order, labels=labels, x_labels=x_labels)
        if table is not None and (table.truncated or table.shown_rows < table.rows):
            parts.append(table.summary())
        parts += [escape_lines(note) for note in turn.notes]
    context = context_line(intent, as_of) if not failed else ""
    if context:
        parts.append(context)
    return AnswerView(
        markdown="\n\n".join(parts) or "Done.",
        how=how_markdown(turn, as_of) if not failed or turn.sql else None,
        table=table,
        figure=figure,
        plan=turn.plan if not failed and turn.result is not None else None,
        csv_name=csv_file_name(turn) if table is not None else None,
        context=context,
    )


def how_markdown(turn: Turn, as_of: str | None = None) -> str:
    """The "How I got this" group: the reading, the SQL, the row count and timing, the versions read."""
    parts: list[str] = []
    reading = reading_words(turn.intent)
    if reading:
        parts.append(f"**Read as:** {escape_markdown(reading)}")
    if turn.sql:
        parts.append(code_block(pretty_sql(turn.sql), "sql"))
    if turn.result is not None and turn.error is None:
        facts = [f"{turn.result.row_count:,} row{'' if turn.result.row_count == 1 else 's'}"]
        metrics = metrics_line(turn)
        if metrics:
            facts.append(metrics)
        parts.append(" · ".join(facts))
    versions = versions_line(turn.table_versions)
    if versions:
        parts.append(versions + (f" (time travel: {as_of})" if as_of else ""))
    return "\n\n".join(parts) or "Nothing was run."


def reading_words(intent: Mapping[str, Any] | None) -> str | None:
    """The reading of the question in words ("sum of total amount by country 2024"), if it had one."""
    parsed = parsed_intent(intent)
    if parsed is None or not parsed.tables:
        return None
    return in_words(reading_label(parsed))


def parsed_intent(intent: Mapping[str, Any] | None) -> Intent | None:
    """The turn's intent summary as an ``Intent`` again (None when it has none or cannot be read)."""
    if not intent:
        return None
    try:
        return Intent.model_validate({k: v for k, v in intent.items() if k != "ambiguities"})
    except ValueError:
        return None


def context_line(intent: Mapping[str, Any], as_of: str | None) -> str:
    """ "Context: country is 'Germany' · 2023 · time travel: ..." for an answer that ran with any."""
    parsed = parsed_intent(intent)
    parts: list[str] = []
    if parsed is not None:
        parts += [condition_words(f) for f in parsed.filters]
        if parsed.time_range is not None and parsed.time_range.label:
            parts.append(parsed.time_range.label)
        travel = parsed.time_travel
        if travel is not None and as_of is None:
            parts.append(
                f"as of version {travel.version}" if travel.version is not None else f"as of {travel.timestamp}"
            )
    shown = [escape_markdown(p) for p in parts]
    if as_of:
        shown.append(f"time travel: {as_of}")
    return ("_Context:_ " + " · ".join(shown)) if shown else ""


_OPS = {"=": "is", "!=": "is not", ">": "over", ">=": "at least", "<": "below", "<=": "at most", "in": "is one of",
        "not_in": "is none of", "like": "contains", "starts_with": "starts with", "ends_with": "ends with"}  # fmt: skip


def condition_words(condition: Filter) -> str:
    """A filter as a person says it: "country is Germany"."""
    column = in_words(condition.column.rsplit(".", 1)[-1])
    if condition.op in ("is_null", "not_null"):
        return f"{column} is {'empty' if condition.op == 'is_null' else 'not empty'}"
    if condition.subquery is not None:
        return f"{column} {_OPS.get(condition.op, condition.op)} a computed value"
    value = condition.value
    shown = " and ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
    return f"{column} {_OPS.get(condition.op, condition.op)} {shown}"
