"""Schemathesis generates requests from the OpenAPI schema: none may end in a server error."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.api.conftest import Api

pytestmark = pytest.mark.usefixtures("conversations")

#: Examples per operation and mode: enough to reach every parameter, bounded to seconds.
EXAMPLES = {GenerationMode.POSITIVE: 3, GenerationMode.NEGATIVE: 2}
#: A question runs the whole agent graph: fewer of those.
SLOW_PREFIXES = ("/api/v1/ask",)


def test_generated_requests_never_get_a_server_error(api: Api) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    for operation in operations:
        for mode, examples in EXAMPLES.items():

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=1 if operation.path.startswith(SLOW_PREFIXES) else examples,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: schemathesis.Case) -> None:
                response = case.call(headers=api.headers("admin"))
                if response.status_code >= 500 and response.status_code != 503:
                    failures.append(f"{case.method} {case.formatted_path}: {response.status_code} {response.text}")

            try:
                check()
            except Unsatisfiable:
                # An operation without parameters or body has no invalid request to make.
                assert mode is GenerationMode.NEGATIVE, operation.path
    assert failures == []
    # The lakehouse survived the fuzzing: the admin's key and the table are still there.
    assert api.client.get("/api/v1/tables/orders", headers=api.headers("admin")).status_code == 200
