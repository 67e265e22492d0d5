"""What one API process holds: the platform per settings, query owners, limits, the scheduler."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from neurolake.api.auth import KeyAuthenticator
from neurolake.errors import NeuroLakeError
from neurolake.platform import NeuroLake

if TYPE_CHECKING:
    from agents.warming import WarmingService
    from neurolake.cache import QueryCache
    from neurolake.config import Settings
    from neurolake.pipelines import PipelineScheduler
    from neurolake.pipelines.service import PipelineService

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class ApiLimits:
    """Size limits past which a request is answered 413."""

    #: Largest upload body ``POST /api/v1/tables`` accepts (``NEUROLAKE_API__MAX_UPLOAD_BYTES``).
    max_upload_bytes: int = 1024 * 1024 * 1024
    #: Largest result (Arrow bytes) a query returns in one response; past it, paginate.
    max_result_bytes: int = 256 * 1024 * 1024
    #: Largest body of every other route (``NEUROLAKE_API__MAX_BODY_BYTES``).
    max_body_bytes: int = 1024 * 1024

    @classmethod
    def from_settings(cls, settings: Settings) -> ApiLimits:
        return cls(max_upload_bytes=settings.api.max_upload_bytes, max_body_bytes=settings.api.max_body_bytes)


class QueryIdInUseError(NeuroLakeError, ValueError):
    """A query with the requested id is already running."""

    status_code = 409


class QueryOwners:
    """Who started each query running through this process (so only they, or an admin, cancel it)."""

    def __init__(self) -> None:
        self._owners: dict[str, int] = {}
        self._lock = threading.Lock()

    @contextmanager
    def track(self, query_id: str, user_id: int) -> Iterator[None]:
        with self._lock:
            if query_id in self._owners:
                raise QueryIdInUseError(f"A query with id {query_id!r} is already running.", hint="Pick another id.")
            self._owners[query_id] = user_id
        try:
            yield
        finally:
            with self._lock:
                self._owners.pop(query_id, None)

    def owner(self, query_id: str) -> int | None:
        with self._lock:
            return self._owners.get(query_id)

    def of(self, user_id: int) -> list[str]:
        with self._lock:
            return [qid for qid, uid in self._owners.items() if uid == user_id]


class ApiState:
    """Per-app state: one ``NeuroLake`` per settings object (tests swap settings per app)."""

    def __init__(self, settings: Settings, limits: ApiLimits, *, warm_models: bool = False) -> None:
        self.settings = settings
        #: Conversations load the embedding model in the background (``neurolake serve``): answers
        #: never wait for it. Off, they use ``platform.conversations``, which loads it when needed.
        self.warm_models = warm_models
        self.limits = limits
        self.owners = QueryOwners()
        self.authenticator = KeyAuthenticator()
        self.scheduler: PipelineScheduler | None = None
        self._platforms: dict[int, tuple[Settings, NeuroLake]] = {}
        self._pipelines: dict[int, PipelineService] = {}
        self._warming: dict[int, WarmingService] = {}
        self._lock = threading.Lock()

    def platform(self, settings: Settings) -> NeuroLake:
        """The platform built from ``settings`` (built once, kept until ``close``)."""
        with self._lock:
            # The settings object is kept in the value, so its id() stays unique while cached.
            entry = self._platforms.get(id(settings))
            if entry is None:
                entry = self._platforms[id(settings)] = (settings, NeuroLake.from_settings(settings))
            return entry[1]

    def cache(self, settings: Settings) -> QueryCache:
        """The result cache the platform's engine uses."""
        return self.platform(settings).cache

    def pipelines(self, settings: Settings) -> PipelineService:
        """The pipeline service of the platform for ``settings`` (its intent parser is built once)."""
        from neurolake.pipelines.service import PipelineService

        return self._one_per_settings(self._pipelines, settings, PipelineService)

    def warming(self, settings: Settings) -> WarmingService | None:
        """The conversations of the platform for ``settings`` with the model loading behind them
        (None unless ``warm_models``)."""
        if not self.warm_models:
            return None
        from agents.warming import WarmingService

        return self._one_per_settings(self._warming, settings, WarmingService)

    def _one_per_settings(self, built: dict[int, T], settings: Settings, build: Callable[[NeuroLake], T]) -> T:
        """``build(platform)`` once per settings object, kept in ``built``."""
        platform = self.platform(settings)
        with self._lock:
            if id(settings) not in built:
                built[id(settings)] = build(platform)
            return built[id(settings)]

    def models_status(self, settings: Settings) -> str | None:
        """ "loading", "loaded" or "failed" for the embedding model behind the conversations; None
        unless ``warm_models`` (then the model loads when a question first needs it)."""
        if not self.warm_models:
            return None
        with self._lock:
            warming = self._warming.get(id(settings))
        return warming.models.status if warming is not None else "loading"

    def start_warm_up(self) -> None:
        """In a thread: import the agent layer, build the conversation service, then load the
        embedding model behind it. The server answers ``/health`` and ``/ready`` meanwhile, and a
        first question waits only for what is not built yet."""
        if self.warm_models:
            threading.Thread(target=self._warm_up, name="neurolake-warm-up", daemon=True).start()

    def _warm_up(self) -> None:
        try:
            warming = self.warming(self.settings)
            assert warming is not None  # warm_models is on
            warming.warm_up()
        except Exception:  # the first question reports it; the server goes on
            log.exception("building the conversation service failed")

    def start_scheduler(self, interval_s: float) -> None:
        from neurolake.pipelines import PipelineScheduler

        self.scheduler = PipelineScheduler(self.pipelines(self.settings), interval_s=interval_s)
        self.scheduler.start()

    def close(self) -> None:
        """Stop the scheduler and release every platform; safe to call more than once."""
        if self.scheduler is not None:
            self.scheduler.stop()
            self.scheduler = None
        with self._lock:
            self._pipelines = {}
            warming, self._warming = list(self._warming.values()), {}
            platforms, self._platforms = [p for _, p in self._platforms.values()], {}
        for service in warming:
            service.close()
        for platform in platforms:
            platform.close()
