"""The provider contract: messages in, an ``LLMResponse`` (text, parsed object, tool calls) out.

Every provider (offline, OpenAI, Anthropic, Ollama) implements ``LLMProvider``; callers never
see a vendor type. ``response_schema`` is a pydantic model class or a JSON schema dict; the
parsed object is validated against it before it is returned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from neurolake.llm.prompts import RenderedPrompt

Role: TypeAlias = Literal["system", "user", "assistant", "tool"]
ResponseSchema: TypeAlias = type[BaseModel] | Mapping[str, Any]
DEFAULT_MAX_TOKENS = 1024
DEFAULT_TEMPERATURE = 0.0


class ToolCall(BaseModel):
    """A model's request to call a tool, with its arguments already decoded."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class Message(BaseModel):
    """One chat message; ``tool_calls`` on assistant turns, ``tool_call_id`` on tool results."""

    role: Role
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = Field(None, description="Tool name, on tool results")

    @classmethod
    def system(cls, content: str) -> Message:
        return cls(role="system", content=content)

    @classmethod
    def user(cls, content: str) -> Message:
        return cls(role="user", content=content)

    @classmethod
    def assistant(cls, content: str = "", tool_calls: Sequence[ToolCall] = ()) -> Message:
        return cls(role="assistant", content=content, tool_calls=list(tool_calls))

    @classmethod
    def tool(cls, content: str, *, tool_call_id: str, name: str | None = None) -> Message:
        return cls(role="tool", content=content, tool_call_id=tool_call_id, name=name)


MessagesInput: TypeAlias = str | Sequence[Message | Mapping[str, Any]]


def as_messages(messages: MessagesInput) -> list[Message]:
    """Accept a bare question, ``Message`` objects or ``{"role", "content"}`` dicts."""
    if isinstance(messages, str):
        return [Message.user(messages)]
    return [m if isinstance(m, Message) else Message.model_validate(m) for m in messages]


class ToolSpec(BaseModel):
    """A tool the model may call: a name, what it does, and a JSON schema of its arguments."""

    model_config = ConfigDict(frozen=True)

    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})

    @classmethod
    def from_any(cls, tool: ToolSpec | Mapping[str, Any] | type[BaseModel]) -> ToolSpec:
        """Read a ``ToolSpec``, an OpenAI-style tool dict, a bare function dict or a pydantic model."""
        if isinstance(tool, ToolSpec):
            return tool
        if isinstance(tool, type) and issubclass(tool, BaseModel):
            return cls(
                name=tool.__name__,
                description=(tool.__doc__ or "").strip(),
                parameters=tool.model_json_schema(),
            )
        spec = dict(tool)
        if spec.get("type") == "function" and isinstance(spec.get("function"), Mapping):
            spec = dict(spec["function"])
        parameters = spec.get("parameters") or spec.get("input_schema")
        return cls(
            name=spec["name"],
            description=spec.get("description", ""),
            parameters=dict(parameters) if parameters else {"type": "object", "properties": {}},
        )


class TokenUsage(BaseModel):
    """Tokens the provider counted for one call (0 when it does not report them)."""

    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
        )


#: Finish reasons meaning the answer was cut off by ``max_tokens``.
TRUNCATED_REASONS = frozenset({"length", "max_tokens"})


class LLMResponse(BaseModel):
    """What one completion produced, and what it cost."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    text: str = ""
    parsed: Any = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    usage: TokenUsage = Field(default_factory=TokenUsage)
    provider: str
    model: str
    prompt_name: str | None = None
    prompt_version: int | None = None
    latency_s: float = 0.0
    finish_reason: str | None = None
    attempts: int = Field(1, description="HTTP requests made, retries and the repair round included")

    @property
    def truncated(self) -> bool:
        return self.finish_reason in TRUNCATED_REASONS


class TextStream(Iterator[str]):
    """Text pieces as they arrive; ``response`` holds usage and timing once exhausted."""

    def __init__(self, pieces: Iterator[str], finish: Callable[[str], LLMResponse]) -> None:
        self._pieces = pieces
        self._finish = finish
        self._seen: list[str] = []
        self.response: LLMResponse | None = None

    def __next__(self) -> str:
        try:
            piece = next(self._pieces)
        except StopIteration:
            if self.response is None:
                self.response = self._finish("".join(self._seen))
            raise
        self._seen.append(piece)
        return piece

    def text(self) -> str:
        """Read the rest of the stream and return the whole text."""
        for _ in self:
            pass
        return "".join(self._seen)


@runtime_checkable
class LLMProvider(Protocol):
    """A chat model behind one interface."""

    name: str
    model: str

    def complete(
        self,
        messages: MessagesInput,
        *,
        response_schema: ResponseSchema | None = None,
        tools: Sequence[ToolSpec | Mapping[str, Any] | type[BaseModel]] | None = None,
        temperature: float = DEFAULT_TEMPERATURE,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        prompt: RenderedPrompt | None = None,
    ) -> LLMResponse:
        """One completion; ``parsed`` is set (and validated) when ``response_schema`` is given."""
        ...

    def stream(
        self,
        messages: MessagesInput,
        *,
        temperature: float = DEFAULT_TEMPERATURE,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        prompt: RenderedPrompt | None = None,
    ) -> Iterator[str]:
        """The answer's text in pieces, as the provider sends them."""
        ...

    def handles(self, prompt_name: str | None) -> bool:
        """Whether this provider can answer that prompt (remote models answer any)."""
        ...
