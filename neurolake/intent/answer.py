"""One question, answered: parse ─► clarify or refuse? ─► SQL ─► run through the engine.

This is what ``neurolake ask`` calls (and what the agent's nodes do step by step): the
SQL always goes through ``NeuroLakeEngine.execute_sql``, read-only, recorded in the
history with the question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from neurolake.errors import QueryExecutionError, QueryValidationError
from neurolake.intent.model import Clarification, Intent, IntentKind

if TYPE_CHECKING:
    from neurolake.engine import NeuroLakeEngine, QueryResult
    from neurolake.intent.parser import IntentParser


@dataclass
class Answer:
    """What asking produced: a result, a question back, or a refusal."""

    question: str
    intent: Intent
    sql: str | None = None
    result: QueryResult | None = None
    clarification: Clarification | None = None
    refusal: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``sql``, ``columns``, ``rows``, ``intent``, ``clarification`` and more."""
        from neurolake.engine.serialize import table_rows

        data: dict[str, Any] = {
            "question": self.question,
            "sql": self.sql,
            "columns": self.result.columns if self.result is not None else [],
            "rows": table_rows(self.result.table) if self.result is not None else [],
            "row_count": self.result.row_count if self.result is not None else 0,
            "truncated": self.result.truncated if self.result is not None else False,
            "intent": self.intent.summary(),
            "clarification": self.clarification.model_dump() if self.clarification is not None else None,
            "refusal": self.refusal,
        }
        if self.intent.schedule is not None:
            data["schedule"] = self.intent.schedule.model_dump()
        return data


class QuestionAnswerer:
    """Parser plus engine."""

    def __init__(self, parser: IntentParser, engine: NeuroLakeEngine) -> None:
        self.parser = parser
        self.engine = engine

    def answer(self, question: str, context: Intent | None = None, *, limit: int | None = None) -> Answer:
        """Parse ``question`` and, unless it needs a clarification or is refused, run its SQL."""
        intent = self.parser.parse(question, context)
        if intent.refusal is not None or intent.kind is IntentKind.UNKNOWN:
            return Answer(question, intent, refusal=intent.refusal or "I could not understand the question.")
        if intent.needs_clarification:
            return Answer(question, intent, clarification=intent.clarification)
        return self.run(question, intent, limit=limit)

    def run(self, question: str, intent: Intent, *, limit: int | None = None) -> Answer:
        """Generate and run the SQL of an intent (a resolved clarification, for example)."""
        sql = self.parser.sql_for(intent)
        try:
            result = self.engine.execute_sql(sql, limit=limit, question=question)
        except (QueryValidationError, QueryExecutionError) as e:
            # Reported as what it is: the engine's word on the SQL, not a problem with the question.
            return Answer(question, intent, sql=sql, refusal=f"The engine could not run the SQL of this reading: {e}")
        return Answer(question, intent, sql=sql, result=result)
