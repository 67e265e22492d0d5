"""Query templates: named SQL with declared, typed parameters, stored in the catalog.

A template is checked when saved (it must parse, pass the safety rules and use exactly the
parameters it declares, by name) and its values are checked and converted when it runs;
the SQL then runs through ``NeuroLakeEngine.execute_sql`` like any other query.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from neurolake.catalog.repositories import templates as templates_repo
from neurolake.engine.statement import StatementPreparer
from neurolake.errors import NotFoundError, QueryValidationError
from neurolake.storage.names import did_you_mean

if TYPE_CHECKING:
    from neurolake.catalog import Catalog, QueryTemplate

_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,127}$")
_TRUE, _FALSE = {"true", "t", "yes", "y", "1"}, {"false", "f", "no", "n", "0"}


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ValueError(value)


def _to_int(value: Any) -> int:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(value)
    return int(value)


def _to_decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as e:
        raise ValueError(value) from e


def _to_date(value: Any) -> date:
    if isinstance(value, datetime):
        raise ValueError(value)
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _to_timestamp(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


#: Declared parameter types and how a value (often text from a CLI or URL) becomes one.
PARAMETER_TYPES: dict[str, Callable[[Any], Any]] = {
    "str": str,
    "int": _to_int,
    "float": float,
    "decimal": _to_decimal,
    "bool": _to_bool,
    "date": _to_date,
    "timestamp": _to_timestamp,
}


@dataclass(frozen=True)
class TemplateParameter:
    """One declared parameter: a type, and a default that makes it optional."""

    name: str
    type: str = "str"
    default: Any = None
    required: bool = True
    description: str | None = None

    @classmethod
    def from_declaration(cls, name: str, declared: str | Mapping[str, Any]) -> TemplateParameter:
        """From ``"int"`` or ``{"type": "int", "default": 10, "description": ...}``."""
        spec: Mapping[str, Any] = {"type": declared} if isinstance(declared, str) else declared
        kind = str(spec.get("type", "str"))
        if kind not in PARAMETER_TYPES:
            raise QueryValidationError(
                f"Parameter ${name} has unknown type {kind!r}.", hint="Use one of: " + ", ".join(PARAMETER_TYPES) + "."
            )
        has_default = "default" in spec and spec["default"] is not None
        return cls(name, kind, spec.get("default"), not has_default, spec.get("description"))

    def to_declaration(self) -> dict[str, Any]:
        declared: dict[str, Any] = {"type": self.type}
        if not self.required:
            declared["default"] = self.default
        if self.description:
            declared["description"] = self.description
        return declared

    def convert(self, value: Any) -> Any:
        """``value`` as this parameter's type, or QueryValidationError."""
        try:
            return PARAMETER_TYPES[self.type](value)
        except (ValueError, TypeError) as e:
            raise QueryValidationError(f"Parameter ${self.name} must be a {self.type}, not {value!r}.") from e


@dataclass(frozen=True)
class Template:
    """A stored template."""

    name: str
    sql: str
    parameters: tuple[TemplateParameter, ...] = field(default_factory=tuple)
    description: str | None = None

    @classmethod
    def from_row(cls, row: QueryTemplate) -> Template:
        params = tuple(TemplateParameter.from_declaration(n, d) for n, d in (row.parameters or {}).items())
        return cls(row.name, row.sql, params, row.description)

    def bind(self, values: Mapping[str, Any] | None) -> dict[str, Any]:
        """Named parameter values for the SQL: converted, defaults filled, unknown ones refused."""
        given = {str(k).lstrip("$:"): v for k, v in (values or {}).items()}
        declared = {p.name: p for p in self.parameters}
        unknown = sorted(given.keys() - declared.keys())
        if unknown:
            raise QueryValidationError(
                f"Template {self.name!r} has no parameter " + ", ".join(f"${n}" for n in unknown) + ".",
                hint="It takes: " + (", ".join(f"${n}" for n in declared) or "no parameters") + ".",
            )
        bound = {}
        for name, parameter in declared.items():
            if name in given:
                bound[name] = parameter.convert(given[name])
            elif parameter.required:
                raise QueryValidationError(f"Template {self.name!r} needs a value for ${name} ({parameter.type}).")
            else:
                bound[name] = parameter.convert(parameter.default)
        return bound


class QueryTemplates:
    """Save, read, list and delete templates in the catalog."""

    def __init__(self, catalog: Catalog, preparer: StatementPreparer) -> None:
        self.catalog = catalog
        self.preparer = preparer

    def save(
        self,
        name: str,
        sql: str,
        parameters: Mapping[str, str | Mapping[str, Any]] | None = None,
        *,
        description: str | None = None,
    ) -> Template:
        """Check and store a template (replacing one of the same name)."""
        if not _NAME.match(name):
            raise QueryValidationError(
                f"{name!r} is not a valid template name.",
                hint="Use lower-case letters, digits, '_', '.', '-', starting with a letter.",
            )
        declared = tuple(TemplateParameter.from_declaration(n, d) for n, d in (parameters or {}).items())
        statement = self.preparer.prepare(sql)
        used = set(statement.parameters.named) | set(statement.parameters.version_only)
        if statement.inner is not None:
            used |= set(statement.inner.parameters.named) | set(statement.inner.parameters.version_only)
        if statement.parameters.positional:
            raise QueryValidationError("Templates take named parameters ($name), not positional ones.")
        names = {p.name for p in declared}
        if used != names:
            missing, extra = sorted(used - names), sorted(names - used)
            problems = ([f"undeclared: {', '.join('$' + n for n in missing)}"] if missing else []) + (
                [f"declared but unused: {', '.join('$' + n for n in extra)}"] if extra else []
            )
            raise QueryValidationError(f"Template {name!r} parameters do not match its SQL ({'; '.join(problems)}).")
        template = Template(name, sql, declared, description)
        with self.catalog.session() as session:
            templates_repo.save_template(
                session,
                name,
                sql,
                parameters={p.name: p.to_declaration() for p in declared},
                description=description,
            )
        return template

    def get(self, name: str) -> Template:
        """The template ``name``, or NotFoundError with a suggestion."""
        with self.catalog.session() as session:
            row = templates_repo.get_template(session, name)
            if row is not None:
                return Template.from_row(row)
            known = [t.name for t in templates_repo.list_templates(session)]
        raise NotFoundError(f"No query template named {name!r}.", hint=did_you_mean(name, known))

    def list(self) -> list[Template]:
        with self.catalog.session() as session:
            return [Template.from_row(row) for row in templates_repo.list_templates(session)]

    def delete(self, name: str) -> bool:
        with self.catalog.session() as session:
            return templates_repo.delete_template(session, name)
