"""Query parameters: checked against what the statement declares, then bound by the backend.

Values are never written into SQL text: the backend binds them. Named parameters are
``$name`` (or ``:name``) with a mapping; positional ones are ``?`` or ``$1`` with a list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from neurolake.engine.base import BoundParams
from neurolake.engine.statement import ParameterSpec
from neurolake.errors import QueryValidationError

Params = Mapping[str, Any] | Sequence[Any] | None


def bind_parameters(spec: ParameterSpec, params: Params) -> tuple[BoundParams, dict[str, Any]]:
    """(what the backend binds, every named value) for ``params``.

    Raises QueryValidationError for a missing, unknown or wrongly shaped parameter.
    """
    if spec.named or spec.version_only:
        return _bind_named(spec, params)
    if spec.positional:
        return _bind_positional(spec.positional, params), {}
    if params:
        raise QueryValidationError(
            "The query takes no parameters, but some were given.",
            hint="Reference them in the SQL as $name (named) or ? (positional).",
        )
    return None, {}


def _bind_named(spec: ParameterSpec, params: Params) -> tuple[BoundParams, dict[str, Any]]:
    wanted = set(spec.named) | set(spec.version_only)
    listed = ", ".join(f"${n}" for n in sorted(wanted))
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise QueryValidationError(
            f"The query uses named parameters ({listed}); pass them as a mapping of name to value."
        )
    values = {str(k).lstrip("$:"): v for k, v in params.items()}
    missing = sorted(wanted - values.keys())
    if missing:
        raise QueryValidationError(
            "Missing value for parameter " + ", ".join(f"${n}" for n in missing) + ".",
            hint=f"The query uses {listed}.",
        )
    unknown = sorted(values.keys() - wanted)
    if unknown:
        raise QueryValidationError(
            "Unknown parameter " + ", ".join(f"${n}" for n in unknown) + ".",
            hint=f"The query uses {listed}.",
        )
    bound = {name: values[name] for name in spec.named}
    return (bound or None), values


def _bind_positional(count: int, params: Params) -> list[Any]:
    if isinstance(params, (Mapping, str | bytes)) or not isinstance(params, Sequence):
        raise QueryValidationError(f"The query uses {count} positional parameter(s); pass them as a list of values.")
    if len(params) != count:
        raise QueryValidationError(f"The query uses {count} positional parameter(s) but {len(params)} were given.")
    return list(params)
