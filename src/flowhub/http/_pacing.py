"""Pacing shared by every client of one host: a token-bucket rate budget and a 429 pause."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx

__all__ = ["HostGate", "TokenBucket", "host_gate", "origin_of"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


class TokenBucket:
    """A thread-safe token bucket: ``rate`` tokens a second, at most ``capacity`` saved up.

    A taker that finds the bucket empty reserves the next free slot (the balance goes
    negative) and sleeps until it, so concurrent takers are spaced ``1/rate`` apart and none
    is starved. ``clock`` and ``sleep`` are injectable so tests can count instead of time.
    """

    def __init__(
        self,
        rate: float,
        *,
        capacity: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        self.rate, self.capacity = rate, capacity
        self._clock, self._sleep = clock, sleep
        self._tokens, self._updated = capacity, clock()
        self._lock = threading.Lock()
        self.granted = 0

    def set_rate(self, rate: float) -> None:
        with self._lock:
            self._refill()
            self.rate = rate

    def reserve(self) -> float:
        """Take one token now; return how many seconds the taker must wait before using it."""
        with self._lock:
            self._refill()
            self._tokens -= 1
            self.granted += 1
            return max(0.0, -self._tokens / self.rate)

    def acquire(self) -> float:
        """Take one token, sleeping until it is due; return the seconds slept."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now


class HostGate:
    """Everything clients of one host share: its rate budget and its "come back later" pause."""

    def __init__(
        self,
        origin: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.origin = origin
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self.bucket: TokenBucket | None = None

    def limit(self, requests_per_second: float | None) -> None:
        """Apply a rate budget; when clients ask for different rates, the strictest wins."""
        if requests_per_second is None:
            return
        with self._lock:
            if self.bucket is None:
                self.bucket = TokenBucket(requests_per_second, clock=self._clock, sleep=self._sleep)
            elif requests_per_second < self.bucket.rate:
                self.bucket.set_rate(requests_per_second)

    def pause(self, seconds: float) -> None:
        """Hold every request to this host for ``seconds`` (extends, never shortens, a pause)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def remaining_pause(self) -> float:
        with self._lock:
            return max(0.0, self._paused_until - self._clock())

    def wait_turn(self) -> tuple[float, float]:
        """Wait out any pause, then take a token; return (seconds paused, seconds paced)."""
        paused = 0.0
        while (remaining := self.remaining_pause()) > 0:  # a pause may be extended meanwhile
            self._sleep(remaining)
            paused += remaining
        paced = self.bucket.acquire() if self.bucket is not None else 0.0
        return paused, paced


_GATES: dict[str, HostGate] = {}
_GATES_LOCK = threading.Lock()


def origin_of(url: httpx.URL) -> str:
    """``scheme://host:port`` with the default port filled in: the key of a host's gate."""
    port = url.port or _DEFAULT_PORTS.get(url.scheme, 0)
    return f"{url.scheme}://{url.host}:{port}"


def host_gate(url: str | httpx.URL) -> HostGate:
    """The process-wide gate for the host of ``url`` (keyed by scheme://host:port)."""
    origin = origin_of(httpx.URL(url))
    with _GATES_LOCK:
        return _GATES.setdefault(origin, HostGate(origin))
