"""The first wall: statements and functions refused on the sqlglot tree, leaving data untouched."""

from __future__ import annotations

import pytest

from neurolake.engine.parsing import parse_statement
from neurolake.engine.safety import StatementKind, classify
from neurolake.errors import PermissionDeniedError

from .conftest import Lake

# Statements that write or change state: refused for read-only callers.
WRITES = [
    "INSERT INTO orders VALUES (99, 1, 1.00, 'open', TIMESTAMP '2024-05-01 00:00:00')",
    "INSERT INTO orders SELECT * FROM orders",
    "DELETE FROM orders",
    "DELETE FROM orders WHERE id = 1",
    "UPDATE orders SET amount = 0",
    "MERGE INTO orders USING orders AS s ON orders.id = s.id WHEN MATCHED THEN UPDATE SET * "
    "WHEN NOT MATCHED THEN INSERT *",
]

# Statements refused for everyone, write permission or not.
NEVER = [
    "WITH d AS (DELETE FROM orders RETURNING *) SELECT * FROM d",
    "WITH i AS (INSERT INTO orders SELECT * FROM orders RETURNING id) SELECT count(*) FROM i",
    "CREATE TABLE copy AS SELECT * FROM orders",
    "CREATE VIEW v AS SELECT * FROM orders",
    "CREATE OR REPLACE MACRO m(x) AS x + 1",
    "CREATE SECRET s (TYPE s3, KEY_ID 'k', SECRET 's')",
    "DROP TABLE orders",
    "ALTER TABLE orders ADD COLUMN note VARCHAR",
    "TRUNCATE orders",
    "GRANT SELECT ON orders TO bob",
    "REVOKE SELECT ON orders FROM bob",
    "SET memory_limit = '64GB'",
    "SET enable_external_access = true",
    "RESET memory_limit",
    "PRAGMA enable_profiling",
    "ATTACH '/tmp/neurolake-other.db' AS other",
    "DETACH other",
    "USE memory",
    "COPY orders TO 'orders.csv'",
    "COPY (SELECT * FROM orders) TO 'orders.parquet' (FORMAT parquet)",
    "COPY orders FROM 'orders.csv'",
    "EXPORT DATABASE 'dump'",
    "IMPORT DATABASE 'dump'",
    "INSTALL httpfs",
    "FORCE INSTALL httpfs",
    "LOAD httpfs",
    "LOAD '/tmp/evil.duckdb_extension'",
    "CALL pragma_version()",
    "CHECKPOINT",
    "VACUUM",
    "BEGIN TRANSACTION",
    "COMMIT",
    "SUMMARIZE orders",
    "SELECT 1; SELECT 2",
    "SELECT count(*) FROM orders; DROP TABLE orders",
    "DROP TABLE orders; SELECT 1",
]

# File-reading and engine-internal functions, in every position a query can hold them.
FILE_FUNCTIONS = [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT * FROM read_parquet('x.parquet')",
    "SELECT * FROM read_json('x.json')",
    "SELECT * FROM read_json_auto('x.json')",
    "SELECT * FROM read_ndjson('x.json')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_blob('/etc/passwd')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM parquet_metadata('x.parquet')",
    "SELECT * FROM parquet_schema('x.parquet')",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    "SELECT * FROM delta_scan('/tmp/table')",
    "SELECT * FROM iceberg_scan('/tmp/table')",
    "SELECT * FROM query('SELECT 1')",
    "SELECT * FROM query_table('orders')",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM pragma_table_info('orders')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM 'data.csv'",
    'SELECT * FROM "s3://bucket/key.parquet"',
    "SELECT read_text('/etc/passwd')",
    "SELECT getenv('HOME')",
    "SELECT current_setting('allowed_directories')",
    "SELECT id FROM orders WHERE id IN (SELECT 1 FROM read_csv('/etc/passwd'))",
    "WITH f AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM f",
    "SELECT o.id FROM orders o JOIN read_parquet('x.parquet') p ON true",
    "SELECT (SELECT count(*) FROM glob('*'))",
    "SELECT * FROM orders WHERE status = (SELECT content FROM read_text('/etc/hostname'))",
]


def _refused(lake: Lake, sql: str, *, allow_write: bool) -> PermissionDeniedError:
    before = lake.state()
    with pytest.raises(PermissionDeniedError) as refused:
        lake.engine.execute_sql(sql, allow_write=allow_write)
    assert lake.state() == before, "a refused statement changed the lakehouse"
    return refused.value


@pytest.mark.parametrize("sql", WRITES)
def test_writes_need_write_permission(lake: Lake, sql: str) -> None:
    error = _refused(lake, sql, allow_write=False)

    assert "needs write permission" in str(error)


@pytest.mark.parametrize("sql", NEVER)
@pytest.mark.parametrize("allow_write", [False, True])
def test_state_changing_statements_are_always_refused(lake: Lake, sql: str, allow_write: bool) -> None:
    error = _refused(lake, sql, allow_write=allow_write)

    assert error.status_code == 403


@pytest.mark.parametrize("sql", FILE_FUNCTIONS)
def test_file_reading_functions_are_always_refused(lake: Lake, sql: str) -> None:
    error = _refused(lake, sql, allow_write=True)

    assert "not allowed" in str(error)


def test_refusals_name_what_was_refused(lake: Lake) -> None:
    assert "data-modifying CTE (DELETE inside WITH)" in str(
        _refused(lake, "WITH d AS (DELETE FROM orders RETURNING *) SELECT * FROM d", allow_write=True)
    )
    assert "DROP statements are not allowed" in str(_refused(lake, "DROP TABLE orders", allow_write=False))
    assert "read_csv() reads files" in str(_refused(lake, "SELECT * FROM read_csv('x')", allow_write=False))
    assert "reading files by path" in str(_refused(lake, "SELECT * FROM '/etc/passwd'", allow_write=False))
    assert "EXPORT statements" in str(_refused(lake, "EXPORT DATABASE 'x'", allow_write=False))
    assert "one statement per query" in str(_refused(lake, "SELECT 1; SELECT 2", allow_write=False))


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM orders",
        "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
        "SELECT * FROM range(3) UNION ALL SELECT * FROM generate_series(1, 2)",
        "SELECT u FROM unnest([1, 2]) AS t(u)",
        "SELECT * FROM orders PIVOT (count(*) FOR status IN ('paid', 'open'))",
        "VALUES (1), (2)",
        "SELECT list_transform([1, 2], x -> x + 1)",
        "SELECT read_count FROM (SELECT 1 AS read_count)",
    ],
)
def test_read_only_queries_are_allowed(sql: str) -> None:
    assert classify(parse_statement(sql)) is StatementKind.QUERY
