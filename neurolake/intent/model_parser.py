"""The model-backed parser: a configured LLM reads the question, the catalog checks it.

``parse`` renders the ``intent_parsing`` prompt (schema, conversation so far, approved
examples from memory), asks for structured output, and reads it back into an ``Intent``
against the catalog; a name that does not exist or SQL that does not validate is sent back
to the model once with the error ("repair round"), then the call fails clearly.
``write_sql`` does the same with the ``sql_generation`` and ``sql_repair`` prompts, for
intents the generator cannot render. Refusals (empty, injection, writes) never reach a model.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from neurolake.errors import ModelOutputError, NeuroLakeError, QueryValidationError
from neurolake.intent.guard import screen
from neurolake.intent.model import Ambiguity, AmbiguityOption, Intent
from neurolake.intent.offline import OfflineIntentParser
from neurolake.intent.prompt_json import IntentShapeError, from_prompt_json
from neurolake.intent.sqlgen import SqlGenerator
from neurolake.llm.base import LLMProvider, LLMResponse, Message
from neurolake.llm.output import OutputProblem, complete_with_repair, extract_sql, parse_json_text
from neurolake.llm.prompts import PromptLibrary

#: Approved (question, SQL) pairs similar to a question, best first.
ExampleSource = Callable[[str], Sequence[tuple[str, str]]]


class ModelIntentParser:
    """Parses with a model; the offline parser's schema and generator validate the answer."""

    def __init__(
        self,
        provider: LLMProvider,
        library: PromptLibrary,
        offline: OfflineIntentParser,
        *,
        examples: ExampleSource | None = None,
    ) -> None:
        self.provider = provider
        self.library = library
        self.offline = offline
        self.examples = examples
        self.generator = SqlGenerator(offline.schema)

    # ------------------------------------------------------------------------ intents

    def parse(self, text: str, context: Intent | None = None) -> Intent:
        """The model's reading of ``text``, checked against the catalog (one repair round)."""
        screened = screen(text)
        if screened is not None:
            return screened
        question = text.strip()
        rendered = self.library.get("intent_parsing").render(
            question=question, schema=self._schema_text(question), history=_history(context)
        )

        def send(messages: list[Message]) -> LLMResponse:
            return self.provider.complete(messages, response_schema=rendered.output_schema, prompt=rendered)

        def interpret(response: LLMResponse) -> Intent:
            data = response.parsed if isinstance(response.parsed, dict) else parse_json_text(response.text)
            return self._checked_intent(data, question)

        intent, _ = complete_with_repair(
            rendered.messages(),
            send,
            interpret,
            echo=lambda r: r.text,
            expected="the JSON object, using only tables and columns from the schema",
            who=f"{self.provider.name} model {self.provider.model}",
        )
        return intent

    def _checked_intent(self, data: Any, question: str) -> Intent:
        if not isinstance(data, dict):
            raise OutputProblem("the answer is not a JSON object")
        try:
            intent = from_prompt_json(data, question, self.offline.schema, self.offline.graph)
        except (IntentShapeError, ValueError, TypeError) as e:
            raise OutputProblem(str(e)) from e
        clarification = data.get("clarification")
        if isinstance(clarification, dict) and len(clarification.get("options") or []) >= 2:
            intent.ambiguities = [self._ambiguity(intent, question, clarification)]
            return intent
        if intent.refusal is None:
            try:
                self.generator.tree(intent)
            except NeuroLakeError as e:
                raise OutputProblem(f"the intent does not make a valid query: {e}") from e
        return intent

    def _ambiguity(self, intent: Intent, question: str, clarification: dict[str, Any]) -> Ambiguity:
        """The model's question; each option is read (offline) as the question plus the option."""
        options = []
        for label in [str(o) for o in clarification["options"]][:4]:
            reading = self.offline.parse(f"{question} ({label})")
            if reading.refusal is not None or reading.kind.value == "unknown":
                reading = intent.model_copy(update={"ambiguities": []})
            reading.ambiguities = []
            options.append(AmbiguityOption(label=label, intent=reading))
        return Ambiguity(
            slot="model", question=str(clarification.get("question") or "Which do you mean?"), options=options
        )

    # ------------------------------------------------------------------------ SQL

    def write_sql(self, question: str) -> str:
        """SQL written by the model for ``question``, valid against the catalog (one repair round)."""
        schema = self._schema_text(question)
        rendered = self.library.get("sql_generation").render(question=question, schema=schema, dialect="DuckDB")
        first = self.provider.complete(rendered.messages(), prompt=rendered)
        sql, error = self._checked_sql(first)
        if error is None:
            return sql
        repair = self.library.get("sql_repair").render(
            question=question, schema=schema, sql=sql or first.text, error=error, dialect="DuckDB"
        )
        second = self.provider.complete(repair.messages(), prompt=repair)
        sql, error = self._checked_sql(second)
        if error is None:
            return sql
        raise ModelOutputError(
            f"{self.provider.name} model {self.provider.model} did not write a valid query, even after one "
            f"repair round: {error}",
            hint="Rephrase the question, or ask with the offline parser.",
        )

    def _checked_sql(self, response: LLMResponse) -> tuple[str, str | None]:
        try:
            sql = extract_sql(response.text, truncated=response.truncated)
        except OutputProblem as e:
            return "", str(e)
        try:
            self.generator.check_sql(sql)
        except (QueryValidationError, NeuroLakeError) as e:
            return sql, str(e)
        return sql, None

    # ------------------------------------------------------------------------ context

    def _schema_text(self, question: str) -> str:
        text = self.offline.schema.describe()
        pairs = list(self.examples(question)) if self.examples is not None else []
        if pairs:
            # Approved answers to similar questions, as worked examples.
            lines = ["", "Approved examples (question, then SQL):"]
            for asked, sql in pairs[:3]:
                lines += [f"Q: {asked}", f"SQL: {sql}"]
            text += "\n".join(lines)
        return text


def _history(context: Intent | None) -> str:
    if context is None:
        return ""
    return json.dumps({"previous_question": context.question, "previous_intent": context.summary()}, default=str)


def memory_examples(memory: Any, k: int = 3) -> ExampleSource:
    """Approved pairs from a ``ConversationMemory`` (``similar(question, k)`` hits)."""

    def examples(question: str) -> list[tuple[str, str]]:
        try:
            hits = memory.similar(question, k=k)
        except NeuroLakeError:
            return []
        return [(h.question, h.sql) for h in hits]

    return examples
