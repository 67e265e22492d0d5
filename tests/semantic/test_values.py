"""Distinct values of low-cardinality text columns, and lexical lookup over them."""

from __future__ import annotations

import pyarrow as pa

from neurolake.platform import NeuroLake
from neurolake.semantic.values import ValueLexicon, distinct_text_values, is_text_type


def lexicon() -> ValueLexicon:
    values = ValueLexicon()
    values.set_table("customers", {"country": ["Germany", "New Zealand", "United States"]})
    values.set_table("trips", {"rider_type": ["casual", "member"], "city": ["York", "New York"]})
    return values


def test_exact_case_and_stem_matches_are_scored_in_that_order() -> None:
    found = lexicon().lookup("Germany members from germany")
    by_value = {m.value: m for m in found}
    assert by_value["Germany"].match == "exact" and by_value["member"].match == "stem"
    assert [m.value for m in found] == ["Germany", "member"]
    assert lexicon().lookup("germany")[0].match == "case"


def test_the_longest_value_wins_over_its_parts() -> None:
    found = lexicon().lookup("rides in new york")
    assert [(m.column, m.value, m.phrase) for m in found] == [("city", "New York", "new york")]


def test_replacing_and_dropping_a_table() -> None:
    values = lexicon()
    values.set_table("trips", {"rider_type": ["subscriber"]})
    assert values.lookup("members") == []
    assert values.values_of("trips", "rider_type") == ["subscriber"]
    values.drop_table("customers")
    assert values.lookup("Germany") == [] and values.columns() == [("trips", "rider_type")]


def test_text_types() -> None:
    assert all(is_text_type(t) for t in ("VARCHAR", "string", "TEXT", "varchar(20)"))
    assert not any(is_text_type(t) for t in ("BIGINT", "DATE", "DOUBLE", "BOOLEAN"))


def test_distinct_values_skip_columns_over_the_limit(platform: NeuroLake) -> None:
    platform.storage.write_table(
        pa.table(
            {
                "code": [f"c{i}" for i in range(20)],
                "kind": ["b", "a", None, "", " "] * 4,
                "label": pa.array(["x", "y"] * 10).dictionary_encode(),
            }
        ),
        "things",
    )
    values = distinct_text_values(platform.storage, "things", ["code", "kind", "label"], max_distinct=5)
    assert values == {"kind": ["a", "b"], "label": ["x", "y"]}


class DeltaLocation:
    """Storage that only says where tables are: values come straight from delta-rs."""

    def __init__(self, uri_of, storage_options: dict[str, str]) -> None:
        self.table_uri = uri_of
        self.storage_options = storage_options


def test_distinct_values_from_a_bare_delta_location(platform: NeuroLake) -> None:
    platform.storage.write_table(pa.table({"plan": ["pro", "basic", "pro"]}), "plans")
    location = DeltaLocation(platform.storage.table_uri, platform.storage.storage_options)
    assert distinct_text_values(location, "plans", ["plan"]) == {"plan": ["basic", "pro"]}
