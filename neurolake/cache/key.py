"""Cache keys: a hash of everything that decides a query's answer.

The key covers the normalized SQL, the bound parameters (with their types), limit and page,
the caller's role, and the Delta version of every table read. A write to a table gives it a
new version, so entries keyed on the old version can no longer be reached.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

#: Bump when the key material changes shape, so old entries are never read by new code.
KEY_FORMAT = 1


@dataclass(frozen=True)
class CacheKey:
    """A cache key: the sha256 ``digest`` plus the ``tables`` it read (for invalidation)."""

    digest: str
    tables: tuple[str, ...] = ()

    @classmethod
    def build(
        cls,
        normalized_sql: str,
        params: Any = None,
        limit: int | None = None,
        page: Any = None,
        role: str | None = None,
        table_versions: Mapping[str, int] | None = None,
        *,
        engine: str | None = None,
    ) -> CacheKey:
        """Hash the inputs that decide a query's answer; raises ``TypeError`` for a parameter
        whose type has no unambiguous encoding (the caller should then bypass the cache).

        ``engine`` (e.g. ``duckdb`` or ``spark``) keeps backends that type results differently
        apart when they share one Redis.
        """
        versions = dict(table_versions or {})
        material = {
            "format": KEY_FORMAT,
            "sql": normalized_sql,
            "params": encode_params(params),
            "limit": encode_value(limit),
            "page": encode_value(page),
            "role": role,
            "engine": engine,
            "tables": sorted([name, int(version)] for name, version in versions.items()),
        }
        text = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return cls(digest=digest, tables=tuple(sorted(versions)))

    def __str__(self) -> str:
        return self.digest


def build_cache_key(
    normalized_sql: str,
    params: Any = None,
    limit: int | None = None,
    page: Any = None,
    role: str | None = None,
    table_versions: Mapping[str, int] | None = None,
    *,
    engine: str | None = None,
) -> str:
    """The sha256 hex digest of :meth:`CacheKey.build` (same arguments)."""
    return CacheKey.build(normalized_sql, params, limit, page, role, table_versions, engine=engine).digest


def encode_params(params: Any) -> Any:
    """Positional and named parameters as typed JSON; no parameters at all encode alike."""
    if params is None or (_is_collection(params) and len(params) == 0):
        return ["none"]
    if isinstance(params, Mapping):
        return ["named", [[_key(name), encode_value(value)] for name, value in sorted(params.items())]]
    if _is_collection(params):
        return ["positional", [encode_value(value) for value in params]]
    raise TypeError(f"query parameters must be a sequence or a mapping, not {type(params).__name__}")


def encode_value(value: Any) -> Any:
    """One value as ``[type tag, text]``, so ``1``, ``1.0``, ``True`` and ``'1'`` never collide."""
    value = _unwrap_numpy(value)
    # bool before int: True is an int in Python but a different SQL value.
    if value is None:
        return ["null"]
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, int):
        return ["int", str(value)]
    if isinstance(value, float):
        return ["float", _float_text(value)]
    if isinstance(value, Decimal):
        # str keeps the scale: 1.0 and 1.00 may type differently in SQL.
        return ["decimal", str(value)]
    if isinstance(value, str):
        return ["str", value]
    if isinstance(value, bytes | bytearray | memoryview):
        return ["bytes", bytes(value).hex()]
    if isinstance(value, dt.datetime):
        return ["datetime", value.isoformat()]
    if isinstance(value, dt.date):
        return ["date", value.isoformat()]
    if isinstance(value, dt.time):
        return ["time", value.isoformat()]
    if isinstance(value, dt.timedelta):
        return ["timedelta", [value.days, value.seconds, value.microseconds]]
    if isinstance(value, uuid.UUID):
        return ["uuid", str(value)]
    if isinstance(value, Mapping):
        return ["map", [[_key(k), encode_value(v)] for k, v in sorted(value.items())]]
    if isinstance(value, list | tuple):
        return ["list", [encode_value(v) for v in value]]
    raise TypeError(f"cannot build a cache key from a parameter of type {type(value).__name__}")


def _is_collection(value: Any) -> bool:
    return isinstance(value, Mapping) or (isinstance(value, Sequence) and not isinstance(value, str | bytes))


def _float_text(value: float) -> str:
    if math.isnan(value):
        return "nan"
    # repr round-trips exactly and tells 0.0 from -0.0.
    return repr(value)


def _key(name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError(f"named parameters need string names, not {type(name).__name__}")
    return name


def _unwrap_numpy(value: Any) -> Any:
    # numpy scalars and arrays (from pandas) stand for the Python values they hold.
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()
    return value
