"""Golden cases: every prompt's cases pass against each protocol server replaying good answers."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from pydantic import SecretStr

from neurolake.errors import PromptError
from neurolake.llm import (
    AnthropicProvider,
    LLMResponse,
    OfflineProvider,
    OllamaProvider,
    OpenAIProvider,
    PromptLibrary,
    PromptRunner,
)
from neurolake.llm.base import LLMProvider
from neurolake.llm.golden import check_response, load_golden_cases, run_golden
from neurolake.llm.retry import RetryPolicy
from tests.llm.servers import (
    AnthropicServer,
    OllamaServer,
    OpenAIServer,
    Reply,
    anthropic_message,
    golden_replayer,
    ollama_chat,
    openai_completion,
)

LIBRARY = PromptLibrary()
CASES = load_golden_cases(LIBRARY)
RETRY = RetryPolicy(0)


@contextmanager
def openai_replaying(answer_for: Callable[[str], Reply] | None = None) -> Iterator[LLMProvider]:
    with OpenAIServer(golden_replayer(LIBRARY, CASES, answer_for or (lambda t: Reply(body=openai_completion(t))))) as s:
        yield OpenAIProvider(api_key=SecretStr("k" * 8), base_url=s.base_url, retry=RETRY)


@contextmanager
def anthropic_replaying() -> Iterator[LLMProvider]:
    with AnthropicServer(golden_replayer(LIBRARY, CASES, lambda t: Reply(body=anthropic_message(t)))) as s:
        yield AnthropicProvider(api_key=SecretStr("k" * 8), base_url=s.url, retry=RETRY)


@contextmanager
def ollama_replaying() -> Iterator[LLMProvider]:
    with OllamaServer(golden_replayer(LIBRARY, CASES, lambda t: Reply(body=ollama_chat(t)))) as s:
        yield OllamaProvider(host=s.url, retry=RETRY)


@pytest.mark.parametrize("replaying", [openai_replaying, anthropic_replaying, ollama_replaying])
@pytest.mark.parametrize("version", ["1", "latest"])
def test_every_golden_case_passes_on_every_protocol(replaying: Callable, version: str) -> None:
    with replaying() as provider:
        results = run_golden(PromptRunner(provider, LIBRARY), CASES, version=None if version == "latest" else version)
    assert len(results) == len(CASES)
    assert [(r.case.prompt, r.case.name, r.failures) for r in results if r.status != "passed"] == []
    expected = {c.prompt: LIBRARY.get(c.prompt, None if version == "latest" else version).version for c in CASES}
    assert {r.case.prompt: r.version for r in results} == expected


def test_wrong_answers_fail_with_the_reasons() -> None:
    with openai_replaying(lambda _t: Reply(body=openai_completion("I do not know."))) as provider:
        results = {r.case.prompt: r for r in run_golden(PromptRunner(provider, LIBRARY), CASES)}
    summary = results["answer_summary"]
    assert summary.status == "failed" and summary.failures == ["contains: missing ['Berlin', '42']"]
    assert results["clarification"].status == "error"
    assert "even after one repair round" in results["clarification"].failures[0]


def test_offline_without_handlers_skips_every_case() -> None:
    results = run_golden(PromptRunner(OfflineProvider(), LIBRARY), CASES)
    assert {r.status for r in results} == {"skipped"}


def test_cases_limited_to_versions_are_only_run_there() -> None:
    sql_case = next(c for c in CASES if c.prompt == "sql_generation")
    case = dataclasses.replace(sql_case, name="v1 only", checks=[], versions=(1,))
    offline = OfflineProvider({"sql_generation": lambda r: "SELECT 1"})
    assert run_golden(PromptRunner(offline, LIBRARY), [case]) == []
    assert [r.status for r in run_golden(PromptRunner(offline, LIBRARY), [case], version=1)] == ["passed"]


def response(parsed: object = None, text: str = "") -> LLMResponse:
    return LLMResponse(text=text, parsed=parsed, provider="p", model="m")


@pytest.mark.parametrize(
    ("check", "answer", "problem"),
    [
        ({"contains": ["berlin", "42"]}, response(text="Berlin: 42"), None),
        ({"contains": "Paris"}, response(text="Berlin"), "missing ['Paris']"),
        ({"not_contains": ["drop"]}, response("DROP TABLE t"), "should not contain ['drop']"),
        ({"matches": r"limit\s+5"}, response("SELECT 1 LIMIT 5"), None),
        ({"matches": r"limit\s+5"}, response("SELECT 1"), "no match"),
        ({"sql_parses": True}, response("SELECT FROM"), "does not parse"),
        ({"sql_parses": True}, response({"sql": "SELECT 1"}), None),
        ({"sql_parses": True}, response(text="prose"), "the answer has no SQL"),
        ({"sql_tables": ["a", "b"]}, response("SELECT * FROM a JOIN b ON a.id = b.id"), None),
        ({"sql_tables": ["c"]}, response("SELECT * FROM a"), "does not read ['c'] (reads ['a'])"),
        ({"field": {"path": "a.b", "equals": 1}}, response({"a": {"b": 1}}), None),
        ({"field": {"path": "a.c", "equals": 1}}, response({"a": {"b": 1}}), "a.c is missing"),
        ({"field": {"path": "k", "one_of": ["x", "y"]}}, response({"k": "z"}), "expected one of"),
        ({"field": {"path": "k", "min_items": 2}}, response({"k": [1]}), "fewer than 2 items"),
        ({"field": {"path": "k", "contains": "desc"}}, response({"k": [{"d": "DESC"}]}), None),
    ],
)
def test_checks(check: dict, answer: LLMResponse, problem: str | None) -> None:
    failures = check_response(answer, [check])
    if problem is None:
        assert failures == []
    else:
        assert len(failures) == 1 and problem in failures[0]


def test_an_unknown_check_kind_is_refused(tmp_path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "v1.md").write_text("---\nvariables: []\n---\nhi\n")
    (tmp_path / "p" / "golden.yaml").write_text("- name: c\n  checks:\n    - smells_good: true\n")
    with pytest.raises(PromptError, match="each check is one of contains"):
        load_golden_cases(PromptLibrary(tmp_path))
