"""Local HTTP servers that speak each provider's protocol, for tests of the real clients.

Each server listens on 127.0.0.1 (a free port), records every request it receives (path,
headers, JSON body), and answers from a queue of scripted ``Reply`` objects, falling back to
a default reply. Replies can be JSON, server-sent events (OpenAI, Anthropic), NDJSON
(Ollama), an error status with headers (``Retry-After``), or come after a delay (timeouts).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

from neurolake.llm.golden import GoldenCase
from neurolake.llm.prompts import PromptLibrary


@dataclass
class Reply:
    """One scripted answer."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    events: list[tuple[str | None, Any]] | None = None  # server-sent events: (event name, data)
    lines: list[Any] | None = None  # newline-delimited JSON
    delay_s: float = 0.0


@dataclass
class Received:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]
    body: Any

    def last_user_text(self) -> str:
        """The content of the last user message (a string, or Anthropic text blocks)."""
        for message in reversed(self.body.get("messages", [])):
            if message.get("role") == "user":
                content = message.get("content")
                if isinstance(content, list):
                    return "".join(b.get("text", "") for b in content if isinstance(b, dict))
                return str(content)
        return ""


class ProtocolServer:
    """Base: a threaded HTTP server on a free loopback port, answering POSTs on ``path``."""

    path: ClassVar[str]

    def __init__(self, default: Callable[[Received], Reply] | None = None) -> None:
        self.requests: list[Received] = []
        self.default = default or (lambda _request: self.reply("ok"))
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def enqueue(self, *replies: Reply) -> None:
        """Answer the next requests with these replies, in order; then the default."""
        with self._lock:
            self._queue.extend(replies)

    def reply(self, text: str) -> Reply:
        """A successful plain-text answer in this protocol."""
        raise NotImplementedError

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ProtocolServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _next_reply(self, request: Received) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self._queue:
                return self._queue.popleft()
        return self.default(request)


def _handler_for(server: ProtocolServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one request per connection; streams end when it closes

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            if self.path.split("?")[0] != server.path:
                self._send_json(404, {"error": f"no route {self.path}"}, {})
                return
            request = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            reply = server._next_reply(request)
            if reply.delay_s:
                time.sleep(reply.delay_s)
            try:
                if reply.events is not None:
                    self._send_stream("text/event-stream", _sse(reply.events), reply)
                elif reply.lines is not None:
                    self._send_stream("application/x-ndjson", (json.dumps(x) + "\n" for x in reply.lines), reply)
                else:
                    self._send_json(reply.status, reply.body, reply.headers)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def _send_json(self, status: int, body: Any, headers: dict[str, str]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _send_stream(self, content_type: str, chunks: Iterable[str], reply: Reply) -> None:
            self.send_response(reply.status)
            self.send_header("content-type", content_type)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            for chunk in chunks:
                self.wfile.write(chunk.encode())
                self.wfile.flush()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def _sse(events: Iterable[tuple[str | None, Any]]) -> Iterator[str]:
    for name, data in events:
        head = f"event: {name}\n" if name else ""
        payload = data if isinstance(data, str) else json.dumps(data)
        yield f"{head}data: {payload}\n\n"


# -- OpenAI chat completions ---------------------------------------------------------------
class OpenAIServer(ProtocolServer):
    """``POST /v1/chat/completions``; clients use ``base_url=server.url + "/v1"``."""

    path = "/v1/chat/completions"

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def reply(self, text: str) -> Reply:
        return Reply(body=openai_completion(text))


def openai_completion(
    text: str | None = "",
    *,
    tool_calls: Iterable[tuple[str, str, Any]] = (),
    model: str = "gpt-test",
    prompt_tokens: int = 11,
    completion_tokens: int = 7,
    finish_reason: str | None = None,
) -> dict[str, Any]:
    """A chat.completion; ``tool_calls`` are (id, name, arguments: JSON string or object)."""
    message: dict[str, Any] = {"role": "assistant", "content": text}
    calls = [
        {
            "id": call_id,
            "type": "function",
            "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)},
        }
        for call_id, name, args in tool_calls
    ]
    if calls:
        message["tool_calls"] = calls
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": finish_reason or ("tool_calls" if calls else "stop"),
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def openai_stream(pieces: Iterable[str], *, model: str = "gpt-test", usage: tuple[int, int] = (11, 7)) -> Reply:
    """Chunks with one piece each, a finish chunk, a usage chunk, then ``[DONE]``."""

    def chunk(choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        base = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1_700_000_000}
        return {**base, "model": model, "choices": choices, **extra}

    events: list[tuple[str | None, Any]] = [
        (None, chunk([{"index": 0, "delta": {"role": "assistant", "content": p}, "finish_reason": None}]))
        for p in pieces
    ]
    events.append((None, chunk([{"index": 0, "delta": {}, "finish_reason": "stop"}])))
    total = {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}
    events.append((None, chunk([], usage=total)))
    events.append((None, "[DONE]"))
    return Reply(events=events)


def openai_error(
    status: int,
    message: str,
    *,
    type: str = "server_error",
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    return Reply(
        status=status,
        body={"error": {"message": message, "type": type, "param": None, "code": code}},
        headers=headers or {},
    )


# -- Anthropic messages ----------------------------------------------------------------------
class AnthropicServer(ProtocolServer):
    """``POST /v1/messages``; clients use ``base_url=server.url``."""

    path = "/v1/messages"

    def reply(self, text: str) -> Reply:
        return Reply(body=anthropic_message(text))


def anthropic_message(
    text: str = "",
    *,
    tool_uses: Iterable[tuple[str, str, dict[str, Any]]] = (),
    model: str = "claude-test",
    input_tokens: int = 12,
    output_tokens: int = 8,
    stop_reason: str | None = None,
) -> dict[str, Any]:
    """A message; ``tool_uses`` are (id, name, input)."""
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    content += [{"type": "tool_use", "id": i, "name": n, "input": args} for i, n, args in tool_uses]
    return {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason or ("tool_use" if any(b["type"] == "tool_use" for b in content) else "end_turn"),
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }


def anthropic_stream(pieces: Iterable[str], *, model: str = "claude-test", usage: tuple[int, int] = (12, 8)) -> Reply:
    start = anthropic_message("", model=model, input_tokens=usage[0], output_tokens=1)
    events: list[tuple[str | None, Any]] = [
        ("message_start", {"type": "message_start", "message": {**start, "stop_reason": None}}),
        (
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        ),
        ("ping", {"type": "ping"}),
    ]
    events += [
        (
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}},
        )
        for p in pieces
    ]
    events += [
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": usage[1]},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    return Reply(events=events)


def anthropic_error(status: int, type: str, message: str, *, headers: dict[str, str] | None = None) -> Reply:
    return Reply(
        status=status,
        body={"type": "error", "error": {"type": type, "message": message}},
        headers=headers or {},
    )


# -- Ollama ----------------------------------------------------------------------------------
class OllamaServer(ProtocolServer):
    """``POST /api/chat``; clients use ``host=server.url``."""

    path = "/api/chat"

    def reply(self, text: str) -> Reply:
        return Reply(body=ollama_chat(text))


def ollama_chat(
    text: str = "",
    *,
    tool_calls: Iterable[tuple[str, dict[str, Any]]] = (),
    model: str = "llama-test",
    prompt_eval_count: int = 9,
    eval_count: int = 5,
    done_reason: str = "stop",
) -> dict[str, Any]:
    """A final (non-streamed) chat response; ``tool_calls`` are (name, arguments)."""
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if calls := [{"function": {"name": n, "arguments": a}} for n, a in tool_calls]:
        message["tool_calls"] = calls
    return {
        "model": model,
        "created_at": "2025-01-01T00:00:00Z",
        "message": message,
        "done": True,
        "done_reason": done_reason,
        "prompt_eval_count": prompt_eval_count,
        "eval_count": eval_count,
    }


def ollama_stream(pieces: Iterable[str], *, model: str = "llama-test", usage: tuple[int, int] = (9, 5)) -> Reply:
    lines: list[Any] = [
        {
            "model": model,
            "created_at": "2025-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": p},
            "done": False,
        }
        for p in pieces
    ]
    lines.append(ollama_chat("", model=model, prompt_eval_count=usage[0], eval_count=usage[1]))
    return Reply(lines=lines)


def ollama_error(status: int, message: str) -> Reply:
    return Reply(status=status, body={"error": message})


# -- golden replay ---------------------------------------------------------------------------
def golden_replayer(
    library: PromptLibrary,
    cases: Iterable[GoldenCase],
    answer: Callable[[str], Reply],
) -> Callable[[Received], Reply]:
    """A default reply that answers each golden case's prompt with its reference output."""
    by_prompt: dict[str, str] = {}
    for case in cases:
        if case.reference_output is None:
            continue
        for version in library.versions(case.prompt):
            rendered = library.get(case.prompt, version).render(**case.variables)
            by_prompt[rendered.user.strip()] = case.reference_output

    def reply(request: Received) -> Reply:
        text = by_prompt.get(request.last_user_text().strip())
        return answer(text) if text is not None else answer("I do not know this question.")

    return reply
