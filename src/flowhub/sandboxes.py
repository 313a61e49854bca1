"""Serve sandbox ASGI apps on loopback threads, and inject the faults real APIs show.

`serve` runs any ASGI app with uvicorn on a daemon thread and hands back its base URL.
`FaultInjection` is ASGI middleware that makes an app misbehave the way shops and ERPs do in
the field (429 with Retry-After, 5xx pages, answers that come too late, dropped connections,
PHP notices in front of the JSON), at a configurable rate, so retry and idempotency code can be
proved against a real socket instead of a mock.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import threading
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import uvicorn
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from types import TracebackType

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["FaultInjection", "FaultKind", "Faults", "ServedApp", "serve"]

FaultKind = Literal["429", "500", "502", "503", "timeout", "drop", "drop_after", "html_notice"]

CONTROL_PREFIX = "/__sandbox/"
DEFAULT_KINDS: tuple[FaultKind, ...] = ("429", "500", "502", "503", "timeout", "drop")

HTML_NOTICE = (
    "<br />\n<b>Notice</b>:  Function _load_textdomain_just_in_time was called <strong>incorrectly</strong>."
    " Translation loading was triggered too early. in <b>/var/www/html/wp-includes/functions.php</b>"
    " on line <b>42</b><br />\n"
)

_ERROR_PAGES: dict[int, str] = {
    500: (
        '<!DOCTYPE html>\n<html lang="en-US"><head><meta charset="utf-8"><title>WordPress &rsaquo; Error'
        '</title></head><body id="error-page"><div class="wp-die-message"><p>There has been a critical'
        " error on this website.</p></div></body></html>"
    ),
    502: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway"
    "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
    503: "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center>"
    "<h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n"
    "</html>\r\n",
    504: "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway"
    " Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
}


class Faults(BaseModel):
    """How badly a sandbox behaves.

    ``rate`` is the fraction of requests (0..1) that get one fault, drawn from ``kinds``.
    ``latency_ms`` is added to every request. ``retry_after`` is what a 429/503 asks the client
    to wait. ``timeout_s`` is how long a "timeout" fault stalls; make it longer than the
    client's timeout. ``seed`` makes the draw repeatable.
    """

    model_config = ConfigDict(extra="forbid")

    rate: float = Field(default=0.0, ge=0.0, le=1.0)
    kinds: list[FaultKind] = Field(default_factory=lambda: list(DEFAULT_KINDS))
    latency_ms: float = Field(default=0.0, ge=0.0)
    retry_after: float = Field(default=1.0, ge=0.0)
    timeout_s: float = Field(default=5.0, ge=0.0)
    seed: int | None = None


class FaultInjection:
    """ASGI middleware applying `Faults` to every HTTP request, and answering /__sandbox/ itself.

    Where a fault happens matters for idempotency tests:

    - ``429``, ``500``, ``502``, ``503``, ``timeout`` and ``drop`` strike BEFORE the app sees the
      request, so a faulted write is not applied. ``timeout`` stalls ``timeout_s`` and then
      answers 504, as a proxy in front of a slow PHP worker would. ``drop`` closes the
      connection without any response.
    - ``drop_after`` lets the app handle the request (the write IS applied) and then closes the
      connection without sending the answer: the case where a client must not create twice.
    - ``html_notice`` also lets the app answer, and puts a PHP notice in HTML in front of the
      JSON body, as a WordPress site with display_errors on does; the status stays as the app
      set it, and the write is applied (WordPress applies it too).

    Control routes (never faulted, never counted): ``GET /__sandbox/stats`` (counters and the
    current faults), ``POST /__sandbox/faults`` (a JSON object of Faults fields to change),
    ``POST /__sandbox/reset`` (zero the counters, restore the starting faults, and call
    ``on_reset`` so an app can restore its seed data).
    """

    def __init__(
        self, app: ASGIApp, faults: Faults | None = None, on_reset: Callable[[], None] | None = None
    ) -> None:
        self.app = app
        self.initial = (faults or Faults()).model_copy(deep=True)
        self.on_reset = on_reset
        self.faults = self.initial.model_copy(deep=True)
        self._rng = random.Random(self.faults.seed)
        self.counts: Counter[str] = Counter()

    # -- the ASGI entry ----------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(CONTROL_PREFIX):
            await self._control(scope, receive, send)
            return
        self.counts["seen"] += 1
        if self.faults.latency_ms:
            await asyncio.sleep(self.faults.latency_ms / 1000)
        kind = self._draw()
        if kind is None:
            self.counts["passed"] += 1
            await self.app(scope, receive, send)
            return
        self.counts["faulted"] += 1
        self.counts[f"fault:{kind}"] += 1
        await self._inject(kind, scope, receive, send)

    def _draw(self) -> FaultKind | None:
        """One fault kind for this request, or None; drawn from the seeded generator."""
        if not self.faults.kinds or self.faults.rate <= 0:
            return None
        if self._rng.random() >= self.faults.rate:
            return None
        return self._rng.choice(self.faults.kinds)

    async def _inject(self, kind: FaultKind, scope: Scope, receive: Receive, send: Send) -> None:
        if kind == "429":
            await _send_json(
                send,
                429,
                {
                    "code": "rest_too_many_requests",
                    "message": "Too many requests. Please slow down.",
                    "data": {"status": 429},
                },
                [(b"retry-after", _seconds(self.faults.retry_after))],
            )
        elif kind in ("500", "502", "503"):
            extra = [(b"retry-after", _seconds(self.faults.retry_after))] if kind == "503" else []
            await _send_html(send, int(kind), _ERROR_PAGES[int(kind)], extra)
        elif kind == "timeout":
            await asyncio.sleep(self.faults.timeout_s)
            await _send_html(send, 504, _ERROR_PAGES[504], [])
        elif kind == "drop":
            await _read_body(receive)  # a body still in flight would turn the close into a reset
            await _drop(receive)
        elif kind == "drop_after":
            await self.app(scope, receive, _swallow)
            await _drop(receive)
        else:  # html_notice
            await self.app(scope, receive, _NoticePrefixer(send))

    # -- control routes ----------------------------------------------------------------------
    async def _control(self, scope: Scope, receive: Receive, send: Send) -> None:
        action = scope["path"][len(CONTROL_PREFIX) :].strip("/")
        method = scope["method"]
        if action == "stats" and method == "GET":
            await _send_json(send, 200, self.stats())
        elif action == "faults" and method == "POST":
            body = await _read_body(receive)
            try:
                changes = json.loads(body or b"{}")
                self.set_faults(Faults.model_validate({**self.faults.model_dump(), **changes}))
            except (ValueError, TypeError) as error:  # JSON, shape or pydantic validation
                await _send_json(send, 400, {"code": "sandbox_invalid_faults", "message": str(error)})
                return
            await _send_json(send, 200, self.faults.model_dump())
        elif action == "reset" and method == "POST":
            self.reset()
            await _send_json(send, 200, self.stats())
        else:
            await _send_json(
                send,
                404,
                {"code": "sandbox_no_route", "message": "known: GET stats, POST faults, POST reset"},
            )

    def stats(self) -> dict[str, Any]:
        """Counters (seen, passed, faulted, faults by kind) and the faults in force."""
        by_kind = {k.split(":", 1)[1]: v for k, v in self.counts.items() if k.startswith("fault:")}
        return {
            "seen": self.counts["seen"],
            "passed": self.counts["passed"],
            "faulted": self.counts["faulted"],
            "by_kind": by_kind,
            "faults": self.faults.model_dump(),
        }

    def set_faults(self, faults: Faults) -> None:
        """Change the faults at run time; a new seed restarts the draw."""
        if faults.seed != self.faults.seed:
            self._rng = random.Random(faults.seed)
        self.faults = faults

    def reset(self) -> None:
        self.counts.clear()
        self.faults = self.initial.model_copy(deep=True)
        self._rng = random.Random(self.faults.seed)
        if self.on_reset is not None:
            self.on_reset()


class _NoticePrefixer:
    """A `send` that buffers the app's answer and puts a PHP notice in front of its body."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.start: Message | None = None
        self.body = bytearray()

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
            return
        if message["type"] != "http.response.body" or self.start is None:
            await self.send(message)
            return
        self.body += message.get("body", b"")
        if message.get("more_body", False):
            return
        body = HTML_NOTICE.encode() + bytes(self.body)
        headers = [(k, v) for k, v in self.start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await self.send({**self.start, "headers": headers})
        await self.send({"type": "http.response.body", "body": body})


async def _swallow(message: Message) -> None:
    """A `send` that drops everything: the app's answer never leaves the server."""


async def _drop(receive: Receive) -> None:
    """Close the client's connection without a response.

    uvicorn answers 500 when an app returns without responding, unless the connection is
    already gone, so the transport behind ``receive`` is aborted and the loop is given the
    turns it needs to notice. On a server without that attribute the fallback is to raise,
    which still leaves the client without a usable answer.
    """
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionAbortedError("sandbox fault: connection dropped")
    transport.abort()
    for _ in range(3):
        await asyncio.sleep(0)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send_json(
    send: Send, status: int, payload: object, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps(payload).encode()
    await _send(send, status, body, b"application/json; charset=UTF-8", extra or [])


async def _send_html(send: Send, status: int, html: str, extra: list[tuple[bytes, bytes]]) -> None:
    await _send(send, status, html.encode(), b"text/html; charset=UTF-8", extra)


async def _send(
    send: Send, status: int, body: bytes, content_type: bytes, extra: list[tuple[bytes, bytes]]
) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _seconds(value: float) -> bytes:
    return str(int(value) if float(value).is_integer() else value).encode()


# -- serving -----------------------------------------------------------------------------------
class ServedApp:
    """An ASGI app served by uvicorn on a loopback daemon thread; stop() shuts it down cleanly."""

    def __init__(
        self, server: uvicorn.Server, thread: threading.Thread, host: str, port: int, scheme: str = "http"
    ) -> None:
        self._server = server
        self._thread = thread
        self.host, self.port = host, port
        self.base_url = f"{scheme}://{host}:{port}"

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to exit, close open connections, and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def __enter__(self) -> ServedApp:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<ServedApp {self.base_url}>"


def serve(
    app: ASGIApp,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    startup_timeout: float = 10.0,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
) -> ServedApp:
    """Serve ``app`` on ``host:port`` (port 0: a free port) and return once it accepts connections.

    The socket is bound here, before the thread starts, so the port is known at once and a
    port clash raises in the caller's thread. Accepted sockets get TCP_NODELAY, so keep-alive
    clients are not stalled ~40 ms per request by Nagle's algorithm meeting delayed ACKs
    (uvicorn writes headers and body separately). Requests are parsed by httptools rather than
    h11 (a third less CPU per request): the sandbox's own time is part of every latency a
    benchmark measures. With ``ssl_certfile`` and ``ssl_keyfile`` it serves HTTPS, for clients
    that insist on it (point them at the certificate as their CA bundle).
    """
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on sockets that say they are TCP.
    sock = socket.socket(
        socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP
    )
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="off",
        ws="none",
        http="httptools",
        timeout_graceful_shutdown=2,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=_run, args=(server, sock), name=f"sandbox:{bound_port}", daemon=True)
    thread.start()
    waited = 0.0
    while not server.started:
        if not thread.is_alive() or waited > startup_timeout:
            server.should_exit = True
            raise RuntimeError(f"sandbox server on {host}:{bound_port} did not start")
        threading.Event().wait(0.01)
        waited += 0.01
    return ServedApp(server, thread, host, bound_port, "https" if ssl_certfile else "http")


def _run(server: uvicorn.Server, sock: socket.socket) -> None:
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
