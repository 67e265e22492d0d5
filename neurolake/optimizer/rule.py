"""The rule interface: a named step that takes a sqlglot tree and returns a rewritten one.

A rule module holds one function, tree in and tree out, with keyword-only options
(``constant_folding(tree, *, dialect)``). :class:`FunctionRule` turns such a function into an
:class:`OptimizationRule` by passing it the options it names from the
:class:`OptimizationContext` of the run, the way sqlglot's ``optimize`` feeds its rules.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from sqlglot import exp
from sqlglot.schema import MappingSchema

if TYPE_CHECKING:
    from neurolake.optimizer.outputs import OutputContract


class RuleSkipped(Exception):
    """Raised by a rule that does not apply to this query; the reason goes in the change log."""


@dataclass
class OptimizationContext:
    """What a run knows besides the tree: schema, table sizes, dialect and the output contract.

    ``schema`` maps table -> column -> SQL type (``None`` when the caller has none);
    ``row_counts`` maps table -> rows (from Delta statistics); ``outputs`` pins the names
    and order of the query's result columns, which every rule must keep.
    """

    dialect: str = "duckdb"
    schema: MappingSchema | None = None
    raw_schema: Mapping[str, Mapping[str, str]] | None = None
    row_counts: Mapping[str, int] = field(default_factory=dict)
    outputs: OutputContract | None = None

    def options(self, tree: exp.Expr, names: Iterable[str]) -> dict[str, Any]:
        """The options a rule function asks for by keyword ``names``, taken from this context."""
        available: dict[str, Callable[[], Any]] = {
            "dialect": lambda: self.dialect,
            "schema": lambda: self.schema,
            "raw_schema": lambda: self.raw_schema,
            "row_counts": lambda: self.row_counts,
            "protected": lambda: self.outputs.protected(tree) if self.outputs else [],
        }
        return {name: available[name]() for name in names if name in available}


@runtime_checkable
class OptimizationRule(Protocol):
    """A named rewrite of a query tree that must not change the query's result.

    ``apply`` may mutate ``tree`` (the optimizer hands it a private copy) and returns the
    rewritten tree. It raises :class:`RuleSkipped` when it does not apply; any other
    exception makes the optimizer drop the rule's work and keep the tree from before it.
    Optional attributes read by the optimizer: ``needs_qualified_tree`` (skip the rule
    unless every column names its table) and ``preparatory`` (a normalizing step such as
    ``qualify`` that is not reported as an optimization on its own).
    """

    @property
    def name(self) -> str:
        """Unique among the rules of an optimizer; shown in the change log and metrics."""
        ...

    def apply(self, tree: exp.Expr, *, context: OptimizationContext) -> exp.Expr:
        """The rewritten tree (``tree`` itself may be changed and returned)."""
        ...


RuleFunction = Callable[..., exp.Expr]


@dataclass(frozen=True)
class FunctionRule:
    """An :class:`OptimizationRule` made from a rule function; the name is the function's."""

    function: RuleFunction
    needs_qualified_tree: bool = False
    preparatory: bool = False
    name: str = ""
    _parameters: tuple[str, ...] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.function.__name__)

    def apply(self, tree: exp.Expr, *, context: OptimizationContext) -> exp.Expr:
        """Call the function with the keyword options it declares, taken from ``context``."""
        wanted = self._parameters
        if wanted is None:  # read once: inspect.signature costs more than some rules
            wanted = tuple(inspect.signature(self.function).parameters)
            object.__setattr__(self, "_parameters", wanted)
        return self.function(tree, **context.options(tree, wanted))
