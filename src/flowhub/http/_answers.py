"""Answers into typed errors for a person: status classification, Retry-After, lenient JSON."""

from __future__ import annotations

import json as _json
import re
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from flowhub.errors import (
    AuthError,
    ConflictError,
    ConnectorError,
    NotFoundError,
    RejectedError,
    RetryableError,
)
from flowhub.redact import redact_obj, redact_text, redact_url

__all__ = [
    "RETRYABLE_STATUSES",
    "Classifier",
    "ErrorDetail",
    "classify_response",
    "default_error_detail",
    "describe_request",
    "make_error",
    "parse_json",
    "parse_retry_after",
]

RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_MISSING = object()

Classifier = Callable[[httpx.Response], ConnectorError | None]
ErrorDetail = Callable[[httpx.Response], tuple[str | None, str]]


def describe_request(request: httpx.Request) -> str:
    """``POST /wp-json/wc/v3/products?…``: method and redacted path+query, for messages."""
    return f"{request.method} {redact_url(request.url.raw_path.decode('ascii', 'replace'))}"


def parse_retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait, from Retry-After (seconds or HTTP-date) or, on a 429, a reset header."""
    for header in ("Retry-After", "RateLimit-Retry-After"):
        seconds = _seconds_or_date(response.headers.get(header))
        if seconds is not None:
            return seconds
    if response.status_code == 429:
        for header in ("RateLimit-Reset", "X-RateLimit-Reset"):
            seconds = _reset_seconds(response.headers.get(header))
            if seconds is not None:
                return seconds
    return None


def _seconds_or_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


def _reset_seconds(value: str | None) -> float | None:
    """A reset header in seconds; a value that looks like a Unix time is made relative."""
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None
    if seconds is not None and seconds > 1e9:
        seconds -= time.time()
    return None if seconds is None else max(0.0, seconds)


def default_error_detail(response: httpx.Response) -> tuple[str | None, str]:
    """The API's own (code, message): common JSON error keys, else the start of the text."""
    body = _lenient_json(response.text)
    if isinstance(body, Mapping):
        found = _detail_from_mapping(body)
        if found is not None:
            return found
    return None, _text_snippet(response)


_CODE_KEYS = ("code", "error", "ExceptionFaultCode", "errorCode", "error_code")
_MESSAGE_KEYS = ("message", "error_description", "ExceptionMessage", "Message", "detail", "title")


def _detail_from_mapping(body: Mapping[str, Any]) -> tuple[str | None, str] | None:
    nested = body.get("error")
    if isinstance(nested, Mapping) and (found := _detail_from_mapping(nested)) is not None:
        return found
    code = next((str(body[k]) for k in _CODE_KEYS if isinstance(body.get(k), str | int)), None)
    message = next((str(body[k]) for k in _MESSAGE_KEYS if isinstance(body.get(k), str | int)), "")
    if code is None and not message:
        return None
    return code, " ".join(message.split())[:300]


def _text_snippet(response: httpx.Response) -> str:
    text = response.text
    if "html" in response.headers.get("content-type", "") or text.lstrip().startswith("<"):
        text = re.sub(r"<[^>]*>", " ", text)
    return " ".join(text.split())[:200] or response.reason_phrase


def make_error(
    kind: type[ConnectorError],
    response: httpx.Response,
    *,
    name: str,
    code: str | None,
    message: str,
    retry_after: float | None = None,
) -> ConnectorError:
    """Build ``kind`` with the standard message for a person, everything redacted.

    ``<name>: POST /wp-json/wc/v3/products -> 400 product_invalid_sku: Invalid SKU.``
    Meant for connectors' ``classify`` hooks too, so that every message has one shape.
    """
    head = f"{name}: {describe_request(response.request)} -> {response.status_code}"
    head += f" {code}" if code else ("" if message else f" {response.reason_phrase}")
    text = redact_text(f"{head}: {message}" if message else head)
    kwargs: dict[str, Any] = {"status": response.status_code, "code": code, "detail": _error_body(response)}
    if issubclass(kind, RetryableError):
        kwargs["retry_after"] = retry_after
    return kind(text, **kwargs)


def _error_body(response: httpx.Response) -> object:
    body = _lenient_json(response.text)
    return redact_obj(body) if body is not _MISSING else redact_text(response.text[:2000])


def _error_kind(status: int) -> type[ConnectorError]:
    if status in (401, 403):
        return AuthError
    if status in RETRYABLE_STATUSES or status >= 500:
        return RetryableError
    if status in (409, 412):
        return ConflictError
    if status in (404, 410):
        return NotFoundError
    return RejectedError


def classify_response(
    response: httpx.Response, *, name: str = "api", error_detail: ErrorDetail = default_error_detail
) -> ConnectorError | None:
    """None for 1xx-3xx; otherwise the typed error for the status (see the module docstring)."""
    if response.status_code < 400:
        return None
    kind = _error_kind(response.status_code)
    code, message = error_detail(response)
    retry_after = parse_retry_after(response) if kind is RetryableError else None
    return make_error(kind, response, name=name, code=code, message=message, retry_after=retry_after)


def _lenient_json(text: str) -> Any:
    """Parse JSON; failing that, the first ``{``/``[`` from which the rest is JSON; else _MISSING."""
    try:
        return _json.loads(text)
    except ValueError:
        pass
    decoder = _json.JSONDecoder()
    for tries, match in enumerate(re.finditer(r"[\[{]", text)):
        if tries >= 100:
            break
        try:
            value, end = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if not text[end:].strip():
            return value
    return _MISSING


def parse_json(response: httpx.Response, *, name: str = "api") -> Any:
    """The JSON body, tolerating a PHP notice before it; RejectedError when it is not JSON."""
    value = _lenient_json(response.text)
    if value is _MISSING:
        start = " ".join(response.text.split())[:80]
        raise RejectedError(
            redact_text(
                f"{name}: {describe_request(response.request)} -> {response.status_code}: "
                f"the answer is not JSON (it starts with {start!r})"
            ),
            status=response.status_code,
            detail=redact_text(response.text[:2000]),
        )
    return value
