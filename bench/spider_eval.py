"""Execution accuracy of ``neurolake ask`` on a Spider-style folder (e.g. the Spider train set).

    .venv/bin/python bench/spider_eval.py PATH [--db NAME ...] [--sample N] [--seed S]
        [--json OUT] [--workers K] [--semantic] [--timeout SECONDS] [--verbose]

``PATH`` holds ``train_queries.csv`` (columns ``database``, ``question``, ``sql``; the gold SQL
is MySQL) and ``databases/<db>/data/<Table>.csv``. Each database gets a fresh lakehouse in a
temporary home; every CSV goes through the ingest a chat upload takes (``ingest_file`` into
the table named by ``app.uploads.table_name_for``, no keys declared). Each question is read
and answered by what ``neurolake ask``'s turn runs underneath (``IntentParser.from_platform`` +
``QuestionAnswerer.answer``, offline, without the embedding index unless ``--semantic``), without
the conversation graph around it: a fresh question on a new thread gets the same reading and SQL
(checked on 333 questions of five databases: the same refusals, questions back and SQL). The
gold SQL, transpiled with
``sqlglot.transpile(sql, read="mysql", write="duckdb")``, runs on the same engine and tables.
Databases run in parallel, one per process (``--workers``, default 2).

Outcome of a question: ``right`` (answered, lenient match), ``wrong`` (answered, no lenient
match), ``clarified`` (a question back), ``refused``, ``error`` (an exception while asking;
counted with the refusals) or ``unscorable``: the gold touches a table whose CSV is missing
(``missing file``) or failed to ingest (``ingest failed``), or the gold SQL itself fails
(``gold fails``). Unscorable questions are not asked and are left out of every denominator.

Scoring compares values, not their spelling: the text ``NULL`` equals a real null, dates and
datetimes equal their ISO text, integers equal floats, Decimals are floats, and floats are
rounded to 7 significant digits (then compared to 1e-6 relative when exact matching fails).

- strict: the same rows as multisets (in order when the gold's outermost query has ORDER BY),
  with the same number of columns, in any column order;
- lenient: every gold column is one of the answer's columns (matched by values, not names;
  extra answer columns allowed) and the rows agree on those columns (same row count; in
  order when the gold sorts). Strict implies lenient.

Figures, per database and in total: questions scored; strict and lenient accuracy; clarified,
refused (with errors) and answered shares; precision (lenient-right answers / answers given,
and the strict one); median latency of parse + SQL generation (``parser.parse`` and
``parser.sql_for`` timed inside the answer path, execution excluded). The same figures per
question class, derived from the gold SQL's syntax tree (a question may be in several):
select-star, multi-column, distinct, aggregate, group-by, having, order-limit,
order-by-other, comparison, or-values, compare-aggregate, negation, set-op, join, like,
simple. ``--json OUT`` writes totals, per database, per class and per question.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import math
import multiprocessing
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

if TYPE_CHECKING:
    from neurolake.intent.model import Intent
    from neurolake.intent.parser import IntentParser

ROW_LIMIT = 100_000
OUTCOMES = ("right", "wrong", "clarified", "refused", "error", "unscorable")
CLASSES = (
    "select-star",
    "multi-column",
    "distinct",
    "aggregate",
    "group-by",
    "having",
    "order-limit",
    "order-by-other",
    "comparison",
    "or-values",
    "compare-aggregate",
    "negation",
    "set-op",
    "join",
    "like",
    "simple",
)
#: Tried column assignments per comparison before giving up (gold columns with equal values).
_MAX_ASSIGNMENTS = 5_000

# ----------------------------------------------------------------------------- values

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None and moment.time() == dtime(0):
        return moment.date().isoformat()
    return moment.isoformat(sep=" ")


def normalize_value(value: Any) -> Any:
    """The comparable, hashable form of one cell (see the module docstring)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return value
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return float(f"{value:.7g}")
    if isinstance(value, str):
        if value == "NULL":
            return None
        if _ISO.match(value):
            try:
                return _iso(datetime.fromisoformat(value))
            except ValueError:
                return value
        return value
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dtime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, list | tuple):
        return tuple(normalize_value(v) for v in value)
    if isinstance(value, dict):
        return repr(sorted((str(k), repr(normalize_value(v))) for k, v in value.items()))
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b or abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(a)), abs(float(b)))
    return bool(a == b)


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (2, "")
    if isinstance(value, int | float):
        return (0, float(value))
    return (1, repr(value))


def _row_key(row: Sequence[Any]) -> tuple[tuple[int, Any], ...]:
    return tuple(_sort_key(v) for v in row)


def _same_column(gold: list[Any], pred: list[Any]) -> bool:
    if Counter(gold) == Counter(pred):
        return True
    return all(_close(a, b) for a, b in zip(sorted(gold, key=_sort_key), sorted(pred, key=_sort_key), strict=True))


def _same_rows(gold: list[tuple[Any, ...]], pred: list[tuple[Any, ...]], ordered: bool) -> bool:
    def row_close(x: tuple[Any, ...], y: tuple[Any, ...]) -> bool:
        return all(_close(a, b) for a, b in zip(x, y, strict=True))

    if ordered:
        return gold == pred or all(row_close(x, y) for x, y in zip(gold, pred, strict=True))
    if Counter(gold) == Counter(pred):
        return True
    return all(row_close(x, y) for x, y in zip(sorted(gold, key=_row_key), sorted(pred, key=_row_key), strict=True))


def _assignments(candidates: list[list[int]]) -> Iterator[list[int]]:
    """Injective picks of one candidate per gold column, depth first."""
    chosen: list[int] = []

    def walk(i: int) -> Iterator[list[int]]:
        if i == len(candidates):
            yield list(chosen)
            return
        for j in candidates[i]:
            if j not in chosen:
                chosen.append(j)
                yield from walk(i + 1)
                chosen.pop()

    yield from walk(0)


@dataclass(frozen=True)
class Score:
    strict: bool
    lenient: bool
    why: str = ""


def compare_columns(gold: Sequence[Sequence[Any]], pred: Sequence[Sequence[Any]], ordered: bool) -> Score:
    """Score an answer against the gold; both given as lists of columns (raw values)."""
    g_cols = [[normalize_value(v) for v in col] for col in gold]
    p_cols = [[normalize_value(v) for v in col] for col in pred]
    g_rows = len(g_cols[0]) if g_cols else 0
    p_rows = len(p_cols[0]) if p_cols else 0
    if g_rows != p_rows:
        return Score(False, False, f"{p_rows} rows, expected {g_rows}")
    if len(p_cols) < len(g_cols):
        return Score(False, False, f"{len(p_cols)} columns, expected {len(g_cols)}")
    candidates = [[j for j, p in enumerate(p_cols) if _same_column(g, p)] for g in g_cols]
    for i, found in enumerate(candidates):
        if not found:
            sample = ", ".join(repr(v) for v in g_cols[i][:3])
            return Score(False, False, f"no answer column holds gold column {i + 1}'s values ({sample}...)")
    gold_rows = list(zip(*g_cols, strict=True)) if g_cols else []
    for tried, mapping in enumerate(_assignments(candidates)):
        if tried >= _MAX_ASSIGNMENTS:
            break
        pred_rows = list(zip(*(p_cols[j] for j in mapping), strict=True)) if mapping else []
        if _same_rows(gold_rows, pred_rows, ordered):
            strict = len(p_cols) == len(g_cols)
            return Score(strict, True, "" if strict else f"{len(p_cols) - len(g_cols)} extra column(s)")
    return Score(False, False, "rows in a different order" if ordered else "the columns' values pair up differently")


def compare_results(gold: Any, pred: Any, ordered: bool) -> Score:
    """Score two engine results (``QueryResult``: an Arrow ``table``)."""

    def columns(result: Any) -> list[list[Any]]:
        return [result.table.column(i).to_pylist() for i in range(result.table.num_columns)]

    return compare_columns(columns(gold), columns(pred), ordered)


# ----------------------------------------------------------------------------- gold SQL


def to_duckdb(gold: str, db: str | None = None) -> str:
    """The gold's MySQL as DuckDB SQL; ``db.table`` (the database's own name) becomes ``table``."""
    statements = sqlglot.transpile(gold, read="mysql", write="duckdb")
    if len(statements) != 1:
        raise ValueError(f"{len(statements)} statements")
    sql = statements[0]
    if db is not None and db.lower() in sql.lower():
        tree = sqlglot.parse_one(sql, read="duckdb")
        qualified = [t for t in tree.find_all(exp.Table) if t.text("db").lower() == db.lower()]
        for table in qualified:
            table.set("db", None)
        if qualified:
            sql = tree.sql(dialect="duckdb")
    return sql


def gold_ordered(duck_sql: str) -> bool:
    """True when the outermost query has ORDER BY (results are compared in order)."""
    try:
        tree = sqlglot.parse_one(duck_sql, read="duckdb")
    except sqlglot.errors.SqlglotError:
        return False
    while isinstance(tree, exp.Subquery):
        tree = tree.this
    return tree.args.get("order") is not None


def table_key(name: str) -> str:
    """A table's name as an upload would spell it (``Faculty_Participates_in`` -> ``faculty_participates_in``)."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def gold_tables(tree: exp.Expr) -> set[str]:
    """Tables the gold reads (CTE names excluded), as upload table names."""
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    return {table_key(t.name) for t in tree.find_all(exp.Table) if t.name and t.name.lower() not in ctes}


def _outer_select(tree: exp.Expr) -> exp.Select | None:
    node: exp.Expr | None = tree
    while node is not None and not isinstance(node, exp.Select):
        if isinstance(node, exp.SetOperation | exp.Subquery):
            node = node.this
        else:
            return None
    return node


def _ordered_by_other(outer: exp.Expr, select: exp.Select) -> bool:
    order = outer.args.get("order")
    if order is None:
        return False
    projected_sql = {p.unalias().sql().lower() for p in select.expressions}
    projected_names = {p.alias_or_name.lower() for p in select.expressions if p.alias_or_name}
    if any(isinstance(p, exp.Star) or (isinstance(p, exp.Column) and p.is_star) for p in select.expressions):
        return False
    for ordered in order.expressions:
        key = ordered.this
        if key.sql().lower() in projected_sql:
            continue
        if isinstance(key, exp.Column) and key.name.lower() in projected_names:
            continue
        if isinstance(key, exp.Literal) and not key.is_string:  # ORDER BY 2
            continue
        return True
    return False


def _in_where(tree: exp.Expr, *kinds: type[exp.Expr]) -> list[exp.Expr]:
    return [node for where in tree.find_all(exp.Where) for node in where.find_all(*kinds)]


def question_classes(gold: str) -> list[str]:
    """The classes of a question, from its gold SQL (MySQL); see the module docstring."""
    try:
        tree = sqlglot.parse_one(gold, read="mysql")
    except sqlglot.errors.SqlglotError:
        return ["simple"]
    found: list[str] = []
    root: exp.Expr = tree
    while isinstance(root, exp.Subquery):
        root = root.this
    select = _outer_select(root)
    if select is not None:
        projections = select.expressions
        if any(isinstance(p, exp.Star) or (isinstance(p, exp.Column) and p.is_star) for p in projections):
            found.append("select-star")
        if len(projections) >= 2:
            found.append("multi-column")
    if tree.find(exp.Distinct) is not None:
        found.append("distinct")
    if (
        select is not None
        and select.args.get("group") is None
        and any(p.find(exp.AggFunc) is not None for p in select.expressions)
    ):
        found.append("aggregate")
    if tree.find(exp.Group) is not None:
        found.append("group-by")
    if tree.find(exp.Having) is not None:
        found.append("having")
    if root.args.get("order") is not None and root.args.get("limit") is not None:
        found.append("order-limit")
    if select is not None and _ordered_by_other(root, select):
        found.append("order-by-other")
    if _in_where(tree, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between):
        found.append("comparison")
    if _in_where(tree, exp.Or) or any(
        isinstance(n, exp.In) and n.expressions and not n.args.get("query") for n in _in_where(tree, exp.In)
    ):
        found.append("or-values")
    comparisons = _in_where(tree, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
    if any(isinstance(side, exp.Subquery) for c in comparisons for side in (c.this, c.args.get("expression"))):
        found.append("compare-aggregate")
    if (
        any(isinstance(n.this, exp.In | exp.Exists) for n in tree.find_all(exp.Not))
        or tree.find(exp.NEQ, exp.Except) is not None
    ):
        found.append("negation")
    if tree.find(exp.SetOperation) is not None:
        found.append("set-op")
    if tree.find(exp.Join) is not None or len(gold_tables(tree)) >= 2:
        found.append("join")
    if tree.find(exp.Like, exp.ILike) is not None:
        found.append("like")
    return found or ["simple"]


# ----------------------------------------------------------------------------- one database


@dataclass
class Question:
    db: str
    index: int
    question: str
    gold: str


@dataclass
class Record:
    db: str
    index: int
    question: str
    gold: str
    gold_duckdb: str | None = None
    sql: str | None = None
    outcome: str = "unscorable"
    strict: bool = False
    lenient: bool = False
    message: str = ""
    latency_ms: float | None = None
    classes: list[str] = field(default_factory=list)
    unscorable: str | None = None
    #: The reading's confidence (0-1), to weigh which answers would better be questions back.
    confidence: float | None = None


@dataclass
class DatabaseRun:
    db: str
    records: list[Record]
    ingest_failures: dict[str, str] = field(default_factory=dict)
    missing_tables: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    crash: str | None = None


def _one_line(text: str, width: int = 300) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def _error(e: BaseException) -> str:
    return _one_line(f"{type(e).__name__}: {e}")


def _timed_parser_class() -> type[IntentParser]:
    from neurolake.intent.parser import IntentParser

    class TimedParser(IntentParser):
        """The product's parser; also adds up the time spent parsing and writing SQL."""

        spent = 0.0

        def parse(self, text: str, context: Intent | None = None) -> Intent:
            started = time.perf_counter()
            try:
                return super().parse(text, context)
            finally:
                self.spent += time.perf_counter() - started

        def sql_for(self, intent: Intent) -> str:
            started = time.perf_counter()
            try:
                return super().sql_for(intent)
            finally:
                self.spent += time.perf_counter() - started

    return TimedParser


def run_database(
    folder: str, db: str, questions: list[Question], semantic: bool, timeout_s: float, verbose: bool = False
) -> DatabaseRun:
    """Ingest one database into a fresh lakehouse, ask its questions, score them."""
    if not verbose:  # failed queries are in the report; their warnings would bury the progress lines
        logging.getLogger("neurolake.engine").setLevel(logging.ERROR)
    records = [Record(q.db, q.index, q.question, q.gold, classes=question_classes(q.gold)) for q in questions]
    run = DatabaseRun(db, records)
    home = Path(tempfile.mkdtemp(prefix=f"spider-{db}-"))
    try:
        _run_database(Path(folder), run, home, semantic, timeout_s)
    except Exception as e:  # a harness or platform failure: the rest of the run goes on
        run.crash = _error(e)
        for r in records:
            if r.outcome == "unscorable" and r.unscorable is None:
                r.unscorable, r.message = "database crashed", run.crash
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return run


def _run_database(folder: Path, run: DatabaseRun, home: Path, semantic: bool, timeout_s: float) -> None:
    from app.uploads import table_name_for
    from neurolake.config import load_settings
    from neurolake.intent.answer import QuestionAnswerer
    from neurolake.platform import NeuroLake
    from neurolake.storage.ingest import ingest_file

    started = time.perf_counter()
    settings = load_settings(home=home, environment="test", engine={"timeout_s": timeout_s})
    platform = NeuroLake.from_settings(settings)
    try:
        loaded: set[str] = set()
        for path in sorted((folder / "databases" / run.db / "data").glob("*.csv")):
            table = table_name_for(path.name, set(platform.storage.list_tables()))
            try:
                ingest_file(platform.storage, path, table, mode="append")
                loaded.add(table)
            except Exception as e:
                run.ingest_failures[table] = f"{path.name}: {_error(e)}"
        run.seconds["ingest"] = time.perf_counter() - started

        parser = _timed_parser_class().from_platform(platform, semantic=semantic)
        answerer = QuestionAnswerer(parser, platform.engine)
        gold_s = ask_s = 0.0
        missing: set[str] = set()
        try:
            for record in run.records:
                t0 = time.perf_counter()
                gold = _gold_result(record, platform, loaded, run.ingest_failures, missing, timeout_s)
                t1 = time.perf_counter()
                gold_s += t1 - t0
                if gold is not None:
                    _ask(record, answerer, parser, gold)
                    ask_s += time.perf_counter() - t1
        finally:
            parser.close()
        run.missing_tables = sorted(missing)
        run.seconds["gold"] = gold_s
        run.seconds["ask"] = ask_s
    finally:
        platform.close()
    run.seconds["total"] = time.perf_counter() - started


def _gold_result(
    record: Record,
    platform: Any,
    loaded: set[str],
    failed: dict[str, str],
    missing: set[str],
    timeout_s: float,
) -> Any:
    """The gold's result, or None with the record marked unscorable."""
    try:
        tables = gold_tables(sqlglot.parse_one(record.gold, read="mysql"))
        record.gold_duckdb = to_duckdb(record.gold, record.db)
    except (sqlglot.errors.SqlglotError, ValueError) as e:
        record.unscorable, record.message = "gold fails", f"transpile: {_error(e)}"
        return None
    broken = sorted(tables & failed.keys())
    if broken:
        record.unscorable, record.message = "ingest failed", "; ".join(failed[t] for t in broken)
        return None
    absent = sorted(tables - loaded)
    if absent:
        missing.update(absent)
        record.unscorable, record.message = "missing file", "no CSV for " + ", ".join(absent)
        return None
    try:
        return platform.engine.execute_sql(record.gold_duckdb, limit=ROW_LIMIT, use_cache=False, timeout_s=timeout_s)
    except Exception as e:
        record.unscorable, record.message = "gold fails", _error(e)
        return None


def _ask(record: Record, answerer: Any, parser: Any, gold: Any) -> None:
    parser.spent = 0.0
    try:
        answer = answerer.answer(record.question, limit=ROW_LIMIT)
    except Exception as e:
        record.outcome, record.message = "error", _error(e)
        record.latency_ms = parser.spent * 1000
        return
    record.latency_ms = parser.spent * 1000
    record.sql = answer.sql
    record.confidence = getattr(answer.intent, "confidence", None)
    record.unscorable = None
    if answer.refusal is not None:
        record.outcome, record.message = "refused", _one_line(answer.refusal)
    elif answer.clarification is not None:
        options = " | ".join(str(o) for o in answer.clarification.options)
        record.outcome, record.message = "clarified", _one_line(f"{answer.clarification.question} [{options}]")
    elif answer.result is None:
        record.outcome, record.message = "error", "no result, no clarification, no refusal"
    else:
        assert record.gold_duckdb is not None
        if answer.result.truncated or gold.truncated:
            record.message = f"truncated at {ROW_LIMIT} rows; "
        score = compare_results(gold, answer.result, gold_ordered(record.gold_duckdb))
        record.strict, record.lenient = score.strict, score.lenient
        record.outcome = "right" if score.lenient else "wrong"
        record.message += score.why


# ----------------------------------------------------------------------------- figures


@dataclass
class Figures:
    scored: int = 0
    strict: int = 0
    lenient: int = 0
    answered: int = 0
    clarified: int = 0
    refused: int = 0
    errors: int = 0
    unscorable: int = 0
    latencies: list[float] = field(default_factory=list)

    def add(self, r: Record) -> None:
        if r.outcome == "unscorable":
            self.unscorable += 1
            return
        self.scored += 1
        self.strict += r.strict
        self.lenient += r.lenient
        self.answered += r.outcome in ("right", "wrong")
        self.clarified += r.outcome == "clarified"
        self.refused += r.outcome == "refused"
        self.errors += r.outcome == "error"
        if r.latency_ms is not None:
            self.latencies.append(r.latency_ms)

    def share(self, part: int, whole: int | None = None) -> float:
        whole = self.scored if whole is None else whole
        return part / whole if whole else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "scored": self.scored,
            "unscorable": self.unscorable,
            "strict_right": self.strict,
            "lenient_right": self.lenient,
            "answered": self.answered,
            "clarified": self.clarified,
            "refused": self.refused,
            "errors": self.errors,
            "strict_accuracy": round(self.share(self.strict), 4),
            "lenient_accuracy": round(self.share(self.lenient), 4),
            "answered_share": round(self.share(self.answered), 4),
            "clarified_share": round(self.share(self.clarified), 4),
            "refused_share": round(self.share(self.refused + self.errors), 4),
            "precision": round(self.share(self.lenient, self.answered), 4),
            "strict_precision": round(self.share(self.strict, self.answered), 4),
            "median_latency_ms": round(statistics.median(self.latencies), 2) if self.latencies else None,
        }


def figures(records: list[Record]) -> Figures:
    f = Figures()
    for r in records:
        f.add(r)
    return f


def _pct(x: float) -> str:
    return f"{x:6.1%}"


def _line(name: str, f: Figures) -> str:
    s = f.summary()
    latency = f"{s['median_latency_ms']:7.1f}" if s["median_latency_ms"] is not None else "      -"
    return (
        f"{name:<32} {f.scored:>5} {_pct(f.share(f.strict))} {_pct(f.share(f.lenient))} "
        f"{_pct(f.share(f.answered))} {_pct(f.share(f.clarified))} {_pct(f.share(f.refused + f.errors))} "
        f"{_pct(s['precision'])} {_pct(s['strict_precision'])} {latency}"
    )


HEADER = (
    f"{'database':<32} {'n':>5} {'strict':>6} {'lenien':>6} {'answ':>6} {'clar':>6} {'refus':>6} "
    f"{'prec':>6} {'sprec':>6} {'med ms':>7}"
)


def progress_line(done: int, total: int, run: DatabaseRun) -> str:
    f = figures(run.records)
    extra = f" unscorable {f.unscorable}" if f.unscorable else ""
    if run.ingest_failures:
        extra += f" ingest-failed {len(run.ingest_failures)}"
    if run.crash:
        extra += f" CRASH {run.crash}"
    return (
        f"[{done}/{total}] {run.db} {f.scored} q  strict {f.share(f.strict):.0%} lenient {f.share(f.lenient):.0%} "
        f"clar {f.share(f.clarified):.0%} ref {f.share(f.refused + f.errors):.0%} "
        f"{run.seconds.get('total', 0.0):.1f}s{extra}"
    )


def print_report(runs: list[DatabaseRun], verbose: bool) -> None:
    records = [r for run in runs for r in run.records]
    print(HEADER)
    for run in runs:
        print(_line(run.db, figures(run.records)))
    print("-" * len(HEADER))
    total = figures(records)
    print(_line("TOTAL", total))

    print(f"\n{'class':<18} {'n':>5} {'strict':>7} {'lenient':>7} {'prec':>7} {'clar':>7} {'refused':>7}")
    for name in CLASSES:
        f = figures([r for r in records if name in r.classes])
        print(
            f"{name:<18} {f.scored:>5} {_pct(f.share(f.strict)):>7} {_pct(f.share(f.lenient)):>7} "
            f"{_pct(f.share(f.lenient, f.answered)):>7} {_pct(f.share(f.clarified)):>7} "
            f"{_pct(f.share(f.refused + f.errors)):>7}"
        )

    reasons = Counter(r.unscorable for r in records if r.outcome == "unscorable")
    print("\nunscorable:", ", ".join(f"{k} {v}" for k, v in reasons.most_common()) or "none")
    for run in runs:
        for table, why in run.ingest_failures.items():
            print(f"  ingest failed: {run.db}.{table}: {why}")
        if run.missing_tables:
            print(f"  missing file: {run.db}: {', '.join(run.missing_tables)}")
        if run.crash:
            print(f"  crashed: {run.db}: {run.crash}")
    errors = Counter(_error_kind(r.message) for r in records if r.outcome == "error")
    if errors:
        print(f"\nerrors while asking ({sum(errors.values())}):")
        for message, count in errors.most_common(15):
            print(f"  {count:>5}  {message}")
    seconds: Counter[str] = Counter()
    for run in runs:
        seconds.update(run.seconds)
    print("\nseconds summed over databases: " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(seconds.items())))
    s = total.summary()
    print(
        f"\nTOTAL: {total.scored} scored, strict {s['strict_accuracy']:.1%}, lenient {s['lenient_accuracy']:.1%}, "
        f"precision {s['precision']:.1%} (strict {s['strict_precision']:.1%}), answered {s['answered_share']:.1%}, "
        f"clarified {s['clarified_share']:.1%}, refused {s['refused_share']:.1%} (errors {total.errors}), "
        f"median latency {s['median_latency_ms']} ms; unscorable {total.unscorable}"
    )
    if verbose:
        print("\nnot right:")
        for r in records:
            if r.outcome not in ("right", "unscorable"):
                print(f"- {r.db} [{r.outcome}] {r.question}")
                print(f"    ours: {r.sql}\n    gold: {r.gold_duckdb}\n    {r.message}")


def _error_kind(message: str) -> str:
    """An error message without its quoted names and numbers, to count alike errors together."""
    return re.sub(r"\d+", "N", re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", message))[:160]


def report_json(runs: list[DatabaseRun], options: dict[str, Any]) -> dict[str, Any]:
    records = [r for run in runs for r in run.records]
    return {
        "options": options,
        "totals": figures(records).summary(),
        "unscorable": dict(Counter(r.unscorable for r in records if r.outcome == "unscorable").most_common()),
        "outcomes": {name: sum(r.outcome == name for r in records) for name in OUTCOMES},
        "errors": dict(Counter(_error_kind(r.message) for r in records if r.outcome == "error").most_common()),
        "per_database": {
            run.db: {
                **figures(run.records).summary(),
                "ingest_failures": run.ingest_failures,
                "missing_tables": run.missing_tables,
                "seconds": {k: round(v, 3) for k, v in run.seconds.items()},
                "crash": run.crash,
            }
            for run in runs
        },
        "per_class": {name: figures([r for r in records if name in r.classes]).summary() for name in CLASSES},
        "questions": [
            {
                **{k: v for k, v in asdict(r).items() if k != "index"},
                "latency_ms": round(r.latency_ms, 3) if r.latency_ms is not None else None,
            }
            for r in records
        ],
    }


# ----------------------------------------------------------------------------- main


def load_questions(folder: Path) -> dict[str, list[Question]]:
    """Questions by database, in file order."""
    by_db: dict[str, list[Question]] = {}
    with (folder / "train_queries.csv").open(newline="", encoding="utf-8") as f:
        for index, row in enumerate(csv.DictReader(f)):
            db = row["database"]
            by_db.setdefault(db, []).append(Question(db, index, row["question"], row["sql"]))
    return by_db


def pick(questions: list[Question], sample: int | None, seed: int) -> list[Question]:
    """``sample`` questions (a seeded choice, kept in file order), or all."""
    if sample is None or sample >= len(questions):
        return questions
    chosen = sorted(random.Random(f"{seed}:{questions[0].db}").sample(range(len(questions)), sample))
    return [questions[i] for i in chosen]


def product_state() -> dict[str, Any]:
    """The commit measured and the files changed on top of it (the product is edited as it is measured)."""
    import subprocess

    repo = Path(__file__).resolve().parents[1]

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=10, check=False)
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout

    changed = [line[3:] for line in git("status", "--porcelain", "--", "neurolake", "app").splitlines() if line]
    return {"commit": git("rev-parse", "HEAD").strip(), "changed": changed}


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    args.add_argument("path", type=Path, help="Spider-style folder (train_queries.csv, databases/)")
    args.add_argument("--db", action="append", default=[], help="only this database (repeatable)")
    args.add_argument("--sample", type=int, default=None, help="questions per database (seeded sample)")
    args.add_argument("--seed", type=int, default=0, help="seed of --sample")
    args.add_argument("--json", type=Path, default=None, help="write the full report here")
    args.add_argument("--workers", type=int, default=2, help="processes (one database each at a time)")
    args.add_argument("--semantic", action="store_true", help="use the embedding index (slow to load)")
    args.add_argument("--timeout", type=float, default=30.0, help="per-query time limit, seconds")
    args.add_argument("--verbose", "-v", action="store_true", help="print every question not answered right")
    opts = args.parse_args(argv)

    started = time.perf_counter()
    by_db = load_questions(opts.path)
    unknown = [d for d in opts.db if d not in by_db]
    if unknown:
        print(f"unknown database(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    names = opts.db or sorted(by_db)
    work = {db: pick(by_db[db], opts.sample, opts.seed) for db in names}
    # Largest first, so the pool does not end waiting on one big database.
    order = sorted(names, key=lambda d: -len(work[d]))
    runs: dict[str, DatabaseRun] = {}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, opts.workers), mp_context=context) as pool:
        futures: dict[Future[DatabaseRun], str] = {
            pool.submit(run_database, str(opts.path), db, work[db], opts.semantic, opts.timeout, opts.verbose): db
            for db in order
        }
        for done, future in enumerate(as_completed(futures), 1):
            db = futures[future]
            try:
                run = future.result()
            except Exception as e:  # the worker process died
                message = _error(e)
                records = [
                    Record(q.db, q.index, q.question, q.gold, classes=question_classes(q.gold), message=message)
                    for q in work[db]
                ]
                for r in records:
                    r.unscorable = "database crashed"
                run = DatabaseRun(db, records, crash=message)
            runs[db] = run
            print(progress_line(done, len(names), run), file=sys.stderr, flush=True)
    ordered_runs = [runs[db] for db in names]
    for run in ordered_runs:
        run.records.sort(key=lambda r: r.index)
    wall = time.perf_counter() - started
    print_report(ordered_runs, opts.verbose)
    print(f"wall time {wall:.1f}s with {opts.workers} worker(s)")
    if opts.json is not None:
        options = {
            "path": str(opts.path),
            "databases": len(names),
            "sample": opts.sample,
            "seed": opts.seed,
            "workers": opts.workers,
            "semantic": opts.semantic,
            "timeout_s": opts.timeout,
            "wall_seconds": round(wall, 1),
            "product": product_state(),
        }
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_text(_report_text(report_json(ordered_runs, options)), encoding="utf-8")
        print(f"report written to {opts.json}")
    return 0


def _report_text(report: dict[str, Any]) -> str:
    """The report as JSON: figures indented for reading, one line per question (diffs stay small)."""
    questions = report.pop("questions", [])
    head = json.dumps(report, indent=1, ensure_ascii=False, default=str)
    lines = ",\n".join(json.dumps(q, ensure_ascii=False, default=str) for q in questions)
    return head[:-2] + ',\n "questions": [\n' + lines + "\n ]\n}\n"


if __name__ == "__main__":
    sys.exit(main())
