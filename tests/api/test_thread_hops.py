"""Under concurrent clients a cached answer stays cheap: the query route hops to the thread pool
only for what blocks (reading the user's key, running the query), not for each dependency.
bench/api_load.py measures the latencies; this pins the structure that keeps them low."""

from __future__ import annotations

import inspect
from typing import Any

from fastapi.routing import APIRoute

from neurolake.api.routes import health, queries


def runs_on_the_thread_pool(call: Any) -> bool:
    """FastAPI awaits coroutine functions (and objects with an async ``__call__``) on the loop."""
    target = call if inspect.isfunction(call) or inspect.ismethod(call) else type(call).__call__
    return not (inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target))


def pooled_calls(dependant: Any) -> set[str]:
    names: set[str] = set()
    for sub in dependant.dependencies:
        names |= pooled_calls(sub)
        if sub.call is not None and runs_on_the_thread_pool(sub.call):
            names.add(sub.call.__name__)
    return names


def route_of(routes: list[Any], path: str, method: str) -> APIRoute:
    return next(r for r in routes if isinstance(r, APIRoute) and r.path == path and method in r.methods)


def test_a_query_runs_on_the_thread_pool_only_to_read_the_user_and_run() -> None:
    route = route_of(queries.router.routes, "/queries", "POST")

    assert pooled_calls(route.dependant) == {"get_current_user"}
    assert runs_on_the_thread_pool(route.dependant.call)  # the query itself blocks: it runs on the pool


def test_readiness_hops_to_the_pool_only_for_its_checks() -> None:
    route = route_of(health.router.routes, "/ready", "GET")

    assert pooled_calls(route.dependant) == set()
