"""The offline parser answering prompts for ``OfflineProvider`` (no model, no network).

``intent_parsing`` and ``sql_generation`` carry the schema as text
(``table(col TYPE, ...)`` lines); the handlers read it into a ``SchemaInfo`` and run the
offline parser on it, so the offline provider, and the fallback when a remote model
fails, answers those prompts for any schema. ``register()`` is called by the composition
root (``IntentParser.from_platform``), not on import, so importing the package has no
global effect.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from neurolake.errors import ProviderError
from neurolake.intent.offline import OfflineIntentParser
from neurolake.intent.prompt_json import to_prompt_json
from neurolake.intent.schema import SchemaInfo
from neurolake.intent.sqlgen import SqlGenerator
from neurolake.llm.providers.offline import OfflineProvider, OfflineRequest

PROMPTS = ("intent_parsing", "sql_generation")


def _parser(schema_text: str, today: date | None = None) -> OfflineIntentParser:
    schema = SchemaInfo.from_text(schema_text)
    if not schema.tables:
        raise ProviderError("The offline parser found no tables in the prompt's schema.")
    return OfflineIntentParser(schema, today=today)


def answer_intent_parsing(request: OfflineRequest) -> dict[str, Any]:
    """The intent of the prompt's question, in the prompt's JSON shape."""
    variables = request.prompt.variables
    parser = _parser(str(variables.get("schema", "")))
    return to_prompt_json(parser.parse(str(variables.get("question", ""))))


def answer_sql_generation(request: OfflineRequest) -> str:
    """The SQL of the prompt's question (its best reading when it is ambiguous)."""
    variables = request.prompt.variables
    parser = _parser(str(variables.get("schema", "")))
    intent = parser.parse(str(variables.get("question", "")))
    if intent.refusal is not None:
        raise ProviderError(intent.refusal)
    return SqlGenerator(parser.schema).generate(intent)


def register() -> None:
    """Answer ``intent_parsing`` and ``sql_generation`` in every offline provider."""
    OfflineProvider.register("intent_parsing", answer_intent_parsing)
    OfflineProvider.register("sql_generation", answer_sql_generation)


def unregister() -> None:
    for name in PROMPTS:
        OfflineProvider.unregister(name)
