"""Golden cases: inputs for a prompt and checks on the answer, runnable against any provider.

Cases live next to the prompt in ``prompts/<name>/golden.yaml``::

    - name: count_per_city
      variables: {question: ..., schema: ...}
      versions: [2]            # optional: only these versions
      reference_output: ...    # what a good answer looks like (replayed by the test servers)
      checks:
        - sql_parses: true
        - sql_tables: [stations]
        - contains: GROUP BY
        - field: {path: options, min_items: 2}

Check kinds: ``contains``, ``not_contains``, ``matches`` (regex), ``sql_parses``,
``sql_tables`` and ``field`` (``path`` plus ``equals``, ``one_of``, ``contains`` or
``min_items``). The SQL checks read the SQL answer, or the ``sql`` field of a JSON answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import sqlglot
import yaml
from sqlglot import exp
from sqlglot.errors import SqlglotError

from neurolake.errors import NeuroLakeError, PromptError
from neurolake.llm.base import LLMResponse
from neurolake.llm.prompts import PromptLibrary
from neurolake.llm.runner import PromptRunner

GOLDEN_FILE = "golden.yaml"
Status = Literal["passed", "failed", "skipped", "error"]


@dataclass(frozen=True)
class GoldenCase:
    """One input for one prompt and what its answer must satisfy."""

    prompt: str
    name: str
    variables: dict[str, Any]
    checks: list[dict[str, Any]]
    reference_output: str | None = None
    versions: tuple[int, ...] | None = None


@dataclass
class GoldenResult:
    """How one case went on one provider."""

    case: GoldenCase
    version: int
    status: Status
    failures: list[str] = field(default_factory=list)
    latency_s: float = 0.0
    tokens: int = 0


def load_golden_cases(library: PromptLibrary, names: Iterable[str] | None = None) -> list[GoldenCase]:
    """Every case of the named prompts (all prompts by default)."""
    cases = []
    for name in names or library.names():
        library.versions(name)  # an unknown prompt name fails here, by name
        path = library.root / name / GOLDEN_FILE
        if path.exists():
            cases += _read_cases(name, path)
    return cases


def _read_cases(prompt: str, path: Path) -> list[GoldenCase]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as e:
        raise PromptError(f"{path}: not valid YAML: {e}") from e
    if not isinstance(raw, list):
        raise PromptError(f"{path}: must be a list of cases.")
    cases = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or "name" not in item or "checks" not in item:
            raise PromptError(f"{path}: case {i + 1} needs at least a name and checks.")
        for check in item["checks"]:
            _check_kind(check, path)
        versions = item.get("versions")
        cases.append(
            GoldenCase(
                prompt=prompt,
                name=str(item["name"]),
                variables=dict(item.get("variables") or {}),
                checks=list(item["checks"]),
                reference_output=item.get("reference_output"),
                versions=tuple(int(v) for v in versions) if versions else None,
            )
        )
    return cases


def run_golden(
    runner: PromptRunner, cases: Sequence[GoldenCase], *, version: str | int | None = None
) -> list[GoldenResult]:
    """Run each case on ``runner``'s provider, at the configured (or given) prompt version."""
    results = []
    for case in cases:
        template = runner.library.get(case.prompt, version)
        if case.versions and template.version not in case.versions:
            continue
        if not runner.provider.handles(case.prompt):
            results.append(GoldenResult(case, template.version, "skipped", ["the provider cannot answer it"]))
            continue
        try:
            response = runner.run(case.prompt, case.variables, version=template.version)
        except NeuroLakeError as e:
            results.append(GoldenResult(case, template.version, "error", [str(e)]))
            continue
        failures = check_response(response, case.checks, dialect=runner.sql_dialect)
        results.append(
            GoldenResult(
                case,
                template.version,
                "failed" if failures else "passed",
                failures,
                latency_s=response.latency_s,
                tokens=response.usage.total_tokens,
            )
        )
    return results


def check_response(response: LLMResponse, checks: Iterable[dict[str, Any]], *, dialect: str = "duckdb") -> list[str]:
    """What the answer gets wrong, one line per failed check (empty when all pass)."""
    failures = []
    for check in checks:
        kind, expected = next(iter(check.items()))
        if (problem := _CHECKS[kind](response, expected, dialect)) is not None:
            failures.append(f"{kind}: {problem}")
    return failures


def _check_kind(check: Any, path: Path) -> None:
    if not isinstance(check, dict) or len(check) != 1 or next(iter(check)) not in _CHECKS:
        raise PromptError(f"{path}: each check is one of {', '.join(sorted(_CHECKS))}, not {check!r}.")


def _answer_text(response: LLMResponse) -> str:
    if isinstance(response.parsed, str):
        return response.parsed
    if response.parsed is not None:
        data = response.parsed.model_dump() if hasattr(response.parsed, "model_dump") else response.parsed
        return json.dumps(data, default=str)
    return response.text


def _answer_sql(response: LLMResponse) -> str | None:
    if isinstance(response.parsed, str):
        return response.parsed
    if isinstance(response.parsed, dict) and isinstance(response.parsed.get("sql"), str):
        return str(response.parsed["sql"])
    return None


def _contains(response: LLMResponse, expected: Any, _dialect: str) -> str | None:
    text = _answer_text(response).lower()
    missing = [e for e in _as_list(expected) if str(e).lower() not in text]
    return f"missing {missing}" if missing else None


def _not_contains(response: LLMResponse, expected: Any, _dialect: str) -> str | None:
    text = _answer_text(response).lower()
    present = [e for e in _as_list(expected) if str(e).lower() in text]
    return f"should not contain {present}" if present else None


def _matches(response: LLMResponse, expected: Any, _dialect: str) -> str | None:
    return None if re.search(str(expected), _answer_text(response), re.I | re.S) else f"no match for /{expected}/"


def _sql_parses(response: LLMResponse, expected: Any, dialect: str) -> str | None:
    sql = _answer_sql(response)
    if sql is None:
        return "the answer has no SQL"
    try:
        sqlglot.parse_one(sql, read=dialect)
    except SqlglotError as e:
        return f"does not parse: {str(e).splitlines()[0]}"
    return None


def _sql_tables(response: LLMResponse, expected: Any, dialect: str) -> str | None:
    sql = _answer_sql(response)
    if sql is None:
        return "the answer has no SQL"
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except SqlglotError:
        return "does not parse"
    read = {t.name.lower() for t in tree.find_all(exp.Table)}
    missing = [t for t in _as_list(expected) if str(t).lower() not in read]
    return f"does not read {missing} (reads {sorted(read)})" if missing else None


def _field(response: LLMResponse, spec: Any, _dialect: str) -> str | None:
    data = response.parsed.model_dump() if hasattr(response.parsed, "model_dump") else response.parsed
    path = str(spec["path"])
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return f"{path} is missing"
        data = data[part]
    if "equals" in spec and data != spec["equals"]:
        return f"{path} is {data!r}, expected {spec['equals']!r}"
    if "one_of" in spec and data not in spec["one_of"]:
        return f"{path} is {data!r}, expected one of {spec['one_of']!r}"
    if "contains" in spec and str(spec["contains"]).lower() not in json.dumps(data, default=str).lower():
        return f"{path} does not contain {spec['contains']!r}"
    if "min_items" in spec and (not isinstance(data, list) or len(data) < int(spec["min_items"])):
        return f"{path} has fewer than {spec['min_items']} items"
    return None


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


_CHECKS: dict[str, Callable[[LLMResponse, Any, str], str | None]] = {
    "contains": _contains,
    "not_contains": _not_contains,
    "matches": _matches,
    "sql_parses": _sql_parses,
    "sql_tables": _sql_tables,
    "field": _field,
}
