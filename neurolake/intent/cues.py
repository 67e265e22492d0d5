"""Cue words: the parts of a question that say what to compute rather than what data to use.

Each reader finds one kind of cue (aggregates, grouping, ordering, limits, comparisons,
negations, schedules, schema and explain requests), claims its tokens, and returns where
it was, so the frame builder can attach the schema mentions that follow it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from neurolake.intent.lexicon import DIRECTION_WORDS, FUNCTION_WORDS, POPULARITY_WORDS
from neurolake.intent.text import Question
from neurolake.intent.vocab import load
from neurolake.intent.words import word_set

#: Phrases that start an aggregate, longest first: (words, function).
_AGGREGATES: list[tuple[tuple[str, ...], str]] = sorted(
    [
        (("how", "many", "distinct"), "count_distinct"),
        (("how", "many", "different"), "count_distinct"),
        (("how", "many", "unique"), "count_distinct"),
        (("number", "of", "distinct"), "count_distinct"),
        (("number", "of", "different"), "count_distinct"),
        (("number", "of", "unique"), "count_distinct"),
        (("count", "of", "distinct"), "count_distinct"),
        (("count", "distinct"), "count_distinct"),
        (("distinct", "count", "of"), "count_distinct"),
        (("unique", "count", "of"), "count_distinct"),
        (("how", "many"), "count"),
        (("total", "number", "of"), "count"),
        (("the", "number", "of"), "count"),
        (("number", "of"), "count"),
        (("count", "of"), "count"),
        (("count", "the"), "count"),
        (("count", "all"), "count"),
        (("count",), "count"),
        (("counts",), "count"),
        (("how", "much"), "sum"),
        (("sum", "of"), "sum"),
        (("sum",), "sum"),
        (("total",), "sum"),
        (("totals",), "sum"),
        (("overall",), "sum"),
        (("combined",), "sum"),
        (("cumulative",), "sum"),
        (("average",), "avg"),
        (("averages",), "avg"),
        (("avg",), "avg"),
        (("mean",), "avg"),
        (("typical",), "avg"),
        (("on", "average"), "avg"),
        (("maximum",), "max"),
        (("max",), "max"),
        (("minimum",), "min"),
        (("min",), "min"),
    ],
    key=lambda item: -len(item[0]),
)
_GROUPS: list[tuple[str, ...]] = sorted(
    [
        ("grouped", "by"), ("group", "by"), ("broken", "down", "by"), ("break", "down", "by"),
        ("breakdown", "by"), ("split", "by"), ("for", "each"), ("for", "every"), ("in", "each"),
        ("within", "each"), ("by", "each"), ("per",), ("by",), ("each",), ("across",), ("every",),
        ("broken", "down", "per"), ("by", "their"), ("by", "the"), ("per", "the"), ("for", "different"),
        ("for", "the", "different"), ("of", "different"),
    ],
    key=lambda words: -len(words),
)  # fmt: skip
_ANSWER_NOUNS: list[str] = load("english")["words"]["answer_nouns"]
_ORDERS: list[tuple[str, ...]] = sorted(
    [
        ("sorted", "by"), ("sort", "by"), ("ordered", "by"), ("order", "by"), ("ranked", "by"),
        ("rank", "by"), ("arranged", "by"), ("sorted", "on"), ("ranking", "by"), ("sort",),
        ("order", "of"), ("in", "order", "of"), ("sorted", "in", "order", "of"), ("ordered", "according", "to"),
        ("sorted", "according", "to"), ("sort", "them", "by"), ("order", "them", "by"),
        # "sort the results by age": the answer itself is sorted
        *((verb, "the", noun, "by") for verb in ("sort", "order", "rank") for noun in _ANSWER_NOUNS),
    ],
    key=lambda words: -len(words),
)  # fmt: skip
_UPWARD = [(w, ">=") for w in ("more", "greater", "higher", "larger", "bigger", "later", "older", "longer", "above",
                                 "over", "after", "newer")]  # fmt: skip
_DOWNWARD = [(w, "<=") for w in ("less", "fewer", "lower", "smaller", "younger", "shorter", "earlier", "below",
                                  "under", "before")]  # fmt: skip
_COMPARE: list[tuple[tuple[str, ...], str]] = sorted(
    [
        (("more", "than"), ">"), (("greater", "than"), ">"), (("higher", "than"), ">"),
        (("larger", "than"), ">"), (("bigger", "than"), ">"), (("over",), ">"), (("above",), ">"),
        (("exceeding",), ">"), (("exceeds",), ">"), (("exceed",), ">"), (("at", "least"), ">="),
        (("no", "less", "than"), ">="), (("not", "less", "than"), ">="), (("minimum", "of"), ">="),
        (("less", "than"), "<"), (("fewer", "than"), "<"), (("lower", "than"), "<"),
        (("smaller", "than"), "<"), (("under",), "<"), (("below",), "<"), (("at", "most"), "<="),
        (("no", "more", "than"), "<="), (("not", "more", "than"), "<="), (("maximum", "of"), "<="),
        (("up", "to"), "<="), (("equal", "to"), "="), (("equals",), "="), (("exactly",), "="),
        (("is",), "="), (("of",), "="), (("cheaper", "than"), "<"), (("more", "expensive", "than"), ">"),
        (("older", "than"), ">"), (("younger", "than"), "<"), (("longer", "than"), ">"),
        (("shorter", "than"), "<"), (("later", "than"), ">"), (("earlier", "than"), "<"),
        (("between",), "between"), ((">",), ">"), ((">=",), ">="), (("<",), "<"), (("<=",), "<="),
        (("=",), "="), (("!=",), "!="),
    ]
    # "greater than or equal to", "equal to or more than": the bound is included.
    + [((w, "than", "or", "equal", "to"), op) for w, op in (*_UPWARD, *_DOWNWARD)]
    + [(("equal", "to", "or", w, "than"), op) for w, op in (*_UPWARD, *_DOWNWARD)],
    key=lambda item: -len(item[0]),
)  # fmt: skip
# Comparatives that say which column is compared.
_COMPARE_HINTS = {
    "cheaper": DIRECTION_WORDS["cheap"][1], "expensive": DIRECTION_WORDS["expensive"][1],
    "older": ("age",), "younger": ("age",), "longer": DIRECTION_WORDS["long"][1],
    "shorter": DIRECTION_WORDS["short"][1], "later": ("date", "time"), "earlier": ("date", "time"),
}  # fmt: skip
_NEGATIONS: list[tuple[str, ...]] = [
    ("other", "than"),
    ("except", "for"),
    ("apart", "from"),
    ("not", "in"),
    ("excluding",),
    ("except",),
    ("without",),
    ("not",),
    ("non",),
    ("isn't",),
    ("aren't",),
    ("no",),
    ("exclude",),
    ("excluded",),
]
_SCHEDULES = {
    "hourly": ("0 * * * *", "every hour"), "daily": ("0 6 * * *", "every day"),
    "nightly": ("0 2 * * *", "every night"), "weekly": ("0 6 * * 1", "every week"),
    "monthly": ("0 6 1 * *", "every month"), "quarterly": ("0 6 1 */3 *", "every quarter"),
    "yearly": ("0 6 1 1 *", "every year"), "annually": ("0 6 1 1 *", "every year"),
}  # fmt: skip
_EVERY = {
    "hour": "hourly", "day": "daily", "night": "nightly", "morning": "daily", "week": "weekly",
    "month": "monthly", "quarter": "quarterly", "year": "yearly", "monday": "weekly",
}  # fmt: skip
_JOB_WORDS = frozenset({"job", "pipeline", "task", "report", "schedule", "scheduled", "refresh", "workflow"})
_CREATE_WORDS = frozenset({"create", "schedule", "set", "setup", "make", "build", "add", "start", "run"})
_EXPLAIN_STARTS: list[tuple[str, ...]] = [
    ("explain", "how", "you", "would"), ("explain", "how", "to"), ("explain", "the", "query", "for"),
    ("explain", "the", "plan", "for"), ("explain", "the", "plan", "of"), ("show", "the", "plan", "for"),
    ("show", "the", "query", "plan", "for"), ("show", "me", "the", "plan", "for"), ("query", "plan", "for"),
    ("what", "is", "the", "plan", "for"), ("what", "would", "the", "plan", "be", "for"),
    ("explain", "how", "you", "compute"), ("explain", "how", "you", "get"), ("explain",), ("plan", "for"),
    ("how", "would", "you", "compute"), ("how", "would", "you", "calculate"), ("how", "would", "you", "get"),
    ("show", "the", "sql", "for"), ("show", "me", "the", "sql", "for"), ("what", "sql", "would", "answer"),
    ("which", "sql", "answers"), ("what", "query", "would", "answer"),
]  # fmt: skip


@dataclass
class Cue:
    """A recognised cue at token ``index`` (the last token of its phrase)."""

    kind: str  # aggregate, group, order, compare, negate, top, direction, popular, which
    index: int
    start: int
    function: str | None = None
    op: str | None = None
    value: Any = None
    direction: str | None = None
    hints: tuple[str, ...] = ()
    limit: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _match(q: Question, i: int, words: tuple[str, ...]) -> bool:
    return all(q.word(i + k) == w for k, w in enumerate(words))


def read_explain(q: Question) -> bool:
    """``explain ...``, ``show the plan for ...``: claims the lead-in words."""
    for words in sorted(_EXPLAIN_STARTS, key=len, reverse=True):
        for i in range(0, min(3, len(q.tokens))):
            if _match(q, i, words):
                q.claim(i, i + len(words), "explain")
                return True
    return False


def read_schedule(q: Question) -> tuple[str, str] | None:
    """A pipeline request: ``create a daily job that ...``, ``every morning compute ...``."""
    words = [t.text for t in q.tokens]
    has_job = bool(_JOB_WORDS & set(words))
    has_create = bool(_CREATE_WORDS & set(words[:4]))
    for i, tok in enumerate(q.tokens):
        if tok.used:
            continue
        key = None
        end = i + 1
        if tok.text in _SCHEDULES and (has_job or has_create):
            key = tok.text
        elif tok.text in ("every", "each") and q.word(i + 1) in _EVERY and (has_job or has_create):
            key = _EVERY[q.word(i + 1)]
            end = i + 2
        if key is None:
            continue
        cron, label = _SCHEDULES[key]
        q.claim(i, end, "schedule")
        for j, other in enumerate(q.tokens):
            if not other.used and (other.text in _JOB_WORDS or (j < 4 and other.text in _CREATE_WORDS)):
                other.claim("schedule")
            if not other.used and other.text in ("that", "which", "to") and j <= end + 2:
                other.claim("schedule")
        return cron, label
    return None


def read_schema_request(q: Question) -> tuple[str, int | None] | None:
    """``what tables are there`` -> (tables, None); ``describe orders`` -> (describe, index)."""
    words = [t.text for t in q.tokens]
    text = " ".join(words)
    if not words:
        return None
    if words[0] in ("describe", "desc") and len(words) >= 2:
        q.claim(0, 1, "schema")
        return "describe", 1
    column_words = ("column", "columns", "field", "fields", "schema", "structure", "attributes")
    asks = ("what", "which", "show", "list", "describe", "give")
    if any(w in column_words for w in words) and any(w in asks for w in words):
        # Everything but the table's name is claimed; the name is linked like any mention.
        for tok in q.tokens:
            if tok.text in column_words or tok.text in _SCHEMA_FILLER:
                tok.claim("schema")
        return "describe", None
    table_words = ("table", "tables", "dataset", "datasets")
    if any(w in table_words for w in words) and (
        any(p in text for p in ("what tables", "which tables", "list tables", "list the tables", "show tables"))
        or any(p in text for p in ("tables are there", "tables do", "tables exist", "all tables", "available tables"))
        or any(p in text for p in ("tables we have", "tables i have", "tables in", "what data", "datasets"))
    ):
        q.claim(0, len(words), "schema")
        return "tables", None
    plain = _SCHEMA_FILLER | {"exist", "exists", "available", "we", "i", "our", "my", "please", "can", "you", "any"}
    if any(w in table_words for w in words) and all(w in plain or w in table_words for w in words):
        # "show me the tables", "which tables exist": nothing but the word "tables".
        q.claim(0, len(words), "schema")
        return "tables", None
    if text in ("what data do we have", "what data do i have", "what data is there", "what data is available"):
        q.claim(0, len(words), "schema")
        return "tables", None
    return None


_SCHEMA_FILLER = word_set(
    "what which are is the of in does do has have show list me give table tables describe there a an its all"
)


def read_top(q: Question) -> list[Cue]:
    """``top 5``, ``first 10``, ``bottom 3``, ``5 most ...``, ``the 3 largest ...``."""
    cues = []
    for i, tok in enumerate(q.tokens):
        if tok.used:
            continue
        word = tok.text
        nxt = q.at(i + 1)
        if word in ("top", "bottom", "first", "best", "worst") and nxt is not None and _count(nxt):
            direction = "asc" if word in ("bottom", "worst") else "desc"
            cues.append(Cue("top", i + 1, i, limit=int(nxt.value), direction=direction, extra={"word": word}))
            q.claim(i, i + 2, "top")
        elif word in ("top", "bottom") and not (nxt is not None and nxt.is_number):
            direction = "asc" if word == "bottom" else "desc"
            cues.append(Cue("top", i, i, limit=None, direction=direction, extra={"word": word}))
            q.claim(i, i + 1, "top")
        elif _count(tok) and q.word(i - 1) in ("which", "what", "the") and _is_word(q, i + 1):
            # "which 3 countries", "the five customers who ...": a limit.
            cues.append(Cue("top", i, i, limit=int(tok.value), direction=None, extra={"word": ""}))
            q.claim(i, i + 1, "top")
        elif (
            _count(tok)
            and q.word(i + 1) in DIRECTION_WORDS
            and q.word(i - 1) not in ("than", "over", "under")
            and not _bare_number(q, i)  # "in room 111 most recently": the room's number
        ):
            # "5 most expensive", "3 largest": a limit before a superlative.
            cues.append(Cue("top", i, i, limit=int(tok.value), direction=None, extra={"word": ""}))
            q.claim(i, i + 1, "top")
    return cues


def _is_word(q: Question, index: int) -> bool:
    tok = q.at(index)
    return tok is not None and tok.kind == "word" and not tok.used


def _count(tok: Any) -> bool:
    return (
        tok is not None
        and tok.kind == "number"
        and not tok.used
        and isinstance(tok.value, int)
        and 0 < tok.value <= 1000
        and not tok.percent
    )


def read_cues(q: Question) -> list[Cue]:
    """Aggregates, groupings, orderings, comparisons, negations and superlatives, in order."""
    cues: list[Cue] = []
    i = 0
    while i < len(q.tokens):
        tok = q.tokens[i]
        if tok.used:
            i += 1
            continue
        cue = (
            _compare_at(q, i)
            or _aggregate_at(q, i)
            or _group_at(q, i)
            or _order_at(q, i)
            or _negation_at(q, i)
            or _direction_at(q, i)
        )
        if cue is None and _bare_number(q, i):
            # "size 15", "parts with size 15": a number right after a name is that name's value.
            tok.claim("compare")
            cue = Cue("compare", i, i, op="=", value=tok.value)
        if cue is None:
            if tok.text in ("which", "what") and i + 1 < len(q.tokens):
                cues.append(Cue("which", i, i))
            i += 1
            continue
        if _restated_count(cues, cue, q):
            cues.pop()  # "count the number of rooms": one count, said twice
        cues.append(cue)
        i = cue.index + 1
    return cues


def _restated_count(cues: list[Cue], cue: Cue, q: Question) -> bool:
    """A count right after a count, nothing but "the" between ("count the number of")."""
    last = cues[-1] if cues else None
    if last is None or last.kind != "aggregate" or cue.kind != "aggregate":
        return False
    if last.function != "count" or cue.function not in ("count", "count_distinct"):
        return False
    return all(t.text == "the" for t in q.tokens[last.index + 1 : cue.start])


def _bare_number(q: Question, i: int) -> bool:
    tok = q.tokens[i]
    before = q.at(i - 1)
    return (
        tok.kind == "number"
        and not tok.used
        and before is not None
        and before.kind == "word"
        and not before.used
        and before.text not in FUNCTION_WORDS
    )


def _aggregate_at(q: Question, i: int) -> Cue | None:
    for words, function in _AGGREGATES:
        if not _match(q, i, words):
            continue
        end = i + len(words)
        in_total = words == ("total",) and q.word(i - 1) == "in" and not _has_content_after(q, end)
        if in_total and _computed_before(q, i - 1):
            q.claim(i - 1, end, "filler")  # "how many tasks are there in total": the count said again
            return None
        if words[0] in ("total", "overall", "combined", "cumulative", "totals") and not _has_content_after(q, end):
            return None  # "line total" at the end, "total" before "by": part of a name
        if words == ("count",) and q.word(i + 1) in ("by", "per"):
            pass  # "count by country": a count of rows
        if words[0] in ("max", "min", "maximum", "minimum") and q.word(end) == "of" and _is_number(q, end + 1):
            return None  # "minimum of 3": a comparison
        q.claim(i, end, "aggregate")
        if q.word(end) == "of" and function not in ("count",):
            q.claim(end, end + 1, "aggregate")
            end += 1
        return Cue("aggregate", end - 1, i, function=function)
    return None


def _computed_before(q: Question, index: int) -> bool:
    return any(t.role == "aggregate" for t in q.tokens[:index])


def _has_content_after(q: Question, index: int) -> bool:
    tok = q.at(index)
    return (
        tok is not None
        and not tok.used
        and tok.text not in ("by", "per", "for", "in", "and", "of")
        and (tok.kind in ("word", "quoted"))
    )


def _is_number(q: Question, index: int) -> bool:
    tok = q.at(index)
    return tok is not None and tok.kind == "number" and not tok.used


def _group_at(q: Question, i: int) -> Cue | None:
    for words in _GROUPS:
        if _match(q, i, words):
            end = i + len(words)
            nxt = q.at(end)
            if nxt is None or (nxt.used and nxt.role not in ("mention",)):
                return None
            if words == ("each",) and q.word(i - 1) in ("for", "in"):
                return None
            if words in (("every",), ("each",)) and i == 0:
                return None
            if words == ("across",) and q.word(end) in ("all", "the", "every", "each"):
                return None  # "across all schools": over every row, not one result per school
            q.claim(i, end, "group")
            return Cue("group", end - 1, i, extra={"word": words[0]})
    return None


def _order_at(q: Question, i: int) -> Cue | None:
    for words in _ORDERS:
        if _match(q, i, words):
            end = i + len(words)
            if words == ("sort",) and _order_later(q, end):
                q.claim(i, end, "order")  # "Sort the names ... in the order of cost": the verb of a later order
                return None
            q.claim(i, end, "order")
            direction = _direction_after(q, end)
            return Cue("order", end - 1, i, direction=direction)
    return None


def _order_later(q: Question, start: int) -> bool:
    return any(_match(q, j, w) for j in range(start, len(q.tokens)) for w in _ORDERS if len(w) > 1)


_SORT_WORDS = {
    "ascending": "asc", "asc": "asc", "alphabetically": "asc", "alphabetical": "asc", "alphabetic": "asc",
    "increasing": "asc",
    "lexicographic": "asc", "lexicographically": "asc", "descending": "desc", "desc": "desc", "decreasing": "desc",
    "reverse": "desc",
}  # fmt: skip


_SORT_VERBS = frozenset({"ordered", "sorted", "sort", "arranged", "listed", "ranked"})


def read_distinct(q: Question) -> bool:
    """``the different ranks``, ``distinct names``: duplicates are dropped (claims the word)."""
    found = False
    for tok in q.tokens:
        if not tok.used and tok.text in ("different", "distinct", "unique"):
            tok.claim("distinct")
            found = True
    return found


_HIGH_END = frozenset(
    {"highest", "largest", "biggest", "greatest", "most", "best", "newest", "latest", "recent", "top"}
    | {"high", "large", "big", "great", "maximum", "max"}  # "from large to small"
)
_LOW_END = frozenset(
    {"lowest", "smallest", "least", "fewest", "worst", "oldest", "earliest", "bottom"}
    | {"low", "small", "little", "minimum", "min"}
)


def _from_to(q: Question) -> str | None:
    """ "from the highest to the lowest" -> desc, "from least to greatest" -> asc (claims the words)."""
    for i, tok in enumerate(q.tokens):
        if tok.used or tok.text != "from":
            continue
        j = i + 1
        while q.word(j) in ("the", "most"):
            j += 1
        k = j + 1
        if q.word(k) != "to":
            continue
        end = k + 1
        while q.word(end) in ("the", "most"):
            end += 1
        first, last = q.word(j), q.word(end)
        if (first in _HIGH_END and last in _LOW_END) or (first in _LOW_END and last in _HIGH_END):
            q.claim(i, end + 1, "order")
            return "desc" if first in _HIGH_END else "asc"
    return None


def read_sort_direction(q: Question) -> str | None:
    """``ascending``, ``highest first``, ``newest first``, ``alphabetically``: claims the words."""
    ranged = _from_to(q)
    if ranged is not None:
        return ranged
    for i, tok in enumerate(q.tokens):
        if tok.used:
            continue
        direction = _SORT_WORDS.get(tok.text)
        if direction is None:
            continue
        tok.claim("order")
        j = i + 1
        while q.word(j) in _SORT_WORDS and not q.tokens[j].used:  # "descending alphabetical order"
            direction = "desc" if "desc" in (direction, _SORT_WORDS[q.word(j)]) else direction
            q.tokens[j].claim("order")
            j += 1
        if q.word(j) == "order" and q.word(j + 1) not in ("of", "by"):
            q.tokens[j].claim("order")  # "in descending order of age": "order of" opens the order cue
        if i > 0 and q.word(i - 1) in _SORT_VERBS:
            q.tokens[i - 1].claim("order")  # "ordered alphabetically"
        elif i > 1 and q.word(i - 1) == "in" and q.word(i - 2) in _SORT_VERBS:
            q.claim(i - 2, i, "order")  # "sorted in descending order of height"
        return direction
    return None


def _direction_after(q: Question, index: int) -> str | None:
    for j in range(index, min(index + 5, len(q.tokens))):
        word = q.word(j)
        if word in ("ascending", "asc", "alphabetically", "lowest", "smallest", "oldest", "earliest", "cheapest"):
            if word in ("lowest", "smallest", "oldest", "earliest", "cheapest") and q.word(j + 1) != "first":
                continue
            q.claim(j, j + 1 + (q.word(j + 1) == "first"), "order")
            return "asc"
        if word in ("descending", "desc", "highest", "largest", "biggest", "newest", "latest", "most"):
            if word not in ("descending", "desc") and q.word(j + 1) != "first":
                continue
            q.claim(j, j + 1 + (q.word(j + 1) == "first"), "order")
            return "desc"
    return None


def _compare_at(q: Question, i: int) -> Cue | None:
    for words, op in _COMPARE:
        if not _match(q, i, words):
            continue
        end = i + len(words)
        if op == "between":
            a, b = q.at(end), q.at(end + 2)
            if a is not None and b is not None and a.is_number and b.is_number and q.word(end + 1) in ("and", "to"):
                q.claim(i, end + 3, "compare")
                return Cue("compare", end + 2, i, op="between", value=[a.value, b.value])
            return None
        number = q.at(end)
        if number is not None and not number.used and number.text in _HOW_OFTEN and op != "=":
            # "won at least twice", "served more than once": a count of the rows that refer to it
            q.claim(i, end + 1, "compare")
            return Cue("compare", end, i, op=op, value=_HOW_OFTEN[number.text], extra={"times": True})
        if number is None or number.used or number.kind not in ("number", "date", "quoted"):
            if words in ((">",), (">=",), ("<",), ("<=",), ("=",), ("!=",)) and number is not None:
                pass
            else:
                continue
        if number is None or number.kind not in ("number", "date", "quoted") or number.used:
            continue
        if words in (("is",), ("of",), ("over",), ("up", "to")) and number.kind != "number":
            continue
        if words == ("of",) and q.word(i - 1) not in ("age", "price", "size", "rating", "score"):
            continue
        if words == ("is",) and i == 0:
            continue
        hints = _COMPARE_HINTS.get(words[0], ()) if len(words) > 1 else ()
        if words[:2] == ("more", "expensive"):
            hints = _COMPARE_HINTS["expensive"]
        q.claim(i, end + 1, "compare")
        value = number.value
        if number.kind == "date":
            value = number.value.isoformat()
        if number.kind == "number" and _times(q, end + 1):
            # "ordered more than 3 times": how often, a count of the rows that refer to it.
            q.claim(end + 1, end + 2, "compare")
            return Cue("compare", end + 1, i, op=op, value=value, extra={"times": True})
        # "100 or more", "5 or fewer"
        return Cue("compare", end, i, op=op, value=value, hints=hints)
    tok = q.tokens[i]
    bounds = dict([*_UPWARD, *_DOWNWARD])
    units = 2 if q.word(i + 1) == "years" and q.word(i + 2) == "old" else 0  # "30 years old or younger"
    if tok.kind in ("number", "date") and not tok.used and q.word(i + units + 1) == "or":
        bound = bounds.get(q.word(i + units + 2))  # "100 or more", "30 or younger", "2011 or later"
        if bound is None:
            return None
        end = i + units + 3
        if _times(q, end):
            q.claim(i, end + 1, "compare")  # "5 or more times"
            return Cue("compare", end, i, op=bound, value=tok.value, extra={"times": True})
        q.claim(i, end, "compare")
        value = tok.value.isoformat() if tok.kind == "date" else tok.value
        hints = ("age",) if units else ()
        return Cue("compare", end - 1, i, op=bound, value=value, hints=hints, extra={"number_first": True})
    return None


_HOW_OFTEN = {"once": 1, "twice": 2, "thrice": 3}


def _times(q: Question, index: int) -> bool:
    tok = q.at(index)
    return tok is not None and not tok.used and tok.text in ("times", "time")


def _negation_at(q: Question, i: int) -> Cue | None:
    for words in _NEGATIONS:
        if _match(q, i, words):
            q.claim(i, i + len(words), "negate")
            return Cue("negate", i + len(words) - 1, i)
    return None


def _direction_at(q: Question, i: int) -> Cue | None:
    word = q.tokens[i].text
    if word in POPULARITY_WORDS or (word == "most" and q.word(i + 1) in POPULARITY_WORDS):
        end = i + 1 + (word == "most")
        direction = "desc"
        if word in ("least", "less"):
            direction = "asc"
        q.claim(i, end, "direction")
        return Cue("popular", end - 1, i, direction=direction)
    if word in ("least",) and q.word(i + 1) in POPULARITY_WORDS:
        q.claim(i, i + 2, "direction")
        return Cue("popular", i + 1, i, direction="asc")
    if word not in DIRECTION_WORDS:
        return None
    direction, hints = DIRECTION_WORDS[word]
    end = i + 1
    if word in ("most", "least") and q.word(i + 1) in DIRECTION_WORDS and DIRECTION_WORDS[q.word(i + 1)][1]:
        # "most expensive", "least expensive"
        other_dir, hints = DIRECTION_WORDS[q.word(i + 1)]
        direction = other_dir if word == "most" else ("asc" if other_dir == "desc" else "desc")
        end = i + 2
    after = [t.text for t in q.tokens[end : end + 2]]
    if word in ("first", "last") and (
        not _next_is_content(q, end)
        or after[:1] in (["name"], ["names"], ["more"], ["less"], ["longer"], ["over"], ["for"])
        or after in (["and", "last"], ["and", "first"])
    ):
        return None  # "first names", "first and last name", "volumes that last more than": not the earliest rows
    if word in ("more", "higher", "lower", "larger", "smaller", "bigger", "older", "younger", "longer", "shorter"):
        return None  # comparatives without "than" are not rankings
    if word in ("high", "low", "big", "small", "large", "long", "short", "old", "young", "cheap", "far"):
        return None  # plain adjectives ("small business") are not rankings
    q.claim(i, end, "direction")
    return Cue("direction", end - 1, i, direction=direction, hints=hints)


def _next_is_content(q: Question, index: int) -> bool:
    tok = q.at(index)
    return tok is not None and not tok.used and tok.kind == "word"
