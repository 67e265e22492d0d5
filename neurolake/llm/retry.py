"""One retry policy for every provider: exponential backoff with jitter, honouring Retry-After.

Providers turn their client's exceptions into a ``Failure`` (retryable or not, spend limit or
not, the provider's message, the wait it asked for); ``RetryPolicy.run`` does the rest.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TypeVar

from neurolake.errors import ProviderError, RateLimitError

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Failure:
    """A provider call that failed, as the retry policy needs to see it."""

    message: str
    retryable: bool
    status: int | None = None
    retry_after_s: float | None = None
    spend_limit: bool = False
    hint: str | None = None


def parse_retry_after(headers: Mapping[str, str] | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date)."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    if (ms := lowered.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


class RetryPolicy:
    """Up to ``max_retries`` retries of retryable failures, then a ``ProviderError``."""

    def __init__(
        self,
        max_retries: int = 3,
        *,
        base_delay_s: float = 0.5,
        max_delay_s: float = 20.0,
        max_retry_after_s: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.max_retries = max_retries
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.max_retry_after_s = max_retry_after_s
        self._sleep = sleep
        self._rng = rng

    def delay(self, retry_number: int, retry_after_s: float | None = None) -> float:
        """Wait before retry ``retry_number`` (0-based): the server's ask, else backoff."""
        if retry_after_s is not None:
            return retry_after_s
        backoff = min(self.max_delay_s, self.base_delay_s * 2**retry_number)
        # "Equal jitter": never less than half the backoff, so waits still grow.
        return backoff * (0.5 + 0.5 * self._rng())

    def run(
        self,
        attempt: Callable[[], T],
        classify: Callable[[Exception], Failure | None],
        *,
        provider: str,
        redact: Callable[[str], str] = lambda s: s,
    ) -> tuple[T, int]:
        """Call ``attempt`` until it succeeds; return its result and the number of calls made."""
        for number in range(self.max_retries + 1):
            try:
                return attempt(), number + 1
            except Exception as e:
                failure = classify(e)
                if failure is None:
                    raise
                message = redact(failure.message)
                status = f" (HTTP {failure.status})" if failure.status else ""
                if failure.spend_limit:
                    raise RateLimitError(
                        f"{provider} refused the request, spending limit reached{status}: {message}",
                        hint="Check the account's quota or billing; NeuroLake does not retry this.",
                    ) from e
                if not failure.retryable:
                    raise ProviderError(f"{provider} request failed{status}: {message}", hint=failure.hint) from e
                if number == self.max_retries:
                    error = RateLimitError if failure.status == 429 else ProviderError
                    raise error(
                        f"{provider} failed after {number + 1} attempts{status}: {message}",
                        hint=failure.hint,
                    ) from e
                if (failure.retry_after_s or 0.0) > self.max_retry_after_s:
                    raise RateLimitError(
                        f"{provider} asked to wait {failure.retry_after_s:.0f}s before retrying{status}: {message}",
                        hint=f"That is more than the {self.max_retry_after_s:.0f}s NeuroLake waits.",
                    ) from e
                wait = self.delay(number, failure.retry_after_s)
                log.warning(
                    "%s%s: %s; retry %d of %d in %.2fs",
                    provider, status, message, number + 1, self.max_retries, wait,
                )  # fmt: skip
                self._sleep(wait)
        raise AssertionError("unreachable")  # the loop always returns or raises
