"""DuellClient: log-in, Bearer tokens, re-login, DUELL's two error forms, rate limits, offset paging.

DUELL answers a failure either with an HTTP 4xx or with HTTP 200 and ``{"status": false,
"code", "message", "validation_message"}`` (which one is unconfirmed), so one ``classify`` hook
reads both into the typed errors of ``flowhub.errors``. A token is used until DUELL refuses it
(401/403 in the status or in the body) or until the ``exp`` claim of the JWT says it is about
to run out; then the client logs in again, at most ``max_logins`` times for one call.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from flowhub.errors import (
    AuthError,
    ConflictError,
    ConnectionConfigError,
    ConnectorError,
    RejectedError,
    RetryableError,
    did_you_mean,
)
from flowhub.http import RETRYABLE_STATUSES, ApiClient, make_error, parse_retry_after
from flowhub.pagination import pages_by_offset
from flowhub.redact import register_secret
from flowhub_duell.settings import DuellSettings

__all__ = ["LOGIN_PATH", "DuellClient", "error_text"]

log = logging.getLogger("flowhub.duell")

LOGIN_PATH = "getaccesstokens"
DEFAULT_DEPARTMENT = "default"


class DuellClient:
    """One DUELL client (account): a shared, thread-safe token and an ApiClient with DUELL's rules."""

    def __init__(self, settings: DuellSettings, *, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        base_url = settings.base_url if settings.base_url.endswith("/") else settings.base_url + "/"
        self.api = ApiClient(
            base_url,
            timeout=settings.timeout,
            max_attempts=settings.max_attempts,
            max_wait=settings.max_wait,
            requests_per_second=settings.requests_per_second,
            secrets=[settings.client_token.get_secret_value()],
            transport=transport,
            name="duell",
            classify=self._classify,
        )
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at: float | None = None
        self.logins = 0

    def close(self) -> None:
        self.api.close()

    # -- tokens ----------------------------------------------------------------------------
    def token(self) -> str:
        """The current Bearer token; logs in when there is none or it is about to expire."""
        with self._lock:
            if self._token is None or (self._renew_at is not None and time.time() >= self._renew_at):
                self._token = self._login()
                self._renew_at = _renew_time(self._token)
            return self._token

    def forget(self, token: str) -> None:
        """Drop ``token`` (DUELL refused it); a concurrent thread may have renewed it already."""
        with self._lock:
            if self._token == token:
                self._token = None

    def _login(self) -> str:
        data = {
            "client_number": self.settings.client_number,
            "client_token": self.settings.client_token.get_secret_value(),
        }
        try:
            response = self.api.post(LOGIN_PATH, data=data, idempotent=True)
        except AuthError as error:
            raise AuthError(
                f"DUELL refused the log-in of client {self.settings.client_number}: {error_text(error)}. "
                "Check client_number and client_token (Duell Manager > API-oppsett).",
                status=error.status,
                code=error.code,
                detail=error.detail,
            ) from None
        token = self.api.json(response).get("token")
        if not isinstance(token, str) or not token:
            raise AuthError(
                f"DUELL answered the log-in of client {self.settings.client_number} without a token"
            )
        register_secret(token)
        self.logins += 1
        return token

    # -- calls -----------------------------------------------------------------------------
    def call(
        self, method: str, path: str, *, params: Any = None, json: Any = None, idempotent: bool | None = None
    ) -> dict[str, Any]:
        """Send one call with the token; on 401/403 log in again (``max_logins`` in all)."""
        refused: AuthError | None = None
        for _ in range(self.settings.max_logins):
            token = self.token()
            try:
                response = self.api.request(
                    method,
                    path,
                    params=params,
                    json=json,
                    idempotent=idempotent,
                    headers={"Authorization": f"Bearer {token}"},
                )
            except AuthError as error:
                log.info("duell: %s %s refused the token (%s); logging in again", method, path, error.status)
                self.forget(token)
                refused = error
                continue
            body = self.api.json(response)
            return body if isinstance(body, dict) else {"data": body}
        assert refused is not None
        raise AuthError(
            f"{refused} (still refused after {self.settings.max_logins} fresh log-ins: the client "
            "lacks the right for this call, or its tokens are bound to another IP address)",
            status=refused.status,
            code=refused.code,
            detail=refused.detail,
        )

    def rows(self, path: str, key: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every row of a list endpoint, paging by ``start``/``length``.

        ``start`` advances by the rows actually received (DUELL caps a page at 100 whatever
        ``length`` says); the walk ends at ``total_count`` or on an empty page.
        """
        total: int | None = None
        previous: list[Any] | None = None

        def fetch(offset: int, length: int) -> list[dict[str, Any]]:
            nonlocal total, previous
            if total is not None and offset >= total:
                return []
            body = self.call("GET", path, params={**(params or {}), "start": offset, "length": length})
            total = _as_int(body.get("total_count"))
            rows = _rows(body.get(key))
            if rows and rows == previous:
                raise ConnectorError(
                    f"duell: {path} answered the same page for start={offset} again; "
                    "the server ignores 'start', so paging cannot go on"
                )
            previous = rows
            return rows

        yield from pages_by_offset(fetch, limit=self.settings.page_size)

    # -- departments -----------------------------------------------------------------------
    def department_token(self, name: str | None = None) -> str:
        """The token of department ``name`` (a name from ``departments``; None: the default one)."""
        if name and name != DEFAULT_DEPARTMENT:
            token = self.settings.departments.get(name)
            if token is None:
                raise ConnectionConfigError(
                    f"duell: no department '{name}' in this connection "
                    f"({did_you_mean(name, [DEFAULT_DEPARTMENT, *self.settings.departments])})"
                )
            return token
        if not self.settings.department_token:
            raise ConnectionConfigError(
                "duell: this connection has no department_token; stock and orders need the token of "
                "the department (store or warehouse) they belong to"
            )
        return self.settings.department_token

    def department_name(self, name: str | None) -> str:
        return name or DEFAULT_DEPARTMENT

    # -- answers into errors -----------------------------------------------------------------
    def _classify(self, response: httpx.Response) -> ConnectorError | None:
        """DUELL's errors in both forms: an HTTP 4xx/5xx, or HTTP 200 with ``status: false``."""
        self._respect_remaining(response)
        body = _lenient_json(response)
        failed = isinstance(body, Mapping) and body.get("status") is False
        code = _as_int(body.get("code")) if isinstance(body, Mapping) else None
        if response.status_code == 429 or (failed and code == 429):
            return self._rate_limited(response, body)
        if response.status_code < 400 and not failed:
            return None
        if not isinstance(body, Mapping):
            return None  # an HTML error page or empty body: the default classification
        status = code if code is not None and code >= 400 else response.status_code
        kind = _kind(status, login=response.request.url.path.endswith(LOGIN_PATH))
        message = body_message(body)
        shown = None if code is None or code == response.status_code else str(code)
        error = make_error(
            kind, response, name="duell", code=shown, message=message, retry_after=parse_retry_after(response)
        )
        error.status, error.code = status, None if code is None else str(code)
        return error

    def _rate_limited(self, response: httpx.Response, body: Any) -> RetryableError:
        wait = parse_retry_after(response) if "retry-after" in response.headers else None
        if wait is None:
            wait = _reset_seconds(response.headers.get("x-duell-ratelimit-reset"))
        if wait is None:
            wait = self.settings.rate_limit_wait
        message = body_message(body) if isinstance(body, Mapping) else "too many requests"
        shown = None if response.status_code == 429 else "429"
        error = make_error(
            RetryableError, response, name="duell", code=shown, message=message, retry_after=wait
        )
        error.status, error.code = 429, "429"
        return error

    def _respect_remaining(self, response: httpx.Response) -> None:
        """``x-duell-ratelimit-remaining: 0`` on an answer: hold this host until the reset."""
        if response.status_code == 429 or response.headers.get("x-duell-ratelimit-remaining") != "0":
            return
        wait = _reset_seconds(response.headers.get("x-duell-ratelimit-reset"))
        if wait:
            self.api.gate.pause(min(wait, self.settings.max_wait))


def _kind(status: int, *, login: bool) -> type[ConnectorError]:
    if status in (401, 403):
        return AuthError
    if status in RETRYABLE_STATUSES or status >= 500:
        return RetryableError
    if login:
        return AuthError
    if status in (409, 412):
        return ConflictError
    return RejectedError


def body_message(body: Mapping[str, Any]) -> str:
    """``message`` and ``validation_message`` of a DUELL answer, as one line for a person."""
    message = str(body.get("message") or "").strip()
    validation = _validation_text(body.get("validation_message"))
    if validation and validation not in message:
        message = f"{message}: {validation}" if message else validation
    return " ".join(message.split())[:500] or "DUELL gave no reason"


def _validation_text(value: Any) -> str:
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_validation_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(_validation_text(v) for v in value if v)
    return "" if value is None else str(value).strip()


def error_text(error: ConnectorError) -> str:
    """The API's own words from an error built by ``make_error`` (after ``-> status:``)."""
    text = str(error)
    return text.split(": ", 2)[-1] if text.count(": ") >= 2 else text


def _lenient_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        text = response.text
        start = text.find("{")
        if start > 0:  # a PHP notice in front of the JSON
            try:
                return json.loads(text[start:])
            except ValueError:
                return None
        return None


def _as_int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def _rows(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, Mapping):
        value = list(value.values())
    return [dict(row) for row in value or [] if isinstance(row, Mapping)]


def _reset_seconds(value: str | None) -> float | None:
    """``x-duell-ratelimit-reset``: epoch seconds (or, when small, seconds from now)."""
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None
    if seconds is None:
        return None
    if seconds > 1e9:
        seconds -= time.time()
    return max(0.0, seconds)


def _renew_time(token: str) -> float | None:
    """When to log in again: a little before the JWT's ``exp``; None when the token has none."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
        expires = float(claims["exp"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    now = time.time()
    return expires - min(60.0, max(0.0, expires - now) / 10)
