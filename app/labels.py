"""Columns and values as an analyst reads them: "Revenue" not ``sum_total_amount``, 21,297.06 not
21297.059999999998, a month as "Jan 2024".

Headers come from the reading (the intent's measures and groups) when there is one, else
from the column name alone; a column's *kind* (money, count, percent, month...) decides how
its values are written. Only what is shown changes: CSVs keep the values.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from neurolake.intent.lexicon import MONEY_WORDS
from neurolake.intent.words import singular

Kind = Literal["money", "count", "number", "percent", "day", "week", "month", "quarter", "year", "text", "key"]

_AGGREGATES = ("count_distinct", "count", "sum", "avg", "min", "max")
_GRAINS = ("day", "week", "month", "quarter", "year")
_SHARE = "share_of_total_pct"
#: Words of a question that name money in their own way; the header says them back.
_MONEY_NAMES = {"revenue": "Revenue", "sales": "Sales", "turnover": "Turnover", "spend": "Spend", "income": "Income"}


def words(name: str) -> str:
    """``total_amount`` -> "total amount"."""
    return " ".join(part for part in re.split(r"[_\s.]+", name) if part)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def plural(noun: str) -> str:
    if noun.endswith("y") and not noun.endswith(("ay", "ey", "oy", "uy")):
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def _is_money(column: str) -> bool:
    return bool(set(re.split(r"[_\s.]+", column.lower())) & (MONEY_WORDS | {"sales", "revenue"}))


class ColumnLabels:
    """Headers and kinds of a result's columns, read from the turn's intent (a summary dict) and question."""

    def __init__(self, intent: Mapping[str, Any] | None = None, question: str = "") -> None:
        intent = intent or {}
        self.tables = [str(t) for t in intent.get("tables") or []]
        self.measures = {_alias(m): m for m in intent.get("measures") or [] if isinstance(m, Mapping)}
        self.groups = {_group_alias(g): g for g in intent.get("group_by") or [] if isinstance(g, Mapping)}
        self.question = question.lower()

    def header(self, column: str) -> str:
        """What a person calls the column."""
        measure = self.measures.get(column)
        if measure is not None:
            return self._measure_header(measure)
        group = self.groups.get(column)
        if group is not None and group.get("grain"):
            return _capital(str(group["grain"]))
        if group is not None:
            return self._column_header(str(group.get("column") or column))
        return header_label(column)

    def kind(self, column: str, values: Sequence[Any]) -> Kind:
        """How the column's values are written (money with 2 decimals, a month as "Jan 2024"...)."""
        measure = self.measures.get(column)
        if measure is not None:
            function, source = measure.get("function"), str(measure.get("column") or "")
            if function in ("count", "count_distinct") or source == "":
                return "count"
            if _is_money(source):
                return "money"
        group = self.groups.get(column)
        if group is not None and group.get("grain") in _GRAINS:
            return group["grain"]
        return value_kind(column, values)

    def _measure_header(self, measure: Mapping[str, Any]) -> str:
        function, source = str(measure.get("function")), measure.get("column")
        if source is None:
            counted = self.tables[0] if self.tables else "rows"
            return _capital(words(counted))
        name = str(source).rsplit(".", 1)[-1]
        if function == "count_distinct" and name.endswith("_id"):
            return _capital(plural(words(name[: -len("_id")])))
        if function in ("sum", "avg") and _is_money(name):
            said = next(
                (label for word, label in _MONEY_NAMES.items() if re.search(rf"\b{word}\b", self.question)), None
            )
            if said is not None:
                return said if function == "sum" else f"Average {said.lower()}"
        prefix = {"sum": "Total", "avg": "Average", "min": "Lowest", "max": "Highest", "count": "Number of",
                  "count_distinct": "Different"}[function] if function in _AGGREGATES else ""  # fmt: skip
        named = words(name)
        if prefix == "Total" and named.startswith("total "):
            return _capital(named)  # "Total amount", not "Total total amount"
        return f"{prefix} {named}".strip() if prefix else _capital(named)

    def _column_header(self, qualified: str) -> str:
        table, _, name = qualified.rpartition(".")
        if name in ("name", "title", "label") and table:
            return _capital(words(singular(table)))  # products.name -> "Product"
        return header_label(name)


def header_label(column: str, question: str = "") -> str:
    """A header from a column name (and the question's words): ``sum_total_amount`` -> "Total amount",
    or "Revenue" when the question said revenue."""
    if column == _SHARE:
        return "Share of total (%)"
    for function in _AGGREGATES:
        if column.startswith(function + "_"):
            measure = {"function": function, "column": column[len(function) + 1 :]}
            return ColumnLabels({"measures": [measure]}, question)._measure_header(measure)
    for grain in _GRAINS:
        if column.endswith("_" + grain):
            return _capital(grain)
    return _capital(words(column))


def value_kind(column: str, values: Sequence[Any]) -> Kind:
    """The kind of a column from its name and values alone."""
    present = [v for v in values if v is not None]
    if column == _SHARE or column.endswith("_pct"):
        return "percent"
    if present and all(isinstance(v, datetime | date) for v in present):
        return "day"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "key" if column == "id" or column.endswith("_id") else "count"
    if present and all(isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in present):
        return "money" if _is_money(column) else "number"
    return "text"


def format_value(value: Any, kind: Kind) -> str:
    """``value`` written for people; None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return format_date(value, kind)
    if isinstance(value, int | float | Decimal):
        return format_number(value, kind)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)  # lists and structs as their JSON text
    return str(value)


def format_number(value: int | float | Decimal, kind: Kind) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if kind == "key":
        return str(value)
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "percent":
        return f"{value:,.2f} %"
    if isinstance(value, int):
        return f"{value:,}"
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_date(value: date, kind: Kind) -> str:
    day = value.date() if isinstance(value, datetime) and _midnight(value) else value
    if kind == "month":
        return day.strftime("%b %Y")
    if kind == "quarter":
        return f"{day.year} Q{(day.month - 1) // 3 + 1}"
    if kind == "year":
        return str(day.year)
    if kind == "week":
        return "week of " + day.strftime("%Y-%m-%d")
    if isinstance(day, datetime):
        return day.strftime("%Y-%m-%d %H:%M:%S")
    return day.isoformat()


def _midnight(value: datetime) -> bool:
    return value.hour == value.minute == value.second == value.microsecond == 0


def _alias(measure: Mapping[str, Any]) -> str:
    column = measure.get("column")
    if column is None:
        return "count"
    return f"{measure.get('function')}_{str(column).rsplit('.', 1)[-1]}"


def _group_alias(group: Mapping[str, Any]) -> str:
    name = str(group.get("column") or "").rsplit(".", 1)[-1]
    return f"{name}_{group['grain']}" if group.get("grain") else name
