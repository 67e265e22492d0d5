"""Values of low-cardinality text columns, so "Germany" finds ``customers.country``.

``ValueIndex`` matches question words against the distinct values of short text columns
(exact, singular/plural, and the alphabetic words of coded values such as ``1-URGENT``).
``ValueLoader`` reads those values from the lakehouse once per table version.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from neurolake.errors import NeuroLakeError
from neurolake.intent.lexicon import FUNCTION_WORDS
from neurolake.intent.vocab import load
from neurolake.intent.words import singular, words_of

if TYPE_CHECKING:
    from neurolake.intent.schema import SchemaInfo
    from neurolake.storage import DeltaStorageManager

#: Words one-letter codes stand for ("f": "female", "women"...), from the vocabulary.
_VALUE_CODES: dict[str, list[str]] = load("english")["value_codes"]
#: Columns with more distinct values than this are not indexed (names, emails, comments).
MAX_DISTINCT = 250
MAX_VALUE_LENGTH = 40


@dataclass(frozen=True)
class ValueHit:
    """A value found in a column, how well it matched, and how many words it covered."""

    table: str
    column: str
    value: str
    score: float

    @property
    def qualified(self) -> str:
        return f"{self.table}.{self.column}"


def _key(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(singular(w) for w in words)


class ValueIndex:
    """Distinct values of short text columns, looked up by their words."""

    def __init__(self, values: Mapping[tuple[str, str], Iterable[str]] | None = None) -> None:
        self._exact: dict[tuple[str, ...], list[tuple[str, str, str]]] = {}
        self._alpha: dict[tuple[str, ...], list[tuple[str, str, str]]] = {}
        self.columns: dict[tuple[str, str], list[str]] = {}
        self.max_words = 1
        for (table, column), items in (values or {}).items():
            self.add(table, column, items)

    def add(self, table: str, column: str, values: Iterable[str]) -> None:
        """Index one column's distinct values."""
        kept = self.columns.setdefault((table, column), [])
        for value in values:
            if not isinstance(value, str) or not value.strip() or len(value) > MAX_VALUE_LENGTH:
                continue
            kept.append(value)
            words = words_of(value)
            if not words:
                continue
            entry = (table, column, value)
            # One-letter codes (TPC-H flags 'R', 'A') would match every "a": they need quotes.
            if len(value.strip()) > 1:
                self._exact.setdefault(_key(words), []).append(entry)
                self.max_words = max(self.max_words, len(words))
            alpha = [w for w in words if w.isalpha() and len(w) >= 3 and w not in FUNCTION_WORDS]
            if alpha and len(alpha) < len(words):
                self._alpha.setdefault(_key(alpha), []).append(entry)
        self._add_code_words(table, column, kept)

    def _add_code_words(self, table: str, column: str, values: list[str]) -> None:
        """ "female" finds 'F' in a column of one-letter codes that the vocabulary spells out."""
        codes = {v.strip().lower(): v for v in values}
        if not codes or any(len(c) != 1 for c in codes) or not codes.keys() & _VALUE_CODES.keys():
            return
        for code, value in codes.items():
            for word in _VALUE_CODES.get(code, ()):
                self._exact.setdefault(_key([word]), []).append((table, column, value))

    def lookup(self, words: Iterable[str]) -> list[ValueHit]:
        """Values whose words are exactly ``words`` (1.0), or whose letters-only words are (0.85)."""
        key = _key(words)
        hits = [ValueHit(t, c, v, 1.0) for t, c, v in self._exact.get(key, [])]
        seen = {(h.table, h.column) for h in hits}
        hits += [ValueHit(t, c, v, 0.85) for t, c, v in self._alpha.get(key, []) if (t, c) not in seen]
        return hits

    def quoted(self, text: str) -> list[ValueHit]:
        """Columns holding ``text`` exactly (case-insensitive): for quoted strings."""
        wanted = text.strip().lower()
        return [
            ValueHit(table, column, value, 1.0)
            for (table, column), values in self.columns.items()
            for value in values
            if value.lower() == wanted
        ]

    def __len__(self) -> int:
        return sum(len(v) for v in self.columns.values())


class ValueLoader:
    """Reads distinct values of short text columns from storage, once per table version."""

    def __init__(self, storage: DeltaStorageManager) -> None:
        self.storage = storage
        self._cache: dict[tuple[str, int | None], dict[str, list[str]]] = {}
        self._lock = threading.Lock()

    def index(self, schema: SchemaInfo) -> ValueIndex:
        """A value index over every table of ``schema`` (unreadable tables are skipped)."""
        index = ValueIndex()
        for table in schema.tables.values():
            for column, values in self._table_values(table.name, table.version, schema).items():
                index.add(table.name, column, values)
        return index

    def _table_values(self, name: str, version: int | None, schema: SchemaInfo) -> dict[str, list[str]]:
        with self._lock:
            cached = self._cache.get((name, version))
        if cached is not None:
            return cached
        info = schema.tables[name]
        wanted = [c.name for c in info.columns if c.role == "text"]
        found: dict[str, list[str]] = {}
        if wanted:
            try:
                data = self.storage.read_table(name, version=version, columns=wanted)
            except NeuroLakeError:  # a table that cannot be read simply contributes no values
                data = None
            if data is not None:
                found = distinct_values(data)
        with self._lock:
            self._cache[(name, version)] = found
        return found


def spelled(value: str) -> frozenset[str]:
    """The words a one-letter code stands for ("F": female, women...); empty for other values."""
    return frozenset(_VALUE_CODES.get(value.strip().lower(), ()))


def distinct_values(data: pa.Table, *, max_distinct: int = MAX_DISTINCT) -> dict[str, list[str]]:
    """Per text column of ``data``, its distinct values when there are few enough."""
    out: dict[str, list[str]] = {}
    for name in data.column_names:
        column = data.column(name)
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            try:
                column = column.cast(pa.string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue
        unique = pc.unique(column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column)
        if len(unique) > max_distinct:
            continue
        out[name] = sorted(v for v in unique.to_pylist() if isinstance(v, str))
    return out
