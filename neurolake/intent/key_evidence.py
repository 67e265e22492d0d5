"""References the data proves where names alone do not tell.

``undergoes.physician`` holds values of ``physician.employeeid``; ``routes.dst_apid`` holds values
of ``airports.apid``. Names suggest such a link and the data settles it. A column is taken to
reference another table's column when:

- a name hints at it: the column is named after the other table (``physician``,
  ``winning_aircraft``), ends with the other column's name (``dst_apid`` -> ``apid``), is
  ``<word>_id`` for the ``id`` of a table named with that word, or has the other column's name;
- the other column is unique in its table (it identifies a row there), of the same kind; and
- every value of the column is one of the other column's values.

Columns are read once per table version, and only those some name hints at.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from neurolake.errors import NeuroLakeError
from neurolake.intent.keys import ForeignKey, infer_foreign_keys, same_kind
from neurolake.intent.schema import ColumnInfo, SchemaInfo, TableInfo

if TYPE_CHECKING:
    from neurolake.storage import DeltaStorageManager

#: Tables longer than this are not read for evidence (the names-only keys still hold).
MAX_ROWS = 2_000_000
#: Roles whose columns can hold references (a date or a yes/no flag never identifies a row).
_REFERENCE_ROLES = frozenset({"key", "number", "text"})


@dataclass(frozen=True)
class _Candidate:
    table: TableInfo
    column: ColumnInfo
    target: TableInfo
    target_column: ColumnInfo
    role: tuple[str, ...]


@dataclass(frozen=True)
class _Profile:
    """The distinct values of a column, and whether each row's value is its own."""

    values: frozenset[object]
    unique: bool


def hinted_references(schema: SchemaInfo, known: Iterable[ForeignKey]) -> list[_Candidate]:
    """Pairs of columns whose names suggest a reference no names-only key covers."""
    taken = {(k.table, k.column) for k in known} | {(k.ref_table, k.ref_column) for k in known}
    tables = list(schema.tables.values())
    out = []
    for table in tables:
        for col in table.columns:
            if col.role not in _REFERENCE_ROLES or (table.name, col.name) in taken:
                continue
            for target in tables:
                if target is table or not target.columns:
                    continue
                for target_col in _row_keys(target):
                    if target_col.role not in _REFERENCE_ROLES or not same_kind(col, target_col):
                        continue
                    role = _hint(col, target, target_col)
                    if role is not None:
                        out.append(_Candidate(table, col, target, target_col, role))
    return out


def _row_keys(table: TableInfo) -> list[ColumnInfo]:
    """What may identify a row of ``table``: its first column, its own key, and the column named
    like the table ("grapes.grape", checked unique by the data). A reference points at these,
    never at any column that happens to hold the values."""
    named = [c for c in table.columns if c.words == table.words]
    return list(dict.fromkeys(c for c in (table.columns[0], table.key, *named) if c is not None))


def _hint(col: ColumnInfo, target: TableInfo, target_col: ColumnInfo) -> tuple[str, ...] | None:
    """The role words when a name hints that ``col`` references ``target_col``, else None."""
    words, tail = col.words, target_col.words
    if col.name.lower() == target_col.name.lower():
        return ()  # "tryout.cname" -> "college.cname"
    if target.words and words[-len(target.words) :] == target.words:
        return words[: len(words) - len(target.words)]  # "winning_aircraft" -> aircraft's first column
    if tail != ("id",) and len(words) > len(tail) and words[-len(tail) :] == tail and target_col.role == "key":
        return words[: len(words) - len(tail)]  # "dst_apid" -> "apid"
    if tail == ("id",) and len(words) >= 2 and words[-1] == "id" and _names(words[-2], target.words):
        return words[:-2]  # "company_id" -> "operate_company.id", "s_id" -> "student.id"
    return None


def _names_target(c: _Candidate) -> bool:
    """ "assignedto.scientist" -> ``scientists``: named after the other table outright, a first
    column that holds each scientist once still refers to them."""
    words, target = c.column.words, c.target.words
    return bool(target) and words[-len(target) :] == target and words != c.table.words


def _names(word: str, table_words: tuple[str, ...]) -> bool:
    """ "company" names ``operate_company``; a letter or two names a table they start ("s" for student)."""
    return word in table_words or (len(word) <= 2 and len(table_words) == 1 and table_words[0].startswith(word))


class KeyEvidence:
    """Checks hinted references against the data, once per table version."""

    def __init__(self, storage: DeltaStorageManager) -> None:
        self.storage = storage
        self._profiles: dict[tuple[str, int | None, str], _Profile | None] = {}
        self._lock = threading.Lock()

    def keys(self, schema: SchemaInfo, known: Iterable[ForeignKey]) -> list[ForeignKey]:
        """The hinted references every value of which is found in a unique column."""
        known = list(known)
        candidates = hinted_references(schema, known)
        wanted: dict[str, set[str]] = {}
        for c in candidates:
            wanted.setdefault(c.table.name, set()).add(c.column.name)
            wanted.setdefault(c.target.name, set()).add(c.target_column.name)
        for name, columns in wanted.items():
            self._read(schema.tables[name], columns)
        proven: dict[tuple[str, str], list[ForeignKey]] = {}
        for c in candidates:
            source = self._profile(c.table, c.column)
            target = self._profile(c.target, c.target_column)
            if source is None or target is None or not target.unique or not source.values:
                continue
            if source.unique and c.column is c.table.columns[0] and not _names_target(c):
                continue  # a table's own row key: one row of its own, not a reference
            if source.values <= target.values:
                key = ForeignKey(c.table.name, c.column.name, c.target.name, c.target_column.name, c.role)
                proven.setdefault((c.table.name, c.column.name), []).append(key)
        # A column whose values fit two tables' keys says nothing about which one it means.
        return [keys[0] for keys in proven.values() if len(keys) == 1]

    def checked(self, schema: SchemaInfo) -> list[ForeignKey]:
        """The names-only keys the data does not disprove, and the hinted ones it proves.

        A names-only key between two columns neither of which is unique ("stuid" in two tables
        of per-student rows) joins rows many to many: the data shows it identifies nothing.
        Keys a description declares are kept as declared."""
        named = infer_foreign_keys(schema)
        for name, columns in _columns_by_table(named).items():
            self._read(schema.tables[name], columns)
        kept = [
            k if _declared(schema, k) else self._oriented(schema, k)
            for k in named
            if _declared(schema, k) or not self._many_to_many(schema, k)
        ]
        return [*(self._marked(schema, k) for k in self._to_roots(schema, kept)), *self.keys(schema, named)]

    def _marked(self, schema: SchemaInfo, key: ForeignKey) -> ForeignKey:
        """The key marked ``same_rows`` when it joins two tables' first columns, each value once on
        both sides: a row of one is a row of the other ("professor" rows are "employee" rows)."""
        source, target = self._ends(schema, key)
        firsts = all(
            schema.tables[t].columns and schema.tables[t].columns[0].name == c
            for t, c in ((key.table, key.column), (key.ref_table, key.ref_column))
        )
        if firsts and source is not None and target is not None and source.unique and target.unique:
            return dataclasses.replace(key, same_rows=True)
        return key

    def _to_roots(self, schema: SchemaInfo, keys: list[ForeignKey]) -> list[ForeignKey]:
        """A column named like two tables' keys, the rows of one a part of the other's
        ("department.emp_num" like "professor.emp_num" and "employee.emp_num", professors being
        some of the employees), refers to the whole: otherwise every join of the two offers two paths."""
        part_of = {(k.table, k.ref_table) for k in keys if self._strict_part(schema, k)}
        return [
            k
            for k in keys
            if not any(
                o.table == k.table and o.column == k.column and (k.ref_table, o.ref_table) in part_of for o in keys
            )
        ]

    def _strict_part(self, schema: SchemaInfo, key: ForeignKey) -> bool:
        source, target = self._ends(schema, key)
        return source is not None and target is not None and source.unique and source.values < target.values

    def _many_to_many(self, schema: SchemaInfo, key: ForeignKey) -> bool:
        return all(p is not None and p.values and not p.unique for p in self._ends(schema, key))

    def _oriented(self, schema: SchemaInfo, key: ForeignKey) -> ForeignKey:
        """A same-name key points at the side whose values are unique ("dorm.dormid" is referred
        to by "has_amenity.dormid", not the other way), or, both unique, at the side holding the
        other's values, whichever table names listed first."""
        source, target = self._ends(schema, key)
        if source is None or target is None or not source.unique:
            return key
        # Both unique: the smaller set of rows refers to the larger ("professor" rows are employees).
        if not target.unique or target.values < source.values:
            return ForeignKey(key.ref_table, key.ref_column, key.table, key.column, key.role)
        return key

    def _ends(self, schema: SchemaInfo, key: ForeignKey) -> list[_Profile | None]:
        """The profiles of the referring and the referred column."""
        profiles = []
        for table_name, column_name in ((key.table, key.column), (key.ref_table, key.ref_column)):
            table = schema.tables[table_name]
            column = table.column(column_name)
            profiles.append(self._profile(table, column) if column is not None else None)
        return profiles

    def _profile(self, table: TableInfo, column: ColumnInfo) -> _Profile | None:
        with self._lock:
            return self._profiles.get((table.name, table.version, column.name))

    def _read(self, table: TableInfo, columns: set[str]) -> None:
        with self._lock:
            columns = {c for c in columns if (table.name, table.version, c) not in self._profiles}
        if not columns:
            return
        try:
            data = self.storage.read_table(table.name, version=table.version, columns=sorted(columns))
        except (NeuroLakeError, OSError, pa.ArrowException):  # an unreadable table proves nothing
            data = None
        found: dict[str, _Profile | None] = {}
        for name in columns:
            found[name] = _profile_of(data.column(name)) if data is not None and data.num_rows <= MAX_ROWS else None
        with self._lock:
            for name, profile in found.items():
                self._profiles[(table.name, table.version, name)] = profile


def _columns_by_table(keys: Iterable[ForeignKey]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for k in keys:
        out.setdefault(k.table, set()).add(k.column)
        out.setdefault(k.ref_table, set()).add(k.ref_column)
    return out


def _declared(schema: SchemaInfo, key: ForeignKey) -> bool:
    column = schema.tables[key.table].column(key.column)
    return column is not None and f"{key.ref_table}.{key.ref_column}".lower() in (column.description or "").lower()


def _profile_of(column: pa.ChunkedArray) -> _Profile:
    present = pc.drop_null(column)
    distinct = pc.unique(present).to_pylist()
    values = frozenset(_normal(v) for v in distinct)
    return _Profile(values, unique=len(distinct) == len(present) and len(present) == len(column))


def _normal(value: object) -> object:
    """1.0 and 1 are the same key; text compares as written, without outer spaces."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.strip()
    return value
