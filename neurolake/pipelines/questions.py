"""A pipeline given as a question: turned into SQL once, through the intent parser."""

from __future__ import annotations

from typing import TYPE_CHECKING

from neurolake.errors import QueryValidationError

if TYPE_CHECKING:
    from neurolake.intent.parser import IntentParser


def sql_for_question(parser: IntentParser, question: str) -> str:
    """The SQL that answers ``question``, or QueryValidationError when it is ambiguous or unanswerable."""
    from neurolake.intent.model import IntentKind

    intent = parser.parse(question)
    if intent.refusal is not None or intent.kind is IntentKind.UNKNOWN:
        raise QueryValidationError(
            f"The question cannot become a pipeline: {intent.refusal or 'it was not understood'}.",
            hint="Rephrase it, or give the SQL instead.",
        )
    clarification = intent.clarification
    if clarification is not None:
        raise QueryValidationError(
            f"The question is ambiguous: {clarification.question}",
            hint=f"Say which: {'; '.join(clarification.options)}; or give the SQL instead.",
        )
    return parser.sql_for(intent)
