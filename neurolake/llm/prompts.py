"""Versioned prompt templates: ``prompts/<name>/v<N>.md``, YAML front matter, ``{{ var }}`` body.

A template declares the variables it needs; rendering refuses missing and unknown ones.
Which version is used comes from ``NEUROLAKE_LLM__PROMPT_VERSION``:

- ``latest`` (default): every prompt's highest version;
- ``N``: every prompt as of version N (its highest version not above N);
- ``name=N`` items, comma-separated, pin single prompts (``2,sql_generation=1``).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import jsonschema
import yaml

from neurolake.errors import PromptError
from neurolake.llm.base import Message

if TYPE_CHECKING:
    from neurolake.config import Settings

#: The prompts folder at the top of the repository.
PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
VERSION_SETTING = "NEUROLAKE_LLM__PROMPT_VERSION"
OutputFormat = Literal["text", "json", "sql"]

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n(.*)\Z", re.DOTALL)
_VERSION_FILE = re.compile(r"^v([1-9][0-9]*)\.md$")
_VERSION = re.compile(r"^v?([1-9][0-9]*)$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class RenderedPrompt:
    """A prompt with its variables filled in, ready to send; knows its name and version."""

    name: str
    version: int
    user: str
    system: str | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)
    output_format: OutputFormat = "text"
    output_schema: dict[str, Any] | None = None

    def messages(self) -> list[Message]:
        """The system message (when the template has one) and the user message."""
        head = [Message.system(self.system)] if self.system else []
        return [*head, Message.user(self.user)]


@dataclass(frozen=True)
class PromptTemplate:
    """One version of one prompt, read from its file."""

    name: str
    version: int
    description: str
    variables: tuple[str, ...]
    body: str
    system: str | None = None
    output_format: OutputFormat = "text"
    output_schema: dict[str, Any] | None = None
    path: Path | None = None

    @classmethod
    def load(cls, path: Path) -> PromptTemplate:
        """Read and check a ``v<N>.md`` file; every problem names the file."""
        name = path.parent.name
        match = _VERSION_FILE.match(path.name)
        if not match:
            raise PromptError(f"{path}: prompt files are named v<N>.md (v1.md, v2.md, ...).")
        front, body = _split_front_matter(path)
        declared = front.get("version")
        if declared is not None and str(declared).lstrip("v") != match.group(1):
            raise PromptError(f"{path}: front matter says version {declared}, the file name says {match.group(1)}.")
        if front.get("name", name) != name:
            raise PromptError(f"{path}: front matter names {front['name']!r}, the folder is {name!r}.")
        template = cls(
            name=name,
            version=int(match.group(1)),
            description=str(front.get("description", "")).strip(),
            variables=tuple(front.get("variables") or ()),
            body=body.strip() + "\n",
            system=(str(front["system"]).strip() or None) if front.get("system") else None,
            output_format=front.get("output_format", "json" if front.get("output_schema") else "text"),
            output_schema=front.get("output_schema"),
            path=path,
        )
        template._check(path)
        return template

    def _check(self, path: Path) -> None:
        if self.output_format not in ("text", "json", "sql"):
            raise PromptError(f"{path}: output_format must be text, json or sql, not {self.output_format!r}.")
        if self.output_format == "json" and not self.output_schema:
            raise PromptError(f"{path}: output_format json needs an output_schema (a JSON schema).")
        if self.output_schema is not None:
            try:
                jsonschema.Draft202012Validator.check_schema(self.output_schema)
            except jsonschema.SchemaError as e:
                raise PromptError(f"{path}: output_schema is not a valid JSON schema: {e.message}") from e
        used = set(_PLACEHOLDER.findall(self.body)) | set(_PLACEHOLDER.findall(self.system or ""))
        if undeclared := sorted(used - set(self.variables)):
            raise PromptError(f"{path}: placeholders not listed under variables: {', '.join(undeclared)}.")
        if unused := sorted(set(self.variables) - used):
            raise PromptError(f"{path}: variables never used in the text: {', '.join(unused)}.")

    def render(self, **variables: Any) -> RenderedPrompt:
        """Fill in every declared variable; missing or unknown ones are refused by name."""
        missing = [v for v in self.variables if v not in variables]
        unknown = sorted(set(variables) - set(self.variables))
        if missing or unknown:
            problems = []
            if missing:
                problems.append(f"missing {', '.join(missing)}")
            if unknown:
                problems.append(f"unknown {', '.join(unknown)}")
            raise PromptError(
                f"Prompt {self.name} v{self.version}: {'; '.join(problems)}.",
                hint=f"It takes exactly: {', '.join(self.variables) or 'no variables'}.",
            )
        texts = {k: _as_text(v) for k, v in variables.items()}

        def fill(template: str) -> str:
            return _PLACEHOLDER.sub(lambda m: texts[m.group(1)], template)

        return RenderedPrompt(
            name=self.name,
            version=self.version,
            user=fill(self.body),
            system=fill(self.system) if self.system else None,
            variables=dict(variables),
            output_format=self.output_format,
            output_schema=self.output_schema,
        )


def _split_front_matter(path: Path) -> tuple[dict[str, Any], str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise PromptError(f"{path}: cannot be read: {e.strerror}.") from e
    match = _FRONT_MATTER.match(text)
    if not match:
        raise PromptError(f"{path}: must start with front matter between two '---' lines.")
    try:
        front = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as e:
        raise PromptError(f"{path}: the front matter is not valid YAML: {e}") from e
    if not isinstance(front, dict):
        raise PromptError(f"{path}: the front matter must be a mapping of keys to values.")
    return front, match.group(2)


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, indent=2, default=str)
    return str(value)


@dataclass(frozen=True)
class VersionChoice:
    """The parsed prompt-version setting: a default plus per-prompt pins."""

    default: int | None = None  # None means latest
    pins: Mapping[str, int | None] = field(default_factory=dict)

    @classmethod
    def parse(cls, spec: str | int | None) -> VersionChoice:
        default: int | None = None
        pins: dict[str, int | None] = {}
        for item in str(spec or "latest").split(","):
            item = item.strip()
            if not item:
                continue
            name, _, version = item.rpartition("=")
            parsed = _parse_version(version.strip())
            if name:
                if not _NAME.match(name.strip()):
                    raise PromptError(f"{VERSION_SETTING}: {name!r} is not a prompt name.")
                pins[name.strip()] = parsed
            else:
                default = parsed
        return cls(default, pins)


def _parse_version(text: str) -> int | None:
    if text.lower() == "latest":
        return None
    match = _VERSION.match(text)
    if not match:
        raise PromptError(
            f"{text!r} is not a prompt version.",
            hint=f"Use latest, a number such as 2, or name=N pins in {VERSION_SETTING}.",
        )
    return int(match.group(1))


class PromptLibrary:
    """Every prompt under ``root``; loads each file once."""

    def __init__(self, root: Path | str | None = None, *, version: str | int = "latest") -> None:
        self.root = Path(root) if root is not None else PROMPTS_DIR
        self.choice = VersionChoice.parse(version)
        self._cache: dict[tuple[str, int], PromptTemplate] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, root: Path | str | None = None) -> PromptLibrary:
        return cls(root, version=settings.llm.prompt_version)

    def names(self) -> list[str]:
        """Prompt names: folders holding at least one ``v<N>.md``."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and self._version_files(p))

    def versions(self, name: str) -> list[int]:
        """Versions of one prompt, oldest first."""
        folder = self.root / name
        if not _NAME.match(name) or not folder.is_dir():
            raise PromptError(
                f"There is no prompt named {name!r} in {self.root}.",
                hint=f"Known prompts: {', '.join(self.names()) or 'none'}.",
            )
        return sorted(self._version_files(folder))

    def get(self, name: str, version: str | int | None = None) -> PromptTemplate:
        """One template: ``version`` if given (a number or latest), else the setting's choice."""
        available = self.versions(name)
        number = self._choose(name, available, version)
        with self._lock:
            if (name, number) not in self._cache:
                self._cache[(name, number)] = PromptTemplate.load(self._version_files(self.root / name)[number])
            return self._cache[(name, number)]

    def render(self, name: str, /, **variables: Any) -> RenderedPrompt:
        """``get(name).render(**variables)`` with the configured version."""
        return self.get(name).render(**variables)

    def _choose(self, name: str, available: list[int], version: str | int | None) -> int:
        if version is not None:
            wanted = _parse_version(str(version))
            exact = True
        elif name in self.choice.pins:
            wanted, exact = self.choice.pins[name], True
        else:
            wanted, exact = self.choice.default, False
        if wanted is None:
            return available[-1]
        if exact:
            if wanted not in available:
                raise PromptError(
                    f"Prompt {name} has no version {wanted}.",
                    hint=f"Available: {', '.join(f'v{v}' for v in available)}.",
                )
            return wanted
        eligible = [v for v in available if v <= wanted]
        if not eligible:
            raise PromptError(f"Prompt {name} has no version at or below {wanted} (set by {VERSION_SETTING}).")
        return eligible[-1]

    @staticmethod
    def _version_files(folder: Path) -> dict[int, Path]:
        files = {}
        for path in folder.glob("v*.md"):
            if match := _VERSION_FILE.match(path.name):
                files[int(match.group(1))] = path
        return files
