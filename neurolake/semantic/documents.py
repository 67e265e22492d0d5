"""What gets embedded for each table, column and value, and how a table's state is fingerprinted."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from neurolake.semantic.lexical import identifier_phrase

#: Bump when the embedded texts or payloads change, so existing indexes are rebuilt.
INDEX_FORMAT = 1
_POINT_NAMESPACE = uuid.UUID("6f1c9a52-3d0e-4f51-9b1e-2a7c8d4e5f60")


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str
    description: str | None = None


@dataclass(frozen=True)
class TableInfo:
    """A catalog table as the index sees it, detached from the database session."""

    name: str
    version: int
    description: str | None = None
    columns: tuple[ColumnInfo, ...] = field(default_factory=tuple)

    @classmethod
    def from_catalog(cls, table: Any) -> TableInfo:
        """From a ``CatalogTable`` row (with its columns loaded)."""
        return cls(
            name=table.name,
            version=int(table.current_version),
            description=table.description or None,
            columns=tuple(ColumnInfo(c.name, c.type, c.description or None) for c in table.columns),
        )

    def fingerprint(self, model_name: str) -> str:
        """Changes when the version, a name, a type, a description or the model changes."""
        blob = json.dumps([INDEX_FORMAT, model_name, asdict(self)], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Document:
    """One point of the schema collection: the text to embed and its payload."""

    id: str
    text: str
    payload: dict[str, Any]


def point_id(*parts: str | None) -> str:
    """A stable id, so re-indexing the same thing overwrites rather than duplicates."""
    return str(uuid.uuid5(_POINT_NAMESPACE, "\x1f".join(p or "" for p in parts)))


def table_texts(table: TableInfo) -> dict[str, str]:
    """The texts a table is found by: its name as words, its description, its columns.

    Each is a separate point and a search keeps the best: all-MiniLM scores a short query
    highest against a short text, so mixing everything into one text blurs every match.
    """
    phrase = identifier_phrase(table.name)
    columns = ", ".join(identifier_phrase(c.name) for c in table.columns)
    texts = {"name": phrase, "context": f"{phrase} with {columns}" if columns else phrase}
    if table.description:
        texts["description"] = table.description
    return texts


def column_texts(table: TableInfo, column: ColumnInfo) -> dict[str, str]:
    """The texts a column is found by: name as words, description, and both with the table.

    ``l_extendedprice`` is found by "extended price" through its description; ``amount``
    by "revenue" through its bare name. The type stays out of the texts (it lowered every
    similarity measured) and is returned in the payload instead.
    """
    phrase = identifier_phrase(column.name)
    context = f"{phrase} of {identifier_phrase(table.name)}"
    texts = {"name": phrase, "context": f"{context}: {column.description}" if column.description else context}
    if column.description:
        texts["description"] = column.description
    return texts


def column_documents(table: TableInfo) -> list[Document]:
    """The documents of every column of ``table``."""
    return [
        Document(
            point_id("column", table.name, column.name, variant),
            text,
            {
                "kind": "column",
                "variant": variant,
                "table": table.name,
                "column": column.name,
                "type": column.type,
                "description": column.description,
            },
        )
        for column in table.columns
        for variant, text in column_texts(table, column).items()
    ]


def value_documents(table: TableInfo, values: dict[str, list[str]]) -> list[Document]:
    """One document per distinct value of each value-indexed column."""
    return [
        Document(
            point_id("value", table.name, column, value),
            value,
            {"kind": "value", "table": table.name, "column": column, "value": value},
        )
        for column, column_values in values.items()
        for value in column_values
    ]


def table_documents(table: TableInfo, *, fingerprint: str, values: dict[str, list[str]]) -> list[Document]:
    """The table's documents; the one holding ``state`` records what was indexed.

    The state (version, fingerprint, the indexed values) lets a new process rebuild its
    view of the index from the table points alone.
    """
    documents = []
    for variant, text in table_texts(table).items():
        payload: dict[str, Any] = {
            "kind": "table",
            "variant": variant,
            "table": table.name,
            "column": None,
            "description": table.description,
        }
        if variant == "name":
            payload["state"] = {"version": table.version, "fingerprint": fingerprint, "values": values}
        documents.append(Document(point_id("table", table.name, None, variant), text, payload))
    return documents
