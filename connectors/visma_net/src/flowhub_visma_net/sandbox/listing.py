"""List answers as Visma.net gives them: filters, changed-since conditions, and pages.

v1 lists are bare JSON arrays whose every element carries
``"metadata": {"totalCount", "maxPageSize"}``; a pageSize above the maximum is cut to it. A few
newer endpoints answer ``{"pageNumber", "pageSize", "totalCount", "records": […]}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from starlette.datastructures import QueryParams

from flowhub_visma_net.sandbox.errors import BusinessError
from flowhub_visma_net.sandbox.store import Table

__all__ = ["Filter", "Indexed", "changed_since", "filtered", "page", "parse_when"]

Filter = Callable[[dict[str, Any], str], bool]
_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
)
_CONDITIONS: dict[str, Callable[[datetime, datetime], bool]] = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def parse_when(text: str, param: str = "value") -> datetime:
    """A date filter value in one of the formats Visma.net accepts; an IPPException otherwise."""
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    raise BusinessError(
        f"The value '{text}' of {param} is not a valid date; use yyyy-MM-dd, "
        "yyyy-MM-dd HH:mm:ss[.FFF] or yyyy-MM-ddTHH:mm:ss[.FFF].",
        code="10010",
    )


def changed_since(
    rows: Iterable[dict[str, Any]],
    query: QueryParams,
    param: str,
    stamp_of: Callable[[dict[str, Any]], str | None],
    *,
    needs_condition: bool = True,
) -> list[dict[str, Any]]:
    """Rows whose change stamp meets ``param`` + ``paramCondition`` (both required together)."""
    value, condition = query.get(param), query.get(f"{param}Condition")
    if value is None and condition is None:
        return list(rows)
    if value is None or (condition is None and needs_condition):
        raise BusinessError(f"{param} and {param}Condition must be given together.", code="10011")
    compare = _CONDITIONS.get(condition or ">=")
    if compare is None:
        raise BusinessError(
            f"{param}Condition must be one of >, >=, <, <= (got '{condition}').", code="10011"
        )
    since = parse_when(value, param)
    out = []
    for row in rows:
        stamp = stamp_of(row)
        if stamp and compare(parse_when(stamp.replace("Z", ""), param), since):
            out.append(row)
    return out


class Indexed:
    """A filter the table can answer from an index: the asked value equals (trimmed, any case)
    one of the values ``values`` finds in a record."""

    def __init__(self, values: Callable[[dict[str, Any]], Iterable[Any]]) -> None:
        self._values = values

    def keys(self, row: dict[str, Any]) -> list[str]:
        return [_norm(v) for v in self._values(row) if v is not None]

    def __call__(self, row: dict[str, Any], value: str) -> bool:
        return _norm(value) in self.keys(row)


def _norm(value: Any) -> str:
    return str(value).strip().lower()


def filtered(
    rows: Iterable[dict[str, Any]], query: QueryParams, filters: Mapping[str, Filter]
) -> list[dict[str, Any]]:
    """The rows every given filter keeps, in key order; an `Indexed` filter on a table's rows
    is answered from its index."""
    out: list[dict[str, Any]] | None = None
    for param, keep in filters.items():
        value = query.get(param)
        if value in (None, ""):
            continue
        if out is None and isinstance(keep, Indexed) and isinstance(rows, Table):
            out = rows.where(f"filter:{param}", _norm(value), values=keep.keys)
        else:
            out = [row for row in (rows if out is None else out) if keep(row, str(value))]
    return list(rows) if out is None else out


def page(
    rows: list[dict[str, Any]],
    query: QueryParams,
    *,
    max_size: int,
    default_size: int,
    shape: str = "array",
    number_param: str = "pageNumber",
    first: int = 1,
) -> Any:
    """One page of ``rows``: pageSize cut to ``max_size``; metadata on each element (v1 shape)."""
    try:
        number = int(query.get(number_param) or first)
        size = int(query.get("pageSize") or default_size)
    except ValueError as error:
        raise BusinessError(f"{number_param} and pageSize must be whole numbers.", code="10012") from error
    if number < first or size < 1:
        raise BusinessError(f"{number_param} must be at least {first} and pageSize at least 1.", code="10012")
    size = min(size, max_size)
    chunk = rows[(number - first) * size : (number - first + 1) * size]
    if shape == "records":
        return {"pageNumber": number, "pageSize": size, "totalCount": len(rows), "records": chunk}
    if shape == "value":
        return {"value": chunk, "pageIndex": number, "pageSize": size, "totalCount": len(rows)}
    meta = {"totalCount": len(rows), "maxPageSize": max_size}
    return [{**row, "metadata": meta} for row in chunk]
