"""``IntentParser``: the one entry point, offline or model-backed as the settings say.

It keeps a ``SchemaInfo`` of the catalog (rebuilt when a table is added or dropped, or its
version or a description changes: checked before every use), the values of short text
columns (read once per table version), and, when a provider other than ``offline`` is
configured, asks the model first (see ``neurolake.intent.model_parser``).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import date
from typing import TYPE_CHECKING, Any

from neurolake.errors import ModelOutputError, QueryValidationError
from neurolake.intent.key_evidence import KeyEvidence
from neurolake.intent.lexicon import Lexicon
from neurolake.intent.linker import SchemaLinker
from neurolake.intent.model import Intent
from neurolake.intent.offline import OfflineIntentParser
from neurolake.intent.schema import ColumnSpec, SchemaInfo, TableSpec
from neurolake.intent.sqlgen import SqlGenerator
from neurolake.intent.values import ValueIndex, ValueLoader

if TYPE_CHECKING:
    from neurolake.catalog import Catalog
    from neurolake.config import Settings
    from neurolake.engine import NeuroLakeEngine
    from neurolake.intent.model_parser import ModelIntentParser
    from neurolake.llm import LLMProvider
    from neurolake.platform import NeuroLake
    from neurolake.storage import DeltaStorageManager

log = logging.getLogger(__name__)

#: How long a schema snapshot is trusted, while the catalog's stamp is unchanged, before every
#: table is read again (seconds). A new, dropped, re-versioned or re-described table changes the
#: stamp, so a question right after an upload already sees the new table.
SCHEMA_CHECK_S = 2.0


def _lazy_index(platform: NeuroLake) -> SchemaLinker:
    from neurolake.intent.semantic_link import LazySemanticLinker

    def build() -> Any:
        from neurolake.semantic import SchemaIndex

        return SchemaIndex.from_settings(platform.settings, catalog=platform.catalog, storage=platform.storage)

    return LazySemanticLinker(build)


def _lazy_examples(platform: NeuroLake) -> Any:
    """Approved (question, SQL) pairs from conversation memory, opened on first use."""
    memory: list[Any] = []

    def examples(question: str) -> list[tuple[str, str]]:
        from neurolake.errors import NeuroLakeError
        from neurolake.intent.model_parser import memory_examples

        try:
            if not memory:
                from neurolake.semantic import ConversationMemory

                memory.append(ConversationMemory.from_settings(platform.settings))
            return list(memory_examples(memory[0])(question))
        except (NeuroLakeError, ImportError, OSError) as e:
            log.warning("conversation memory unavailable, no examples: %s", e)
            return []

    return examples


class IntentParser:
    """Parses questions over whatever tables the catalog holds."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        storage: DeltaStorageManager | None = None,
        settings: Settings | None = None,
        semantic: SchemaLinker | None = None,
        provider: LLMProvider | None = None,
        examples: Any = None,
        today: date | None = None,
        lexicon: Lexicon | None = None,
        engine: NeuroLakeEngine | None = None,
    ) -> None:
        self.catalog = catalog
        self.storage = storage
        self.settings = settings
        self.semantic = semantic
        self.provider = provider
        self.examples = examples
        self.today = today
        self.lexicon = lexicon
        #: Runs rival readings to see whether they differ (see ``neurolake.intent.readings``).
        self.engine = engine
        self._values = ValueLoader(storage) if storage is not None else None
        self._evidence = KeyEvidence(storage) if storage is not None else None
        self._lock = threading.Lock()
        self._offline: OfflineIntentParser | None = None
        self._fingerprint: tuple[Any, ...] | None = None
        self._stamp: tuple[Any, ...] | None = None
        self._checked_at = 0.0
        self._model: ModelIntentParser | None = None

    @classmethod
    def from_platform(cls, platform: NeuroLake, *, semantic: bool = True, **options: Any) -> IntentParser:
        """The parser for a deployment: its catalog, storage, the configured provider, the
        embedding index (opened on first need) and, with a model, examples from memory.

        Also registers the offline parser's prompt handlers, so the offline provider (and the
        fallback when a remote model fails) can answer ``intent_parsing`` and ``sql_generation``.
        """
        from neurolake.intent import offline_handlers

        offline_handlers.register()
        settings = platform.settings
        provider = options.pop("provider", None)
        if provider is None and settings.llm.provider != "offline":
            from neurolake.llm import LLMFactory

            provider = LLMFactory.from_settings(settings)
        if semantic and "semantic" not in options:
            options["semantic"] = _lazy_index(platform)
        if provider is not None and "examples" not in options:
            options["examples"] = _lazy_examples(platform)
        options.setdefault("engine", platform.engine)
        return cls(platform.catalog, storage=platform.storage, settings=settings, provider=provider, **options)

    # ------------------------------------------------------------------------ parsing

    def parse(self, text: str, context: Intent | None = None) -> Intent:
        """The intent of ``text`` (a follow-up of ``context`` when given).

        With a model configured, the model reads the question; if its answer is still
        unusable after the repair round, the offline parser's reading is used instead.
        """
        offline = self.offline()
        if not self.uses_model:
            return self.settled(offline.parse(text, context))
        try:
            return self.settled(self.model_parser().parse(text, context))
        except ModelOutputError as e:
            log.warning("model output unusable, parsing offline instead: %s", e)
            return self.settled(offline.parse(text, context))

    def read_turn(self, text: str, previous: Intent | None) -> tuple[Intent, bool]:
        """``text`` read once as a turn after ``previous``: its intent, and whether it edits ``previous``.

        The offline parser decides in its one pass; with a model configured, the model is asked
        once, shown ``previous`` only when the question is a follow-up.
        """
        intent, follow_up = self.offline().read_turn(text, previous)
        if self.uses_model:
            try:
                intent = self.model_parser().parse(text, previous if follow_up else None)
            except ModelOutputError as e:
                log.warning("model output unusable, using the offline reading: %s", e)
        return self.settled(intent), follow_up

    def settled(self, intent: Intent) -> Intent:
        """With an engine: rival readings that give the same rows are answered, not asked about;
        those that differ carry a preview of their first rows."""
        if self.engine is None or not intent.ambiguities:
            return intent
        from neurolake.intent.readings import settle

        engine = self.engine

        def run(sql: str, limit: int) -> Any:
            return engine.execute_sql(sql, limit=limit, question=intent.question)

        return settle(intent, self.generate, run)

    @property
    def uses_model(self) -> bool:
        return self.provider is not None and getattr(self.provider, "name", "offline") != "offline"

    def generate(self, intent: Intent) -> str:
        """The SQL of ``intent``, validated against the current catalog."""
        return self.generator().generate(intent)

    def sql_for(self, intent: Intent) -> str:
        """The intent's SQL; with a model, one the model writes when the intent cannot be rendered."""
        try:
            return self.generate(intent)
        except QueryValidationError:
            if not self.uses_model or not intent.question:
                raise
            return self.model_parser().write_sql(intent.question)

    def generator(self) -> SqlGenerator:
        return SqlGenerator(self.offline().schema)

    def schema(self) -> SchemaInfo:
        return self.offline().schema

    def offline(self) -> OfflineIntentParser:
        """The offline parser over the current catalog (rebuilt when the catalog changed)."""
        with self._lock:
            now = time.monotonic()
            stamp = self._catalog_stamp()
            if self._offline is not None and stamp == self._stamp and now - self._checked_at < SCHEMA_CHECK_S:
                return self._offline
            self._checked_at, self._stamp = now, stamp
            specs = self._catalog_specs()
            fingerprint = tuple(specs)
            if self._offline is None or fingerprint != self._fingerprint:
                schema = SchemaInfo.from_specs(specs, self.lexicon)
                values = self._values.index(schema) if self._values is not None else ValueIndex()
                keys = self._evidence.checked(schema) if self._evidence is not None else None
                self._offline = OfflineIntentParser(schema, values, semantic=self.semantic, today=self.today, keys=keys)
                self._fingerprint = fingerprint
            return self._offline

    def close(self) -> None:
        """Release the embedding index, if one was opened."""
        closer = getattr(self.semantic, "close", None)
        if closer is not None:
            closer()

    def model_parser(self) -> ModelIntentParser:
        from neurolake.intent.model_parser import ModelIntentParser

        assert self.provider is not None
        offline = self.offline()
        if self._model is None or self._model.offline is not offline:
            from neurolake.llm import PromptLibrary

            library = PromptLibrary.from_settings(self.settings) if self.settings is not None else PromptLibrary()
            self._model = ModelIntentParser(self.provider, library, offline, examples=self.examples)
        return self._model

    def _catalog_stamp(self) -> tuple[Any, ...]:
        from neurolake.catalog.repositories import tables as tables_repo

        with self.catalog.session() as session:
            return tables_repo.catalog_stamp(session)

    def _catalog_specs(self) -> list[TableSpec]:
        from neurolake.catalog.repositories import tables as tables_repo

        with self.catalog.session() as session:
            return [
                TableSpec(
                    name=row.name,
                    description=row.description,
                    version=row.current_version,
                    columns=tuple(ColumnSpec(c.name, c.type, c.description) for c in row.columns),
                )
                for row in tables_repo.list_tables(session)
            ]
