"""ApiClient: an httpx client bound to one host, with retries, pacing, typed errors and redaction."""

from __future__ import annotations

import base64
import logging
import ssl
import threading
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import tenacity

from flowhub.errors import ConnectorError, RejectedError, RetryableError
from flowhub.http._answers import (
    Classifier,
    ErrorDetail,
    classify_response,
    default_error_detail,
    describe_request,
    parse_json,
)
from flowhub.http._pacing import host_gate, origin_of
from flowhub.redact import (
    install_log_redaction,
    is_secret_name,
    redact_text,
    redact_url,
    register_secret,
)

__all__ = ["DEFAULT_USER_AGENT", "IDEMPOTENT_METHODS", "NOT_ACTED_ON_STATUSES", "ApiClient", "RequestStats"]

log = logging.getLogger("flowhub.http")

DEFAULT_USER_AGENT = "flowhub/0.1 (+https://example.invalid/flowhub)"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
# Statuses that say the server did not act on the request, so even a POST may be re-sent.
NOT_ACTED_ON_STATUSES = frozenset({408, 425, 429, 503})


@dataclass
class RequestStats:
    """Thread-safe counters of what one client did (for benchmarks and run summaries)."""

    sent: int = 0
    retries: int = 0
    transport_errors: int = 0
    paused: int = 0
    paced: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def bump(self, counter: str, by: int = 1) -> None:
        with self._lock:
            setattr(self, counter, getattr(self, counter) + by)

    def saw(self, status: int) -> None:
        with self._lock:
            self.by_status[status] = self.by_status.get(status, 0) + 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "sent": self.sent,
                "retries": self.retries,
                "transport_errors": self.transport_errors,
                "paused": self.paused,
                "paced": self.paced,
                "by_status": dict(self.by_status),
            }


class _Cookies(httpx.Cookies):
    """A cookie jar that is offered only the answers that set a cookie.

    httpx wraps every answer and its request in urllib adapters to hand them to the jar, about a
    tenth of a request's CPU; the APIs here authenticate by header and rarely set a cookie.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


class _Client(httpx.Client):
    """httpx's client with the jar above (httpx sets its own jar directly, not through the setter)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._jar = _Cookies(kwargs.get("cookies"))

    @property
    def cookies(self) -> httpx.Cookies:
        return self._jar

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        self._jar = _Cookies(cookies)


class ApiClient:
    """An httpx client bound to one host: auth, timeouts, retries, pacing, typed errors.

    Thread-safe: share one client between worker threads. ``stats`` counts what it did.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        max_attempts: int = 6,
        max_wait: float = 30.0,
        requests_per_second: float | None = None,
        secrets: Sequence[str] = (),
        verify: bool | str = True,
        user_agent: str = DEFAULT_USER_AGENT,
        transport: httpx.BaseTransport | None = None,
        name: str = "api",
        classify: Classifier | None = None,
        error_detail: ErrorDetail | None = None,
        max_connections: int = 16,
    ) -> None:
        for logger_name in ("flowhub", "httpx", "httpcore"):  # httpx logs full URLs at INFO
            install_log_redaction(logger_name)
        for secret in secrets:
            register_secret(secret)
        _register_auth_secrets(auth)
        _register_userinfo_secrets(base_url)
        _register_named_secrets((headers or {}).items(), scheme_prefixed=True)
        self.name, self.timeout = name, timeout
        self.max_attempts, self.max_wait = max(1, max_attempts), max_wait
        self._classify, self._error_detail = classify, error_detail or default_error_detail
        self.stats = RequestStats()
        self._client = _Client(
            base_url=base_url,
            auth=auth,
            headers={**(headers or {}), "User-Agent": user_agent},
            timeout=httpx.Timeout(timeout),
            verify=_ssl_verify(verify),
            transport=transport,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        )
        self.origin = origin_of(self._client.base_url)
        self.gate = host_gate(self._client.base_url)
        self.gate.limit(requests_per_second)

    def __repr__(self) -> str:
        return f"<ApiClient {self.name!r} {redact_url(str(self._client.base_url))}>"

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def json(self, response: httpx.Response) -> Any:
        """The JSON body of ``response``, tolerating a PHP notice in front (WordPress)."""
        return parse_json(response, name=self.name)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        data: Any = None,
        content: Any = None,
        headers: Mapping[str, str] | None = None,
        ok: Collection[int] | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send one request, retrying transient failures; return the answer or raise a typed error.

        ``path`` is relative to the base URL (an absolute URL must be on the same host).
        ``ok`` lists extra statuses to hand back instead of raising (e.g. ``{404}`` for a
        lookup). ``idempotent`` defaults from the method: a POST/PATCH is retried only when
        the server cannot have acted on it (connect failures, 408, 425, 429, 503), because a retry
        after a read timeout or a 500 could create a second order; pass True to override.
        """
        method = method.upper()
        _register_named_secrets(httpx.QueryParams(params).multi_items() if params else ())
        _register_named_secrets((headers or {}).items(), scheme_prefixed=True)
        for body in (json, data):
            if isinstance(body, Mapping):
                _register_named_secrets(body.items())
        request = self._client.build_request(
            method, path, params=params, json=json, data=data, content=content, headers=headers
        )
        self._check_origin(request)
        safe = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        return self._send_with_retries(request, ok, safe)

    def _send_with_retries(
        self, request: httpx.Request, ok: Collection[int] | None, idempotent: bool
    ) -> httpx.Response:
        attempts = 0

        def attempt() -> httpx.Response:
            nonlocal attempts
            attempts += 1
            return self._send_once(request, ok)

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(lambda error: _worth_retrying(error, idempotent)),
            wait=self._wait,
            stop=tenacity.stop_after_attempt(self.max_attempts),
            before_sleep=lambda state: self._before_retry(request, state),
            reraise=True,
        )
        try:
            return retrying(attempt)
        except httpx.TransportError as error:
            failure = self._transport_failure(request, error, attempts)
            failure.args = (failure.args[0] + _why_not_retried(request, error, idempotent),)
            raise failure from error
        except RetryableError as error:
            note = f" (gave up after {attempts} attempts)" if attempts > 1 else ""
            error.args = (f"{error}{note or _why_not_retried(request, error, idempotent)}",)
            raise

    def _send_once(self, request: httpx.Request, ok: Collection[int] | None) -> httpx.Response:
        paused, paced = self.gate.wait_turn()
        self.stats.bump("paused", int(paused > 0))
        self.stats.bump("paced", int(paced > 0))
        self.stats.bump("sent")
        started = time.perf_counter()
        try:
            response = self._client.send(request)
        except httpx.TransportError as error:
            self.stats.bump("transport_errors")
            if log.isEnabledFor(logging.DEBUG):  # the URL is redacted only when it is shown
                log.debug(
                    "%s: %s %s failed after %.0f ms: %s",
                    self.name,
                    request.method,
                    redact_url(str(request.url)),
                    _ms_since(started),
                    type(error).__name__,
                )
            raise
        self.stats.saw(response.status_code)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s: %s %s -> %d in %.0f ms",
                self.name,
                request.method,
                redact_url(str(request.url)),
                response.status_code,
                _ms_since(started),
            )
        if ok is not None and response.status_code in ok:
            return response
        failure = self._classify_error(response)
        if failure is None:
            return response
        if isinstance(failure, RetryableError) and failure.status == 429 and failure.retry_after:
            self.gate.pause(min(failure.retry_after, self.max_wait))
        raise failure

    def _classify_error(self, response: httpx.Response) -> ConnectorError | None:
        """The connector's hook first (None from it means "no opinion"), then the default."""
        error = self._classify(response) if self._classify is not None else None
        if error is not None:
            error.args = tuple(redact_text(str(arg)) for arg in error.args)
            return error
        return classify_response(response, name=self.name, error_detail=self._error_detail)

    def _wait(self, state: tenacity.RetryCallState) -> float:
        """Retry-After when the server gave one (capped), else full-jitter exponential backoff."""
        error = state.outcome.exception() if state.outcome is not None else None
        if isinstance(error, RetryableError) and error.retry_after is not None:
            return min(error.retry_after, self.max_wait)
        backoff = tenacity.wait_random_exponential(multiplier=0.2, max=self.max_wait)
        return float(backoff(state))

    def _before_retry(self, request: httpx.Request, state: tenacity.RetryCallState) -> None:
        self.stats.bump("retries")
        error = state.outcome.exception() if state.outcome is not None else None
        what = f"{error.status}" if isinstance(error, ConnectorError) else type(error).__name__
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        log.info(
            "%s: %s -> %s; try %d of %d in %.2f s",
            self.name,
            describe_request(request),
            what,
            state.attempt_number + 1,
            self.max_attempts,
            wait,
        )

    def _transport_failure(
        self, request: httpx.Request, error: httpx.TransportError, attempts: int
    ) -> RetryableError:
        host = self.origin.split("://", 1)[1]
        if isinstance(error, httpx.ConnectTimeout):
            what = f"could not connect to {host} within {self.timeout:g} s"
        elif isinstance(error, httpx.ConnectError):
            what = f"could not connect to {host}"
        elif isinstance(error, httpx.TimeoutException):
            what = f"no answer from {host} within {self.timeout:g} s"
        elif isinstance(error, httpx.RemoteProtocolError):
            what = f"{host} closed the connection without a complete answer"
        else:
            what = f"lost the connection to {host}"
        tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
        reason = str(error) or type(error).__name__
        return RetryableError(
            redact_text(f"{self.name}: {describe_request(request)}: {what} after {tries}: {reason}")
        )

    def _check_origin(self, request: httpx.Request) -> None:
        """Credentials go only to the host they are for (next links can point anywhere)."""
        if origin_of(request.url) != self.origin:
            raise RejectedError(
                redact_text(
                    f"{self.name}: refusing to send {request.method} {redact_url(str(request.url))}: "
                    f"this client only talks to {self.origin}"
                )
            )


def _worth_retrying(error: BaseException, idempotent: bool) -> bool:
    if idempotent:
        return isinstance(error, RetryableError | httpx.TransportError)
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return True  # the request never reached the server
    return isinstance(error, RetryableError) and error.status in NOT_ACTED_ON_STATUSES


def _why_not_retried(request: httpx.Request, error: BaseException, idempotent: bool) -> str:
    if idempotent or _worth_retrying(error, idempotent):
        return ""
    return f" (not retried: the server may have acted on this {request.method}; the record is retried later)"


def _register_userinfo_secrets(base_url: str) -> None:
    """httpx turns ``https://user:pass@host`` into Basic auth; those are credentials too."""
    url = httpx.URL(base_url)
    for part in (url.username, url.password, f"{url.username}:{url.password}"):
        register_secret(part)


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _ssl_verify(verify: bool | str) -> bool | ssl.SSLContext:
    """httpx 0.28 deprecates a CA path string; turn it into an SSL context."""
    if isinstance(verify, bool):
        return verify
    path = Path(verify)
    if path.is_dir():
        return ssl.create_default_context(capath=str(path))
    return ssl.create_default_context(cafile=str(path))


def _register_auth_secrets(auth: httpx.Auth | None) -> None:
    """Register Basic credentials: user, password and the header value they become."""
    if not isinstance(auth, httpx.BasicAuth):
        return
    probe = next(auth.sync_auth_flow(httpx.Request("GET", "https://probe.invalid/")))
    _register_named_secrets([("authorization", probe.headers.get("Authorization", ""))], scheme_prefixed=True)
    credential = probe.headers.get("Authorization", "").partition(" ")[2]
    user, _, password = base64.b64decode(credential).decode("latin-1").partition(":")
    register_secret(user)
    register_secret(password)


def _register_named_secrets(pairs: Iterable[tuple[Any, Any]], *, scheme_prefixed: bool = False) -> None:
    """Register the values of secret-named headers, parameters or fields.

    ``key`` is skipped: as a body field it names WooCommerce meta data, not a credential.
    """
    for name, value in pairs:
        if not isinstance(value, str) or str(name).lower() == "key" or not is_secret_name(str(name)):
            continue
        register_secret(value)
        if scheme_prefixed and " " in value:  # "Bearer abc…": the token alone, too
            register_secret(value.partition(" ")[2])
