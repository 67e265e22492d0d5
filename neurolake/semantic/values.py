"""Distinct values of low-cardinality text columns, and lexical lookup over them.

"members" should find ``rider_type = 'member'`` and "germany" ``country = 'Germany'``
without a model; ``ValueLexicon`` keys every value by its exact, lower-case and stemmed
forms so that a question's words and word runs can be looked up in a dictionary.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from neurolake.semantic.lexical import ngrams, normalize, stem, stem_phrase, words
from neurolake.semantic.matches import ValueMatch, ValueMatchKind

#: Columns with more distinct values than this are not value-indexed (ids, free text).
MAX_DISTINCT = 1000
#: Longer values are prose or ids, not things people name in a question.
MAX_VALUE_LENGTH = 80
#: Values longer than this many words are not looked up lexically.
MAX_VALUE_WORDS = 5

_TEXT_TYPE_PREFIXES = ("VARCHAR", "STRING", "TEXT", "CHAR", "UTF8", "LARGE_STRING", "STRING_VIEW")
_LEXICAL_SCORES: dict[ValueMatchKind, float] = {"exact": 1.0, "case": 0.97, "stem": 0.93}


class TableReader(Protocol):
    """What value extraction needs from DeltaStorageManager."""

    def read_table(self, name: str, *, columns: Sequence[str] | None = None) -> pa.Table: ...


def is_text_type(type_name: str) -> bool:
    """True for the catalog's spellings of a string column (VARCHAR, string, text...)."""
    return type_name.strip().upper().startswith(_TEXT_TYPE_PREFIXES)


def distinct_text_values(
    storage: Any,
    table: str,
    columns: Sequence[str],
    *,
    max_distinct: int = MAX_DISTINCT,
) -> dict[str, list[str]]:
    """The sorted distinct values of each of ``columns`` that has at most ``max_distinct``.

    Columns over the limit are left out. Scans batch by batch and stops following a column
    as soon as it exceeds the limit, so a large id column costs little.
    """
    if not columns:
        return {}
    seen: dict[str, set[str]] = {c: set() for c in columns}
    for batch in _batches(storage, table, list(columns)):
        for name in list(seen):
            seen[name].update(_clean(batch.column(name)))
            if len(seen[name]) > max_distinct:
                del seen[name]
        if not seen:
            break
    return {name: sorted(values) for name, values in seen.items() if values}


def _batches(storage: Any, table: str, columns: list[str]) -> Iterable[pa.RecordBatch]:
    open_table = getattr(storage, "open_table", None)
    if open_table is not None:
        dataset = open_table(table).to_pyarrow_dataset()
        return dataset.to_batches(columns=columns)
    read_table = getattr(storage, "read_table", None)
    if read_table is not None:
        return read_table(table, columns=columns).to_batches()
    from deltalake import DeltaTable  # storage without reads: open the Delta table directly

    delta = DeltaTable(storage.table_uri(table), storage_options=storage.storage_options or None)
    return delta.to_pyarrow_table(columns=columns).to_batches()


def _clean(array: pa.Array | pa.ChunkedArray) -> list[str]:
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode() if isinstance(array, pa.Array) else array.cast(array.type.value_type)
    unique = pc.unique(array.cast(pa.string()))
    return [v for v in unique.to_pylist() if isinstance(v, str) and v.strip() and len(v) <= MAX_VALUE_LENGTH]


@dataclass(frozen=True)
class StoredValue:
    table: str
    column: str
    value: str


class ValueLexicon:
    """In-memory dictionary from normalized and stemmed value spellings to stored values."""

    def __init__(self) -> None:
        self._by_table: dict[str, dict[str, list[str]]] = {}
        self._folded: dict[str, list[StoredValue]] = defaultdict(list)
        self._stemmed: dict[str, list[StoredValue]] = defaultdict(list)
        self._max_words = 1

    def set_table(self, table: str, values: dict[str, list[str]]) -> None:
        """Replace everything known about ``table`` with ``values`` (column -> values)."""
        self._by_table[table] = {column: list(vals) for column, vals in values.items()}
        self._rebuild()

    def drop_table(self, table: str) -> None:
        if self._by_table.pop(table, None) is not None:
            self._rebuild()

    def values_of(self, table: str, column: str) -> list[str]:
        """The indexed values of ``table.column`` (empty when it is not value-indexed)."""
        return list(self._by_table.get(table, {}).get(column, []))

    def columns(self) -> list[tuple[str, str]]:
        """Every value-indexed (table, column)."""
        return [(t, c) for t, cols in sorted(self._by_table.items()) for c in sorted(cols)]

    def lookup(self, text: str) -> list[ValueMatch]:
        """Values named in ``text``, by exact, case-insensitive, then stemmed spelling.

        Every run of up to five words is tried, longest first; a word already covered by a
        longer match is not matched again on its own ("new york" does not also match "york").
        """
        tokens = words(text)
        covered: set[int] = set()
        found: dict[tuple[str, str, str], ValueMatch] = {}
        for start, end in ngrams(tokens, self._max_words):
            if covered.intersection(range(start, end)):
                continue
            phrase = " ".join(tokens[start:end])
            hits = self._match(phrase, text)
            for kind, stored in hits:
                key = (stored.table, stored.column, stored.value)
                score = _LEXICAL_SCORES[kind]
                if key not in found or found[key].score < score:
                    found[key] = ValueMatch(stored.table, stored.column, stored.value, score, kind, phrase)
            if hits:
                covered.update(range(start, end))
        return sorted(found.values(), key=lambda m: (-m.score, m.table, m.column, m.value))

    def _match(self, phrase: str, text: str) -> list[tuple[ValueMatchKind, StoredValue]]:
        folded = self._folded.get(phrase, [])
        if folded:
            # Exact when the value appears verbatim (same case) in the text, else case-insensitive.
            return [("exact" if s.value in text else "case", s) for s in folded]
        stemmed = self._stemmed.get(stem_phrase(phrase), [])
        return [("stem", s) for s in stemmed]

    def _rebuild(self) -> None:
        self._folded.clear()
        self._stemmed.clear()
        self._max_words = 1
        for table, columns in self._by_table.items():
            for column, values in columns.items():
                for value in values:
                    stored = StoredValue(table, column, value)
                    folded = normalize(value)
                    n_words = len(folded.split())
                    if not folded or n_words > MAX_VALUE_WORDS:
                        continue
                    self._max_words = max(self._max_words, n_words)
                    self._folded[folded].append(stored)
                    self._stemmed[" ".join(stem(w) for w in folded.split())].append(stored)
