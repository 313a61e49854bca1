"""WordPress REST errors as the sandbox raises them: code, message, status and extra data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["WooError", "enum_message", "invalid_params", "no_route", "php_list"]


class WooError(Exception):
    """An error answer: ``{"code", "message", "data": {"status", ...}}`` with that HTTP status."""

    def __init__(self, status: int, code: str, message: str, **data: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.data = status, code, message, data

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "data": {"status": self.status, **self.data}}


def php_list(items: Sequence[str]) -> str:
    """WordPress's ``%l`` list: "a", "a and b", "a, b, and c"."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def enum_message(name: str, allowed: Sequence[str]) -> str:
    return f"{name} is not one of {php_list(allowed)}."


def invalid_params(problems: Mapping[str, tuple[str, str]]) -> WooError:
    """400 rest_invalid_param for ``{param: (detail code, message)}``, in WordPress's shape."""
    return WooError(
        400,
        "rest_invalid_param",
        f"Invalid parameter(s): {', '.join(problems)}",
        params={name: message for name, (_, message) in problems.items()},
        details={
            name: {"code": code, "message": message, "data": None}
            for name, (code, message) in problems.items()
        },
    )


def no_route() -> WooError:
    return WooError(404, "rest_no_route", "No route was found matching the URL and request method.")
