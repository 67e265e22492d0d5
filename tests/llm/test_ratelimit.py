"""Token buckets for requests and tokens per minute, with an injectable clock."""

from __future__ import annotations

import threading

import pytest

from neurolake.errors import RateLimitError
from neurolake.llm.ratelimit import RateLimiter
from tests.llm.conftest import FakeClock


def limiter(clock: FakeClock, rpm: int = 60, tpm: int = 100_000, max_wait_s: float = 600.0) -> RateLimiter:
    return RateLimiter(rpm, tpm, max_wait_s=max_wait_s, clock=clock, sleep=clock.sleep)


def test_a_full_minute_of_requests_passes_without_waiting() -> None:
    clock = FakeClock()
    rl = limiter(clock, rpm=5)
    assert [rl.acquire(1) for _ in range(5)] == [0.0] * 5
    assert clock.slept == []


def test_the_next_request_waits_for_one_refill() -> None:
    clock = FakeClock()
    rl = limiter(clock, rpm=6)  # one request every 10 s
    for _ in range(6):
        rl.acquire(1)
    waited = rl.acquire(1)
    assert waited == pytest.approx(10.0)
    assert clock.slept == [pytest.approx(10.0)]


def test_requests_refill_with_time() -> None:
    clock = FakeClock()
    rl = limiter(clock, rpm=6)
    for _ in range(6):
        rl.acquire(1)
    clock.now += 30.0  # three requests' worth
    assert [rl.acquire(1) for _ in range(3)] == [0.0] * 3
    assert rl.acquire(1) == pytest.approx(10.0)


def test_tokens_per_minute_limit_waits_for_enough_tokens() -> None:
    clock = FakeClock()
    rl = limiter(clock, rpm=1000, tpm=600)  # 10 tokens a second
    assert rl.acquire(500) == 0.0
    assert rl.acquire(300) == pytest.approx(20.0)  # 100 left, 200 missing


def test_a_request_larger_than_the_bucket_costs_a_full_bucket() -> None:
    clock = FakeClock()
    rl = limiter(clock, rpm=1000, tpm=600)
    assert rl.acquire(10_000) == 0.0
    assert rl.acquire(60) == pytest.approx(6.0)


def test_settle_refunds_unused_tokens_and_charges_extra() -> None:
    clock = FakeClock()
    rl = limiter(clock, rpm=1000, tpm=600)
    rl.acquire(600)
    rl.settle(estimated=600, actual=100)
    assert rl.tokens.level == pytest.approx(500)
    rl.settle(estimated=100, actual=400)
    assert rl.tokens.level == pytest.approx(200)


def test_a_wait_longer_than_the_bound_raises_and_names_the_settings() -> None:
    clock = FakeClock()
    rl = limiter(clock, rpm=2, max_wait_s=5.0)  # a request every 30 s
    rl.acquire(1)
    rl.acquire(1)
    with pytest.raises(RateLimitError, match="NEUROLAKE_LLM__REQUESTS_PER_MINUTE") as info:
        rl.acquire(1)
    assert "30.0s" in str(info.value)
    assert clock.slept == []  # refused without sleeping


def test_threads_never_get_more_than_the_limit_allows() -> None:
    clock = FakeClock()
    rl = limiter(clock, rpm=20)
    grants: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            rl.acquire(1)
            with lock:
                grants.append(clock())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert len(grants) == 40
    assert rl.requests.level >= -1e-9  # never handed out a request it did not have
    # 20 at once, then one every 3 s: the last of 40 cannot come before 60 s of clock time.
    assert max(grants) - 1000.0 >= 60.0 - 1e-6
