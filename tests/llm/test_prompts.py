"""Prompt templates: files, front matter, rendering, version choice, and the shipped library."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurolake.config import load_settings
from neurolake.errors import PromptError
from neurolake.llm.golden import load_golden_cases
from neurolake.llm.prompts import PROMPTS_DIR, PromptLibrary, PromptTemplate, VersionChoice

REQUIRED_PROMPTS = {
    "intent_parsing",
    "sql_generation",
    "sql_repair",
    "optimization_advice",
    "error_diagnosis",
    "clarification",
    "answer_summary",
}


def write(root: Path, name: str, version: int, front: str, body: str = "Q: {{ question }}\n") -> Path:
    path = root / name / f"v{version}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front.strip()}\n---\n{body}", encoding="utf-8")
    return path


@pytest.fixture
def library(tmp_path: Path) -> PromptLibrary:
    for v in (1, 2, 3):
        write(tmp_path, "ask", v, f"version: {v}\ndescription: ask v{v}\nvariables: [question]")
    write(tmp_path, "other", 1, "version: 1\nvariables: [question]")
    return PromptLibrary(tmp_path)


def test_render_fills_placeholders_and_keeps_name_and_version(tmp_path: Path) -> None:
    write(
        tmp_path,
        "sql",
        1,
        "version: 1\nvariables: [question, schema]\nsystem: You write {{schema}} SQL.",
        'Tables:\n{{ schema }}\nQuestion: {{question}}\nLiteral JSON stays: {"a": 1}\n',
    )
    rendered = PromptLibrary(tmp_path).get("sql").render(question="how many?", schema={"t": ["a", "b"]})
    assert (rendered.name, rendered.version) == ("sql", 1)
    assert "Question: how many?" in rendered.user
    assert '"t": [\n    "a",' in rendered.user  # mappings are rendered as JSON
    assert '{"a": 1}' in rendered.user
    assert [m.role for m in rendered.messages()] == ["system", "user"]
    assert rendered.messages()[0].content.startswith("You write {")


def test_values_are_not_rescanned_for_placeholders(library: PromptLibrary) -> None:
    assert library.get("ask").render(question="{{ question }}").user == "Q: {{ question }}\n"


def test_missing_and_unknown_variables_are_refused_by_name(library: PromptLibrary) -> None:
    template = library.get("ask")
    with pytest.raises(PromptError, match="missing question") as info:
        template.render()
    assert "It takes exactly: question" in str(info.value)
    with pytest.raises(PromptError, match="unknown colour, size"):
        template.render(question="q", size=1, colour="red")


def test_latest_is_the_default(library: PromptLibrary) -> None:
    assert library.get("ask").version == 3
    assert library.versions("ask") == [1, 2, 3]
    assert library.names() == ["ask", "other"]


def test_an_explicit_version_wins(library: PromptLibrary) -> None:
    assert library.get("ask", 1).version == 1
    assert library.get("ask", "v2").version == 2
    assert library.get("ask", "latest").version == 3
    with pytest.raises(PromptError, match=r"no version 7.*Available: v1, v2, v3"):
        library.get("ask", 7)


def test_the_setting_chooses_the_version(tmp_path: Path, library: PromptLibrary) -> None:
    settings = load_settings(home=tmp_path / "home", llm={"prompt_version": "2"})
    pinned = PromptLibrary.from_settings(settings, root=library.root)
    assert pinned.get("ask").version == 2
    assert pinned.get("other").version == 1  # the library as of version 2


def test_per_prompt_pins(library: PromptLibrary) -> None:
    pinned = PromptLibrary(library.root, version="latest, ask=1")
    assert pinned.get("ask").version == 1 and pinned.get("other").version == 1
    with pytest.raises(PromptError, match="other has no version 2"):
        PromptLibrary(library.root, version="other=2").get("other")


@pytest.mark.parametrize("spec", ["newest", "v0", "1.5", "Bad-Name=1"])
def test_bad_version_settings_are_refused(spec: str) -> None:
    with pytest.raises(PromptError):
        VersionChoice.parse(spec)


def test_unknown_prompt_lists_the_known_ones(library: PromptLibrary) -> None:
    with pytest.raises(PromptError, match=r"no prompt named 'nope'.*Known prompts: ask, other"):
        library.get("nope")


@pytest.mark.parametrize(
    ("front", "body", "problem"),
    [
        ("version: 2\nvariables: [question]", "{{ question }}", "says version 2"),
        ("version: 1\nvariables: [question, extra]", "{{ question }}", "never used in the text: extra"),
        ("version: 1\nvariables: []", "{{ question }}", "not listed under variables: question"),
        ("version: 1\nvariables: [question]\noutput_format: json", "{{ question }}", "needs an output_schema"),
        ("version: 1\nvariables: [question]\noutput_format: xml", "{{ question }}", "text, json or sql"),
        ("version: 1\nvariables: [question]\noutput_schema: {type: 12}", "{{ question }}", "not a valid JSON schema"),
        ("version: 1\nvariables: [question\n", "{{ question }}", "not valid YAML"),
        ("name: elsewhere\nvariables: [question]", "{{ question }}", "the folder is 'p'"),
    ],
)
def test_malformed_templates_name_the_file_and_problem(tmp_path: Path, front: str, body: str, problem: str) -> None:
    path = write(tmp_path, "p", 1, front, body)
    with pytest.raises(PromptError, match=problem) as info:
        PromptTemplate.load(path)
    assert str(path) in str(info.value)


def test_a_file_without_front_matter_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p" / "v1.md"
    path.parent.mkdir()
    path.write_text("just text {{ question }}")
    with pytest.raises(PromptError, match="must start with front matter"):
        PromptTemplate.load(path)


# -- the shipped library -------------------------------------------------------------------
def test_the_library_has_every_prompt_the_agent_needs() -> None:
    library = PromptLibrary()
    assert library.root == PROMPTS_DIR
    assert set(library.names()) >= REQUIRED_PROMPTS
    assert len(library.versions("sql_generation")) >= 2


@pytest.mark.parametrize("name", sorted(REQUIRED_PROMPTS))
def test_versions_keep_the_same_contract(name: str) -> None:
    """A new version changes wording, not variables or output format (callers swap freely)."""
    library = PromptLibrary()
    templates = [library.get(name, v) for v in library.versions(name)]
    assert all(t.description for t in templates)
    assert len({t.variables for t in templates}) == 1
    assert len({t.output_format for t in templates}) == 1
    if templates[0].output_format == "json":
        assert all(t.output_schema for t in templates)


def test_every_golden_case_renders_on_every_version() -> None:
    library = PromptLibrary()
    cases = load_golden_cases(library)
    assert {c.prompt for c in cases} == REQUIRED_PROMPTS
    for case in cases:
        for version in library.versions(case.prompt):
            assert library.get(case.prompt, version).render(**case.variables).user
