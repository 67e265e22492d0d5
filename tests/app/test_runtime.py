"""The chat's start-up: questions are answered before the embedding model has loaded."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app.runtime import ChatRuntime
from neurolake.config import load_settings
from neurolake.semantic import embedder

#: Seconds a step may take (a loaded 2-core machine is slow, not stuck); a step that waited
#: for the held-back model would take forever instead.
TIMEOUT_S = 300


def test_the_chat_answers_while_the_embedding_model_is_still_loading(demo_home: Path, tmp_path: Path) -> None:
    # A home of its own: the session's chat server holds the shared home's local Qdrant folder.
    home = tmp_path / "home"
    shutil.copytree(demo_home, home, ignore=shutil.ignore_patterns("qdrant"))
    runtime = ChatRuntime(load_settings(home=home, environment="test"))
    try:
        # While the models' lock is held no embedding model can load: the background loading waits.
        with ThreadPoolExecutor(max_workers=2) as pool, embedder._MODELS_LOCK:
            pool.submit(runtime.warm_up)
            assert runtime.ready.wait(TIMEOUT_S), "not ready while the model was held back"
            assert runtime.models.status == "loading"

            turn = pool.submit(runtime.service.ask, "early", "how many orders are there").result(TIMEOUT_S)

            assert turn.error is None, turn.message
            assert turn.result is not None
            engine = runtime.platform.engine
            assert turn.result.rows == engine.execute_sql("SELECT count(*) FROM orders", use_cache=False).rows
            assert runtime.models.status == "loading"
        assert runtime.models.done.wait(TIMEOUT_S)
        assert runtime.models.status == "loaded", runtime.models.failed
        assert runtime.linker.search("revenue")  # the index answers once loaded
    finally:
        runtime.models.done.wait(TIMEOUT_S)
        runtime.close()
