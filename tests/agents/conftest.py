"""Fixtures for the agent graph: the demo lakehouse (300 orders, with history), a service.

The lakehouse is built once per session through the storage manager; each test talks to
it in threads of its own, through a ``ConversationService`` over the real engine, with
the offline parser pinned to 2025-01-01 so "last year" is 2024.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from agents import ConversationService
from neurolake.intent.parser import IntentParser
from neurolake.platform import NeuroLake
from tests.conftest import demo_platform_at

DEMO_TODAY = date(2025, 1, 1)


@pytest.fixture(scope="session")
def lakehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NeuroLake]:
    """The demo lakehouse at a small size: customers, products, orders, order_items."""
    platform = demo_platform_at(tmp_path_factory.mktemp("conversations") / "home")
    yield platform
    platform.close()


@pytest.fixture(scope="session")
def demo_parser(lakehouse: NeuroLake) -> IntentParser:
    return IntentParser(lakehouse.catalog, storage=lakehouse.storage, today=DEMO_TODAY)


@pytest.fixture
def make_service(lakehouse: NeuroLake, demo_parser: IntentParser) -> Iterator[Callable[..., ConversationService]]:
    """Builds services over the demo lakehouse (offline, no memory unless given); closes them."""
    built: list[ConversationService] = []

    def make(**options: Any) -> ConversationService:
        options.setdefault("parser", demo_parser)
        options.setdefault("memory", False)
        options.setdefault("semantic", False)
        service = ConversationService(lakehouse, **options)
        built.append(service)
        return service

    yield make
    for service in built:
        service.close()


@pytest.fixture
def service(make_service: Callable[..., ConversationService]) -> ConversationService:
    return make_service()


@pytest.fixture
def thread_id() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def gold(platform: NeuroLake, sql: str) -> list[tuple[Any, ...]]:
    """The rows of hand-written SQL on the real engine."""
    return list(platform.engine.execute_sql(sql, use_cache=False).rows)


def same_rows(actual: list[tuple[Any, ...]], expected: list[tuple[Any, ...]], *, ordered: bool = False) -> bool:
    """Equal row lists, floats compared to the cent; in any order unless ``ordered``."""
    a = [_rounded(r) for r in actual]
    b = [_rounded(r) for r in expected]
    return a == b if ordered else sorted(a, key=repr) == sorted(b, key=repr)


def _rounded(row: tuple[Any, ...]) -> tuple[Any, ...]:
    out = []
    for v in row:
        if isinstance(v, float) and not math.isnan(v):
            out.append(round(v, 2))
        elif hasattr(v, "as_tuple") and hasattr(v, "quantize"):  # Decimal
            out.append(round(float(v), 2))
        else:
            out.append(v)
    return tuple(out)
