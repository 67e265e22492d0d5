"""The ``Intent``: what a question asks, in slots the SQL generator and a person can read.

Columns are written ``table.column``. An intent that needs the user's help carries
``ambiguities``: each names the slot it is about, asks one question, and offers options
that are complete intents of their own, so choosing one finishes the query.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

AggregateFunction = Literal["count", "count_distinct", "sum", "avg", "min", "max"]
FilterOp = Literal[
    "=",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "in",
    "not_in",
    "between",
    "like",
    "starts_with",
    "ends_with",
    "is_null",
    "not_null",
]
TimeGrain = Literal["day", "week", "month", "quarter", "year"]
Direction = Literal["asc", "desc"]

#: Below this confidence an intent is not run: the user is asked instead.
CLARIFY_BELOW = 0.4


class IntentKind(StrEnum):
    """What kind of question it is; decides which slots matter."""

    QUERY = "query"  # list rows: "show me customers"
    FILTER = "filter"  # rows with conditions: "orders above 100 from Germany"
    AGGREGATION = "aggregation"  # "count by country", "average order value per month"
    RANKING = "ranking"  # "top 5 products by revenue"
    TIME_TRAVEL = "time_travel"  # "how many orders as of version 3"
    SCHEMA = "schema"  # "what tables are there", "describe orders"
    EXPLAIN = "explain"  # "explain how you would count orders by month"
    PIPELINE = "pipeline"  # "create a daily job that computes revenue by country"
    SQL = "sql"  # a read-only SQL statement typed as the question
    UNKNOWN = "unknown"  # refused or not understood


class Measure(BaseModel):
    """An aggregate: ``count`` with no column counts rows."""

    model_config = ConfigDict(frozen=True)

    function: AggregateFunction
    column: str | None = None

    @property
    def alias(self) -> str:
        """The output column name: ``count``, ``sum_total_amount``, ``count_distinct_customer_id``."""
        if self.column is None:
            return "count"
        return f"{self.function}_{self.column.split('.')[-1]}"


class GroupBy(BaseModel):
    """A grouping column, truncated to a time grain for dates."""

    model_config = ConfigDict(frozen=True)

    column: str
    grain: TimeGrain | None = None

    @property
    def alias(self) -> str:
        name = self.column.split(".")[-1]
        return f"{name}_{self.grain}" if self.grain else name


class SubQuery(BaseModel):
    """What a filter compares with when it is computed: ``AVG(age)`` of a table, or the values of
    a column of a related table (``IN`` / ``NOT IN``: "mountains no climber has climbed")."""

    model_config = ConfigDict(frozen=True)

    column: str
    #: None: the column's values (for ``in`` / ``not_in``); else one number.
    function: AggregateFunction | None = None
    #: Tables joined to ``column``'s table inside the subquery (their conditions are in ``filters``).
    joins: list[Join] = Field(default_factory=list)
    filters: list[Filter] = Field(default_factory=list)
    #: "the most common payment method": the value most rows hold ("desc") or fewest ("asc").
    mode: Direction | None = None


class Filter(BaseModel):
    """``column op value``; ``in``/``between`` take a list, ``is_null``/``not_null`` no value.

    With ``subquery`` the value is computed: ``age < (SELECT AVG(age) ...)`` or
    ``id NOT IN (SELECT ref FROM other)``.
    """

    model_config = ConfigDict(frozen=True)

    column: str
    op: FilterOp = "="
    value: Any = None
    subquery: SubQuery | None = None


class TimeRange(BaseModel):
    """A half-open period ``[start, end)`` on a date or timestamp column."""

    model_config = ConfigDict(frozen=True)

    column: str | None = None
    start: date | None = None
    end: date | None = None
    #: The words it came from ("last quarter"), to echo back.
    label: str = ""


class OrderBy(BaseModel):
    """Sort on a column or on a measure's alias (``sum_total_amount``)."""

    model_config = ConfigDict(frozen=True)

    target: str
    direction: Direction = "desc"


class TimeTravel(BaseModel):
    """Read every table as of a version or a timestamp."""

    model_config = ConfigDict(frozen=True)

    version: int | None = Field(None, ge=0)
    timestamp: str | None = None


class Join(BaseModel):
    """An inner join of ``table`` to what came before, on pairs of ``table.column``."""

    model_config = ConfigDict(frozen=True)

    table: str
    on: list[tuple[str, str]]


class Schedule(BaseModel):
    """When a pipeline runs: a cron expression and the words it came from."""

    model_config = ConfigDict(frozen=True)

    cron: str
    label: str


class Preview(BaseModel):
    """The first rows one reading gives, shown beside its option so the person picks by what they see."""

    columns: list[str]
    rows: list[list[Any]]
    row_count: int
    truncated: bool = False


class AmbiguityOption(BaseModel):
    """One reading of the question, named in the user's words, as a complete intent."""

    label: str
    intent: Intent
    #: Its first rows, once the readings were run and found to differ.
    preview: Preview | None = None


class Ambiguity(BaseModel):
    """A slot with two or more readings that lead to different results."""

    slot: str
    question: str
    options: list[AmbiguityOption] = Field(min_length=2)


class Clarification(BaseModel):
    """What ``ask`` shows instead of a result: one question and its options."""

    question: str
    options: list[str]
    #: Per option, its first rows (None where the readings were not run).
    previews: list[Preview | None] = Field(default_factory=list)


class Intent(BaseModel):
    """A parsed question: the slots of one read-only query, or a schema request."""

    kind: IntentKind = IntentKind.QUERY
    question: str = ""
    tables: list[str] = Field(default_factory=list)
    joins: list[Join] = Field(default_factory=list)
    #: Columns to list (``table.column``), or ``table.*``; aggregations leave it empty.
    columns: list[str] = Field(default_factory=list)
    distinct: bool = False
    measures: list[Measure] = Field(default_factory=list)
    group_by: list[GroupBy] = Field(default_factory=list)
    filters: list[Filter] = Field(default_factory=list)
    #: Conditions on what is computed per group (SQL ``HAVING``): each ``column`` is the alias of
    #: one of ``measures`` ("customers with more than 5 orders": ``count_distinct_order_id > 5``).
    having: list[Filter] = Field(default_factory=list)
    time_range: TimeRange | None = None
    order_by: list[OrderBy] = Field(default_factory=list)
    limit: int | None = Field(None, ge=1)
    time_travel: TimeTravel | None = None
    #: Schema questions: ``tables`` (list them) or ``describe`` (the first of ``tables``).
    schema_request: Literal["tables", "describe"] | None = None
    schedule: Schedule | None = None
    #: SQL typed as the question (kind ``sql``), run as is when it is read-only.
    sql: str | None = None
    confidence: float = Field(1.0, ge=0.0, le=1.0)
    ambiguities: list[Ambiguity] = Field(default_factory=list)
    #: Conditions of which one suffices (SQL ``OR``), beside ``filters``, which all must hold.
    any_of: list[Filter] = Field(default_factory=list)
    #: A second reading combined with this one: "both" (intersect), "or" (union), "but not" (except).
    combine: Literal["intersect", "union", "except"] | None = None
    other: Intent | None = None
    #: Why the question is not answered (kind ``unknown``).
    refusal: str | None = None
    #: Words of the question that linked to nothing (they lower the confidence).
    unlinked: list[str] = Field(default_factory=list)
    #: Words no table or column is named after, read through the embedding index as one that is
    #: similar in meaning ("employees" -> customers): the conversation asks before answering.
    by_meaning: list[str] = Field(default_factory=list)

    def extra_columns(self) -> list[str]:
        """Columns used inside conditions: ``any_of`` and the columns of subqueries."""
        out = [f.column for f in self.any_of]
        for f in [*self.filters, *self.any_of]:
            if f.subquery is not None:
                out.append(f.subquery.column)
                out += [g.column for g in f.subquery.filters]
        return out

    @field_validator("confidence")
    @classmethod
    def _round(cls, value: float) -> float:
        return round(value, 3)

    @property
    def needs_clarification(self) -> bool:
        """True when the answer would be a guess: an open ambiguity or too little confidence."""
        if self.kind is IntentKind.UNKNOWN:
            return False
        return bool(self.ambiguities) or self.confidence < CLARIFY_BELOW

    @property
    def clarification(self) -> Clarification | None:
        """The question to ask back, or None when the intent can run."""
        if self.ambiguities:
            first = self.ambiguities[0]
            previews = [o.preview for o in first.options] if any(o.preview for o in first.options) else []
            return Clarification(question=first.question, options=[o.label for o in first.options], previews=previews)
        if self.needs_clarification:
            return Clarification(
                question=f"I am not sure I understood {self.question!r}. Did you mean this?",
                options=[describe(self), "something else (please rephrase)"],
            )
        return None

    def resolve(self, answer: str | int) -> Intent:
        """The intent after the user picks an option of the first ambiguity (label or index)."""
        if not self.ambiguities:
            return self
        options = self.ambiguities[0].options
        if isinstance(answer, int):
            return options[answer].intent
        wanted = answer.strip().lower()
        for option in options:
            if option.label.lower() == wanted:
                return option.intent
        matches = [o for o in options if wanted and wanted in o.label.lower()]
        if len(matches) == 1:
            return matches[0].intent
        raise ValueError(f"{answer!r} is not one of: {', '.join(o.label for o in options)}")

    def summary(self) -> dict[str, Any]:
        """The intent as JSON-ready data without the alternative intents inside ambiguities."""
        data = self.model_dump(mode="json", exclude={"ambiguities"}, exclude_defaults=True)
        data["kind"] = self.kind.value
        data["confidence"] = self.confidence
        if self.ambiguities:
            data["ambiguities"] = [
                {
                    "slot": a.slot,
                    "question": a.question,
                    "options": [o.label for o in a.options],
                    "previews": [o.preview.model_dump() if o.preview else None for o in a.options],
                }
                for a in self.ambiguities
            ]
        return data


def describe(intent: Intent) -> str:
    """The reading of an intent in words, so a person can check it before trusting the answer:
    ``name, price of products where price is below the average price, sorted by price (lowest
    first), first 1``; ``sum of total_amount by country, top 5``."""
    parts: list[str] = []
    what = [_measure_words(m) for m in intent.measures]
    listed = [_column_words(c) for c in intent.columns]
    if what:
        parts.append(", ".join(what))
    elif listed:
        parts.append(("different " if intent.distinct else "") + ", ".join(listed))
    elif intent.tables:
        parts.append(intent.tables[0])
    if intent.group_by:
        parts.append("by " + ", ".join(g.grain or _column_words(g.column) for g in intent.group_by))
    conditions = [_filter_words(f) for f in intent.filters]
    if intent.any_of:
        conditions.append("(" + " or ".join(_filter_words(f) for f in intent.any_of) + ")")
    if conditions:
        parts.append("where " + " and ".join(conditions))
    if intent.having:
        parts.append("keeping groups whose " + " and ".join(_filter_words(f) for f in intent.having))
    if intent.time_range is not None and intent.time_range.label:
        parts.append(intent.time_range.label)
    if intent.order_by:
        parts.append("sorted by " + ", ".join(_order_words(o) for o in intent.order_by))
    if intent.limit:
        parts.append(f"top {intent.limit}" if intent.order_by else f"first {intent.limit}")
    if intent.combine is not None and intent.other is not None:
        joiner = {"intersect": "and also in", "union": "together with", "except": "leaving out those in"}
        parts.append(f"{joiner[intent.combine]} ({describe(intent.other)})")
    return " ".join(parts) or intent.kind.value


def _column_words(qualified: str) -> str:
    table, _, name = qualified.rpartition(".")
    return f"every column of {table}" if name == "*" else name


def _measure_words(m: Measure) -> str:
    if m.column is None:
        return "number of rows"
    names = {"count": "number of", "count_distinct": "number of different", "sum": "sum of", "avg": "average of",
             "min": "lowest", "max": "highest"}  # fmt: skip
    return f"{names[m.function]} {_column_words(m.column)}"


_OP_WORDS = {
    "=": "is", "!=": "is not", ">": "over", ">=": "at least", "<": "below", "<=": "at most", "in": "is one of",
    "not_in": "is none of", "between": "between", "like": "contains", "starts_with": "starts with",
    "ends_with": "ends with", "is_null": "is empty", "not_null": "is not empty",
}  # fmt: skip


def _filter_words(f: Filter) -> str:
    column = _column_words(f.column)
    op = _OP_WORDS.get(f.op, f.op)
    if f.subquery is not None:
        sub = f.subquery
        if sub.function is not None:
            return f"{column} {op} the {_measure_words(Measure(function=sub.function, column=sub.column))}"
        table = sub.column.rpartition(".")[0]
        where = " where " + " and ".join(_filter_words(g) for g in sub.filters) if sub.filters else ""
        verb = "has no" if f.op == "not_in" else "has a"
        return f"it {verb} {table} row{where}"
    if f.op in ("is_null", "not_null"):
        return f"{column} {op}"
    if f.op == "between" and isinstance(f.value, list | tuple) and len(f.value) == 2:
        return f"{column} between {f.value[0]!r} and {f.value[1]!r}"
    if isinstance(f.value, list):
        return f"{column} {op} " + ", ".join(repr(v) for v in f.value)
    return f"{column} {op} {f.value!r}"


def _order_words(o: OrderBy) -> str:
    return f"{_column_words(o.target)} ({'highest' if o.direction == 'desc' else 'lowest'} first)"


SubQuery.model_rebuild()
Filter.model_rebuild()
Intent.model_rebuild()
AmbiguityOption.model_rebuild()
