"""The shared cache in Redis: entries with a TTL, an LRU index bounded in bytes, per-table sets.

Every key starts with a prefix (default ``neurolake:cache``)::

    <prefix>:entry:<digest>   the serialized result, with a TTL
    <prefix>:table:<name>     set of entry keys that read table <name> (invalidation)
    <prefix>:lru              sorted set: entry key -> last access (µs, server clock)
    <prefix>:sizes            hash: entry key -> bytes;  <prefix>:bytes  their total
    <prefix>:offers:<digest>  admission count within the TTL
    <prefix>:lock:<digest>    compute lock (SET NX PX) for stampede protection
    <prefix>:stats            hash of counters shared by every process

Each operation that touches several keys is one Lua script, so it is atomic and costs one
round trip. Timeouts are short and there are no retries: a slow Redis costs a miss, never a
stalled query. Redis Cluster is not supported (scripts touch keys they do not declare).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar
from urllib.parse import urlparse

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from neurolake.cache.backend import DEFAULT_PREFIX
from neurolake.cache.stats import COUNTERS
from neurolake.errors import CacheUnavailableError

DEFAULT_TIMEOUT_S = 0.25
T = TypeVar("T")

# Lua shared by the scripts below: the server clock in µs (so accesses never tie), and
# dropping one entry with its index rows.
_LUA_COMMON = """
local function now_us()
  local t = redis.call('TIME')
  return t[1] * 1000000 + t[2]
end
local function drop(key, lru, sizes, total)
  local existed = redis.call('DEL', key)
  local size = redis.call('HGET', sizes, key)
  if size then
    redis.call('DECRBY', total, size)
    redis.call('HDEL', sizes, key)
  end
  redis.call('ZREM', lru, key)
  return existed
end
"""

# KEYS: entry, lru, stats. ARGV: record ("1"/"0"). Sent in one pipeline with a plain GET:
# returning the value from Lua would copy it, doubling the cost of a large hit.
_TOUCH = """
local found = redis.call('EXISTS', KEYS[1]) == 1
if found then
  redis.call('ZADD', KEYS[2], 'XX', now_us(), KEYS[1])
end
if ARGV[1] == '1' then
  redis.call('HINCRBY', KEYS[3], found and 'hits' or 'misses', 1)
end
return found and 1 or 0
"""

# KEYS: entry, lru, sizes, total, stats, table sets... ARGV: value, ttl_ms, max_bytes.
_PUT = """
local entry, lru, sizes, total, stats = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local ttl, max_bytes = tonumber(ARGV[2]), tonumber(ARGV[3])
local now = now_us()
drop(entry, lru, sizes, total)
-- Last access older than the TTL means the entry has expired: reclaim its index rows.
for _, key in ipairs(redis.call('ZRANGEBYSCORE', lru, '-inf', now - ttl * 1000)) do
  drop(key, lru, sizes, total)
end
local size = string.len(ARGV[1])
redis.call('SET', entry, ARGV[1], 'PX', ttl)
redis.call('HSET', sizes, entry, size)
redis.call('INCRBY', total, size)
redis.call('ZADD', lru, now, entry)
for i = 6, #KEYS do
  redis.call('SADD', KEYS[i], entry)
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
local evicted = 0
while tonumber(redis.call('GET', total) or '0') > max_bytes do
  local oldest = redis.call('ZRANGE', lru, 0, 0)[1]
  if not oldest or oldest == entry then break end
  evicted = evicted + drop(oldest, lru, sizes, total)
end
redis.call('HINCRBY', stats, 'puts', 1)
if evicted > 0 then redis.call('HINCRBY', stats, 'evictions', evicted) end
return evicted
"""

# KEYS: table set, lru, sizes, total.
_INVALIDATE = """
local dropped = 0
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  dropped = dropped + drop(key, KEYS[2], KEYS[3], KEYS[4])
end
redis.call('DEL', KEYS[1])
return dropped
"""

# KEYS: lru, sizes, total. Sweeps index rows of expired entries, then reports the live ones.
_USAGE = """
for _, key in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if redis.call('EXISTS', key) == 0 then drop(key, KEYS[1], KEYS[2], KEYS[3]) end
end
return {redis.call('ZCARD', KEYS[1]), tonumber(redis.call('GET', KEYS[3]) or '0')}
"""

# KEYS: offers counter. ARGV: ttl_ms. The admission window starts at the first offer.
_OFFER = """
local seen = redis.call('INCR', KEYS[1])
if seen == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return seen
"""

# KEYS: lock. ARGV: token. Only the holder releases its lock.
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisCacheBackend:
    """Cache entries in Redis under ``prefix``; every Redis failure becomes ``CacheUnavailableError``."""

    name = "redis"
    shared = True

    def __init__(self, client: redis.Redis, *, prefix: str = DEFAULT_PREFIX, ttl_s: float, max_bytes: int) -> None:
        self.client = client
        self.prefix = prefix
        self.ttl_s = ttl_s
        self.max_bytes = max_bytes
        self._ttl_ms = max(1, int(ttl_s * 1000))
        self._lru, self._sizes, self._total = f"{prefix}:lru", f"{prefix}:sizes", f"{prefix}:bytes"
        self._stats = f"{prefix}:stats"
        self._touch, self._put, self._invalidate, self._usage, self._offer, self._unlock = (
            client.register_script(_LUA_COMMON + body) for body in (_TOUCH, _PUT, _INVALIDATE, _USAGE, _OFFER, _UNLOCK)
        )
        kwargs = client.connection_pool.connection_kwargs
        self.location = f"{kwargs.get('host', kwargs.get('path', '?'))}:{kwargs.get('port', '')}/{kwargs.get('db', 0)}"

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        ttl_s: float,
        max_bytes: int,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> RedisCacheBackend:
        """Connect lazily to ``url``: a Redis that is down now does not fail construction."""
        if urlparse(url).scheme not in {"redis", "rediss", "unix"}:
            raise ValueError(f"{url!r} is not a Redis URL such as redis://127.0.0.1:6379/0")
        client = redis.Redis.from_url(
            url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            retry=Retry(NoBackoff(), 0),
        )
        return cls(client, prefix=prefix, ttl_s=ttl_s, max_bytes=max_bytes)

    def get(self, key: str, *, record: bool = True) -> bytes | None:
        keys = [self._entry(key), self._lru, self._stats]

        def get_and_touch() -> bytes | None:
            pipe = self.client.pipeline(transaction=False)
            pipe.get(keys[0])
            self._touch(keys=keys, args=["1" if record else "0"], client=pipe)
            value, _ = pipe.execute()
            return bytes(value) if value is not None else None

        return self._call(get_and_touch)

    def put(self, key: str, value: bytes, tables: Sequence[str]) -> int:
        keys = [self._entry(key), self._lru, self._sizes, self._total, self._stats]
        keys += [self._table(t) for t in dict.fromkeys(tables)]
        return int(self._call(lambda: self._put(keys=keys, args=[value, self._ttl_ms, self.max_bytes])))

    def invalidate(self, table: str) -> int:
        keys = [self._table(table), self._lru, self._sizes, self._total]
        return int(self._call(lambda: self._invalidate(keys=keys)))

    def clear(self) -> int:
        keep = {self._stats}
        entry_prefix = f"{self.prefix}:entry:".encode()

        def scan_and_delete() -> int:
            dropped = 0
            batch: list[bytes] = []
            for key in self.client.scan_iter(match=f"{_glob_escape(self.prefix)}:*", count=500):
                if key.decode() in keep or key.startswith(f"{self.prefix}:lock:".encode()):
                    continue
                batch.append(key)
                if len(batch) >= 500:
                    dropped += self._unlink_counting(batch, entry_prefix)
                    batch = []
            return dropped + (self._unlink_counting(batch, entry_prefix) if batch else 0)

        return self._call(scan_and_delete)

    def usage(self) -> tuple[int, int]:
        entries, total = self._call(lambda: self._usage(keys=[self._lru, self._sizes, self._total]))
        return int(entries), int(total)

    def offer(self, key: str) -> int:
        return int(self._call(lambda: self._offer(keys=[f"{self.prefix}:offers:{key}"], args=[self._ttl_ms])))

    def count(self, counter: str, n: int = 1) -> None:
        self._call(lambda: self.client.hincrby(self._stats, counter, n))

    def counters(self) -> dict[str, int]:
        raw: dict[bytes, bytes] = self._call(lambda: self.client.hgetall(self._stats))
        values = {k.decode(): int(v) for k, v in raw.items()}
        return {name: values.get(name, 0) for name in COUNTERS}

    def try_lock(self, key: str, token: str, ttl_s: float) -> bool:
        lock = f"{self.prefix}:lock:{key}"
        return bool(self._call(lambda: self.client.set(lock, token, nx=True, px=max(1, int(ttl_s * 1000)))))

    def unlock(self, key: str, token: str) -> None:
        self._call(lambda: self._unlock(keys=[f"{self.prefix}:lock:{key}"], args=[token]))

    def close(self) -> None:
        self.client.close()

    def _entry(self, key: str) -> str:
        return f"{self.prefix}:entry:{key}"

    def _table(self, table: str) -> str:
        return f"{self.prefix}:table:{table}"

    def _unlink_counting(self, keys: list[bytes], entry_prefix: bytes) -> int:
        """Delete ``keys``; returns how many of them were live entries."""
        entries = [k for k in keys if k.startswith(entry_prefix)]
        others = [k for k in keys if not k.startswith(entry_prefix)]
        dropped = int(self.client.unlink(*entries)) if entries else 0
        if others:
            self.client.unlink(*others)
        return dropped

    def _call(self, operation: Callable[[], T]) -> T:
        try:
            return operation()
        except (redis.RedisError, OSError) as e:
            raise CacheUnavailableError(f"Redis cache at {self.location} is unavailable: {e}") from e


def _glob_escape(text: str) -> str:
    """Escape SCAN MATCH wildcards so a prefix only matches itself."""
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)
