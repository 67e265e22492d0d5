"""The demo lakehouse: customers, products, orders and order items, generated deterministically.

Everything is drawn from one seeded numpy generator with vectorized operations, so the same
size and seed always give the same rows, and the full size (120,000 orders over 2023-2024)
builds in seconds. After the first load a few more commits (a price rise, customer upserts,
a late batch of orders) give history and time travel something to show.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pyarrow as pa

from neurolake.catalog.repositories import tables as tables_repo
from neurolake.errors import StorageInputError
from neurolake.storage.manager import DeltaStorageManager

DEMO_TABLES = ("customers", "products", "orders", "order_items")
DEFAULT_ORDERS = 120_000
FIRST_DAY = date(2023, 1, 1)
LAST_DAY = date(2024, 12, 31)

_COUNTRIES: dict[str, tuple[float, list[str]]] = {
    "United States": (0.26, ["New York", "Los Angeles", "Chicago", "Houston", "Seattle"]),
    "United Kingdom": (0.10, ["London", "Manchester", "Edinburgh", "Bristol"]),
    "Germany": (0.10, ["Berlin", "Munich", "Hamburg", "Cologne"]),
    "France": (0.09, ["Paris", "Lyon", "Marseille", "Toulouse"]),
    "Canada": (0.07, ["Toronto", "Vancouver", "Montreal"]),
    "Spain": (0.06, ["Madrid", "Barcelona", "Valencia"]),
    "Italy": (0.06, ["Rome", "Milan", "Naples"]),
    "Netherlands": (0.05, ["Amsterdam", "Rotterdam", "Utrecht"]),
    "Sweden": (0.04, ["Stockholm", "Gothenburg", "Malmo"]),
    "Japan": (0.07, ["Tokyo", "Osaka", "Kyoto"]),
    "Australia": (0.05, ["Sydney", "Melbourne", "Brisbane"]),
    "Brazil": (0.05, ["Sao Paulo", "Rio de Janeiro", "Brasilia"]),
}
_SEGMENTS = (["Consumer", "Small Business", "Corporate"], [0.62, 0.24, 0.14])
_FIRST_NAMES = [
    "Ava",
    "Liam",
    "Emma",
    "Noah",
    "Olivia",
    "Lucas",
    "Mia",
    "Ethan",
    "Sofia",
    "Mateo",
    "Isla",
    "Leo",
    "Chloe",
    "Hugo",
    "Aria",
    "Felix",
    "Maya",
    "Oscar",
    "Nora",
    "Elias",
    "Yuki",
    "Ravi",
    "Lena",
    "Omar",
    "Zara",
    "Jonas",
    "Elin",
    "Marco",
    "Ana",
    "Kenji",
    "Priya",
    "Tom",
    "Ines",
    "Luca",
    "Sara",
    "Finn",
]
_LAST_NAMES = [
    "Smith",
    "Johnson",
    "Garcia",
    "Müller",
    "Schmidt",
    "Martin",
    "Bernard",
    "Rossi",
    "Ferrari",
    "Silva",
    "Santos",
    "Tanaka",
    "Sato",
    "Jensen",
    "Andersson",
    "Nilsson",
    "Dubois",
    "Moreau",
    "Lopez",
    "Martinez",
    "Brown",
    "Wilson",
    "Taylor",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "King",
    "Wright",
    "Hill",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Carter",
    "Mitchell",
]
# category: (share of products, median price, product nouns)
_CATEGORIES: dict[str, tuple[float, float, list[str]]] = {
    "Electronics": (0.16, 180.0, ["Headphones", "Monitor", "Keyboard", "Speaker", "Tablet", "Camera", "Charger"]),
    "Home & Kitchen": (0.16, 45.0, ["Blender", "Kettle", "Pan Set", "Lamp", "Knife Block", "Toaster"]),
    "Clothing": (0.16, 35.0, ["Jacket", "Sneakers", "T-Shirt", "Jeans", "Scarf", "Hoodie"]),
    "Books": (0.12, 15.0, ["Novel", "Cookbook", "Atlas", "Biography", "Guide", "Anthology"]),
    "Sports": (0.12, 55.0, ["Yoga Mat", "Dumbbells", "Tent", "Bike Helmet", "Running Vest", "Racket"]),
    "Beauty": (0.10, 22.0, ["Face Cream", "Shampoo", "Perfume", "Serum", "Lip Balm"]),
    "Toys": (0.09, 28.0, ["Puzzle", "Building Set", "Board Game", "Plush Bear", "Model Car"]),
    "Grocery": (0.09, 8.0, ["Coffee Beans", "Olive Oil", "Green Tea", "Dark Chocolate", "Honey"]),
}
_BRANDS = [
    "Acme",
    "Nordic",
    "Orbit",
    "Summit",
    "Lumen",
    "Vista",
    "Pioneer",
    "Harbor",
    "Maple",
    "Atlas",
    "Nova",
    "Zenith",
]
_STATUSES = ["delivered", "shipped", "processing", "cancelled", "returned"]
_CHANNELS = (["web", "mobile", "store"], [0.5, 0.35, 0.15])
_DISCOUNTS = (np.array([0.0, 0.05, 0.10, 0.15, 0.20]), [0.62, 0.14, 0.12, 0.07, 0.05])

DESCRIPTIONS: dict[str, dict[str | None, str]] = {
    "customers": {
        None: "People and businesses who buy from the store, one row per customer.",
        "customer_id": "Unique customer identifier.",
        "name": "Customer's full name.",
        "email": "Customer's email address.",
        "country": "Country the customer lives in.",
        "city": "City the customer lives in.",
        "segment": "Customer segment: Consumer, Small Business or Corporate.",
        "signup_date": "Date the customer created their account.",
    },
    "products": {
        None: "Products in the catalog, one row per product, with the current list price.",
        "product_id": "Unique product identifier.",
        "name": "Product name.",
        "category": "Product category, e.g. Electronics or Books.",
        "brand": "Brand that makes the product.",
        "price": "Current list price in US dollars.",
    },
    "orders": {
        None: "Customer orders (one row per order), 2023-2024, with the order total.",
        "order_id": "Unique order identifier.",
        "customer_id": "Customer who placed the order (customers.customer_id).",
        "order_date": "Date the order was placed.",
        "status": "Order status: delivered, shipped, processing, cancelled or returned.",
        "channel": "Where the order was placed: web, mobile or store.",
        "country": "Country of the customer who placed the order.",
        "total_amount": "Order total in US dollars after discounts (sum of its items).",
    },
    "order_items": {
        None: "Lines of each order: which product, how many, at what price and discount.",
        "order_id": "Order the line belongs to (orders.order_id).",
        "line_number": "Position of the line within its order, from 1.",
        "product_id": "Product ordered (products.product_id).",
        "quantity": "Units ordered.",
        "unit_price": "Price of one unit when ordered, in US dollars.",
        "discount": "Discount rate applied to the line, 0 to 0.2.",
        "line_total": "quantity * unit_price * (1 - discount), in US dollars.",
    },
}


@dataclass
class DemoResult:
    """What building the demo did."""

    built: bool
    rows: dict[str, int] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _days(start: date, end: date) -> np.ndarray:
    return np.arange(np.datetime64(start), np.datetime64(end) + np.timedelta64(1, "D"), dtype="datetime64[D]")


def _pick(rng: np.random.Generator, options: list[str], weights: list[float], n: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=n, p=p / p.sum())]


def make_customers(
    rng: np.random.Generator,
    n: int,
    *,
    first_id: int = 1,
    signup_from: date = date(2021, 1, 1),
    signup_to: date = date(2022, 12, 31),
) -> pa.Table:
    """Customers with a country, a city in it, a segment and a signup date in the given range."""
    names = list(_COUNTRIES)
    weights = np.array([w for w, _ in _COUNTRIES.values()])
    country_idx = rng.choice(len(names), size=n, p=weights / weights.sum())
    city = np.empty(n, dtype=object)
    for i, country in enumerate(names):
        mask = country_idx == i
        cities = _COUNTRIES[country][1]
        city[mask] = np.asarray(cities, dtype=object)[rng.integers(0, len(cities), mask.sum())]
    first = np.asarray(_FIRST_NAMES, dtype=object)[rng.integers(0, len(_FIRST_NAMES), n)]
    last = np.asarray(_LAST_NAMES, dtype=object)[rng.integers(0, len(_LAST_NAMES), n)]
    ids = np.arange(first_id, first_id + n)
    signup_days = _days(signup_from, signup_to)
    signup = np.sort(signup_days[rng.integers(0, len(signup_days), n)])
    emails = [f"{f.lower()}.{la.lower()}{i}@example.com" for f, la, i in zip(first, last, ids, strict=True)]
    return pa.table(
        {
            "customer_id": pa.array(ids, pa.int64()),
            "name": pa.array(first + " " + last, pa.string()),
            "email": pa.array(emails, pa.string()),
            "country": pa.array(np.asarray(names, dtype=object)[country_idx], pa.string()),
            "city": pa.array(city, pa.string()),
            "segment": pa.array(_pick(rng, *_SEGMENTS, n), pa.string()),
            "signup_date": pa.array(signup, pa.date32()),
        }
    )


def make_products(rng: np.random.Generator, n: int) -> pa.Table:
    """Products with a category, a brand and a price drawn around the category's median."""
    categories = list(_CATEGORIES)
    shares = np.array([c[0] for c in _CATEGORIES.values()])
    cat_idx = rng.choice(len(categories), size=n, p=shares / shares.sum())
    medians = np.array([c[1] for c in _CATEGORIES.values()])[cat_idx]
    # Shop prices end in .99.
    prices = np.maximum(1.0, np.round(medians * rng.lognormal(0.0, 0.45, n))) - 0.01
    brands = np.asarray(_BRANDS, dtype=object)[rng.integers(0, len(_BRANDS), n)]
    nouns = np.empty(n, dtype=object)
    for i, category in enumerate(categories):
        mask = cat_idx == i
        options = _CATEGORIES[category][2]
        nouns[mask] = np.asarray(options, dtype=object)[rng.integers(0, len(options), mask.sum())]
    return pa.table(
        {
            "product_id": pa.array(np.arange(1, n + 1), pa.int64()),
            "name": pa.array(brands + " " + nouns, pa.string()),
            "category": pa.array(np.asarray(categories, dtype=object)[cat_idx], pa.string()),
            "brand": pa.array(brands, pa.string()),
            "price": pa.array(np.round(prices, 2), pa.float64()),
        }
    )


def _order_day_weights(days: np.ndarray) -> np.ndarray:
    """Demand over time: steady growth, busier weekends, peaks in late November and December."""
    t = np.arange(len(days)) / max(len(days) - 1, 1)
    months = days.astype("datetime64[M]").astype(int) % 12 + 1
    weekday = (days.astype(int) + 3) % 7  # 0 = Monday
    weights = (1.0 + 0.6 * t) * np.where(weekday >= 5, 1.2, 1.0)
    weights *= np.select([months == 12, months == 11], [1.7, 1.35], 1.0)
    return weights / weights.sum()


def make_orders(
    rng: np.random.Generator,
    customers: pa.Table,
    products: pa.Table,
    n: int,
    *,
    first_id: int = 1,
    start: date = FIRST_DAY,
    end: date = LAST_DAY,
) -> tuple[pa.Table, pa.Table]:
    """``n`` orders between ``start`` and ``end`` and their 1-5 items each (orders, items)."""
    days = _days(start, end)
    order_days = np.sort(days[rng.choice(len(days), size=n, p=_order_day_weights(days))])
    customer_ids = customers["customer_id"].to_numpy()
    # Loyal customers order more: a skewed draw over customers.
    cust_idx = np.minimum((rng.pareto(1.2, n) * len(customer_ids) / 8).astype(np.int64), len(customer_ids) - 1)
    cust_idx = rng.permutation(len(customer_ids))[cust_idx]
    order_ids = np.arange(first_id, first_id + n, dtype=np.int64)

    lines = rng.choice(np.arange(1, 6), size=n, p=[0.38, 0.28, 0.17, 0.11, 0.06])
    item_order = np.repeat(np.arange(n), lines)
    line_number = np.arange(len(item_order)) - np.repeat(np.cumsum(lines) - lines, lines) + 1
    product_idx = np.minimum(
        (rng.pareto(1.5, len(item_order)) * products.num_rows / 6).astype(np.int64), products.num_rows - 1
    )
    product_idx = rng.permutation(products.num_rows)[product_idx]
    prices = products["price"].to_numpy()[product_idx]
    quantity = rng.choice(np.arange(1, 6), size=len(item_order), p=[0.6, 0.22, 0.1, 0.05, 0.03])
    discount = rng.choice(_DISCOUNTS[0], size=len(item_order), p=_DISCOUNTS[1])
    line_total = np.round(quantity * prices * (1 - discount), 2)
    totals = np.round(np.bincount(item_order, weights=line_total, minlength=n), 2)

    age_days = (np.datetime64(end) - order_days).astype(int)
    status = np.where(
        age_days < 3,
        "processing",
        np.where(age_days < 10, "shipped", _pick(rng, _STATUSES[:1] + _STATUSES[3:], [0.9, 0.06, 0.04], n)),
    )
    countries = customers["country"].to_numpy(zero_copy_only=False)[cust_idx]
    orders = pa.table(
        {
            "order_id": pa.array(order_ids, pa.int64()),
            "customer_id": pa.array(customer_ids[cust_idx], pa.int64()),
            "order_date": pa.array(order_days, pa.date32()),
            "status": pa.array(status.astype(object), pa.string()),
            "channel": pa.array(_pick(rng, *_CHANNELS, n), pa.string()),
            "country": pa.array(countries, pa.string()),
            "total_amount": pa.array(totals, pa.float64()),
        }
    )
    items = pa.table(
        {
            "order_id": pa.array(order_ids[item_order], pa.int64()),
            "line_number": pa.array(line_number, pa.int32()),
            "product_id": pa.array(products["product_id"].to_numpy()[product_idx], pa.int64()),
            "quantity": pa.array(quantity, pa.int32()),
            "unit_price": pa.array(prices, pa.float64()),
            "discount": pa.array(discount, pa.float64()),
            "line_total": pa.array(line_total, pa.float64()),
        }
    )
    return orders, items


def build_demo(
    storage: DeltaStorageManager,
    *,
    orders: int = DEFAULT_ORDERS,
    seed: int = 7,
    force: bool = False,
    if_missing: bool = False,
    on_step: Callable[[str], None] | None = None,
) -> DemoResult:
    """Create the demo tables (and their history) in ``storage``.

    With ``if_missing`` an existing demo is left alone; with ``force`` it is dropped and
    rebuilt; with neither, existing demo tables are an error.
    """
    step = on_step or (lambda _message: None)
    started = time.perf_counter()
    existing = [t for t in DEMO_TABLES if storage.exists(t)]
    if existing and not force:
        if if_missing and len(existing) == len(DEMO_TABLES):
            return DemoResult(built=False, versions={t: storage.current_version(t) for t in DEMO_TABLES})
        if not if_missing:
            raise StorageInputError(
                f"Demo table(s) {', '.join(existing)} already exist.",
                hint="Use --if-missing to keep them or --force to rebuild them.",
            )
    for name in existing:
        step(f"Dropping {name}")
        storage.drop_table(name)

    rng = np.random.default_rng(seed)
    n_customers = max(50, orders // 24)
    n_products = max(40, min(600, orders // 200))
    step(f"Generating {n_customers:,} customers, {n_products:,} products and {orders:,} orders")
    customers = make_customers(rng, n_customers)
    products = make_products(rng, n_products)
    order_rows, item_rows = make_orders(rng, customers, products, orders)

    step("Writing customers, products, orders and order_items")
    storage.write_table(customers, "customers")
    storage.write_table(products, "products")
    storage.write_table(order_rows, "orders")
    storage.write_table(item_rows, "order_items")

    step("Committing history: a price rise, customer updates and a late batch of orders")
    _commit_history(storage, rng, customers, products, orders)

    step("Describing tables and columns in the catalog")
    describe_demo(storage)
    result = DemoResult(built=True, seconds=time.perf_counter() - started)
    for name in DEMO_TABLES:
        stats = storage.stats(name)
        result.rows[name] = stats.rows
        result.versions[name] = stats.version
    return result


def _commit_history(
    storage: DeltaStorageManager, rng: np.random.Generator, customers: pa.Table, products: pa.Table, orders: int
) -> None:
    # Version 1 of products: Electronics prices go up 8%.
    storage.update("products", {"price": "round(price * 1.08, 2)"}, "category = 'Electronics'")
    # Version 1 of customers: some move to Corporate, a few new ones sign up (an upsert).
    moved = customers.take(rng.choice(customers.num_rows, size=max(1, customers.num_rows // 50), replace=False))
    moved = moved.set_column(
        moved.schema.get_field_index("segment"), "segment", pa.array(["Corporate"] * moved.num_rows)
    )
    newcomers = make_customers(rng, max(1, customers.num_rows // 100))
    newcomers = newcomers.set_column(
        0,
        "customer_id",
        pa.array(np.arange(customers.num_rows + 1, customers.num_rows + 1 + newcomers.num_rows), pa.int64()),
    )
    storage.merge(pa.concat_tables([moved, newcomers]), "customers", on="customer_id")
    # Version 1 of orders and order_items: a late-arriving batch from the last days of 2024.
    late = max(10, orders // 60)
    late_orders, late_items = make_orders(
        rng, customers, products, late, first_id=orders + 1, start=date(2024, 12, 20), end=LAST_DAY
    )
    storage.write_table(late_orders, "orders")
    storage.write_table(late_items, "order_items")


def describe_demo(storage: DeltaStorageManager) -> None:
    """Write the demo's table and column descriptions into the catalog."""
    with storage.catalog.session() as session:
        for table, descriptions in DESCRIPTIONS.items():
            for column, text in descriptions.items():
                tables_repo.set_description(session, table, text, column=column)
