"""The embedder on the bundled all-MiniLM-L6-v2, loaded offline."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from neurolake.errors import ConfigurationError
from neurolake.semantic import DIMENSION, Embedder
from neurolake.semantic.embedder import load_model


def test_vectors_are_unit_length_rows(embedder: Embedder) -> None:
    vectors = embedder.embed(["revenue", "country", "revenue"])
    assert vectors.shape == (3, DIMENSION) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors[0], vectors[2])


def test_similar_phrases_are_closer_than_unrelated_ones(embedder: Embedder) -> None:
    revenue, sales, station = embedder.embed(["revenue", "sales", "bike station"])
    assert float(revenue @ sales) > float(revenue @ station)


def test_the_model_loads_offline_once_per_process(embedder: Embedder) -> None:
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert load_model(embedder.model_path) is load_model(Embedder().model_path)


def test_repeated_phrases_come_from_the_cache(embedder: Embedder) -> None:
    small = Embedder(cache_size=2)
    small.embed(["a", "b", "c"])
    assert list(small._cache) == ["b", "c"]
    first = small.embed(["c"])
    assert np.array_equal(first[0], small._cache["c"])


def test_bulk_embedding_can_skip_the_cache() -> None:
    fresh = Embedder()
    fresh.embed(["value one", "value two"], remember=False)
    assert len(fresh._cache) == 0


def test_a_folder_without_a_model_is_a_configuration_error(tmp_path) -> None:
    with pytest.raises(ConfigurationError, match="No sentence-transformers model"):
        Embedder(tmp_path).embed(["x"])


def test_warm_phrase_latency(embedder: Embedder) -> None:
    embedder.embed(["warm up the thread pool"])
    timings = []
    for i in range(5):
        phrase = f"average order value {i}"  # new text each time: the model runs, not the cache
        started = time.perf_counter()
        embedder.embed([phrase])
        timings.append((time.perf_counter() - started) * 1000)
    cached_start = time.perf_counter()
    embedder.embed(["average order value 0"])
    cached_ms = (time.perf_counter() - cached_start) * 1000
    print(f"\nembed one short phrase, warm: median {sorted(timings)[2]:.1f} ms; cached {cached_ms:.3f} ms")
    assert cached_ms < 5
