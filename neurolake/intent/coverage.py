"""Coverage: does the reading use every part of the question that could change the answer?

A reading that drops a negation, a second value, an ordering or a named column answers a
different question, and the person cannot tell. Each rule below looks at the question's
tokens (with what claimed them) and at the finished ``Intent``, and reports what the
reading left out. Rules run in the order of ``RULES``; the words they look for are data
(``vocabulary/reading.toml``), not code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from itertools import pairwise
from typing import Any

from neurolake.intent.frame import verb_before
from neurolake.intent.lexicon import DIRECTION_WORDS, MONEY_WORDS, stem
from neurolake.intent.linker import Mention
from neurolake.intent.model import Intent
from neurolake.intent.rules.superlative import starts_an_order
from neurolake.intent.schema import SchemaInfo
from neurolake.intent.text import Question, Token
from neurolake.intent.vocab import load, word_lists
from neurolake.intent.words import singular

#: Token roles whose values the reading keeps elsewhere (a period, a version, a schedule).
_VALUE_ROLES = frozenset({"period", "time_travel", "schedule", "number", "mention", "grain"})
_NEGATIVE_OPS = frozenset({"!=", "not_in", "is_null", "not_exists"})
_INEQUALITIES = frozenset({">", ">=", "<", "<=", "between"})
#: Comparatives after "no"/"not" make a comparison ("no more than 5"), not a negation.
_COMPARATIVES = frozenset(
    {"more", "less", "fewer", "greater", "larger", "smaller", "higher", "lower", "over", "under", "above", "below",
     "older", "younger", "later", "earlier", "exceed", "exceeding", "longer", "shorter"}
)  # fmt: skip
_AGGREGATE_FUNCTIONS = {
    "average": ("avg",), "mean": ("avg",), "avg": ("avg",), "sum": ("sum",), "total": ("sum", "count"),
    "maximum": ("max",), "max": ("max",), "minimum": ("min",), "min": ("min",),
    "count": ("count", "count_distinct"), "many": ("count", "count_distinct"),
    "number": ("count", "count_distinct"),
}  # fmt: skip


@cache
def vocabulary_words(name: str) -> frozenset[str]:
    """A word list of ``english.toml``'s ``[words]`` ("relation_verbs")."""
    return frozenset(load("english")["words"][name])


def vocabulary() -> dict[str, frozenset[str]]:
    """The reading words by kind (negations, alternatives, ordering...), read once."""
    return word_lists("reading")


@dataclass(frozen=True)
class Unread:
    """A part of the question the reading does not use, and what kind of part it is."""

    words: str
    why: str

    def __str__(self) -> str:
        return f"{self.words!r} ({self.why})"


@dataclass
class Reading:
    """What a finished intent uses, gathered once for all rules."""

    intent: Intent
    schema: SchemaInfo
    q: Question
    mentions: list[Mention]
    #: (``table.column``, referenced table) of each key: a column that holds the table's keys.
    references: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        intent = self.intent
        self.tables = {t.lower() for t in intent.tables}
        self.star_tables = {c.rsplit(".", 1)[0].lower() for c in intent.columns if c.endswith(".*")}
        columns = {c.lower() for c in intent.columns if not c.endswith(".*")}
        columns |= {m.column.lower() for m in intent.measures if m.column}
        columns |= {g.column.lower() for g in intent.group_by}
        columns |= {f.column.lower() for f in intent.filters}
        columns |= {o.target.lower() for o in intent.order_by if "." in o.target}
        if intent.time_range is not None and intent.time_range.column:
            columns.add(intent.time_range.column.lower())
        for extra in intent.extra_columns():
            columns.add(extra.lower())
        self.columns = columns
        self.column_words = {w for c in columns for w in self._words_of(c)}
        conditions = [*intent.filters, *intent.having, *intent.any_of]
        if intent.other is not None:  # "both A and B": the second reading's conditions are read too
            conditions += [*intent.other.filters, *intent.other.having]
        self.values = {_norm(v) for f in conditions for v in _flat(f.value)}
        self.values |= {_norm(v) for f in conditions if f.subquery for g in f.subquery.filters for v in _flat(g.value)}
        self.numbers = set(self.values)
        if intent.limit is not None:
            self.numbers.add(_norm(intent.limit))
        self.functions = {m.function for m in intent.measures}
        self.ops = {f.op for f in conditions}

    @cached_property
    def comparative_hints(self) -> set[str]:
        """Words of columns the question's comparatives name by meaning ("older" -> age)."""
        return {
            h for t in self.q.tokens if t.text.endswith("er") for h in DIRECTION_WORDS.get(t.text[:-2], ("", ()))[1]
        }

    @cached_property
    def hinted(self) -> set[str]:
        """Columns a comparative names by its meaning ("older" -> age), empty when none hints."""
        hints = self.comparative_hints | {
            h for t in self.q.tokens if t.role == "compare" for h in DIRECTION_WORDS.get(t.text, ("", ()))[1]
        }
        hints &= {"age"}  # only hints that name one kind of column for sure
        if not hints:
            return set()
        return {c.qualified.lower() for c in self.schema.columns if set(c.words) & hints}

    @cached_property
    def named(self) -> set[str]:
        """Columns a word of the question names: mentions, values' columns, and the columns a
        comparative or superlative hints at ("cheaper" -> price, "older" -> age)."""
        tokens = self.q.tokens
        named = {t.qualified.lower() for m in self.mentions for t in m.candidates if t.kind == "column"}
        named |= {f"{t.table}.{t.column}".lower() for m in self.mentions for t in m.candidates if t.kind == "value"}
        hints = {h for t in tokens for h in DIRECTION_WORDS.get(t.text, ("", ()))[1]} | self.comparative_hints
        rule_words = word_lists("rules")
        if any(t.text in rule_words["height_superlatives"] for t in tokens):
            hints |= rule_words["height_words"]  # "the highest peak": its height, as the superlative rule reads it
        if any(t.text in ("oldest", "youngest") for t in tokens):
            hints.add("age")
        if any(t.kind == "number" and t.raw[:1] in "$€£" for t in tokens):
            hints |= set(DIRECTION_WORDS["expensive"][1])  # "$1,000": an amount of money
        # "orders over 100": a bare amount compared with a table named just before is its money column.
        for t in [t for t in tokens if t.role == "compare" and t.kind == "number"]:
            before = next((m for m in reversed(self.mentions) if m.end <= t.index - 1), None)
            if before is not None and before.best.kind == "table" and before.end >= t.index - 2:
                table = self.schema.tables[before.best.table]
                money = [c for c in table.columns if c.is_numeric and set(c.words) & MONEY_WORDS]
                if len(money) == 1:
                    named.add(money[0].qualified.lower())

        for t in [t for t in tokens if t.role == "compare" and t.kind == "number"]:
            right = next((m for m in self.mentions if m.end == t.index and m.best.kind == "table"), None)
            key = self.schema.tables[right.best.table].key if right is not None else None
            if key is not None:
                named.add(key.qualified.lower())  # "customer 10": the customer's key
        if hints:
            named |= {c.qualified.lower() for c in self.schema.columns if set(c.words) & hints}
        # "stayed in room 111 most recently", "most recently released": the date the verb names
        superlatives = [t.index for t in tokens if t.role == "direction"]
        if superlatives:
            after = self.q.at(superlatives[-1] + 1)
            verbs = {verb_before(self.q, superlatives[0])} | {after.text if after is not None else ""}
            for verb in verbs - {""}:
                named |= {c.qualified.lower() for c in self.schema.dated_by(verb) if verb.endswith("ed")}
        # "after the year 1989": a period's own words may name its column
        period_words = {t.text for t in tokens if t.role == "period" and t.kind == "word"}
        if any(t.role == "period" and t.kind == "number" for t in tokens):
            period_words.add("year")  # "after 2000": a year, whichever column holds it
        named |= {c.qualified.lower() for c in self.schema.columns if c.words and set(c.words) <= period_words}
        return named

    def _words_of(self, qualified: str) -> set[str]:
        info = self.schema.column(qualified)
        return set(info.words) | {w for w in info.name.lower().split("_")} if info is not None else set()

    def uses_column(self, qualified: str) -> bool:
        qualified = qualified.lower()
        return qualified in self.columns or qualified.rsplit(".", 1)[0] in self.star_tables

    def words(self, kind: str) -> list[Token]:
        """Tokens of the question that are words of ``kind`` and no mention claimed."""
        wanted = vocabulary()[kind]
        return [t for t in self.q.tokens if t.kind == "word" and t.text in wanted and t.role != "mention"]


Rule = Callable[[Reading], list[Unread]]


def unused_mentions(r: Reading) -> list[Unread]:
    """ "names and ages of pilots" read as the names only: 'ages' is reported."""
    joined = _join_columns(r.intent)
    out = []
    for m in r.mentions:
        if any(_used(r, t) for t in m.candidates):
            continue
        if len(m.words) == 1 and _verb_form(m.words[0]) and stem(m.words[0]) in _words_of_columns(joined):
            continue  # "cities that have hosted a competition": the host_city_id key the reading joins by
        out.append(Unread(m.text, "not used in the answer"))
    return out


def _words_of_columns(columns: set[str]) -> set[str]:
    return {w for c in columns for w in re.split(r"[._]", c)}


def _join_columns(intent: Intent) -> set[str]:
    """Columns the reading joins by, in the query and in its subqueries."""
    joins = [*intent.joins, *(j for f in intent.filters if f.subquery is not None for j in f.subquery.joins)]
    out = {c.lower() for j in joins for pair in j.on for c in pair}
    out |= {f.subquery.column.lower() for f in intent.filters if f.subquery is not None and f.op in ("in", "not_in")}
    return out


def substituted_tables(r: Reading) -> list[Unread]:
    """ "how many dorms have a TV lounge" read as a count of the dorm amenities: the table the
    words name exactly is left out and a weaker match counted instead."""
    out = []
    for m in r.mentions:
        best = m.candidates[0]
        if best.kind != "table" or best.score < 0.95 or _used(r, best):
            continue
        used = [t for t in m.candidates[1:] if _used(r, t)]
        if used and all(t.kind == "table" and t.score < best.score - 0.1 for t in used):
            if any(_refers_to(r.schema, t.table, best.table) for t in used):
                continue  # "halls that have features" through the table listing each hall's features
            out.append(Unread(m.text, f"read as {used[0].table}, not {best.table}"))
        elif used and all(_counted_instead(r, t, best.table) for t in used):
            # "how many classes in each department" counted as the students' distinct class values
            out.append(Unread(m.text, f"counted as the values of {used[0].qualified}, not the rows of {best.table}"))
    return out


def _counted_instead(r: Reading, t: Any, table: str) -> bool:
    """``t`` is another table's column whose distinct values the reading counts; not a key to
    ``table`` ("different scientists assigned" counts the assignments' scientist keys)."""
    if t.kind != "column" or t.table == table or (t.qualified.lower(), table.lower()) in r.references:
        return False
    column, target = r.schema.column(t.qualified), r.schema.table(table)
    if column is not None and target is not None and singular(column.name.lower()) == singular(target.name.lower()):
        return False  # a column named just like the table holds its rows' keys
    counted = {(m.column or "").lower() for m in r.intent.measures if m.function == "count_distinct"}
    return t.qualified.lower() in counted


def _refers_to(schema: SchemaInfo, table: str, target: str) -> bool:
    """``table`` holds a column named like ``target``'s key: it lists rows of ``target``."""
    info, other = schema.table(table), schema.table(target)
    if info is None or other is None or other.key is None:
        return False
    names = (other.key.name, f"{other.name}_{other.key.name}")  # "featid"; "enzyme_id" for enzyme.id
    return any(info.column(n) is not None for n in names)


def unused_numbers(r: Reading) -> list[Unread]:
    """ "orders over 500" read without the comparison: '500' is reported."""
    out = []
    for t in r.q.tokens:
        if t.kind not in ("number", "quoted") or t.role in _VALUE_ROLES:
            continue
        if t.kind == "quoted" and any(t.value.lower() in v for v in r.values if isinstance(v, str)):
            continue
        if _norm(t.value) not in r.numbers:
            out.append(Unread(t.raw, "a value not used in the answer"))
    return out


def negations(r: Reading) -> list[Unread]:
    """ "mountains that no climber has climbed" read as all mountains: 'no' is reported."""
    if r.ops & _NEGATIVE_OPS or r.intent.combine == "except":
        return []
    out = []
    for t in r.words("negations"):
        nxt = r.q.at(t.index + 1)
        if nxt is not None and (nxt.text in _COMPARATIVES or nxt.role == "compare") and r.ops & _INEQUALITIES:
            continue  # "no more than 5": a comparison
        out.append(Unread(t.raw, "a negation"))
    return out


def alternatives(r: Reading) -> list[Unread]:
    """ "matches in 2013 or 2016" read with one year: 'or' is reported."""
    tokens = [t for t in r.words("alternatives") if t.role not in ("compare", "period", "filler")]  # "2011 or later"
    if not tokens:
        return []
    several = any(f.op in ("in", "not_in") and isinstance(f.value, list) and len(f.value) > 1 for f in r.intent.filters)
    if several or r.intent.combine == "union" or r.intent.any_of:
        return []
    return [Unread(t.raw, "a choice between values") for t in tokens]


def conjunctions(r: Reading) -> list[Unread]:
    """ "states that have both owners and professionals" without an intersection: 'both' is reported."""
    tokens = r.words("conjunctions")
    if not tokens or r.intent.combine == "intersect":
        return []
    if len([c for c in r.intent.columns if not c.endswith(".*")]) + len(r.intent.measures) >= 2:
        return []  # "both the name and the age": two columns
    return [Unread(t.raw, "two conditions that must both hold") for t in tokens]


def distinct(r: Reading) -> list[Unread]:
    """ "the different ranks" listed with duplicates: 'different' is reported."""
    if r.intent.distinct or "count_distinct" in r.functions or r.intent.group_by:
        return []
    return [Unread(t.raw, "without duplicates") for t in r.words("distinct") if t.role != "aggregate"]


def ordering(r: Reading) -> list[Unread]:
    """ "names in descending order of age" read without an order: 'descending' is reported."""
    if r.intent.order_by:
        return []
    tokens = [t for t in r.q.tokens if t.role == "order" or (t.kind == "word" and t.text in vocabulary()["ordering"])]
    return [Unread(t.raw, "an order of the rows") for t in tokens if t.role != "mention"]


def grouping(r: Reading) -> list[Unread]:
    """ "average weight of cars each year" read as one number: 'each' is reported."""
    if not r.intent.measures or r.intent.group_by:
        return []
    tokens = [t for t in r.q.tokens if t.role == "group" or (t.kind == "word" and t.text in vocabulary()["grouping"])]
    out = []
    for t in tokens:
        after = next((m for m in r.mentions if m.start > t.index), None)
        per_row = t.text == "per" and after is not None and after.best.kind == "table" and _used(r, after.best)
        a_value = after is not None and after.best.kind == "value" and _used(r, after.best)  # "trips by members"
        if t.role == "mention" or per_row or a_value:
            continue  # "average quantity per order line": a rate per row of the table read, no grouping
        out.append(Unread(t.raw, "one result per group"))
    return out


def extremes(r: Reading) -> list[Unread]:
    """ "the oldest pilot" read as every pilot: 'oldest' is reported."""
    intent = r.intent
    if (intent.order_by and intent.limit) or r.functions & {"min", "max"} or intent.having:
        return []
    if any(f.subquery is not None and f.subquery.mode for f in intent.filters):
        return []  # "customers using the most popular method": the extreme is the subquery's
    if intent.order_by and r.words("ordering"):
        return []
    if intent.order_by and any(starts_an_order(r.q, t.index) for t in r.words("extremes")):
        return []  # "starting with the oldest": the order's first rows
    return [Unread(t.raw, "the highest or lowest") for t in r.words("extremes") if t.role in ("direction", "top", "")]


def aggregates(r: Reading) -> list[Unread]:
    """ "average age of pilots" listed row by row: 'average' is reported; "total" met by a count too."""
    computed = r.functions | {"count" for f in r.intent.having}
    out = []
    for t in r.q.tokens:
        if t.role != "aggregate" or t.text not in _AGGREGATE_FUNCTIONS or t.text in r.column_words:
            continue  # "total amount": part of a column's name
        picked = t.text in ("minimum", "maximum", "min", "max") and r.intent.order_by and r.intent.limit == 1
        if computed & set(_AGGREGATE_FUNCTIONS[t.text]) or picked or _number_of_a_computed(r, t, computed):
            continue
        out.append(Unread(t.raw, "a computed number"))
    return out


def _number_of_a_computed(r: Reading, t: Any, computed: set[str]) -> bool:
    """ "the maximum number of points": "number" after a function the reading computes."""
    if t.text != "number":
        return False
    j = t.index - 1
    while j >= 0 and r.q.tokens[j].text == "the":
        j -= 1
    before = r.q.tokens[j].text if j >= 0 else ""
    if before not in _AGGREGATE_FUNCTIONS or not computed & set(_AGGREGATE_FUNCTIONS[before]) - {"count"}:
        return False
    # The noun after "of" names the computed column ("points", "credits"), not one of its words
    # ("students" is not "student_capacity").
    after = [tok.text for tok in r.q.tokens[t.index + 1 : t.index + 3]]
    noun = after[1] if after[:1] == ["of"] and len(after) == 2 else None
    named = {r.schema.column(m.column) for m in r.intent.measures if m.column and m.function != "count"}
    return noun is not None and any(c is not None and singular(c.words[-1]) == singular(noun) for c in named)


def everything(r: Reading) -> list[Unread]:
    """ "all the information about the oldest pilot" showing one column: 'information' is reported."""
    if r.star_tables:
        return []
    return [Unread(t.raw, "all the columns") for t in r.words("everything")]


def unasked_computations(r: Reading) -> list[Unread]:
    """ "distinct buildings with capacities over 50" read as ``SUM(capacity) > 50``: nothing asked
    for a sum, so the reading is reported. A count needs "how many", "number", a superlative or a
    comparison with a count ("more than one mountain"); a sum or an average needs its own word or a
    ranking ("top 5 products by revenue"), or a comparison on another table's number."""
    roles = {t.role for t in r.q.tokens}
    words = {t.text for t in r.q.tokens if t.role == "aggregate"}
    ranked = bool(roles & {"direction", "top", "popular"})
    compared = "compare" in roles
    named = r.named
    # "revenue by country", "monthly revenue", "orders by status": computed per named group.
    grouped = any(g.grain is not None or g.column.lower() in named for g in r.intent.group_by)
    # "revenue by customer": a named number per group (the customer's key and name)
    per_group = bool(r.intent.group_by) and "group" in roles
    asked: set[str] = set()
    for word in words:
        asked.update(_AGGREGATE_FUNCTIONS.get(word, ()))
    if words & {"how", "count", "counts"}:
        asked.update(("count", "count_distinct"))
    out = []
    in_having = {f.column for f in r.intent.having}
    for m in r.intent.measures:
        if m.function in asked:
            continue
        if m.alias in in_having:
            # "countries with revenue over 1M" (another table's number) or "more than 5 orders": per
            # group; "people of each sex with a weight over 85" compares each row, not a sum.
            if m.function in ("count", "count_distinct"):
                continue
            if _additive(r, m.column) and "=" not in {f.op for f in r.intent.having}:
                continue  # "countries with revenue over 1M": a sum per country
        elif (
            (m.function in ("count", "count_distinct") and (ranked or compared or grouped))
            or (
                m.function in ("sum", "avg")
                and (grouped or ranked or (per_group and (m.column or "").lower() in named))
            )
            or (m.function in ("min", "max") and ranked)
        ):
            continue
        out.append(Unread(m.alias.replace("_", " "), "a computation the question does not ask for"))
    return out


def unasked_columns(r: Reading) -> list[Unread]:
    """ "buildings with at least 10 professors" read as ``facid >= 10``: no word names that
    column, so the comparison is a guess and is reported."""
    named, hinted = r.named, r.hinted
    out = []
    for g in r.intent.group_by:
        if g.grain is not None and not any(t.role == "grain" for t in r.q.tokens):
            # "the invoice date of ..." grouped by day: no word asked for one row per day
            out.append(Unread(f"{g.column.split('.')[-1]} by {g.grain}", "a grouping by time no word asks for"))
    for f in r.intent.filters:
        info = r.schema.column(f.column)
        if f.op in _INEQUALITIES and f.subquery is None and info is not None and _is_identifier(info):
            out.append(Unread(f"{f.op} {f.value}", f"compared with {info.name}, an identifier"))
    for m in r.intent.measures:
        if m.column and m.function not in ("count", "count_distinct") and m.column.lower() not in named:
            # "the average number of customers across banks" read as the average of a balance
            out.append(Unread(m.alias.replace("_", " "), "a number no word names"))
    for o in r.intent.order_by:
        if "." in o.target and o.target.lower() not in named:
            # Named by the question's own words ("youngest"), with what they were read as.
            cue = " ".join(t.raw for t in r.q.tokens if t.role in ("direction", "order", "top")) or "sorted"
            out.append(Unread(cue, f"read as sorted by {o.target.split('.')[-1]}, which no word names"))
    for f in r.intent.filters:
        off_hint = hinted and f.op in _INEQUALITIES and f.subquery is None and f.column.lower() not in hinted
        if off_hint and not any(t.qualified.lower() == f.column.lower() for t in _column_mentions(r)):
            # "students older than 20" compared with a dorm's capacity: not what "older" means.
            out.append(Unread(f"{f.op} {f.value}", f"compared with {f.column.split('.')[-1]}, not what the words say"))
            continue
        compared = f.op in _INEQUALITIES or (f.op == "=" and isinstance(f.value, int | float))
        if compared and f.subquery is None and f.column.lower() not in named:
            out.append(Unread(f"{f.op} {f.value}", f"compared with {f.column.split('.')[-1]}, which no word names"))
    return out


#: Joins past this many are a chain of guesses about how things connect: said, not answered.
MAX_JOINS = 2


def long_join_paths(r: Reading) -> list[Unread]:
    """A reading that walks three or more keys to connect what the question names ("the
    customers of the stores of the cities of ...") is more often wrong than right: reported."""
    if len(r.intent.joins) <= MAX_JOINS:
        return []
    path = " - ".join(r.intent.tables)
    return [Unread(path, f"{len(r.intent.joins)} joins to connect these tables; name the link to use")]


def fan_joins(r: Reading) -> list[Unread]:
    """ "students who play football" joined to two tables that both refer to students (games
    played, sports played) on the student's key: each row of one repeats for every row of the
    other, so counts and conditions mix. Reported: the question says which of the two it means."""
    partners: dict[str, set[str]] = {}
    for join in r.intent.joins:
        for a, b in join.on:
            partners.setdefault(a, set()).add(b.split(".")[0])
            partners.setdefault(b, set()).add(a.split(".")[0])
    out = []
    for column, tables in partners.items():
        if len(tables) >= 2:
            words = " and ".join(sorted(tables))
            out.append(Unread(words, f"two tables that both refer to {column.split('.')[0]}, joined through it"))
    return out


def self_aggregates(r: Reading) -> list[Unread]:
    """ "the model with the least amount of RAM" read as ``SUM(ram)`` grouped by ``ram``: a number
    computed over groups of its own values is the value itself, so the reading is a misreading."""
    grouped = {g.column for g in r.intent.group_by if not g.grain}
    return [
        Unread(m.column.split(".")[-1], "a number computed over groups of its own values")
        for m in r.intent.measures
        if m.column is not None and m.column in grouped and m.function in ("sum", "avg", "min", "max")
    ]


def unnamed_joins(r: Reading) -> list[Unread]:
    """ "the last name of the professor from the history department" joined through the students
    of that department: a table no word names, on the path, is a guess about how things connect.
    Tables that only link two others (ids and little else) need no name."""
    # Named: a table a mention names first, or one whose columns the reading uses.
    named = {m.best.table.lower() for m in r.mentions if m.best.kind == "table"}
    named |= {c.rsplit(".", 1)[0] for c in r.columns} | r.star_tables
    named |= {t.table.lower() for m in r.mentions for t in m.candidates if t.kind == "value" and _used(r, t)}
    # "the patient who stayed in room 111": a verb that names the table ("stay")
    verbs = {stem(t.text) for t in r.q.tokens if t.kind == "word" and _verb_form(t.text)}
    out = []
    for table in r.intent.tables[1:]:
        info = r.schema.table(table)
        if info is None or table.lower() in named or _links_only(info):
            continue
        if any(w in verbs or stem(w) in verbs for w in info.words):
            continue
        out.append(Unread(table, "a table the question does not name, joined to connect the others"))
    return out


def _links_only(table: Any) -> bool:
    keys = [c for c in table.columns if c.role == "key" or c.words[-1:] in (("id",), ("code",), ("num",))]
    return len(keys) >= 2 and len(table.columns) - len(keys) <= 2


def repeated_columns(r: Reading) -> list[Unread]:
    """ "the school name and driver name" read as ``driver.name, driver.name``: two things asked
    for, one column shown twice, so one of them was misread."""
    seen: set[str] = set()
    out = []
    for column in [*r.intent.columns, *(g.column for g in r.intent.group_by if not g.grain)]:
        if column in seen:
            out.append(Unread(column.split(".")[-1], "two things asked for, read as the same column"))
        seen.add(column)
    return out


def conditions_listed(r: Reading) -> list[Unread]:
    """ "the first names of students who have class senator votes" listing the votes too: what
    follows "who have" says which rows, it is not another column to show."""
    listed = [c.lower() for c in r.intent.columns if not c.endswith(".*")]
    if len(listed) < 2:
        return []
    out = []
    tokens = r.q.tokens
    for i, t in enumerate(tokens[:-1]):
        if t.text not in ("who", "that", "which") or tokens[i + 1].text not in ("have", "has", "had"):
            continue
        after = next((m for m in r.mentions if m.start > i + 1), None)
        if after is None or after.best.kind != "column" or after.start > i + 4:
            continue
        column = after.best.qualified.lower()
        earlier = [c for c in listed if c != column]
        if column in listed and earlier:
            out.append(Unread(after.text, "a condition on the rows, listed as a column"))
    return out


def self_counts(r: Reading) -> list[Unread]:
    """ "the number of entrepreneurs per investor" read as the distinct investors per investor: a
    count of the value each group holds is always 1, so the number was misread."""
    grouped = {g.column.lower() for g in r.intent.group_by}
    return [
        Unread(m.alias.replace("_", " "), "a count of the value each group is made of")
        for m in r.intent.measures
        if m.function == "count_distinct" and (m.column or "").lower() in grouped
    ]


def listed_tables(r: Reading) -> list[Unread]:
    """(Checked once the listing is complete, after ``with_listed_tables``.)
    "the phone numbers of all customers and all staff" read as customers who have staff: the
    second table was listed beside the first, not a condition on it."""
    shown = {c.split(".")[0] for c in [*r.intent.columns, *(g.column for g in r.intent.group_by)]}
    tables = [m for m in r.mentions if m.best.kind == "table"]
    out = []
    for a, b in pairwise(tables):
        between = [t.text for t in r.q.tokens[a.end : b.start]]
        if "and" not in between or not set(between) <= _LISTING_GLUE:
            continue
        if a.best.table in shown and b.best.table not in shown:
            out.append(Unread(f"{a.text} and {b.text}", "two tables listed together, read as one limiting the other"))
    return out


_LISTING_GLUE = frozenset({"and", "all", "the", "also", "of"})


def comparisons(r: Reading) -> list[Unread]:
    """ "wines produced before the year of 2010" read as ``year = 2010``: 'before' is reported."""
    if r.ops & _INEQUALITIES or r.intent.time_range is not None or r.intent.having:
        return []
    compared = [t.raw for t in r.q.tokens if t.role == "compare"]
    if compared and not r.ops:
        return [Unread(" ".join(compared), "a comparison")]  # "used more than twice" read with no condition
    return [Unread(t.raw, "a comparison") for t in r.words("comparisons") if t.role == ""]


def counted_units(r: Reading) -> list[Unread]:
    """ "advisors with more than two students" read as ``advisor > 2``: the number counts students."""
    starts = {m.start: m for m in r.mentions if m.best.kind == "table"}
    for t in r.q.tokens:  # "at least two distinct customers": the count is of customers
        if t.role == "distinct" and t.index + 1 in starts:
            starts[t.index] = starts[t.index + 1]
    out = []
    for t in r.q.tokens:
        if t.kind == "number" and t.role == "compare" and t.index + 1 in starts:
            counted = "count" in r.functions or "count_distinct" in r.functions
            if not counted:
                out.append(Unread(f"{t.raw} {starts[t.index + 1].text}", "a number of rows to count"))
    return out


def contradictions(r: Reading) -> list[Unread]:
    """ "courses in Statistics but not Psychology" read as ``dept = 'Statistics' AND dept != 'Psychology'``:
    the second condition changes nothing, so the 'not' was not understood."""
    if r.intent.combine == "except":
        return []
    equal = {f.column for f in r.intent.filters if f.op in ("=", "in")}
    out = [Unread(f"not {f.value}", "an exception that changes nothing here") for f in r.intent.filters
           if f.op in ("!=", "not_in") and f.subquery is None and f.column in equal]  # fmt: skip
    # "publishers with publications over 10M and publications under 5M": no one row is both.
    plain = [f for f in r.intent.filters if f.subquery is None and isinstance(f.value, int | float)]
    for low in [f for f in plain if f.op in (">", ">=")]:
        for high in [f for f in plain if f.op in ("<", "<=") and f.column == low.column]:
            if low.value >= high.value:
                out.append(Unread(f"above {low.value} and below {high.value}", "two conditions no one row meets"))
    return out


def loose_aggregates(r: Reading) -> list[Unread]:
    """ "the total and minimum enrollments" read with the minimum only: 'total' is reported."""
    out = []
    for t in r.words("aggregates"):
        wanted = _AGGREGATE_FUNCTIONS.get(t.text)
        if t.role == "" and wanted and not r.functions & set(wanted) and t.text not in r.column_words:
            if t.text in ("number", "many", "count") and not r.intent.measures:
                continue  # "phone number": a name
            out.append(Unread(t.raw, "a computed number"))
    return out


def grains(r: Reading) -> list[Unread]:
    """ "event names by year" with no date column: 'by year' is reported unless a year column took it."""
    tokens = [t for t in r.q.tokens if t.role == "grain"]
    if not tokens or any(g.grain for g in r.intent.group_by):
        return []
    years = {c for c in r.columns if "year" in r._words_of(c)} | {
        o.target for o in r.intent.order_by if "year" in o.target
    }
    if years:
        return []
    return [Unread(" ".join(t.raw for t in tokens), "a time grouping with no date to apply it to")]


def _year_applied(r: Reading, year: Any) -> bool:
    numbers = [n for n in r.numbers if isinstance(n, int | float) and not isinstance(n, bool)]
    return _norm(year) in r.numbers or any(abs(n - year) <= 1 for n in numbers)


def periods(r: Reading) -> list[Unread]:
    """ "branches opened before 2010" read without a date filter: 'before 2010' is reported."""
    tokens = [t for t in r.q.tokens if t.role == "period"]
    if not tokens or r.intent.time_range is not None or r.intent.time_travel is not None:
        return []
    years = [t for t in tokens if t.kind == "number"]
    if years and all(_year_applied(r, t.value) for t in years):
        return []  # placed on a year column ("in 1995" -> year = 1995, "after 1989" -> year >= 1990)
    return [Unread(" ".join(t.raw for t in tokens), "a period with no date to apply it to")]


def unlinked(r: Reading) -> list[Unread]:
    """ "aircraft that won matches": 'won' links to nothing and is reported."""
    used_words = set(r.column_words)
    for value in r.values:
        if isinstance(value, str):
            used_words.update(re.split(r"[^0-9a-z]+", value))
    # "trips that ended in Berlin": a word naming the role of a key the reading joins on.
    used_words |= {w for j in r.intent.joins for a, _ in j.on for w in a.rsplit(".", 1)[-1].split("_")}
    used_words |= {stem(w) for w in list(used_words)}
    # "through the mobile app" read as channel = 'mobile': a noun right after a value used says what it is.
    value_ends = {m.end for m in r.mentions if m.best.kind == "value" and _used(r, m.best)}
    # Not a capitalized word inside a sentence ("male British artists"): that is a value of its own.
    starts = set(re.findall(r"(?:^|[.?!]\s+)(\w+)", r.q.text))
    used_words |= {t.text for t in r.q.tokens if t.index in value_ends and (not t.raw[:1].isupper() or t.raw in starts)}
    # "instructors who taught a course", "aircraft that won matches": a verb that relates two
    # things the reading joins (or looks up in another table) says how they relate.
    if r.intent.combine is not None:  # "both", "but": read as the set operation
        used_words |= vocabulary()["conjunctions"] | {"but"}
    related = bool(r.intent.joins) or any(f.subquery is not None for f in r.intent.filters)
    verbs = vocabulary_words("relation_verbs")
    return [
        Unread(w, "not found in the data")
        for w in r.intent.unlinked
        if singular(w) not in used_words
        and w not in used_words
        and stem(w) not in used_words
        and not (related and (w in verbs or _verb_form(w)))
    ]


def _verb_form(word: str) -> bool:
    """A past participle or a gerund ("enrolled", "studying"): the shape of a verb."""
    if word.startswith(("un", "non")):
        return False  # "unaffected", "unassigned": a negation, not a relation
    return len(word) >= 5 and word.endswith(("ed", "ing"))


#: In order: the first rules name what a person most needs to know.
RULES: tuple[Rule, ...] = (
    negations,
    substituted_tables,
    alternatives,
    conjunctions,
    unused_numbers,
    unused_mentions,
    aggregates,
    unasked_computations,
    unasked_columns,
    long_join_paths,
    fan_joins,
    self_aggregates,
    unnamed_joins,
    repeated_columns,
    conditions_listed,
    comparisons,
    self_counts,
    counted_units,
    contradictions,
    loose_aggregates,
    periods,
    grains,
    grouping,
    extremes,
    ordering,
    distinct,
    everything,
    unlinked,
)


def unread_parts(
    q: Question,
    mentions: Iterable[Mention],
    intent: Intent,
    schema: SchemaInfo,
    references: Iterable[tuple[str, str]] = (),
    rules: Sequence[Rule] = RULES,
) -> list[Unread]:
    """Every part of ``q`` the reading ``intent`` leaves out, each reported once; ``references``
    are the (``table.column``, referenced table) pairs of the keys the parser joins by."""
    reading = Reading(intent, schema, q, list(mentions), {(c.lower(), t.lower()) for c, t in references})
    seen: set[str] = set()
    out = []
    for rule in rules:
        for part in rule(reading):
            if part.words.lower() not in seen:
                seen.add(part.words.lower())
                out.append(part)
    return out


def explain(parts: list[Unread]) -> str:
    """The sentence a person reads when the reading leaves something out."""
    listed = ", ".join(str(p) for p in parts[:4])
    more = f" and {len(parts) - 4} more" if len(parts) > 4 else ""
    return (
        f"I could not use every part of the question: {listed}{more}. Rather than answer a different "
        "question, I stopped here. Try rephrasing it with the names of your tables and columns, or ask in SQL."
    )


def _is_identifier(column: Any) -> bool:
    """A key or a reference ("party_id", "election.party" pointing at parties): never an amount."""
    return column.role == "key" or column.words[-1:] in (("id",), ("code",), ("key",))


def _column_mentions(r: Reading) -> list[Any]:
    """Column candidates of mentions that name a column first (not a table or a value)."""
    return [t for m in r.mentions if m.best.kind == "column" for t in m.candidates]


def _additive(r: Reading, column: str | None) -> bool:
    """True when the words naming ``column`` in the question are amounts that add up (revenue, sales)."""
    additive = vocabulary()["additive"]
    for m in r.mentions:
        if any(t.kind == "column" and t.qualified == column for t in m.candidates) and set(m.words) & additive:
            return True
    return False


def _used(r: Reading, target: Any) -> bool:
    if target.kind == "table":
        return str(target.table).lower() in r.tables
    if target.kind == "column":
        return r.uses_column(target.qualified)
    return _norm(target.value) in r.values


def _flat(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _norm(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    return str(value).lower()
