from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from neurolake.catalog import Catalog


@pytest.fixture(params=["sqlite", "postgres"])
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    """A migrated catalog on each supported database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'catalog.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    cat = Catalog(url)
    yield cat
    cat.dispose()
