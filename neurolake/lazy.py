"""Package attributes imported on first use (PEP 562), so a light import stays light.

A package's ``__init__`` that imported every submodule made ``neurolake --help`` pay for
SQLAlchemy, Redis and Prometheus; with ``__getattr__ = lazy_exports(__name__, HOMES)`` each
name is imported from its module when first read, and ``TYPE_CHECKING`` imports keep mypy's view.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` giving each name in ``homes`` from ``package.<its module>``."""

    def __getattr__(name: str) -> Any:
        if name not in homes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f"{package}.{homes[name]}"), name)

    return __getattr__
