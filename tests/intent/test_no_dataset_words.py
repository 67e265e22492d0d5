"""The parser's code names no table, column or domain of any data set it is measured on.

Rules that only fit one schema's names do not carry over to the next schema, so the code in
``neurolake/intent/`` may hold words only as general language. This scans every string the
code holds (docstrings and messages aside: their examples are for people) against the table
and column names of the demo, TPC-H, the test schemas and the 137 Spider train databases
(``tests/fixtures/spider/identifiers.txt``). A word that is also a general kind of value
("name", "date", "price"), a time unit or grammar is allowed by name below; anything else
found there belongs in the owner's semantic model or nowhere.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from neurolake.storage.demo import DEMO_TABLES
from tests.intent.conftest import BIKE_TABLES

ROOT = Path(__file__).resolve().parents[2]
INTENT = ROOT / "neurolake" / "intent"
sys.path.insert(0, str(ROOT / "bench"))
from nl2sql import tpch_catalog  # noqa: E402

#: General words that are also names in some data set: kinds of values, time units, grammar.
GENERIC = frozenset(
    {
        # grammar and word endings
        "a", "e", "l", "y", "er", "no", "from", "end", "start", "list", "double", "model",
        # kinds of identifying values
        "id", "code", "name", "title", "label", "text", "description", "email", "phone", "address", "class",
        "status", "campus", "people", "person", "job",
        # time units
        "day", "days", "month", "year", "hours", "time", "date", "schedule",
        # kinds of measured values
        "age", "amount", "balance", "cost", "price", "quantity", "rate", "rating", "revenue", "sales", "score",
        "total", "weight", "long", "rank", "ranking",
    }
)  # fmt: skip


def _identifiers() -> set[str]:
    spider = ROOT / "tests" / "fixtures" / "spider" / "identifiers.txt"
    names = {line.strip() for line in spider.read_text().splitlines() if line.strip() and not line.startswith("#")}
    names |= {t.lower() for t in DEMO_TABLES} | {t.lower() for t in tpch_catalog.TABLES}
    for spec in BIKE_TABLES:
        names.add(spec.name.lower())
        names |= {c.name.lower() for c in spec.columns}
    return names


def _strings(path: Path) -> Iterator[tuple[int, str]]:
    """Every string constant of the module but its docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                docstrings.add(id(value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_the_code_names_no_table_or_column_of_a_data_set() -> None:
    identifiers = _identifiers()
    found = [
        f"{path.relative_to(ROOT)}:{line} {text!r}"
        for path in sorted(INTENT.rglob("*.py"))
        for line, text in _strings(path)
        if text.strip().lower() in identifiers and text.strip().lower() not in GENERIC
    ]
    assert not found, "data-set names in the parser's code:\n" + "\n".join(found)


def test_no_compound_name_of_a_data_set_appears_in_code_or_vocabulary() -> None:
    """``total_amount``, ``o_orderkey``, ``mountain_id``: a schema's own spelling, never language
    (docstrings and comments may use them as examples)."""
    compound = {name for name in _identifiers() if "_" in name}
    texts = [(path, text) for path in sorted(INTENT.rglob("*.py")) for _, text in _strings(path)]
    texts += [(path, path.read_text(encoding="utf-8")) for path in sorted(INTENT.rglob("*.toml"))]
    found = []
    for path, text in texts:
        words = set(re.findall(r"[a-z][a-z0-9_]*", text.lower()))
        found += [f"{path.relative_to(ROOT)}: {name}" for name in sorted(words & compound)]
    assert not found, "compound data-set names in the parser:\n" + "\n".join(found)


def test_the_scan_would_see_a_table_name_in_code(tmp_path: Path) -> None:
    """The scan itself works: a module holding a data set's table name is caught."""
    module = tmp_path / "leak.py"
    module.write_text('"""Doc: orders are fine here."""\nTABLE = "lineitem"\n', encoding="utf-8")
    strings = [text for _, text in _strings(module)]
    assert strings == ["lineitem"] and "lineitem" in _identifiers()
