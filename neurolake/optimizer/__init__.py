"""Query optimizer: ordered rewrite rules over sqlglot trees that never change a query's result.

>>> from sqlglot import parse_one
>>> result = QueryOptimizer().optimize(parse_one("SELECT a FROM t WHERE 1 = 1"))
>>> result.sql, result.applied
('SELECT a FROM t', ['constant_folding'])
"""

from neurolake.optimizer.optimizer import (
    RULES,
    OptimizationResult,
    QueryOptimizer,
    RuleChange,
    register_rule,
)
from neurolake.optimizer.rule import FunctionRule, OptimizationContext, OptimizationRule, RuleSkipped

__all__ = [
    "RULES",
    "FunctionRule",
    "OptimizationContext",
    "OptimizationResult",
    "OptimizationRule",
    "QueryOptimizer",
    "RuleChange",
    "RuleSkipped",
    "register_rule",
]
