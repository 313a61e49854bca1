"""Visma.net error answers into typed errors whose message carries Visma's own words verbatim.

Visma.net reports errors as ``{"ExceptionType", "ExceptionMessage", "ExceptionFaultCode",
"ExceptionMessageID", "ExceptionDetails"}`` (an ``IPPException`` for business rules and
licence problems) or, from the API gateway, as ``{"message": …}``. These are the
``error_detail`` and ``classify`` hooks handed to flowhub's ApiClient.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from flowhub.errors import AuthError, ConnectorError, RejectedError
from flowhub.http import default_error_detail, make_error

__all__ = ["NO_LICENCE_CODES", "classify", "error_detail", "is_no_licence", "visma_exception"]

NAME = "visma_net"
NO_LICENCE_CODES = frozenset({"12027"})
WRONG_TENANT = (
    "Visma Connect gave a token, but Visma.net refuses every call with it: tenant_id is probably "
    "the customer tenant, not the company tenant (see docs.vismasoftware.no, 'fix 401 error')"
)
MISSING_SCOPE = (
    "the token lacks the scope this call needs (grant vismanet_erp_service_api:read/create/update/"
    "delete to the integration in the Visma Developer Portal, and list them in `scopes`)"
)


def visma_exception(response: httpx.Response) -> Mapping[str, Any] | None:
    """The ``{"ExceptionType", …}`` body of an answer, or None when it has another shape."""
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, Mapping) and "ExceptionType" in body:
        return body
    return None


def error_detail(response: httpx.Response) -> tuple[str | None, str]:
    """(fault code, message): ``IPPException: No license for this company.`` word for word."""
    exception = visma_exception(response)
    if exception is not None:
        code = exception.get("ExceptionFaultCode")
        message = f"{exception.get('ExceptionType')}: {exception.get('ExceptionMessage') or ''}".rstrip()
        details = exception.get("ExceptionDetails")
        if details:
            message += f" ({details})"
        return (str(code) if code not in (None, "") else None), message
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, Mapping) and isinstance(body.get("message"), str):
        return None, body["message"]
    return default_error_detail(response)


def is_no_licence(response: httpx.Response) -> bool:
    exception = visma_exception(response)
    if exception is None:
        return False
    message = str(exception.get("ExceptionMessage") or "").lower()
    return str(exception.get("ExceptionFaultCode")) in NO_LICENCE_CODES or "no license" in message


def classify(response: httpx.Response) -> ConnectorError | None:
    """Visma.net's own meanings first; None leaves the status-based default in charge.

    * ``IPPException`` "No license for this company." stops the flow (AuthError), whatever the status;
    * 401 after a good token is the wrong tenant; 403 is a missing scope (both AuthError);
    * a 500 carrying an ``IPPException`` body is a business-rule answer, not an outage: the
      record fails (RejectedError) instead of being retried.
    """
    status = response.status_code
    if status < 400:
        return None
    code, message = error_detail(response)
    if is_no_licence(response):
        return _error(AuthError, response, code, f"{message} (the company has no Visma.net API licence)")
    if status == 401:
        return _error(AuthError, response, code, f"{message + ': ' if message else ''}{WRONG_TENANT}")
    if status == 403:
        return _error(AuthError, response, code, f"{message + ': ' if message else ''}{MISSING_SCOPE}")
    if status == 500 and visma_exception(response) is not None:
        return _error(RejectedError, response, code, message)
    return None


def _error(
    kind: type[ConnectorError], response: httpx.Response, code: str | None, message: str
) -> ConnectorError:
    return make_error(kind, response, name=NAME, code=code, message=message)
