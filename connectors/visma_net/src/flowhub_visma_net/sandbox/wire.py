"""Read a write body as Visma.net does: each wrapped field must come as {"value": X}."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flowhub_visma_net.sandbox.errors import BusinessError
from flowhub_visma_net.wire import dto_fields

__all__ = ["read_body"]


def read_body(body: Any, dto: str, *, strict: bool = True, where: str = "") -> dict[str, Any]:
    """The plain values of a write body; a bare scalar where ``{"value"}`` is due is refused."""
    if not isinstance(body, Mapping):
        raise BusinessError(f"Error converting value to type '{dto}'. Path '{where}'.", code="10002")
    fields = dto_fields(dto)
    plain: dict[str, Any] = {}
    for name, value in body.items():
        path = f"{where}.{name}" if where else name
        spec = fields.get(name)
        if spec is None:
            if strict:
                raise BusinessError(
                    f"Could not find member '{name}' on object of type '{dto}'. Path '{path}'.", code="10003"
                )
            continue
        plain[name] = _value(value, spec, strict=strict, path=path)
    return plain


def _value(value: Any, spec: Mapping[str, Any], *, strict: bool, path: str) -> Any:
    if spec["wrapped"]:
        if not (isinstance(value, Mapping) and set(value) == {"value"}):
            raise BusinessError(
                f"Error converting value {value!r} to type 'DtoValue`1[{spec['type']}]'. "
                f"Path '{path}', expected {{\"value\": …}}.",
                code="10002",
            )
        value = value["value"]
    inner = spec.get("dto")
    if inner and spec["type"] == "array" and isinstance(value, list):
        return [
            read_body(v, inner, strict=strict, where=f"{path}[{i}]") if isinstance(v, Mapping) else v
            for i, v in enumerate(value)
        ]
    if inner and isinstance(value, Mapping):
        return read_body(value, inner, strict=strict, where=path)
    return value
