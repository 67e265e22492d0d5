"""The one retry policy: backoff with jitter, Retry-After, spend limits, a bound."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from neurolake.errors import ProviderError, RateLimitError
from neurolake.llm.retry import Failure, RetryPolicy, parse_retry_after


class Flaky(Exception):
    pass


def recorder() -> tuple[list[float], RetryPolicy]:
    waits: list[float] = []
    return waits, RetryPolicy(3, base_delay_s=1.0, max_delay_s=5.0, sleep=waits.append, rng=lambda: 1.0)


def failing(times: int, failure: Failure) -> tuple[list[int], object]:
    calls: list[int] = []

    def attempt() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise Flaky(failure.message)
        return "done"

    return calls, attempt


def classify_as(failure: Failure):
    return lambda e: failure if isinstance(e, Flaky) else None


def test_retry_after_in_seconds_milliseconds_and_http_dates() -> None:
    assert parse_retry_after({"Retry-After": "2"}) == 2.0
    assert parse_retry_after({"retry-after-ms": "150", "retry-after": "9"}) == 0.15
    assert parse_retry_after({"Retry-After": formatdate(1_000_030, usegmt=True)}, now=1_000_000) == pytest.approx(30)
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({}) is None


def test_backoff_doubles_up_to_the_cap_with_jitter_never_below_half() -> None:
    policy = RetryPolicy(5, base_delay_s=1.0, max_delay_s=5.0, rng=lambda: 1.0)
    assert [policy.delay(n) for n in range(4)] == [1.0, 2.0, 4.0, 5.0]
    low = RetryPolicy(5, base_delay_s=1.0, max_delay_s=5.0, rng=lambda: 0.0)
    assert [low.delay(n) for n in range(3)] == [0.5, 1.0, 2.0]
    assert policy.delay(0, retry_after_s=7.5) == 7.5


def test_retryable_failures_are_retried_then_succeed() -> None:
    waits, policy = recorder()
    failure = Failure("busy", retryable=True, status=503)
    _, attempt = failing(2, failure)
    assert policy.run(attempt, classify_as(failure), provider="p") == ("done", 3)
    assert waits == [1.0, 2.0]


def test_retry_after_is_honoured() -> None:
    waits, policy = recorder()
    failure = Failure("slow down", retryable=True, status=429, retry_after_s=3.0)
    _, attempt = failing(1, failure)
    policy.run(attempt, classify_as(failure), provider="p")
    assert waits == [3.0]


def test_after_the_last_retry_a_provider_error_with_the_message() -> None:
    waits, policy = recorder()
    failure = Failure("upstream exploded", retryable=True, status=500)
    calls, attempt = failing(99, failure)
    with pytest.raises(ProviderError, match=r"p failed after 4 attempts \(HTTP 500\): upstream exploded") as info:
        policy.run(attempt, classify_as(failure), provider="p")
    assert not isinstance(info.value, RateLimitError)
    assert len(calls) == 4 and len(waits) == 3


def test_exhausted_429_is_a_rate_limit_error() -> None:
    _, policy = recorder()
    failure = Failure("too many", retryable=True, status=429)
    _, attempt = failing(99, failure)
    with pytest.raises(RateLimitError, match="too many"):
        policy.run(attempt, classify_as(failure), provider="p")


def test_spend_limit_is_not_retried() -> None:
    waits, policy = recorder()
    failure = Failure("You exceeded your current quota", retryable=False, status=429, spend_limit=True)
    calls, attempt = failing(99, failure)
    with pytest.raises(RateLimitError, match=r"spending limit reached.*exceeded your current quota"):
        policy.run(attempt, classify_as(failure), provider="p")
    assert len(calls) == 1 and waits == []


def test_non_retryable_fails_at_once_with_the_hint() -> None:
    _, policy = recorder()
    failure = Failure("bad request", retryable=False, status=400, hint="Fix it.")
    calls, attempt = failing(99, failure)
    with pytest.raises(ProviderError, match=r"request failed \(HTTP 400\): bad request Fix it."):
        policy.run(attempt, classify_as(failure), provider="p")
    assert len(calls) == 1


def test_a_retry_after_beyond_the_bound_fails_instead_of_waiting() -> None:
    waits, policy = recorder()
    failure = Failure("later", retryable=True, status=429, retry_after_s=3600)
    _, attempt = failing(1, failure)
    with pytest.raises(RateLimitError, match="asked to wait 3600s"):
        policy.run(attempt, classify_as(failure), provider="p")
    assert waits == []


def test_unclassified_errors_pass_through_untouched() -> None:
    _, policy = recorder()

    def attempt() -> None:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        policy.run(attempt, lambda e: None, provider="p")


def test_messages_are_redacted() -> None:
    _, policy = recorder()
    failure = Failure("key sk-secret is wrong", retryable=False, status=401)
    _, attempt = failing(1, failure)
    with pytest.raises(ProviderError) as info:
        policy.run(attempt, classify_as(failure), provider="p", redact=lambda s: s.replace("sk-secret", "***"))
    assert "sk-secret" not in str(info.value) and "***" in str(info.value)
