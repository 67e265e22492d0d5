"""`neurolake serve`'s app answers /ready and questions before the embedding model has loaded,
and a question answered meanwhile says so (issue 20 point 2)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from fastapi.testclient import TestClient

from agents.warming import MODELS_LOADING_NOTE
from neurolake.api import create_app
from neurolake.catalog.repositories import users as users_repo
from neurolake.config import load_settings
from neurolake.platform import NeuroLake
from neurolake.semantic import embedder

#: Seconds a step may take on a loaded 2-core machine (slow, not stuck).
TIMEOUT_S = 300


def test_questions_are_answered_while_the_model_loads_and_say_so(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", environment="test")
    platform = NeuroLake.from_settings(settings)
    with platform.catalog.session() as session:
        key = users_repo.create_user(session, "ana", role="analyst")[1]
    platform.storage.write_table(pa.table({"region": ["EU", "US", "EU"], "amount": [10, 20, 30]}), "orders")
    platform.close()
    headers = {"Authorization": f"Bearer {key}"}
    question = {"question": "how many orders are there"}

    # While the models' lock is held no embedding model can load: the background loading waits.
    embedder._MODELS_LOCK.acquire()
    held = True
    try:
        with TestClient(create_app(settings, warm_models=True)) as client:
            ready = client.get("/ready").json()
            assert ready["status"] == "ready" and ready["models"] == "loading"

            early = client.post("/api/v1/ask", json=question, headers=headers, timeout=TIMEOUT_S)

            assert early.status_code == 200, early.text
            assert early.json()["result"]["rows"] == [[3]]
            assert early.json()["notes"] == [MODELS_LOADING_NOTE]
            warming = client.app.state.api.warming(settings)  # type: ignore[attr-defined]
            embedder._MODELS_LOCK.release()
            held = False
            assert warming.models.done.wait(TIMEOUT_S)
            assert client.get("/ready").json()["models"] == "loaded", warming.models.failed
            later = client.post("/api/v1/ask", json=question, headers=headers, timeout=TIMEOUT_S)
            assert later.json()["notes"] == []
    finally:
        if held:
            embedder._MODELS_LOCK.release()


def test_an_app_without_warm_up_reports_no_model_state(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", environment="test")
    with TestClient(create_app(settings)) as client:
        assert client.get("/ready").json()["models"] is None
