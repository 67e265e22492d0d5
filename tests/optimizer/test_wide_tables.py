"""Wide tables: a plain read skips the rules, result columns are named by lookup, and the collector
pauses while the optimizer works. Their speed is measured by bench/wide_tables.py, not here."""

from __future__ import annotations

import gc
import threading

import duckdb
import pytest
from sqlglot import parse_one

from neurolake.engine.optimization import default_optimizer
from neurolake.optimizer import QueryOptimizer
from neurolake.optimizer.collection import collection_paused
from neurolake.optimizer.optimizer import PLAIN_READ
from neurolake.optimizer.plain_read import is_plain_read

WIDE = 300
SCHEMA = {"Wide": {f"C{i}": "BIGINT" for i in range(WIDE)}}


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM wide LIMIT 1",
        "SELECT c1, c2 FROM wide ORDER BY c1 DESC LIMIT 5 OFFSET 2",
        "SELECT * FROM wide VERSION AS OF 3",
        "SELECT wide.* FROM wide",
    ],
)
def test_a_plain_read_is_recognised(sql: str) -> None:
    assert is_plain_read(parse_one(sql, read="duckdb"))


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM wide WHERE 1 = 1",
        "SELECT c1 + 0 FROM wide",
        "SELECT * FROM wide LIMIT 1 + 1",
        "SELECT * FROM wide LIMIT ?",
        "SELECT DISTINCT c1 FROM wide",
        "SELECT * FROM wide JOIN other USING (c1)",
        "SELECT * FROM (SELECT * FROM wide) AS w",
        "WITH w AS (SELECT * FROM wide) SELECT * FROM w",
        "SELECT c1 FROM wide GROUP BY c1",
        "SELECT * FROM wide ORDER BY c1 + 1",
        "SELECT * FROM read_parquet('x.parquet')",
        "SELECT c1 FROM wide UNION SELECT c1 FROM wide",
    ],
)
def test_a_query_with_work_for_a_rule_is_not_a_plain_read(sql: str) -> None:
    assert not is_plain_read(parse_one(sql, read="duckdb"))


def test_the_engine_optimizer_gives_a_plain_read_back_as_written_with_every_rule_skipped() -> None:
    tree = parse_one("SELECT * FROM Wide LIMIT 1", read="duckdb")

    result = default_optimizer().optimize(tree, schema=SCHEMA, row_counts={"Wide": 3})

    assert result.sql == "SELECT * FROM Wide LIMIT 1"
    assert result.applied == [] and result.error is None
    assert {change.skipped for change in result.changes} == {PLAIN_READ}
    assert result.tree is not tree  # a copy: the caller's tree is never handed out


def test_an_optimizer_with_a_rule_of_its_own_still_runs_it_on_a_plain_read() -> None:
    from neurolake.optimizer import RULES, FunctionRule, register_rule

    seen: list[str] = []

    def watcher(tree):  # type: ignore[no-untyped-def]
        seen.append(tree.sql())
        return tree

    optimizer = QueryOptimizer(register_rule(FunctionRule(watcher), rules=RULES))
    optimizer.optimize(parse_one("SELECT * FROM Wide LIMIT 1", read="duckdb"), schema=SCHEMA)

    assert len(seen) == 1


def test_a_filtered_star_over_a_wide_table_keeps_each_column_s_declared_spelling() -> None:
    sql = "SELECT * FROM Wide WHERE C0 > 1 AND 1 = 1"
    con = duckdb.connect()
    con.execute(f"CREATE TABLE Wide AS SELECT {', '.join(f'{i} AS C{i}' for i in range(WIDE))}")

    result = default_optimizer().optimize(parse_one(sql, read="duckdb"), schema=SCHEMA, row_counts={"Wide": 1})

    assert "constant_folding" in result.applied
    written = con.sql(sql)
    rewritten = con.sql(result.sql)
    assert rewritten.columns == written.columns and rewritten.fetchall() == written.fetchall()


def test_collection_pauses_nest_across_threads_and_resume_after_the_last() -> None:
    assert gc.isenabled()
    inside = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with collection_paused():
            inside.set()
            release.wait(5)

    other = threading.Thread(target=hold)
    other.start()
    inside.wait(5)
    with collection_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread's pause is still on
    release.set()
    other.join(5)
    assert gc.isenabled()


def test_collection_stays_off_when_it_was_off_before() -> None:
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
