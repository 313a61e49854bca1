"""How the sandbox's REST API answers: JSON with X-Trace-Id, the API's error shape, Link pages."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

__all__ = [
    "ApiProblem",
    "bad_request",
    "dump",
    "json_answer",
    "page_of",
    "problem",
    "token_page",
    "validation",
]


class ApiProblem(Exception):
    """Raised by a handler; answered as ``{"error": {...}, "trackingId": ...}``."""

    def __init__(self, status: int, name: str, message: str, payload: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.name, self.message, self.payload = status, name, message, payload


def validation(*errors: tuple[str, str]) -> ApiProblem:
    """400 ValidationError with ``payload.validationErrors[{path, keyword}]``."""
    items = [{"path": path, "keyword": keyword} for path, keyword in errors]
    return ApiProblem(400, "ValidationError", "Request validation failed", {"validationErrors": items})


def bad_request(kind: str, message: str, *arguments: str) -> ApiProblem:
    """400 BadRequestError with ``payload.errors[{type, message, arguments}]``."""
    return ApiProblem(
        400,
        "BadRequestError",
        message,
        {"errors": [{"type": kind, "message": message, "arguments": list(arguments)}]},
    )


def problem(error: ApiProblem) -> Response:
    body: dict[str, Any] = {"name": error.name, "message": error.message}
    if error.payload is not None:
        body["payload"] = error.payload
    return json_answer({"error": body, "trackingId": uuid.uuid4().hex[:12]}, error.status)


def dump(value: Any) -> Any:
    """Store values as JSON: datetimes as ISO 8601 UTC with Z; ``_``-keys (SOAP-only) left out."""
    if isinstance(value, dict):
        return {k: dump(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list):
        return [dump(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def json_answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    all_headers = {"X-Trace-Id": uuid.uuid4().hex, **(headers or {})}
    return Response(json.dumps(dump(body), ensure_ascii=False), status, all_headers, "application/json")


def _limit(request: Request, default: int = 25) -> int:
    try:
        return max(1, min(100, int(request.query_params.get("limit") or default)))
    except ValueError as error:
        raise validation(("limit", "type")) from error


def page_of(
    request: Request, items: Sequence[Any], *, default_limit: int = 25, links: bool = True
) -> Response:
    """One page by ``page``/``limit``, with a ``Link`` header (first, previous, next)."""
    limit = _limit(request, default_limit)
    try:
        page = max(1, int(request.query_params.get("page") or 1))
    except ValueError as error:
        raise validation(("page", "type")) from error
    chunk = list(items[(page - 1) * limit : page * limit])
    rels = {"first": 1}
    if page > 1:
        rels["previous"] = page - 1
    if page * limit < len(items):
        rels["next"] = page + 1
    header = ", ".join(
        f'<{request.url.include_query_params(page=n, limit=limit)}>; rel="{rel}"' for rel, n in rels.items()
    )
    return json_answer(chunk, headers={"Link": header} if links else None)


def token_page(request: Request, items: Sequence[Any], *, default_limit: int = 25) -> Response:
    """One page by an opaque ``continuationToken``; the next one is in the ``Link`` header."""
    limit = _limit(request, default_limit)
    start = _decode(request.query_params.get("continuationToken"))
    chunk = list(items[start : start + limit])
    headers = {}
    if start + limit < len(items):
        url = request.url.remove_query_params("continuationToken").include_query_params(
            continuationToken=_encode(start + limit)
        )
        headers["Link"] = f'<{url}>; rel="next"'
    return json_answer(chunk, headers=headers)


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _decode(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))["o"])
    except (ValueError, KeyError, TypeError) as error:
        raise validation(("continuationToken", "format")) from error
