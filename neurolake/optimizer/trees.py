"""Cheaper snapshots: tree copies that share immutable metadata, and an exact tree comparison.

The optimizer copies the query tree once per rule for its snapshot, and sqlglot copies it
again each time it generates SQL. Two things made that costly on TPC-H:

* Every node may carry a ``meta`` dict (the parser's ``line``/``col``/``start``/``end``, the
  optimizer's own marks such as each identifier's spelling as written), and
  ``Expression.copy`` deep-copies each with ``copy.deepcopy``, one call per key and value:
  more than half the optimizer's time. :func:`share_scalar_meta` swaps each node's dict for a
  :class:`ScalarMeta` with the same items, whose deep copy shares strings, numbers, booleans
  and ``None`` (which ``deepcopy`` returns unchanged anyway) and deep-copies anything else as
  before. A copy holds the same values either way; it is only made with fewer calls. Copies
  keep the class; nodes a rule creates get theirs the next time the optimizer calls it.
  Empty dicts (about 40 % of the nodes of a rewritten TPC-H query: reading ``meta`` creates
  one) are dropped, as a node without metadata has none to copy.
* Most rules leave most queries as they are, and the optimizer generated each rule's SQL to
  find out. :func:`same_tree` answers first: when it says two trees are the same, they print
  the same SQL, so the SQL is only generated when something may have changed.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from sqlglot import exp

_SCALARS = frozenset({str, int, float, bool, type(None)})


class ScalarMeta(dict[str, Any]):
    """A node's ``meta``: deep copies share its scalar values, which are immutable.

    >>> original = ScalarMeta(line=1, name="Orders", parts=[1, 2])
    >>> copied = deepcopy(original)
    >>> copied == original, type(copied).__name__, copied["parts"] is original["parts"]
    (True, 'ScalarMeta', False)
    """

    __slots__ = ()

    def __deepcopy__(self, memo: dict[int, Any]) -> ScalarMeta:
        if _SCALARS.issuperset(map(type, self.values())):
            return ScalarMeta(self)
        return ScalarMeta({key: deepcopy(value, memo) for key, value in self.items()})


def share_scalar_meta(tree: exp.Expr) -> None:
    """Give each node of ``tree`` that has a plain ``meta`` dict a :class:`ScalarMeta` with its
    items, and none to a node whose dict is empty (reading ``meta`` creates an empty one, which
    every copy then deep-copies; ``meta`` makes a new one when next read)."""
    for node in tree.walk():
        meta = node._meta
        if meta is None or (meta and type(meta) is not dict):  # none, or already shared (or not ours)
            continue
        node._meta = ScalarMeta(meta) if meta else None


def same_tree(a: exp.Expr, b: exp.Expr) -> bool:
    """Whether ``a`` and ``b`` are the same tree: node classes, arguments (strings compared
    exactly), comments, metadata (an empty dict is none) and annotated types. Two such trees
    generate the same SQL.

    Stricter than ``a == b``, which ignores the case of names, comments and metadata; a
    ``False`` only means the SQL has to be generated to tell.

    >>> from sqlglot import parse_one
    >>> same_tree(parse_one("SELECT a FROM t"), parse_one("SELECT a FROM t"))
    True
    >>> same_tree(parse_one("SELECT a FROM t"), parse_one("SELECT A FROM t"))
    False
    """
    stack: list[tuple[exp.Expr, exp.Expr]] = [(a, b)]
    while stack:
        x, y = stack.pop()
        if x is y:
            continue
        if x.__class__ is not y.__class__ or x.comments != y.comments or (x._meta or None) != (y._meta or None):
            return False
        if x._type is not None or y._type is not None:
            if x._type is None or y._type is None:
                return False
            stack.append((x._type, y._type))
        x_args, y_args = x.args, y.args
        if len(x_args) != len(y_args):
            return False
        for key, value in x_args.items():
            if key not in y_args:
                return False
            other = y_args[key]
            if isinstance(value, exp.Expr):
                if not isinstance(other, exp.Expr):
                    return False
                stack.append((value, other))
            elif type(value) is list:
                if type(other) is not list or len(value) != len(other):
                    return False
                for item, other_item in zip(value, other, strict=True):
                    if isinstance(item, exp.Expr):
                        if not isinstance(other_item, exp.Expr):
                            return False
                        stack.append((item, other_item))
                    elif type(item) is not type(other_item) or item != other_item:
                        return False
            elif type(value) is not type(other) or value != other:
                return False
    return True
