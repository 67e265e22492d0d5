"""Example questions made from the tables' own names and columns (no table is known in advance)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.catalog_view import ColumnSummary, TableSummary

#: Words in a column name that mark it as an identifier or free text, not a category.
_NOT_A_CATEGORY = ("id", "name", "email", "phone", "address", "url", "description", "comment", "note", "uuid")
_NUMERIC = re.compile(r"^(TINYINT|SMALLINT|INT|INTEGER|BIGINT|HUGEINT|FLOAT|REAL|DOUBLE|DECIMAL|NUMERIC)", re.I)
_TEXT = re.compile(r"^(VARCHAR|STRING|TEXT|CHAR)", re.I)
#: Measures whose sum means nothing: they are averaged instead.
_AVERAGED = {"price", "rate", "ratio", "percent", "pct", "discount", "age", "score", "rating", "avg", "average"}
_TEMPORAL = re.compile(r"^(DATE|TIMESTAMP)", re.I)


def words(name: str) -> str:
    """A column or table name as words: ``total_amount`` -> ``total amount``."""
    return re.sub(r"[_\W]+", " ", name).strip().lower()


def _parts(name: str) -> set[str]:
    return set(words(name).split())


def is_measure(column: ColumnSummary) -> bool:
    """A number that is worth adding up (not a key such as ``customer_id``)."""
    return bool(_NUMERIC.match(column.type)) and not (_parts(column.name) & {"id", "key", "code", "zip", "year"})


def is_category(column: ColumnSummary) -> bool:
    """Text that groups rows (country, status), not one row's own text (name, email)."""
    return bool(_TEXT.match(column.type)) and not (_parts(column.name) & set(_NOT_A_CATEGORY))


def is_temporal(column: ColumnSummary) -> bool:
    return bool(_TEMPORAL.match(column.type))


def questions_for_table(table: TableSummary) -> list[str]:
    """Up to four questions the table can answer, from its column roles."""
    subject = words(table.name)
    measures = [c for c in table.columns if is_measure(c)]
    categories = [c for c in table.columns if is_category(c)]
    dates = [c for c in table.columns if is_temporal(c)]
    questions = [f"how many {subject} are there"]
    if measures and categories:
        questions.append(f"{_summed(measures[-1])} by {words(categories[0].name)}")
    if dates:
        questions.append(f"number of {subject} per month")
    if measures and len(categories) > 1:
        questions.append(f"average {words(measures[0].name)} by {words(categories[1].name)}")
    return questions


def _summed(column: ColumnSummary) -> str:
    """How a measure reads when grouped: prices and rates average, amounts add up."""
    measure = words(column.name)
    if _parts(column.name) & _AVERAGED:
        return f"average {measure}"
    return measure if measure.startswith("total") else f"total {measure}"


def example_questions(tables: Iterable[TableSummary], *, limit: int = 4) -> list[str]:
    """A few varied questions over the lakehouse: one count, then the richer questions by turns."""
    ranked = sorted(tables, key=lambda t: (-_richness(t), -(t.rows or 0), t.name))
    per_table = [questions_for_table(t) for t in ranked]
    richer = [q for index in (1, 2, 3) for questions in per_table for q in questions[index : index + 1]]
    largest = max(ranked, key=lambda t: t.rows or 0, default=None)
    count = [questions_for_table(largest)[0]] if largest is not None else []
    picked = list(dict.fromkeys(richer[: max(limit - len(count), 0)] + count))
    return picked[:limit]


def _richness(table: TableSummary) -> int:
    return len(questions_for_table(table))
