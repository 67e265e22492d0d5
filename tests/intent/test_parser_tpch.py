"""TPC-H: cryptic names (``c_mktsegment``, ``l_extendedprice``) linked through words and descriptions."""

from __future__ import annotations

import pytest

from neurolake.intent.model import IntentKind
from neurolake.intent.parser import IntentParser
from neurolake.platform import NeuroLake
from tests.intent.checks import answer, assert_read_only, assert_same_answer

CASES = [
    ("query", "list the nations", "SELECT * FROM nation"),
    ("query", "list all vendors", "SELECT * FROM supplier"),
    ("filter", "customers in the BUILDING segment", "SELECT * FROM customer WHERE c_mktsegment = 'BUILDING'"),
    ("filter", "customers whose market segment is building", "SELECT * FROM customer WHERE c_mktsegment = 'BUILDING'"),
    (
        "filter",
        "suppliers from Germany",
        "SELECT s.* FROM supplier s JOIN nation n ON s.s_nationkey = n.n_nationkey WHERE n.n_name = 'GERMANY'",
    ),
    ("filter", "urgent orders", "SELECT * FROM orders WHERE o_orderpriority = '1-URGENT'"),
    ("filter", "line items shipped by air", "SELECT * FROM lineitem WHERE l_shipmode = 'AIR'"),
    ("filter", "parts of size 15", "SELECT * FROM part WHERE p_size = 15"),
    (
        "filter",
        "line items shipped in March 1996",
        "SELECT * FROM lineitem WHERE l_shipdate >= DATE '1996-03-01' AND l_shipdate < DATE '1996-04-01'",
    ),
    ("aggregation", "number of customers by market segment", "SELECT c_mktsegment, count(*) FROM customer GROUP BY 1"),
    ("aggregation", "total quantity by ship mode", "SELECT l_shipmode, sum(l_quantity) FROM lineitem GROUP BY 1"),
    (
        "aggregation",
        "number of customers per region",
        "SELECT r.r_name, count(*) FROM customer c JOIN nation n ON c.c_nationkey = n.n_nationkey "
        "JOIN region r ON n.n_regionkey = r.r_regionkey GROUP BY 1",
    ),
    (
        "aggregation",
        "average retail price of parts by manufacturer",
        "SELECT p_mfgr, avg(p_retailprice) FROM part GROUP BY 1",
    ),
    ("ranking", "top 3 orders by total price", "SELECT * FROM orders ORDER BY o_totalprice DESC LIMIT 3"),
    (
        "ranking",
        "which ship mode has the highest total quantity",
        "SELECT l_shipmode, sum(l_quantity) q FROM lineitem GROUP BY 1 ORDER BY q DESC LIMIT 1",
    ),
    ("time_travel", "how many orders were there as of version 0", "SELECT count(*) FROM orders VERSION AS OF 0"),
    ("schema", "describe lineitem", "DESCRIBE lineitem"),
]


@pytest.mark.parametrize(("kind", "question", "gold"), CASES, ids=[c[1] for c in CASES])
def test_question_gives_the_gold_result(
    tpch_parser: IntentParser, tpch_platform: NeuroLake, kind: str, question: str, gold: str
) -> None:
    intent, sql = answer(tpch_parser, question)

    assert intent.kind == IntentKind(kind)
    assert_read_only(sql)
    assert_same_answer(tpch_platform, sql, gold)


def test_glued_names_are_split_with_the_descriptions(tpch_parser: IntentParser) -> None:
    schema = tpch_parser.schema()

    assert schema.column("orders.o_totalprice").words == ("total", "price")  # type: ignore[union-attr]
    assert schema.column("customer.c_mktsegment").words == ("market", "segment")  # type: ignore[union-attr]
    assert schema.column("lineitem.l_receiptdate").words == ("receipt", "date")  # type: ignore[union-attr]
    assert schema.tables["customer"].key is schema.column("customer.c_custkey")


@pytest.mark.parametrize(
    ("question", "slot"),
    [
        ("average account balance", "measure"),  # customer or supplier balance
        ("number of line items per ship mode in 1995", "time"),  # ship, commit or receipt date
        ("orders by priority", "group"),  # order priority or ship priority
    ],
)
def test_close_readings_are_asked_about(tpch_parser: IntentParser, question: str, slot: str) -> None:
    intent = tpch_parser.parse(question)

    assert intent.needs_clarification and intent.ambiguities[0].slot == slot
    assert len(intent.ambiguities[0].options) >= 2
    # Every option is a complete reading: it generates SQL on its own.
    sqls = {tpch_parser.generate(option.intent) for option in intent.ambiguities[0].options}
    assert len(sqls) == len(intent.ambiguities[0].options)
