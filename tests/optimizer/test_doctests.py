"""Every example in the optimizer's docstrings runs and shows what it claims."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import neurolake.optimizer

MODULES = [
    "neurolake.optimizer",
    *sorted(f"neurolake.optimizer.{info.name}" for info in pkgutil.iter_modules(neurolake.optimizer.__path__)),
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)

    failures, _ = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)

    assert failures == 0


def test_every_rule_module_shows_an_example() -> None:
    for rule in neurolake.optimizer.RULES:
        function = getattr(rule, "function", None)
        assert function is not None and ">>>" in (function.__doc__ or ""), rule.name
