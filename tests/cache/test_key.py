"""Cache keys: stable, typed, and different whenever the answer could differ."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import numpy as np
import pytest

from neurolake.cache import CacheKey, build_cache_key

SQL = "SELECT * FROM orders WHERE id = ?"


def digest(params: object = None, **overrides: object) -> str:
    args: dict[str, object] = {
        "normalized_sql": SQL,
        "params": params,
        "limit": 100,
        "page": None,
        "role": "analyst",
        "table_versions": {"orders": 3},
    }
    args.update(overrides)
    return build_cache_key(**args)  # type: ignore[arg-type]


def test_the_key_is_a_sha256_hex_digest_and_stable() -> None:
    first = digest([1])
    assert len(first) == 64 and int(first, 16) >= 0
    assert digest([1]) == first


def test_table_and_named_parameter_order_do_not_matter() -> None:
    a = build_cache_key(SQL, {"b": 2, "a": 1}, 10, None, "analyst", {"orders": 1, "customers": 2})
    b = build_cache_key(SQL, {"a": 1, "b": 2}, 10, None, "analyst", {"customers": 2, "orders": 1})
    assert a == b


@pytest.mark.parametrize(
    "overrides",
    [
        {"normalized_sql": SQL + " LIMIT 5"},
        {"limit": 101},
        {"limit": None},
        {"page": 2},
        {"role": "admin"},
        {"role": None},
        {"table_versions": {"orders": 4}},
        {"table_versions": {"orders": 3, "customers": 1}},
        {"engine": "spark"},
    ],
)
def test_every_input_that_decides_the_answer_changes_the_key(overrides: dict[str, object]) -> None:
    assert digest([1], **overrides) != digest([1])


def test_parameters_are_typed_so_look_alike_values_never_collide() -> None:
    values = [
        1,
        1.0,
        True,
        "1",
        b"1",
        Decimal("1"),
        Decimal("1.0"),
        [1],
        None,
        0.0,
        -0.0,
        dt.date(2024, 1, 1),
        dt.datetime(2024, 1, 1),
        dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        dt.time(0, 0),
        dt.timedelta(days=1),
        uuid.UUID(int=1),
        {"x": 1},
    ]
    digests = {digest([value]) for value in values}
    assert len(digests) == len(values)


def test_no_parameters_encode_alike_and_numpy_scalars_count_as_python_values() -> None:
    assert digest(None) == digest([]) == digest({})
    assert digest([np.int64(7), np.float64(0.5)]) == digest([7, 0.5])


def test_an_unsupported_parameter_type_is_refused() -> None:
    with pytest.raises(TypeError, match="object"):
        digest([object()])


def test_cache_key_keeps_the_tables_it_read() -> None:
    key = CacheKey.build(SQL, [1], 100, None, "analyst", {"orders": 3, "customers": 9})
    assert key.tables == ("customers", "orders")
    assert str(key) == key.digest == digest([1], table_versions={"customers": 9, "orders": 3})
