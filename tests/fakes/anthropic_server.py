"""A loopback fake of Anthropic's Messages API, for driving the real SDK in tests.

A real HTTP server on 127.0.0.1 (port 0) answers ``POST /v1/messages`` from a script of
replies, in order, and records every request. It speaks the real wire format: a JSON
``message`` object, or, when the request asks for ``"stream": true``, server-sent events
(``message_start``, ``content_block_start``, ``content_block_delta`` with ``text_delta``,
``content_block_stop``, ``message_delta`` with usage, ``message_stop``); errors are the API's
``{"type": "error", "error": {...}}`` bodies. It also checks requests the way the API would
(a key, a model, ``max_tokens``, alternating roles) and fakes prompt caching: the first
request with a ``cache_control`` system block writes the cache, later ones read it.

    with FakeAnthropic(["```strategy\\n...\\n```"]) as fake:
        client = anthropic.Anthropic(api_key="test", base_url=fake.base_url)
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


@dataclass
class Scripted:
    """One scripted reply.

    Attributes:
        text: The assistant's text (for a 200 reply).
        status: HTTP status; anything but 200 sends an API error body.
        headers: Extra response headers (e.g. ``{"retry-after-ms": "1"}``).
        hang: Do not answer until the fake is released (a slow server, for timeouts).
        chunks: How many ``text_delta`` events a streamed reply is cut into.
        stop_reason: The message's stop reason.
    """

    text: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    chunks: int = 3
    stop_reason: str = "end_turn"


@dataclass
class Recorded:
    """One request the fake received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])

    @property
    def last_user_text(self) -> str:
        return _text_of(self.messages[-1]["content"])


class FakeAnthropic:
    """The fake server; use it as a context manager."""

    def __init__(self, script: list[Scripted | str] | None = None) -> None:
        self.script: list[Scripted] = [
            s if isinstance(s, Scripted) else Scripted(s) for s in (script or [])
        ]
        self.requests: list[Recorded] = []
        self.release = threading.Event()
        """Set to let hanging replies go (done on exit)."""
        self._lock = threading.Lock()
        self._cached: set[str] = set()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.01,), daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, *replies: Scripted | str) -> None:
        with self._lock:
            self.script += [r if isinstance(r, Scripted) else Scripted(r) for r in replies]

    def __enter__(self) -> FakeAnthropic:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    # ----- what the handler calls ----------------------------------------------------------
    def record(self, recorded: Recorded) -> None:
        with self._lock:
            self.requests.append(recorded)

    def next_reply(self, recorded: Recorded) -> Scripted:
        with self._lock:
            self.requests.append(recorded)
            if not self.script:
                return Scripted(
                    status=500,
                    headers={"x-should-retry": "false"},
                    text="the fake has no scripted reply left",
                )
            return self.script.pop(0)

    def usage_for(self, body: dict[str, Any], output_text: str) -> dict[str, int]:
        """Token counts that look like the API's (about 4 characters a token)."""
        system = body.get("system") or []
        cached = "".join(
            b.get("text", "") for b in system if isinstance(b, dict) and b.get("cache_control")
        )
        uncached = json.dumps(body.get("messages", [])) + "".join(
            b.get("text", "") for b in system if isinstance(b, dict) and not b.get("cache_control")
        )
        if isinstance(system, str):
            uncached += system
        usage = {
            "input_tokens": max(1, len(uncached) // 4),
            "output_tokens": max(1, len(output_text) // 4),
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        }
        if cached:
            with self._lock:
                hit = cached in self._cached
                self._cached.add(cached)
            usage["cache_read_input_tokens" if hit else "cache_creation_input_tokens"] = (
                len(cached) // 4
            )
        return usage


def _handler_for(fake: FakeAnthropic) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return self._error(400, "request body is not JSON")
            recorded = Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            problem = _invalid(recorded) if self.path == "/v1/messages" else "unknown path"
            if problem:  # rejected as the API would, without using up a scripted reply
                fake.record(recorded)
                status = 401 if "key" in problem else 404 if "path" in problem else 400
                return self._error(status, problem)
            reply = fake.next_reply(recorded)
            if reply.hang:
                fake.release.wait(10)
            if reply.status != 200:
                return self._error(reply.status, reply.text or "scripted error", reply.headers)
            usage = fake.usage_for(body, reply.text)
            if body.get("stream"):
                return self._stream(body, reply, usage)
            self._json(200, _message(body, reply, usage), reply.headers)

        def _json(
            self, status: int, data: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            payload = json.dumps(data).encode()
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.send_header("request-id", "req_fake")
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
            kind = ERROR_TYPES.get(status, "api_error")
            self._json(
                status, {"type": "error", "error": {"type": kind, "message": message}}, headers
            )

        def _stream(self, body: dict[str, Any], reply: Scripted, usage: dict[str, int]) -> None:
            try:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("cache-control", "no-cache")
                self.end_headers()
                for name, data in sse_events(body, reply, usage):
                    self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


def _invalid(req: Recorded) -> str:
    """What the real API would reject in this request ("" when it is fine)."""
    if not (req.headers.get("x-api-key") or req.headers.get("authorization")):
        return "missing API key"
    body = req.body
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "model: field required"
    if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] < 1:
        return "max_tokens: field required"
    roles = [m.get("role") for m in body.get("messages", [])]
    if not roles or roles[0] != "user" or roles[-1] != "user":
        return "messages: must start and end with a user turn"
    if any(a == b for a, b in zip(roles, roles[1:])):
        return "messages: roles must alternate between user and assistant"
    if any(not _text_of(m.get("content")) for m in body["messages"]):
        return "messages: text content blocks must be non-empty"
    return ""


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") for b in content or [] if isinstance(b, dict))


def _message(body: dict[str, Any], reply: Scripted, usage: dict[str, int]) -> dict[str, Any]:
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": [{"type": "text", "text": reply.text}],
        "stop_reason": reply.stop_reason,
        "stop_sequence": None,
        "usage": usage,
    }


def sse_events(
    body: dict[str, Any], reply: Scripted, usage: dict[str, int]
) -> list[tuple[str, dict[str, Any]]]:
    """The event sequence of a streamed reply, as the API sends it."""
    start = _message(body, reply, {**usage, "output_tokens": 1})
    start.update(content=[], stop_reason=None)
    size = max(1, -(-len(reply.text) // max(1, reply.chunks)))
    pieces = [reply.text[i : i + size] for i in range(0, len(reply.text), size)] or [""]
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"type": "message_start", "message": start}),
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
        ("ping", {"type": "ping"}),
    ]
    events += [
        (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": piece},
            },
        )
        for piece in pieces
    ]
    events += [
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": reply.stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": usage["output_tokens"]},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    return events
