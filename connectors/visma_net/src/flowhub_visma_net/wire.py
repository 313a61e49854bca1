"""Write bodies as Visma.net wants them: scalars wrapped as {"value": X}, only what the flow set.

Visma.net's create/update DTOs differ from what it answers on GET: most scalars are sent as
``{"value": X}``, references are sent by id (``customerClassId`` where GET answers
``customerClass: {"id", "description"}``), and document lines carry a plain ``operation``
(``Insert``/``Update``/``Delete``). A null that is sent *clears* the field, so only the
fields the flow actually set are sent, and a None is sent only when the flow set None.

The per-field table (``data/write_dtos.json``) is derived from Visma's published spec; see
``tools/build_write_dtos.py``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel

from flowhub.errors import RejectedError

__all__ = ["Mode", "dto_fields", "jsonable", "to_wire", "unwrap"]

Mode = Literal["create", "update"]
_REF_KEYS = ("id", "number", "inventoryNumber", "name")
_LINE_KEYS = ("lineNumber", "lineNbr", "lineId")
# Read-side names that are never written back (answers of the server, not requests).
_ANSWER_ONLY = frozenset(
    {
        "metadata",
        "errorInfo",
        "timeStamp",
        "timestamp",
        "extras",
        "lastModifiedDateTime",
        "createdDateTime",
        "addressId",
        "contactId",
    }
)


@cache
def _table() -> dict[str, dict[str, dict[str, Any]]]:
    text = resources.files("flowhub_visma_net").joinpath("data/write_dtos.json").read_text()
    return json.loads(text)  # type: ignore[no-any-return]


def dto_fields(dto: str) -> dict[str, dict[str, Any]]:
    """The fields of write DTO ``dto``: {name: {"wrapped", "type", "dto"?}}."""
    return _table()[dto]


def to_wire(payload: BaseModel | Mapping[str, Any], dto: str, *, mode: Mode, what: str) -> dict[str, Any]:
    """The JSON body for ``payload`` under write DTO ``dto``; ``what`` names it in errors."""
    data = (
        payload.model_dump(by_alias=True, exclude_unset=True) if isinstance(payload, BaseModel) else payload
    )
    return _object(dict(data), dto, mode=mode, what=what)


def _object(data: Mapping[str, Any], dto: str, *, mode: Mode, what: str) -> dict[str, Any]:
    fields = dto_fields(dto)
    body: dict[str, Any] = {}
    for name, value in data.items():
        if name in _ANSWER_ONLY and name not in fields:
            continue
        target, value = _rename(name, value, fields)
        if target is None:
            known = ", ".join(sorted(fields))
            raise RejectedError(
                f"visma_net: {what}: field '{name}' cannot be written ({dto} has no "
                f"such field; writable: {known})"
            )
        body[target] = _field(value, fields[target], mode=mode, what=f"{what}.{target}")
    return body


def _rename(name: str, value: Any, fields: Mapping[str, Any]) -> tuple[str | None, Any]:
    """A read-side name to its write-side name: ``customerClass: {id}`` -> ``customerClassId``."""
    if name in fields:
        return name, value
    for suffix in ("Id", "ID", "Number", "Nbr"):
        if name + suffix in fields:
            return name + suffix, _ref_value(value)
    if name == "country" and "countryId" in fields:
        return "countryId", _ref_value(value)
    if name == "attributes" and "attributeLines" in fields:
        return "attributeLines", _attribute_lines(value)
    return None, value


def _attribute_lines(value: Any) -> Any:
    """GET's ``attributes: [{id, value}]`` as the ``attributeLines`` a write takes."""
    if not isinstance(value, list):
        return value
    return [
        {"attributeId": a.get("id"), "attributeValue": a.get("value")}
        if isinstance(a, Mapping) and "id" in a
        else a
        for a in value
    ]


def _ref_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        for key in _REF_KEYS:
            if value.get(key) not in (None, ""):
                return value[key]
    return value


def _field(value: Any, spec: Mapping[str, Any], *, mode: Mode, what: str) -> Any:
    inner = spec.get("dto")
    if spec["type"] == "array":
        return _array(value, inner, mode=mode, what=what)
    if inner and isinstance(value, Mapping) and not _is_wrapped(value):
        shaped: Any = _object(value, inner, mode=mode, what=what)
    else:
        shaped = unwrap(value) if _is_wrapped(value) else value
        if not inner and isinstance(shaped, Mapping):
            shaped = _ref_value(shaped)
        shaped = jsonable(shaped)
    return {"value": shaped} if spec["wrapped"] else shaped


def _array(value: Any, inner: str | None, *, mode: Mode, what: str) -> Any:
    if value is None or not isinstance(value, Sequence) or isinstance(value, str | bytes):
        return jsonable(value)
    out = []
    for i, item in enumerate(value):
        if inner and isinstance(item, Mapping):
            shaped = _object(item, inner, mode=mode, what=f"{what}[{i}]")
            if "operation" in dto_fields(inner):
                shaped.setdefault("operation", _operation(item, mode))
            out.append(shaped)
        else:
            out.append(jsonable(item))
    return out


def _operation(line: Mapping[str, Any], mode: Mode) -> str:
    """Insert on create; on update, Update for a line that names its number, else Insert."""
    if mode == "update" and any(line.get(k) not in (None, "") for k in _LINE_KEYS):
        return "Update"
    return "Insert"


def _is_wrapped(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"value"}


def unwrap(value: Any) -> Any:
    """``{"value": X}`` -> X, recursively through objects and lists; other values unchanged."""
    if _is_wrapped(value):
        return unwrap(value["value"])
    if isinstance(value, Mapping):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return jsonable(value.model_dump(by_alias=True, exclude_unset=True))
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
