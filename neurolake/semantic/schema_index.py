"""SchemaIndex: the tables, columns and column values of the catalog, searchable by meaning.

Three Qdrant collections, one per kind: ``<collection>`` holds the documents of tables,
``<collection>_columns`` those of columns (a few per item: name, description, context) and
``<collection>_values`` one point per distinct value of each low-cardinality text column.
One kind per collection means a search needs no payload filter, which local mode evaluates
point by point in Python (16 ms for 220 points on the shared machine, against 2 ms unfiltered).

Each table's "name" document records the fingerprint (version, names, types, descriptions,
model) it was indexed at and its values, so a refresh re-embeds only tables whose
fingerprint changed, and a new process rebuilds its lexical lookup from those documents.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qdrant_client import QdrantClient, models

from neurolake.catalog.repositories import tables as tables_repo
from neurolake.errors import NeuroLakeError
from neurolake.semantic.documents import (
    Document,
    TableInfo,
    column_documents,
    table_documents,
    value_documents,
)
from neurolake.semantic.embedder import Embedder
from neurolake.semantic.matches import SchemaKind, SchemaMatch, ValueMatch
from neurolake.semantic.qdrant import close_qdrant, ensure_collection, open_qdrant, vector_errors
from neurolake.semantic.values import MAX_DISTINCT, ValueLexicon, distinct_text_values, is_text_type

if TYPE_CHECKING:
    from neurolake.catalog import Catalog
    from neurolake.config import Settings

log = logging.getLogger(__name__)

_KEYWORD_FIELDS = {"table": models.PayloadSchemaType.KEYWORD}
_UPSERT_BATCH = 256
#: Tables and columns have up to this many documents each; searches fetch that many per hit.
_DOCUMENTS_PER_ITEM = 3
# Search results need these fields only; the table state (all its values) stays in storage.
_MATCH_FIELDS = ["kind", "table", "column", "description", "type"]
_VALUE_FIELDS = ["table", "column", "value"]


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh did: tables (re)indexed, removed and left alone, and how long it took."""

    indexed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.indexed or self.removed)


@dataclass(frozen=True)
class _Indexed:
    version: int
    fingerprint: str


class SchemaIndex:
    """Embedding search over the catalog's tables, columns and low-cardinality values."""

    def __init__(
        self,
        catalog: Catalog,
        storage: Any | None,
        embedder: Embedder,
        client: QdrantClient,
        collection: str,
        *,
        max_distinct: int = MAX_DISTINCT,
        check_interval_s: float = 5.0,
        owns_client: bool = False,
    ) -> None:
        """``storage`` (a DeltaStorageManager) supplies column values; None indexes names only.

        ``check_interval_s`` bounds how often searches compare the catalog with the index
        (0: before every search); ``owns_client`` makes ``close()`` release the client.
        """
        self.catalog = catalog
        self.storage = storage
        self.embedder = embedder
        self.client = client
        self.collection = collection
        self.collections = {"table": collection, "column": f"{collection}_columns", "value": f"{collection}_values"}
        self.max_distinct = max_distinct
        self.check_interval_s = check_interval_s
        self._owns_client = owns_client
        self._lock = threading.RLock()
        self._lexicon = ValueLexicon()
        self._indexed: dict[str, _Indexed] | None = None
        self._last_check = float("-inf")

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        catalog: Catalog,
        storage: Any | None,
        embedder: Embedder | None = None,
        client: QdrantClient | None = None,
    ) -> SchemaIndex:
        """An index in ``settings.vector.schema_collection`` (+ ``_columns``, ``_values``) of the configured Qdrant."""
        owns = client is None
        return cls(
            catalog,
            storage,
            embedder or Embedder.from_settings(settings),
            client if client is not None else open_qdrant(settings),
            settings.vector.schema_collection,
            owns_client=owns,
        )

    # ---------------------------------------------------------------------------- refresh

    def refresh(self, force: bool = False) -> RefreshReport:
        """Bring the index in line with the catalog; ``force`` re-indexes every table."""
        started = time.perf_counter()
        with self._lock:
            self._last_check = time.monotonic()
            indexed = self._load_state()
            tables = self._catalog_tables()
            report = RefreshReport()
            changed: list[tuple[TableInfo, str]] = []
            for table in tables:
                fingerprint = table.fingerprint(self.embedder.model_name)
                current = indexed.get(table.name)
                if not force and current is not None and current.fingerprint == fingerprint:
                    report.unchanged.append(table.name)
                else:
                    changed.append((table, fingerprint))
                    report.indexed.append(table.name)
            report.removed.extend(sorted(set(indexed) - {t.name for t in tables}))
            self._remove_tables(report.removed)
            self._index_tables(changed)
        seconds = time.perf_counter() - started
        if report.changed:
            log.info("schema index: indexed %s, removed %s in %.2fs", report.indexed, report.removed, seconds)
        return RefreshReport(report.indexed, report.removed, report.unchanged, seconds)

    def ensure_fresh(self) -> None:
        """Refresh when the last comparison with the catalog is older than ``check_interval_s``."""
        if time.monotonic() - self._last_check >= self.check_interval_s:
            self.refresh()

    def indexed_versions(self) -> dict[str, int]:
        """The catalog version each table was indexed at."""
        with self._lock:
            return {name: state.version for name, state in self._load_state().items()}

    # ----------------------------------------------------------------------------- search

    def search(
        self,
        text: str,
        k: int = 10,
        kinds: Sequence[SchemaKind] = ("table", "column"),
        *,
        tables: Sequence[str] | None = None,
        min_score: float | None = None,
    ) -> list[SchemaMatch]:
        """The ``k`` tables and/or columns closest in meaning to ``text``, best first.

        ``tables`` limits the search to those tables; ``min_score`` drops weaker matches.
        Scores are cosine similarities: about 0.5 and above is related, 1.0 the same text.
        """
        unknown = set(kinds) - {"table", "column"}
        if unknown:
            raise ValueError(f"Unknown kinds {sorted(unknown)}; use 'table' and/or 'column'.")
        if not text.strip() or k <= 0 or not kinds:
            return []
        self.ensure_fresh()
        conditions: list[models.Condition] = []
        if tables is not None:
            conditions.append(models.FieldCondition(key="table", match=models.MatchAny(any=list(tables))))
        points = [
            point
            for kind in dict.fromkeys(kinds)
            for point in self._query(
                self.collections[kind], text, k * _DOCUMENTS_PER_ITEM, conditions, _MATCH_FIELDS, min_score
            )
        ]
        points.sort(key=lambda p: -p.score)
        # Each table and column has up to three documents; keep the best-scoring one of each.
        best: dict[tuple[str, str, str | None], SchemaMatch] = {}
        for p in points:
            payload = p.payload or {}
            key = (payload["kind"], payload["table"], payload.get("column"))
            if key not in best:
                best[key] = SchemaMatch(
                    kind=payload["kind"],
                    table=payload["table"],
                    column=payload.get("column"),
                    score=float(p.score),
                    description=payload.get("description"),
                    type=payload.get("type"),
                )
        return list(best.values())[:k]

    def lookup_values(
        self, text: str, k: int = 5, *, min_score: float = 0.5, semantic: bool = True
    ) -> list[ValueMatch]:
        """Stored column values that ``text`` names: lexical matches first, then semantic ones.

        Lexical matching (exact, case-insensitive, singular/plural) runs on every word run of
        ``text``; embedding similarity to ``text`` as a whole adds values it does not spell,
        when their cosine score reaches ``min_score``. ``semantic=False`` skips the model and
        the vector search (lexical lookup alone takes well under a millisecond).
        """
        if not text.strip() or k <= 0:
            return []
        self.ensure_fresh()
        with self._lock:
            lexical = self._lexicon.lookup(text)
        if not semantic:
            return lexical[:k]
        found = {(m.table, m.column, m.value) for m in lexical}
        similar = [
            ValueMatch(p.payload["table"], p.payload["column"], p.payload["value"], float(p.score), "semantic", text)
            for p in self._query(self.collections["value"], text, k, [], _VALUE_FIELDS, min_score)
            if p.payload and (p.payload["table"], p.payload["column"], p.payload["value"]) not in found
        ]
        return (lexical + similar)[:k]

    def values_of(self, table: str, column: str) -> list[str]:
        """The indexed distinct values of ``table.column``; empty if it is not value-indexed."""
        self.ensure_fresh()
        with self._lock:
            return self._lexicon.values_of(table, column)

    def value_columns(self) -> list[tuple[str, str]]:
        """Every (table, column) whose values are indexed."""
        self.ensure_fresh()
        with self._lock:
            return self._lexicon.columns()

    def close(self) -> None:
        """Release the Qdrant client when this index opened it."""
        if self._owns_client:
            self._owns_client = False
            close_qdrant(self.client)

    # ------------------------------------------------------------------------------ reads

    def _query(
        self,
        collection: str,
        text: str,
        limit: int,
        conditions: list[models.Condition],
        fields: list[str],
        score_threshold: float | None = None,
    ) -> list[models.ScoredPoint]:
        vector = self.embedder.embed([text])[0]
        with vector_errors("searching the schema index"):
            if self._indexed is None and not self.client.collection_exists(collection):
                return []
            response = self.client.query_points(
                collection,
                query=vector.tolist(),
                query_filter=models.Filter(must=conditions) if conditions else None,
                limit=limit,
                score_threshold=score_threshold,
                with_payload=fields,
            )
        return list(response.points)

    def _catalog_tables(self) -> list[TableInfo]:
        with self.catalog.session() as session:
            return [TableInfo.from_catalog(t) for t in tables_repo.list_tables(session)]

    def _load_state(self) -> dict[str, _Indexed]:
        """What the collections already hold (read once per process, then kept in memory)."""
        if self._indexed is not None:
            return self._indexed
        state: dict[str, _Indexed] = {}
        with vector_errors("reading the schema index"):
            for name in self.collections.values():
                ensure_collection(
                    self.client,
                    name,
                    self.embedder.dimension,
                    keyword_fields=_KEYWORD_FIELDS,
                    recreate_on_mismatch=True,
                )
            # Only the "name" document of a table carries the indexed state.
            offset: Any = None
            while True:
                points, offset = self.client.scroll(self.collection, limit=256, offset=offset, with_payload=True)
                for point in points:
                    payload = point.payload or {}
                    if "state" not in payload:
                        continue
                    name, stored = payload["table"], payload["state"]
                    state[name] = _Indexed(int(stored["version"]), str(stored["fingerprint"]))
                    self._lexicon.set_table(name, stored.get("values") or {})
                if offset is None:
                    break
        self._indexed = state
        return state

    # ----------------------------------------------------------------------------- writes

    def _index_tables(self, changed: list[tuple[TableInfo, str]]) -> None:
        """Re-embed ``changed`` tables in one batch (the model is faster on many texts at once)."""
        if not changed:
            return
        values = {table.name: self._read_values(table) for table, _ in changed}
        self._delete_points([table.name for table, _ in changed])
        columns: list[Document] = []
        value_docs: list[Document] = []
        for table, _ in changed:
            columns += column_documents(table)
            value_docs += value_documents(table, values[table.name])
        self._upsert(self.collections["value"], value_docs)
        self._upsert(self.collections["column"], columns)
        # Table documents (which carry the indexed state) go last: a refresh interrupted
        # half-way leaves a table without state, so the next refresh indexes it again.
        self._upsert(
            self.collections["table"],
            [
                document
                for table, fingerprint in changed
                for document in table_documents(table, fingerprint=fingerprint, values=values[table.name])
            ],
        )
        assert self._indexed is not None
        for table, fingerprint in changed:
            self._indexed[table.name] = _Indexed(table.version, fingerprint)
            self._lexicon.set_table(table.name, values[table.name])

    def _remove_tables(self, names: list[str]) -> None:
        if not names:
            return
        self._delete_points(names)
        assert self._indexed is not None
        for name in names:
            self._indexed.pop(name, None)
            self._lexicon.drop_table(name)

    def _read_values(self, table: TableInfo) -> dict[str, list[str]]:
        text_columns = [c.name for c in table.columns if is_text_type(c.type)]
        if self.storage is None or not text_columns:
            return {}
        try:
            return distinct_text_values(self.storage, table.name, text_columns, max_distinct=self.max_distinct)
        except (NeuroLakeError, OSError, ValueError) as e:
            # A table that cannot be read is still findable by its names and descriptions.
            log.warning("schema index: values of %s not indexed: %s", table.name, e)
            return {}

    def _delete_points(self, tables: list[str]) -> None:
        selector = models.FilterSelector(
            filter=models.Filter(must=[models.FieldCondition(key="table", match=models.MatchAny(any=tables))])
        )
        with vector_errors(f"removing {', '.join(tables)} from the schema index"):
            for collection in self.collections.values():
                self.client.delete(collection, points_selector=selector, wait=True)

    def _upsert(self, collection: str, documents: list[Document]) -> None:
        for start in range(0, len(documents), _UPSERT_BATCH):
            batch = documents[start : start + _UPSERT_BATCH]
            vectors = self.embedder.embed([d.text for d in batch], remember=False)
            points = [
                models.PointStruct(id=d.id, vector=v.tolist(), payload=d.payload)
                for d, v in zip(batch, vectors, strict=True)
            ]
            with vector_errors("writing the schema index"):
                self.client.upsert(collection, points=points, wait=True)
