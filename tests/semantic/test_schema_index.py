"""SchemaIndex on real embeddings, a real local-mode Qdrant folder and real Delta tables."""

from __future__ import annotations

import pyarrow as pa
import pytest

from neurolake.catalog.repositories import tables as tables_repo
from neurolake.platform import NeuroLake
from neurolake.semantic import Embedder, SchemaIndex, close_qdrant, open_qdrant
from tests.semantic.conftest import Shop


def ranked(matches: list, kind: str = "column") -> list[tuple[str, str | None]]:
    return [(m.table, m.column) for m in matches if m.kind == kind]


def test_builds_every_table_of_the_catalog(shop: Shop) -> None:
    versions = shop.index.indexed_versions()
    assert set(versions) == {"customers", "lineitem", "orders", "trips"}
    assert versions["orders"] == shop.platform.storage.current_version("orders")
    print(f"\nindex build, 4 tables: {shop.build_seconds:.2f} s")


def test_a_country_name_finds_the_country_column(shop: Shop) -> None:
    values = shop.index.lookup_values("customers from Germany")
    assert (values[0].table, values[0].column, values[0].value) == ("customers", "country", "Germany")
    assert values[0].match == "exact"
    assert ranked(shop.index.search("Germany", k=3))[0] == ("customers", "country")


def test_lower_case_value_matches_case_insensitively(shop: Shop) -> None:
    top = shop.index.lookup_values("germany")[0]
    assert (top.column, top.value, top.match) == ("country", "Germany", "case")


def test_a_plural_finds_the_singular_value(shop: Shop) -> None:
    top = shop.index.lookup_values("how many rides by members")[0]
    assert (top.table, top.column, top.value, top.match) == ("trips", "rider_type", "member", "stem")


def test_lexical_value_matches_rank_before_semantic_ones(shop: Shop) -> None:
    matches = shop.index.lookup_values("Germany", k=5)
    kinds = [m.match for m in matches]
    assert kinds[0] == "exact"
    assert "semantic" in kinds  # France and United States are near in meaning
    assert kinds.index("semantic") > 0 and all(k == "semantic" for k in kinds[kinds.index("semantic") :])


def test_multi_word_values_match_as_a_whole(shop: Shop) -> None:
    top = shop.index.lookup_values("orders from the united states")[0]
    assert (top.column, top.value) == ("country", "United States")


def test_revenue_ranks_the_amount_column_first(shop: Shop) -> None:
    columns = ranked(shop.index.search("revenue", k=5, kinds=("column",)))
    assert columns[0] == ("orders", "amount")


def test_cryptic_names_are_found_through_descriptions(shop: Shop) -> None:
    assert ranked(shop.index.search("extended price", k=3))[0] == ("lineitem", "l_extendedprice")
    assert ranked(shop.index.search("when was it shipped", k=3))[0] == ("lineitem", "l_shipdate")
    match = shop.index.search("ship mode", k=1, kinds=("column",))[0]
    assert match.description == "ship mode" and match.type == "VARCHAR"


def test_kinds_restrict_the_results(shop: Shop) -> None:
    tables = shop.index.search("customers", k=3, kinds=("table",))
    assert tables[0].table == "customers" and tables[0].column is None
    assert all(m.kind == "table" for m in tables)
    assert {m.kind for m in shop.index.search("customers", k=10)} == {"table", "column"}


def test_each_column_appears_once_with_its_best_score(shop: Shop) -> None:
    matches = shop.index.search("ship date", k=10)
    keys = [(m.kind, m.table, m.column) for m in matches]
    assert len(keys) == len(set(keys))
    assert matches == sorted(matches, key=lambda m: -m.score)


def test_values_of_lists_low_cardinality_text_columns_only(shop: Shop) -> None:
    assert shop.index.values_of("trips", "rider_type") == ["casual", "member"]
    assert shop.index.values_of("customers", "id") == []  # not text
    assert ("customers", "country") in shop.index.value_columns()


def test_blank_text_finds_nothing(shop: Shop) -> None:
    assert shop.index.search("   ") == []
    assert shop.index.lookup_values("") == []


def test_high_cardinality_columns_are_not_value_indexed(platform: NeuroLake, embedder: Embedder) -> None:
    platform.storage.write_table(pa.table({"code": [f"c{i}" for i in range(30)], "kind": ["a", "b"] * 15}), "codes")
    index = SchemaIndex(
        platform.catalog, platform.storage, embedder, open_qdrant(platform.settings), "schema", max_distinct=10
    )
    try:
        index.refresh()
        assert index.values_of("codes", "code") == []
        assert index.values_of("codes", "kind") == ["a", "b"]
    finally:
        close_qdrant(index.client)


def test_refresh_reindexes_only_the_changed_table(platform: NeuroLake, embedder: Embedder) -> None:
    storage = platform.storage
    storage.write_table(pa.table({"city": ["Berlin", "Paris"]}), "shops")
    storage.write_table(pa.table({"plan": ["basic", "pro"]}), "plans")
    index = SchemaIndex.from_settings(platform.settings, catalog=platform.catalog, storage=storage, embedder=embedder)
    try:
        first = index.refresh()
        assert sorted(first.indexed) == ["plans", "shops"]
        assert index.refresh().indexed == []

        storage.write_table(pa.table({"city": ["Lisbon"]}), "shops", mode="append")
        second = index.refresh()
        assert second.indexed == ["shops"] and second.unchanged == ["plans"]
        assert index.indexed_versions()["shops"] == storage.current_version("shops")
        assert index.lookup_values("Lisbon")[0].value == "Lisbon"
        assert sorted(index.refresh(force=True).indexed) == ["plans", "shops"]
    finally:
        index.close()


def test_searches_refresh_a_stale_index_themselves(platform: NeuroLake, embedder: Embedder) -> None:
    platform.storage.write_table(pa.table({"city": ["Berlin"]}), "shops")
    index = SchemaIndex.from_settings(
        platform.settings, catalog=platform.catalog, storage=platform.storage, embedder=embedder
    )
    index.check_interval_s = 0.0
    try:
        index.refresh()
        platform.storage.write_table(pa.table({"city": ["Madrid"]}), "shops", mode="append")
        assert index.lookup_values("Madrid")[0].value == "Madrid"
    finally:
        index.close()


def test_a_new_description_reindexes_the_table(platform: NeuroLake, embedder: Embedder) -> None:
    platform.storage.write_table(pa.table({"x_qty": [1, 2]}), "stock")
    index = SchemaIndex.from_settings(
        platform.settings, catalog=platform.catalog, storage=platform.storage, embedder=embedder
    )
    try:
        index.refresh()
        with platform.catalog.session() as session:
            tables_repo.set_description(session, "stock", "units on hand in the warehouse", column="x_qty")
        assert index.refresh().indexed == ["stock"]
        match = index.search("units on hand", k=1, kinds=("column",))[0]
        assert (match.column, match.description) == ("x_qty", "units on hand in the warehouse")
    finally:
        index.close()


def test_dropped_tables_leave_the_index(platform: NeuroLake, embedder: Embedder) -> None:
    platform.storage.write_table(pa.table({"city": ["Berlin"]}), "shops")
    platform.storage.write_table(pa.table({"plan": ["pro"]}), "plans")
    index = SchemaIndex.from_settings(
        platform.settings, catalog=platform.catalog, storage=platform.storage, embedder=embedder
    )
    try:
        index.refresh()
        platform.storage.drop_table("plans")
        assert index.refresh().removed == ["plans"]
        assert all(m.table != "plans" for m in index.search("plan", k=10))
        assert index.lookup_values("pro") == [] or index.lookup_values("pro")[0].table != "plans"
    finally:
        index.close()


def test_a_new_process_reuses_the_stored_index(platform: NeuroLake, embedder: Embedder) -> None:
    platform.storage.write_table(pa.table({"rider_type": ["member", "casual"]}), "rides")
    first = SchemaIndex.from_settings(
        platform.settings, catalog=platform.catalog, storage=platform.storage, embedder=embedder
    )
    first.refresh()
    first.close()  # releases the folder, as a process exit would

    second = SchemaIndex.from_settings(
        platform.settings, catalog=platform.catalog, storage=platform.storage, embedder=embedder
    )
    try:
        report = second.refresh()
        assert report.indexed == [] and report.unchanged == ["rides"]
        assert second.values_of("rides", "rider_type") == ["casual", "member"]
        assert second.lookup_values("members")[0].value == "member"
    finally:
        second.close()


def test_search_can_be_limited_to_some_tables(shop: Shop) -> None:
    matches = shop.index.search("date", k=5, tables=["orders"])
    assert matches and {m.table for m in matches} == {"orders"}
    assert ranked(matches)[0] == ("orders", "order_date")
    assert all(m.score >= 0.6 for m in shop.index.search("ship date", k=10, min_score=0.6))


@pytest.mark.parametrize("phrase", ["revenue", "Germany", "extended price"])
def test_warm_search_is_fast(shop: Shop, phrase: str) -> None:
    import time

    shop.index.search(phrase)
    started = time.perf_counter()
    shop.index.search(phrase)
    shop.index.lookup_values(phrase)
    elapsed_ms = (time.perf_counter() - started) * 1000
    print(f"\nwarm search + value lookup for {phrase!r}: {elapsed_ms:.1f} ms")
    assert elapsed_ms < 250  # generous: the machine is shared; the figure is in the report


def test_lexical_only_lookup_skips_the_model(shop: Shop) -> None:
    assert [m.match for m in shop.index.lookup_values("Germany", k=5, semantic=False)] == ["exact"]


def test_unknown_kinds_are_refused(shop: Shop) -> None:
    with pytest.raises(ValueError, match="Unknown kinds"):
        shop.index.search("x", kinds=("value",))  # type: ignore[arg-type]
