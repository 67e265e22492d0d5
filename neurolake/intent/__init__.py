"""Understanding questions: the ``Intent`` model, the parsers and the SQL generator.

- ``IntentParser`` (``parser.py``): the entry point; offline, or a configured model whose
  answer the catalog checks. ``IntentParser.from_platform(platform)`` wires everything.
- ``OfflineIntentParser`` (``offline.py``): deterministic, no model, any schema.
- ``SqlGenerator`` (``sqlgen.py``): Intent -> sqlglot tree -> SQL, validated.
- ``QuestionAnswerer`` (``answer.py``): parse, clarify or refuse, run on the engine.

See docs/intent.md for the pipeline, the scoring and clarification rules, and the figures.
"""

from neurolake.intent.answer import Answer, QuestionAnswerer
from neurolake.intent.lexicon import Lexicon
from neurolake.intent.linker import SchemaLinker
from neurolake.intent.model import (
    CLARIFY_BELOW,
    Ambiguity,
    AmbiguityOption,
    Clarification,
    Filter,
    GroupBy,
    Intent,
    IntentKind,
    Join,
    Measure,
    OrderBy,
    Schedule,
    TimeRange,
    TimeTravel,
)
from neurolake.intent.offline import OfflineIntentParser
from neurolake.intent.parser import IntentParser
from neurolake.intent.schema import ColumnSpec, SchemaInfo, TableSpec
from neurolake.intent.sqlgen import SqlGenerator
from neurolake.intent.values import ValueIndex

__all__ = [
    "CLARIFY_BELOW",
    "Ambiguity",
    "AmbiguityOption",
    "Answer",
    "Clarification",
    "ColumnSpec",
    "Filter",
    "GroupBy",
    "Intent",
    "IntentKind",
    "IntentParser",
    "Join",
    "Lexicon",
    "Measure",
    "OfflineIntentParser",
    "OrderBy",
    "QuestionAnswerer",
    "Schedule",
    "SchemaInfo",
    "SchemaLinker",
    "SqlGenerator",
    "TableSpec",
    "TimeRange",
    "TimeTravel",
    "ValueIndex",
]
