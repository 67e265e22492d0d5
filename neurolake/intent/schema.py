"""What the parser knows about the tables: names, words, types, descriptions, keys, labels.

Built from the catalog (``SchemaInfo.from_catalog``), from plain specs (tests, prompts) or
from a prompt's schema text (``orders(id INTEGER, amount DECIMAL)`` lines). Nothing here
knows any particular table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from neurolake.intent.lexicon import FUNCTION_WORDS, Lexicon, stem
from neurolake.intent.words import (
    COMMON_WORDS,
    Segmenter,
    common_prefix,
    identifier_words,
    singular,
    split_identifier,
    words_of,
)

if TYPE_CHECKING:
    from neurolake.catalog import Catalog
    from neurolake.catalog.models import CatalogTable

Role = Literal["key", "number", "text", "date", "timestamp", "boolean", "other"]

_NUMBER_TYPES = ("INT", "DOUBLE", "FLOAT", "REAL", "DECIMAL", "NUMERIC", "HUGEINT", "BIGINT", "SMALLINT", "TINYINT")
_KEY_WORDS = frozenset({"id", "key", "uuid", "guid", "code", "sk"})
_RATE_WORDS = frozenset(
    {"price", "rate", "discount", "tax", "age", "percent", "percentage", "ratio", "score", "rating", "balance"}
)
# "table(col TYPE, col TYPE)" lines, as prompts show the schema.
_DESCRIBED_COLUMN = re.compile(r"^\s+([A-Za-z_]\w*):\s+(.+)$")
_SCHEMA_LINE = re.compile(r"^\s*([A-Za-z_][\w]*)\s*\((.*)\)\s*(?:--\s*(.*))?$")


@dataclass(frozen=True)
class ColumnSpec:
    """A column as a caller describes it (name, SQL type, optional description)."""

    name: str
    type: str
    description: str | None = None


@dataclass(frozen=True)
class TableSpec:
    """A table as a caller describes it."""

    name: str
    columns: Sequence[ColumnSpec]
    description: str | None = None
    version: int | None = None


@dataclass(eq=False)
class ColumnInfo:
    """One column with the words a question may use for it."""

    table: str
    name: str
    type: str
    description: str | None
    words: tuple[str, ...]
    desc_words: tuple[str, ...]
    role: Role

    @property
    def qualified(self) -> str:
        return f"{self.table}.{self.name}"

    @property
    def is_numeric(self) -> bool:
        return self.role == "number"

    @property
    def is_temporal(self) -> bool:
        return self.role in ("date", "timestamp")

    @property
    def averaged(self) -> bool:
        """Prices, rates and ages are averaged, not summed, when no function is named."""
        return bool(_RATE_WORDS & set(self.words)) and "total" not in self.words

    def __repr__(self) -> str:
        return f"<column {self.qualified} {self.role}>"


@dataclass(eq=False)
class TableInfo:
    """One table, its columns, and its key and label column once known."""

    name: str
    description: str | None
    columns: list[ColumnInfo]
    words: tuple[str, ...]
    desc_words: tuple[str, ...]
    version: int | None = None
    key: ColumnInfo | None = None
    label: ColumnInfo | None = None
    #: The prefix every column shares (TPC-H ``l_``), or None.
    prefix: str | None = None

    def column(self, name: str) -> ColumnInfo | None:
        lowered = name.lower()
        return next((c for c in self.columns if c.name.lower() == lowered), None)

    def __repr__(self) -> str:
        return f"<table {self.name}>"


def column_role(name_words: Sequence[str], sql_type: str) -> Role:
    """What a column is for, from its type and the last word of its name."""
    upper = sql_type.upper()
    is_number = any(t in upper for t in _NUMBER_TYPES)
    if name_words and name_words[-1] in _KEY_WORDS and (is_number or "CHAR" in upper or "STRING" in upper):
        return "key"
    if upper.startswith("DATE") and "TIME" not in upper:
        return "date"
    if "TIMESTAMP" in upper or upper.startswith("DATETIME"):
        return "timestamp"
    if upper.startswith("BOOL"):
        return "boolean"
    if is_number:
        return "number"
    if any(t in upper for t in ("CHAR", "STRING", "TEXT", "VARCHAR", "UTF8")):
        return "text"
    return "other"


_REFERENCE = re.compile(r"\b[A-Za-z_]\w*\.[A-Za-z_]\w*\b|\b\w*_\w*\b")


def _prose_words(text: str | None) -> list[str]:
    """Words of a description, without identifiers it cites (``customers.customer_id``)."""
    return words_of(_REFERENCE.sub(" ", text or ""))


def _name_words(name: str, *, alone: bool = False) -> set[str]:
    """The words an identifier is written with when they are spaced out (``base_price``); a name
    of one word counts only ``alone`` (a table's), so a glued column name still splits."""
    parts = [w for w in split_identifier(name) if len(w) >= 3 and w.isalpha()]
    if len(parts) < 2 and not alone:
        return set()
    return set(parts) | {singular(w) for w in parts}


def _content(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(singular(w) for w in words if w not in FUNCTION_WORDS and len(w) > 1)


@dataclass
class SchemaInfo:
    """Every table the parser may use, indexed for linking; built once per catalog state."""

    tables: dict[str, TableInfo]
    lexicon: Lexicon = field(default_factory=Lexicon.default)

    @classmethod
    def from_specs(cls, specs: Iterable[TableSpec], lexicon: Lexicon | None = None) -> SchemaInfo:
        """Index tables described by the caller."""
        specs = list(specs)
        lexicon = lexicon or Lexicon.default()
        vocabulary = set(lexicon.vocabulary()) | COMMON_WORDS
        names: set[str] = set()
        for spec in specs:
            vocabulary.update(_prose_words(spec.description))
            names.update(_name_words(spec.name, alone=True))
            for col in spec.columns:
                vocabulary.update(_prose_words(col.description))
                names.update(_name_words(col.name))
        # Stems too: "committed" in a description lets "commitdate" split into "commit date".
        vocabulary |= {stem(w) for w in vocabulary if len(stem(w)) >= 4}
        # The schema's own words ("rooms" splits "roomname"), unless known words spell them ("lineitem").
        known = Segmenter(vocabulary)
        vocabulary |= {w for w in names if known.expand(w) == [w]}
        segmenter = Segmenter(vocabulary)
        tables: dict[str, TableInfo] = {}
        for spec in specs:
            prefix = common_prefix(c.name for c in spec.columns)
            columns = []
            for col in spec.columns:
                raw = identifier_words(col.name, segmenter, prefix)
                words = tuple(singular(w) for w in raw)
                columns.append(
                    ColumnInfo(
                        table=spec.name,
                        name=col.name,
                        type=col.type,
                        description=col.description,
                        words=words,
                        desc_words=_content(_prose_words(col.description)),
                        role=column_role(words, col.type),
                    )
                )
            table_words = tuple(singular(w) for w in identifier_words(spec.name, segmenter))
            tables[spec.name] = TableInfo(
                name=spec.name,
                description=spec.description,
                columns=columns,
                words=table_words,
                desc_words=_content(_prose_words(spec.description)),
                version=spec.version,
                prefix=prefix,
            )
        schema = cls(tables, lexicon)
        for table in tables.values():
            table.key = own_key(table)
            table.label = label_column(table)
        return schema

    @classmethod
    def from_catalog_tables(cls, rows: Iterable[CatalogTable], lexicon: Lexicon | None = None) -> SchemaInfo:
        """Index catalog rows (``tables.list_tables(session)``)."""
        specs = [
            TableSpec(
                name=row.name,
                description=row.description,
                version=row.current_version,
                columns=[ColumnSpec(c.name, c.type, c.description) for c in row.columns],
            )
            for row in rows
        ]
        return cls.from_specs(specs, lexicon)

    @classmethod
    def from_catalog(cls, catalog: Catalog, lexicon: Lexicon | None = None) -> SchemaInfo:
        """Index every table registered in ``catalog``."""
        from neurolake.catalog.repositories import tables as tables_repo

        with catalog.session() as session:
            return cls.from_catalog_tables(tables_repo.list_tables(session), lexicon)

    @classmethod
    def from_text(cls, text: str, lexicon: Lexicon | None = None) -> SchemaInfo:
        """Read ``name(col TYPE, col TYPE) -- description`` lines, as prompts carry them."""
        specs: list[TableSpec] = []
        for line in text.splitlines():
            match = _SCHEMA_LINE.match(line)
            described = _DESCRIBED_COLUMN.match(line)
            if not match and described and specs:
                # "  column: description" under its table (as ``describe()`` writes them).
                last = specs[-1]
                columns = [
                    ColumnSpec(c.name, c.type, described.group(2).strip()) if c.name == described.group(1) else c
                    for c in last.columns
                ]
                specs[-1] = TableSpec(last.name, columns, last.description, last.version)
                continue
            if not match:
                continue
            columns = []
            for part in _split_columns(match.group(2)):
                bits = part.split(None, 1)
                if bits:
                    columns.append(ColumnSpec(bits[0].strip('"`'), bits[1] if len(bits) > 1 else "VARCHAR"))
            specs.append(TableSpec(match.group(1), columns, description=match.group(3)))
        return cls.from_specs(specs, lexicon)

    @property
    def fingerprint(self) -> tuple[tuple[str, int | None], ...]:
        """Table names and versions: a changed fingerprint means the index is stale."""
        return tuple(sorted((t.name, t.version) for t in self.tables.values()))

    @cached_property
    def columns(self) -> list[ColumnInfo]:
        return [c for t in self.tables.values() for c in t.columns]

    def dated_by(self, verb: str) -> list[ColumnInfo]:
        """ "released", "contacted", "stayed": the date columns a verb names ("releasedate",
        "date_contact_to", "staystart"; a year kept as a number: "launch")."""
        base = stem(verb)
        return [
            c
            for c in self.columns
            if (c.is_temporal or (c.is_numeric and (len(c.words) == 1 or "year" in c.words)))
            and c.role != "key"
            and any(w == base or stem(w) == base or self.lexicon.similarity(base, w) >= 0.8 for w in c.words)
        ]

    def table(self, name: str) -> TableInfo | None:
        return self.tables.get(name) or next((t for t in self.tables.values() if t.name.lower() == name.lower()), None)

    def column(self, qualified: str) -> ColumnInfo | None:
        """``table.column`` to its info, or None."""
        table_name, _, column_name = qualified.rpartition(".")
        table = self.table(table_name)
        return table.column(column_name) if table is not None else None

    def describe(self) -> str:
        """The schema as prompt text: one ``table(col TYPE, ...)`` line per table, then descriptions."""
        lines = []
        for table in self.tables.values():
            cols = ", ".join(f"{c.name} {c.type}" for c in table.columns)
            lines.append(f"{table.name}({cols})" + (f" -- {table.description}" if table.description else ""))
            lines += [f"  {c.name}: {c.description}" for c in table.columns if c.description]
        return "\n".join(lines)


def _split_columns(text: str) -> list[str]:
    """Split ``a INT, b DECIMAL(10,2)`` at commas outside parentheses."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def own_key(table: TableInfo) -> ColumnInfo | None:
    """The column identifying a row: ``id``, ``<table>_id``, ``<table>key`` (TPC-H ``c_custkey``)."""
    keys = [c for c in table.columns if c.role == "key"]
    for col in keys:
        if col.words == ("id",):
            return col
    for col in keys:
        if col.words[:-1] and col.words[:-1] == table.words:
            return col
    for col in keys:
        # customers.cust_id, order_lines.line_id: the stem is a prefix of the table name.
        stem = "".join(col.words[:-1])
        if len(stem) >= 3 and len(table.words) == 1 and table.words[0].startswith(stem) and col is table.columns[0]:
            return col
        if 0 < len(stem) <= 2 and col is table.columns[0] and table.words and table.words[0].startswith(stem):
            return col  # users.uid, aircraft.aid: a letter or two of the table's name, then id
    return None


def label_column(table: TableInfo) -> ColumnInfo | None:
    """The column that names a row for people (``name``, ``title``), or None when there is none."""
    texts = [c for c in table.columns if c.role == "text"]
    for wanted in (("name",), ("title",), ("label",)):
        for col in texts:
            if col.words == wanted or col.words[-1:] == wanted:
                return col
    own = [c for c in texts if len(c.words) == 1 and [singular(c.words[0])] == [singular(w) for w in table.words]]
    return own[0] if own else None  # "party.party", "aircraft.aircraft": the column that names the row


def catalog_specs(rows: Mapping[str, Sequence[tuple[str, str]]]) -> list[TableSpec]:
    """Shorthand for tests: ``{"trips": [("id", "BIGINT"), ...]}`` to specs."""
    return [TableSpec(name, [ColumnSpec(n, t) for n, t in cols]) for name, cols in rows.items()]
