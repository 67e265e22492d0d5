"""Foreign keys inferred from names and types, and the join paths they allow.

A column is taken to point at another table's key when:

- its description names the target (``Customer who placed it (customers.customer_id)``);
- its words equal the target's key words (``orders.customer_id`` -> ``customers.customer_id``,
  TPC-H ``o_custkey`` -> ``c_custkey``, prefixes dropped); or
- it ends in the target table's name plus ``id`` and the target's key is ``id``
  (``trips.start_station_id`` -> ``stations.id``, with the role ``start``).

Types must agree (numbers with numbers, text with text). Paths are shortest in number of
joins; two different shortest paths to a table are reported, never silently chosen.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from neurolake.intent.lexicon import stem
from neurolake.intent.schema import ColumnInfo, SchemaInfo, TableInfo
from neurolake.intent.words import split_identifier

_DECLARED = re.compile(r"\b([A-Za-z_][\w]*)\.([A-Za-z_][\w]*)\b")


@dataclass(frozen=True)
class ForeignKey:
    """``table.column`` references ``ref_table.ref_column``; ``role`` is what sets it apart."""

    table: str
    column: str
    ref_table: str
    ref_column: str
    role: tuple[str, ...] = ()
    #: Both ends hold each value once: a row of one is a row of the other, described further
    #: ("professor.emp_num" -> "employee.emp_num"); set where the data shows it.
    same_rows: bool = False

    def other(self, table: str) -> str:
        return self.ref_table if table == self.table else self.table

    def condition(self) -> tuple[str, str]:
        return (f"{self.table}.{self.column}", f"{self.ref_table}.{self.ref_column}")

    @property
    def role_label(self) -> str:
        return " ".join(self.role)


@dataclass(frozen=True)
class Step:
    """One join along a foreign key, from ``source`` to ``target``."""

    source: str
    target: str
    key: ForeignKey


Path = tuple[Step, ...]


def same_kind(a: ColumnInfo, b: ColumnInfo) -> bool:
    def kind(c: ColumnInfo) -> str:
        upper = c.type.upper()
        return "text" if any(t in upper for t in ("CHAR", "STRING", "TEXT")) else "number"

    return kind(a) == kind(b)


def infer_foreign_keys(schema: SchemaInfo) -> list[ForeignKey]:
    """Every foreign key the names, types and descriptions suggest."""
    found: dict[tuple[tuple[str, str], ...], ForeignKey] = {}
    tables = list(schema.tables.values())
    for table in tables:
        for col in table.columns:
            for fk in _declared(schema, table, col) or _by_name(tables, table, col):
                pair = tuple(sorted([(fk.table, fk.column), (fk.ref_table, fk.ref_column)]))
                found.setdefault(pair, fk)
    return list(found.values())


def _declared(schema: SchemaInfo, table: TableInfo, col: ColumnInfo) -> list[ForeignKey]:
    out = []
    for ref_table, ref_col in _DECLARED.findall(col.description or ""):
        target = schema.table(ref_table)
        target_col = target.column(ref_col) if target is not None else None
        if target is None or target_col is None or target is table or not same_kind(col, target_col):
            continue
        out.append(ForeignKey(table.name, col.name, target.name, target_col.name, _role(col, target)))
    return out


def _by_name(tables: list[TableInfo], table: TableInfo, col: ColumnInfo) -> list[ForeignKey]:
    same = _same_name(tables, table, col)
    if same:
        return same
    if col.role != "key":
        return _named_after(tables, table, col)
    if len(col.words) < 2:
        return []
    out = []
    for target in tables:
        key = target.key
        if target is table or key is None or not same_kind(col, key):
            continue
        if col.words == key.words or (key.words == ("id",) and _ends_with(col.words[:-1], target.words)):
            out.append(ForeignKey(table.name, col.name, target.name, key.name, _role(col, target)))
    return out


#: Last words of a column name that mark an identifier even when the type says number ("emp_num").
ID_ENDINGS = frozenset({"id", "key", "code", "num", "no", "number", "nbr"})


def _same_name(tables: list[TableInfo], table: TableInfo, col: ColumnInfo) -> list[ForeignKey]:
    """``professor.emp_num`` -> ``employee.emp_num``: the same identifier name, first column of the
    other table (where it is the row's key), not the first column of this one."""
    written = split_identifier(col.name)  # "emp_num" even where the table's prefix "emp" is dropped from words
    if not any(len(w) >= 2 and w[-1] in ID_ENDINGS for w in (col.words, tuple(written))):
        return []  # a bare "id" is every table's own key, never a reference by its name alone
    own_first = table.columns[0] is col
    out = []
    for target in tables:
        if target is table or not target.columns:
            continue
        first = target.columns[0]
        if first.name.lower() != col.name.lower() or not same_kind(col, first):
            continue
        # Both first ("accounts.custid", "checking.custid"): one row each, joined once, by name order.
        if not own_first or table.name < target.name:
            out.append(ForeignKey(table.name, col.name, target.name, first.name, ()))
    return out


def _named_after(tables: list[TableInfo], table: TableInfo, col: ColumnInfo) -> list[ForeignKey]:
    """``matches.winning_aircraft`` -> ``aircraft.aircraft_id``: a number named after a table (with a
    role word before it) refers to that table's ``<table>_id`` key."""
    if col.role != "number" or not 1 <= len(col.words) <= 3 or set(col.words) & _COUNT_WORDS:
        return []  # "no_of_loans" counts loans, it does not point at one
    out = []
    for target in tables:
        key = target.key
        if target is table or key is None or not same_kind(col, key):
            continue
        if key.words[:-1] != target.words and not (key.words == ("id",) and col.words == target.words):
            continue
        if _ends_with(col.words, target.words) and len(col.words) > len(target.words):
            role = col.words[: len(col.words) - len(target.words)]
            out.append(ForeignKey(table.name, col.name, target.name, key.name, role))
        elif col.words == target.words:
            out.append(ForeignKey(table.name, col.name, target.name, key.name, ()))  # "enrollments.campus"
    return out


_COUNT_WORDS = frozenset({"no", "number", "num", "count", "total", "of", "nbr", "cnt", "qty", "amount"})


def _ends_with(words: tuple[str, ...], tail: tuple[str, ...]) -> bool:
    return bool(tail) and len(words) >= len(tail) and words[len(words) - len(tail) :] == tail


def _role(col: ColumnInfo, target: TableInfo) -> tuple[str, ...]:
    """``start`` for ``start_station_id`` -> ``stations``; empty for ``customer_id``."""
    stem = col.words[:-1]
    if _ends_with(stem, target.words):
        return stem[: len(stem) - len(target.words)]
    return ()


class JoinGraph:
    """Tables as nodes, foreign keys as edges (walked both ways)."""

    def __init__(self, keys: Iterable[ForeignKey]) -> None:
        self.keys = list(keys)
        self._edges: dict[str, list[ForeignKey]] = {}
        for fk in self.keys:
            self._edges.setdefault(fk.table, []).append(fk)
            self._edges.setdefault(fk.ref_table, []).append(fk)

    @classmethod
    def of(cls, schema: SchemaInfo) -> JoinGraph:
        return cls(infer_foreign_keys(schema))

    def neighbours(self, table: str) -> list[ForeignKey]:
        return self._edges.get(table, [])

    def shortest_paths(self, start: str, goal: str, *, max_joins: int = 4, limit: int = 6) -> list[Path]:
        """Every shortest path from ``start`` to ``goal`` (up to ``limit`` of them)."""
        if start == goal:
            return [()]
        best: list[Path] = []
        queue: deque[tuple[str, Path]] = deque([(start, ())])
        depth_of: dict[str, int] = {start: 0}
        while queue:
            table, path = queue.popleft()
            if best and len(path) >= len(best[0]):
                break
            if len(path) >= max_joins:
                continue
            for fk in self.neighbours(table):
                nxt = fk.other(table)
                if fk.table == fk.ref_table or any(s.source == nxt for s in path) or nxt == start:
                    continue
                step_path = (*path, Step(table, nxt, fk))
                if nxt == goal:
                    best.append(step_path)
                    if len(best) >= limit:
                        return best
                    continue
                # A table is expanded again only at the same depth (to keep every shortest path).
                if depth_of.get(nxt, len(step_path)) < len(step_path):
                    continue
                depth_of[nxt] = len(step_path)
                queue.append((nxt, step_path))
        return best


def names_a_middle(schema: SchemaInfo, path: Path, words: set[str]) -> bool:
    """True when a word of the question names a table the path passes through, not one at its
    ends ("registered" names ``student_course_registrations``, "attended" its attendance twin)."""
    ends = {w for t in (path[0].source, path[-1].target) for w in schema.tables[t].words}
    middle = {w for step in path[:-1] for w in schema.tables[step.target].words} - ends
    for w in words:
        base = stem(w)  # "register" and "registration" share "regist"
        if any(w == m or _shared_start(base, m) >= max(5, len(base) - 2) for m in middle):
            return True
    return False


def tables_a_verb_names(schema: SchemaInfo, verb: str) -> list[str]:
    """The tables a verb names by its stem ("assigned" -> ``assignedto``, "registered" ->
    ``registrations``)."""
    base = stem(verb)
    return [
        t.name
        for t in schema.tables.values()
        if any(w == verb or _shared_start(base, w) >= max(5, len(base) - 2) for w in t.words)
    ]


def _shared_start(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n
