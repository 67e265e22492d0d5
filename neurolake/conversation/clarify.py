"""Questions back to the user, and their answers applied to the question that waits.

A ``PendingClarification`` is what a turn stores while it waits: the question shown, its
options (each with an id), and for each option the complete intent it stands for, so the
answer finishes the query; an ambiguity whose readings were run also keeps each option's
first rows (its preview), so a person picks by what they see. Three kinds exist:

- ``ambiguity``: the parser found two readings of a slot (``Intent.ambiguities``);
- ``confirm``: the parser is unsure (low confidence) and offers its best reading;
- ``columns``: a bare listing of a wide table ("show customers") asks which columns.

Answers are an option's id ("1"), its label ("order date"), or free text ("name and
country", or more words for the question).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from neurolake.errors import NeuroLakeError
from neurolake.intent.model import Intent, describe

if TYPE_CHECKING:
    from neurolake.engine import QueryResult
    from neurolake.intent.parser import IntentParser

log = logging.getLogger(__name__)

ClarificationKind = Literal["ambiguity", "confirm", "columns"]
#: The option of a ``confirm`` clarification that means "not that".
REPHRASE = "something else (I'll rephrase)"


class NotAnAnswerError(NeuroLakeError, ValueError):
    """The text does not answer the pending clarification."""

    status_code = 400


@dataclass
class PendingClarification:
    """A question waiting for the user's answer, with the intent behind each option."""

    kind: ClarificationKind
    question: str
    #: (id, label) pairs, in the order shown.
    options: list[tuple[str, str]]
    #: Option id to the intent it stands for (JSON); None means "the user will rephrase".
    choices: dict[str, dict[str, Any] | None]
    #: The intent the question is about (JSON).
    intent: dict[str, Any]
    #: For ``columns``: the table listed.
    table: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: Option id to its reading's first rows (``Preview`` as JSON); only options whose reading ran.
    previews: dict[str, dict[str, Any]] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        """What the user sees: ``{"question": ..., "options": [{"id", "label", "preview"?}]}``.

        ``preview`` (``{"columns", "rows", "row_count", "truncated"}``) is there only for an
        option whose reading was run; ``rephrase`` marks the option that means "none of these".
        """
        options = []
        for option_id, label in self.options:
            option: dict[str, Any] = {"id": option_id, "label": label}
            if option_id in self.previews:
                option["preview"] = self.previews[option_id]
            if self.choices.get(option_id) is None:
                option["rephrase"] = True
            options.append(option)
        return {"question": self.question, "options": options}

    def to_state(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "question": self.question,
            "options": [list(o) for o in self.options],
            "choices": self.choices,
            "intent": self.intent,
            "table": self.table,
            "extra": self.extra,
            "previews": self.previews,
        }

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> PendingClarification:
        return cls(
            kind=data["kind"],
            question=data["question"],
            options=[(str(i), str(label)) for i, label in data["options"]],
            choices=data["choices"],
            intent=data["intent"],
            table=data.get("table"),
            extra=data.get("extra") or {},
            # States saved before previews existed have none.
            previews={str(i): dict(p) for i, p in (data.get("previews") or {}).items()},
        )

    def option_for(self, answer: str) -> str | None:
        """The id of the option ``answer`` names (its id, its label, or a unique part of it)."""
        wanted = _norm(answer)
        if not wanted:
            return None
        for option_id, label in self.options:
            if wanted in (_norm(option_id), _norm(label)):
                return option_id
        if wanted.isdigit():
            return None
        partial = [i for i, label in self.options if wanted in _norm(label)]
        return partial[0] if len(partial) == 1 else None


def from_intent(intent: Intent) -> PendingClarification | None:
    """The clarification an intent asks for (its first ambiguity, or its low confidence)."""
    data = intent.model_dump(mode="json")
    if intent.ambiguities:
        first = intent.ambiguities[0]
        options = [(str(n), o.label) for n, o in enumerate(first.options, 1)]
        choices: dict[str, dict[str, Any] | None] = {
            str(n): o.intent.model_dump(mode="json") for n, o in enumerate(first.options, 1)
        }
        previews = {
            str(n): o.preview.model_dump(mode="json") for n, o in enumerate(first.options, 1) if o.preview is not None
        }
        return PendingClarification(
            "ambiguity", first.question, options, choices, data, extra={"slot": first.slot}, previews=previews
        )
    if intent.needs_clarification:
        best = intent.model_copy(update={"ambiguities": [], "confidence": 1.0})
        return PendingClarification(
            "confirm",
            f"I am not sure I understood {intent.question!r}. Did you mean {describe(intent)!r}?",
            [("1", describe(intent)), ("2", REPHRASE)],
            {"1": best.model_dump(mode="json"), "2": None},
            data,
        )
    return None


def with_previews(
    pending: PendingClarification, sql_for: Callable[[Intent], str], run: Callable[[str], QueryResult]
) -> PendingClarification:
    """``pending`` with the first rows of each option that stands for a reading and has none yet,
    so every option (a low-confidence guess, a choice of columns) is picked by what it gives."""
    from neurolake.intent.readings import preview_of

    for option_id, _label in pending.options:
        choice = pending.choices.get(option_id)
        if choice is None or option_id in pending.previews:
            continue
        try:
            pending.previews[option_id] = preview_of(run(sql_for(Intent.model_validate(choice)))).model_dump(
                mode="json"
            )
        except NeuroLakeError as e:  # the option is still offered, without rows
            log.info("no preview for option %s of %r: %s", option_id, pending.question, e)
    return pending


def apply_answer(pending: PendingClarification, answer: str, parser: IntentParser) -> Intent | None:
    """The intent the answer completes; None when the user chose to rephrase.

    Raises ``NotAnAnswerError`` when the text is not an answer (a new question, say).
    """
    from neurolake.conversation.columns import columns_from_text

    option = pending.option_for(answer)
    if option is not None:
        choice = pending.choices.get(option)
        return Intent.model_validate(choice) if choice is not None else None
    base = Intent.model_validate(pending.intent)
    if _looks_like_a_question(answer):
        pass  # "how many orders are there?" is a new question, not an answer
    elif pending.kind == "columns" and pending.table is not None:
        columns = columns_from_text(answer, pending.table, parser.schema())
        if columns:
            return base.model_copy(update={"columns": columns, "ambiguities": []})
    elif pending.kind == "ambiguity":
        # More words for the question ("the customer's country"): they must pick one of the readings.
        reading = parser.parse(f"{base.question} ({answer.strip()})")
        picked = [c for c in pending.choices.values() if c is not None and _same_query(c, reading)]
        if len(picked) == 1:
            return Intent.model_validate(picked[0])
    labels = ", ".join(f"{i}. {label}" for i, label in pending.options)
    raise NotAnAnswerError(f"{answer!r} does not answer {pending.question!r}. Choose one of: {labels}.")


_QUESTION_START = re.compile(
    r"^\s*(how|what|which|who|when|where|why|list|show\s+(me\s+)?(the\s+)?\w+\s+(by|per|in|from|with)|count|"
    r"number\s+of|total|average|top|select|with)\b",
    re.IGNORECASE,
)
#: Slots that say what a reading computes (not how it was asked).
_QUERY_SLOTS = ("tables", "joins", "columns", "measures", "group_by", "filters", "time_range", "order_by", "limit")


def _looks_like_a_question(text: str) -> bool:
    return text.strip().endswith("?") or bool(_QUESTION_START.match(text))


def _same_query(choice: dict[str, Any], reading: Intent) -> bool:
    option = Intent.model_validate(choice)
    return all(getattr(option, slot) == getattr(reading, slot) for slot in _QUERY_SLOTS)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()
