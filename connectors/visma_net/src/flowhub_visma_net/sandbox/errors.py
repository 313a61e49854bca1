"""Error answers shaped like Visma.net's: the IPPException body, and the gateway's {"message"}."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import JSONResponse

__all__ = ["BusinessError", "ipp_exception", "message"]


class BusinessError(Exception):
    """A request Visma.net refuses with an IPPException (validation, missing reference, …)."""

    def __init__(self, text: str, *, code: str = "10001", status: int | None = None) -> None:
        super().__init__(text)
        self.text, self.code, self.status = text, code, status


def ipp_exception(status: int, text: str, code: str = "10001", details: str = "") -> JSONResponse:
    body: dict[str, Any] = {
        "ExceptionType": "IPPException",
        "ExceptionMessage": text,
        "ExceptionFaultCode": code,
        "ExceptionMessageID": f"{code}_{uuid.uuid4()}",
        "ExceptionDetails": details,
    }
    return JSONResponse(body, status_code=status)


def message(status: int, text: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The API gateway's own answers (401, 403, 404 route, 429): ``{"statusCode", "message"}``."""
    return JSONResponse({"statusCode": status, "message": text}, status_code=status, headers=headers)
