"""The chat's own HTTP routes: stored element contents, and readiness."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pandas as pd
import pytest
from chainlit.context import init_http_context
from chainlit.element import Dataframe, File
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.persistence import CatalogDataLayer, element_url
from app.routes import READY_ROUTE, add_routes
from neurolake.catalog import Catalog


@pytest.fixture
def layer(tmp_path) -> Iterator[CatalogDataLayer]:
    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    with catalog.session():
        pass
    yield CatalogDataLayer(catalog.engine)
    catalog.dispose()


def stored(layer: CatalogDataLayer, *elements: object) -> None:
    async def save() -> None:
        init_http_context(thread_id="t1")
        for element in elements:
            element.for_id = "m1"  # type: ignore[attr-defined]
            await layer.create_element(element)  # type: ignore[arg-type]

    asyncio.run(save())


def test_a_stored_table_is_served_as_text_and_a_page_only_as_a_download(layer: CatalogDataLayer) -> None:
    app, ready = FastAPI(), threading.Event()
    add_routes(app, lambda: layer, ready, lambda: "loaded")
    client = TestClient(app)

    async def make() -> tuple[Dataframe, File]:
        init_http_context(thread_id="t1")
        return (
            Dataframe(data=pd.DataFrame({"a": [1]}), name="Result"),
            File(name="page.html", content=b"<script>alert(1)</script>", mime="text/html"),
        )

    table, page = asyncio.run(make())
    stored(layer, table, page)

    served = client.get(element_url("t1", table.id))
    assert served.status_code == 200 and served.headers["content-type"].startswith("text/plain")
    assert served.json()["data"] == [[1]]
    html = client.get(element_url("t1", page.id))
    assert html.headers["content-type"] == "application/octet-stream"
    assert html.headers["content-disposition"] == "attachment"
    assert client.get(element_url("other", table.id)).status_code == 404


def test_ready_says_when_the_chat_answers_and_whether_the_models_have_loaded(layer: CatalogDataLayer) -> None:
    app, ready = FastAPI(), threading.Event()
    models = ["loading"]
    add_routes(app, lambda: layer, ready, lambda: models[0])
    client = TestClient(app)

    assert client.get(READY_ROUTE).status_code == 503
    ready.set()
    assert client.get(READY_ROUTE).json() == {"ready": True, "models": "loading"}
    models[0] = "loaded"
    assert client.get(READY_ROUTE).json() == {"ready": True, "models": "loaded"}
