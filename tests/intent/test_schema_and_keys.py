"""Words of identifiers, keys and labels, foreign keys inferred from names, and join paths."""

from __future__ import annotations

import pytest

from neurolake.intent.keys import JoinGraph, infer_foreign_keys
from neurolake.intent.linker import LexicalLinker
from neurolake.intent.schema import ColumnSpec, SchemaInfo, TableSpec, catalog_specs
from neurolake.intent.values import ValueIndex
from neurolake.intent.words import Segmenter, common_prefix, identifier_words, singular, split_identifier


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("categories", "category"),
        ("boxes", "box"),
        ("status", "status"),
        ("addresses", "address"),
        ("people", "person"),
    ],
)
def test_singular(word: str, expected: str) -> None:
    assert singular(word) == expected


def test_identifiers_split_at_underscores_camel_case_and_glued_words() -> None:
    segmenter = Segmenter({"total", "price", "ship", "date", "segment"})

    assert split_identifier("totalAmountUSD") == ["total", "amount", "usd"]
    assert identifier_words("o_totalprice", segmenter, "o_") == ["total", "price"]
    assert identifier_words("c_mktsegment", segmenter, "c_") == ["market", "segment"]
    assert identifier_words("l_shipdate", segmenter, "l_") == ["ship", "date"]
    assert common_prefix(["l_orderkey", "l_partkey", "l_qty"]) == "l_"
    assert common_prefix(["id", "name", "l_weird"]) is None


def test_keys_labels_and_roles_on_a_schema_of_the_test() -> None:
    schema = SchemaInfo.from_specs(
        catalog_specs(
            {
                "stations": [("id", "INTEGER"), ("name", "VARCHAR"), ("city", "VARCHAR")],
                "trips": [("id", "INTEGER"), ("start_station_id", "INTEGER"), ("end_station_id", "INTEGER")],
                "riders": [("rider_id", "BIGINT"), ("email", "VARCHAR")],
                "rentals": [("rental_id", "BIGINT"), ("rider_id", "BIGINT"), ("trip_id", "INTEGER")],
            }
        )
    )
    keys = {(k.table, k.column, k.ref_table, k.ref_column, k.role) for k in infer_foreign_keys(schema)}

    assert schema.tables["stations"].key is schema.column("stations.id")
    assert schema.tables["stations"].label is schema.column("stations.name")
    assert schema.tables["riders"].label is None  # no name-like column: grouped by key only
    assert keys == {
        ("trips", "start_station_id", "stations", "id", ("start",)),
        ("trips", "end_station_id", "stations", "id", ("end",)),
        ("rentals", "rider_id", "riders", "rider_id", ()),
        ("rentals", "trip_id", "trips", "id", ()),
    }
    graph = JoinGraph.of(schema)
    assert len(graph.shortest_paths("trips", "stations")) == 2  # start and end: an ambiguity
    assert [s.target for s in graph.shortest_paths("rentals", "stations")[0]] == ["trips", "stations"]
    assert graph.shortest_paths("riders", "riders") == [()]


def test_declared_references_in_descriptions_are_foreign_keys() -> None:
    schema = SchemaInfo.from_specs(
        [
            TableSpec("people", [ColumnSpec("pid", "BIGINT"), ColumnSpec("name", "VARCHAR")]),
            TableSpec("visits", [ColumnSpec("who", "BIGINT", "The visitor (people.pid)."), ColumnSpec("at", "DATE")]),
        ]
    )

    (key,) = infer_foreign_keys(schema)

    assert (key.table, key.column, key.ref_table, key.ref_column) == ("visits", "who", "people", "pid")


def test_schema_text_round_trips_through_prompts() -> None:
    schema = SchemaInfo.from_specs(
        [
            TableSpec(
                "orders",
                [ColumnSpec("id", "INTEGER"), ColumnSpec("amount", "DECIMAL(10,2)", "Order total.")],
                "Orders.",
            )
        ]
    )

    again = SchemaInfo.from_text(schema.describe())

    assert again.column("orders.amount").type == "DECIMAL(10,2)"  # type: ignore[union-attr]
    assert again.column("orders.amount").description == "Order total."  # type: ignore[union-attr]
    assert again.tables["orders"].description == "Orders."


def test_linking_uses_names_synonyms_descriptions_and_values() -> None:
    schema = SchemaInfo.from_specs(
        [
            TableSpec(
                "sales_ledger",
                [
                    ColumnSpec("entry_id", "BIGINT"),
                    ColumnSpec("amt", "DOUBLE", "Money received for the sale."),
                    ColumnSpec("region_code", "VARCHAR"),
                ],
            )
        ]
    )
    linker = LexicalLinker(schema, ValueIndex({("sales_ledger", "region_code"): ["EMEA", "APAC"]}))

    assert linker.candidates(["revenue"])[0].qualified == "sales_ledger.amt"  # abbreviation + synonym
    assert linker.candidates(["emea"])[0].value == "EMEA"
    assert linker.candidates(["ledger"])[0].kind == "table"
