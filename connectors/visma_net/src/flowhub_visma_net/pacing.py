"""Pace before Visma.net's hourly window runs out, from the X-RateLimit-* headers of every answer."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import httpx

from flowhub.http import HostGate

__all__ = ["RateLimitTransport", "RateWindow"]


@dataclass
class RateWindow:
    """The last rate-limit state Visma.net reported (policy ``4-fixed-window``, per company+client)."""

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None  # seconds until the window starts over
    pauses: int = 0


class RateLimitTransport(httpx.BaseTransport):
    """Wraps the real transport; reads the rate-limit headers and pauses the host gate in time.

    Visma.net does not publish the hourly number, so it is read from each answer. When
    ``X-RateLimit-Remaining`` falls to ``reserve`` or below, every client of this host waits
    until ``X-RateLimit-Reset`` instead of running into a 429 (a 429's ``Retry-After`` is still
    honoured by ApiClient when several processes share the budget).
    """

    def __init__(self, inner: httpx.BaseTransport, gate: HostGate, *, reserve: int = 3) -> None:
        self.inner, self.gate, self.reserve = inner, gate, reserve
        self.window = RateWindow()
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.observe(response.headers)
        return response

    def observe(self, headers: httpx.Headers) -> None:
        remaining = _number(headers.get("X-RateLimit-Remaining"))
        reset = _number(headers.get("X-RateLimit-Reset"))
        if remaining is None:
            return
        with self._lock:
            limit = _number(headers.get("X-RateLimit-Limit"))
            self.window.limit = int(limit) if limit is not None else self.window.limit
            self.window.remaining, self.window.reset = int(remaining), reset
            if remaining <= self.reserve and reset:
                self.window.pauses += 1
                self.gate.pause(reset)

    def close(self) -> None:
        self.inner.close()


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None
