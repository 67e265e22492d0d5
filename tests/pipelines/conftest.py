"""A platform on the tmp home with a ``sales`` table and an admin user."""

from __future__ import annotations

import pyarrow as pa
import pytest

from neurolake.catalog.models import User
from neurolake.catalog.repositories import users as users_repo
from neurolake.intent.parser import IntentParser
from neurolake.pipelines.service import PipelineService
from neurolake.platform import NeuroLake

SALES = pa.table(
    {
        "id": pa.array([1, 2, 3], pa.int64()),
        "region": ["EU", "US", "EU"],
        "amount": pa.array([10, 20, 30], pa.int64()),
    }
)


@pytest.fixture
def sales(platform: NeuroLake) -> NeuroLake:
    platform.storage.write_table(SALES, "sales")
    return platform


@pytest.fixture
def owner(platform: NeuroLake) -> User:
    with platform.catalog.session() as session:
        return users_repo.create_user(session, "owner", role="admin")[0]


@pytest.fixture
def service(sales: NeuroLake) -> PipelineService:
    # The offline parser without the embedding model: questions resolve the same, in milliseconds.
    return PipelineService(sales, parser=IntentParser.from_platform(sales, semantic=False))
