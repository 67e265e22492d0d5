"""TPC-H tables for the NL-to-SQL harness: generated with tpchgen-cli, described from the spec.

The descriptions paraphrase the TPC-H specification's column definitions (section 1.4); the
harness stores them in the catalog so the parser can link "market segment" to
``c_mktsegment`` without knowing anything about TPC-H.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from neurolake.catalog.repositories import tables as tables_repo
from neurolake.storage import DeltaStorageManager

TABLES = ("region", "nation", "part", "supplier", "partsupp", "customer", "orders", "lineitem")

DESCRIPTIONS: dict[str, dict[str | None, str]] = {
    "region": {
        None: "The five regions of the world that nations belong to.",
        "r_regionkey": "Region key, identifies the region.",
        "r_name": "Region name, e.g. ASIA or EUROPE.",
        "r_comment": "Free-text comment.",
    },
    "nation": {
        None: "The 25 nations where customers and suppliers are located.",
        "n_nationkey": "Nation key, identifies the nation.",
        "n_name": "Nation name, e.g. GERMANY or JAPAN.",
        "n_regionkey": "Region the nation belongs to (region.r_regionkey).",
        "n_comment": "Free-text comment.",
    },
    "part": {
        None: "Parts that suppliers sell and customers order.",
        "p_partkey": "Part key, identifies the part.",
        "p_name": "Part name.",
        "p_mfgr": "Manufacturer of the part.",
        "p_brand": "Brand of the part.",
        "p_type": "Part type, e.g. PROMO BURNISHED COPPER.",
        "p_size": "Size of the part.",
        "p_container": "Container the part comes in, e.g. SM BOX.",
        "p_retailprice": "Retail price of the part.",
        "p_comment": "Free-text comment.",
    },
    "supplier": {
        None: "Suppliers of parts.",
        "s_suppkey": "Supplier key, identifies the supplier.",
        "s_name": "Supplier name.",
        "s_address": "Supplier address.",
        "s_nationkey": "Nation of the supplier (nation.n_nationkey).",
        "s_phone": "Supplier phone number.",
        "s_acctbal": "Account balance of the supplier.",
        "s_comment": "Free-text comment.",
    },
    "partsupp": {
        None: "Which supplier offers which part, at what supply cost and with how many units available.",
        "ps_partkey": "Part offered (part.p_partkey).",
        "ps_suppkey": "Supplier offering the part (supplier.s_suppkey).",
        "ps_availqty": "Available quantity of the part at this supplier.",
        "ps_supplycost": "Supply cost of the part from this supplier.",
        "ps_comment": "Free-text comment.",
    },
    "customer": {
        None: "Customers who place orders.",
        "c_custkey": "Customer key, identifies the customer.",
        "c_name": "Customer name.",
        "c_address": "Customer address.",
        "c_nationkey": "Nation of the customer (nation.n_nationkey).",
        "c_phone": "Customer phone number.",
        "c_acctbal": "Account balance of the customer.",
        "c_mktsegment": "Market segment of the customer, e.g. BUILDING or MACHINERY.",
        "c_comment": "Free-text comment.",
    },
    "orders": {
        None: "Orders placed by customers.",
        "o_orderkey": "Order key, identifies the order.",
        "o_custkey": "Customer who placed the order (customer.c_custkey).",
        "o_orderstatus": "Order status: F (fulfilled), O (open) or P (partially fulfilled).",
        "o_totalprice": "Total price of the order.",
        "o_orderdate": "Date the order was placed.",
        "o_orderpriority": "Order priority, e.g. 1-URGENT or 5-LOW.",
        "o_clerk": "Clerk who handled the order.",
        "o_shippriority": "Shipping priority of the order.",
        "o_comment": "Free-text comment.",
    },
    "lineitem": {
        None: "Line items: the parts in each order, with quantity, price, discount and shipping.",
        "l_orderkey": "Order the line belongs to (orders.o_orderkey).",
        "l_partkey": "Part ordered (part.p_partkey).",
        "l_suppkey": "Supplier of the part (supplier.s_suppkey).",
        "l_linenumber": "Line number within the order.",
        "l_quantity": "Quantity of the part ordered.",
        "l_extendedprice": "Extended price of the line: quantity times the part's price, before discount.",
        "l_discount": "Discount rate of the line, 0 to 0.10.",
        "l_tax": "Tax rate of the line.",
        "l_returnflag": "Return flag: R (returned), A (accepted) or N (none).",
        "l_linestatus": "Line status: O (open) or F (fulfilled).",
        "l_shipdate": "Date the line was shipped.",
        "l_commitdate": "Date the line was committed to be shipped by.",
        "l_receiptdate": "Date the line was received.",
        "l_shipinstruct": "Shipping instructions, e.g. DELIVER IN PERSON.",
        "l_shipmode": "Ship mode, e.g. AIR, MAIL, SHIP or TRUCK.",
        "l_comment": "Free-text comment.",
    },
}


def generate(folder: Path, scale: float) -> Path:
    """Parquet files for every TPC-H table in ``folder`` (kept between runs)."""
    target = folder / f"tpch-sf{scale}"
    if all((target / f"{t}.parquet").exists() for t in TABLES):
        return target
    beside = Path(sys.executable).with_name("tpchgen-cli")
    exe = str(beside) if beside.exists() else shutil.which("tpchgen-cli")
    if exe is None:
        raise SystemExit("tpchgen-cli is not installed: pip install tpchgen-cli")
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run([exe, "parquet", "-s", str(scale), "-o", str(target)], check=True, capture_output=True)
    return target


def _plain_strings(table: pa.Table) -> pa.Table:
    """Delta writes large/plain strings; tpchgen writes string views."""
    fields = [pa.field(f.name, pa.string(), f.nullable) if pa.types.is_string_view(f.type) else f for f in table.schema]
    return table.cast(pa.schema(fields))


def load(storage: DeltaStorageManager, parquet: Path) -> None:
    """Write the TPC-H tables (orders in two commits, for time travel) and describe them."""
    for name in TABLES:
        if storage.exists(name):
            continue
        data = _plain_strings(pq.read_table(parquet / f"{name}.parquet"))
        if name == "orders":
            # Version 0 holds the first half of the orders; version 1 adds the rest.
            half = data.num_rows // 2
            storage.write_table(data.slice(0, half), name)
            storage.write_table(data.slice(half), name)
        else:
            storage.write_table(data, name)
    with storage.catalog.session() as session:
        for table, descriptions in DESCRIPTIONS.items():
            for column, text in descriptions.items():
                tables_repo.set_description(session, table, text, column=column)
