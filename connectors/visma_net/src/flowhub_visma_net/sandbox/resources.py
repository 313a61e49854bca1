"""The ERP's record endpoints, from one table of resource specs: list, get, create, update.

POST answers ``201 Created`` with a ``Location`` header and no body; GET/PUT answer an
``ETag``; PUT is partial and honours ``If-Match`` (412 on a mismatch).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from flowhub_visma_net.sandbox.errors import BusinessError, ipp_exception
from flowhub_visma_net.sandbox.listing import Filter, changed_since, filtered, page
from flowhub_visma_net.sandbox.shapes import APPLY
from flowhub_visma_net.sandbox.store import Record, Store
from flowhub_visma_net.sandbox.wire import read_body

__all__ = ["Resource", "Routes", "etag_matches"]

Render = Callable[[Store, Record, Request], Record]


@dataclass(frozen=True)
class Resource:
    """One ERP resource as the sandbox serves it."""

    table: str
    path: str
    key: str
    label: str  # "Customer": for messages
    write_dto: str | None = None
    filters: Mapping[str, Filter] = field(default_factory=dict)
    since: str | None = "lastModifiedDateTime"
    since_condition: bool = True
    shape: str = "array"  # or "records"
    paged: bool = True
    numbering: tuple[int, int] | None = None  # (start, width) when the server numbers new records
    key_type: type = str
    etag_field: str = "timeStamp"
    render: Render | None = None
    max_page: str = "max_page_size"  # which SandboxSettings field bounds a page
    availability: bool = False  # also filters by availabilityLastModifiedDateTime (stock changes)


def etag_matches(header: str | None, current: str | None) -> bool:
    """If-Match against the stored rowversion, quoted or not, weak or strong."""
    if header is None or header.strip() == "*":
        return True
    wanted = {h.strip().removeprefix("W/").strip('"') for h in header.split(",")}
    return (current or "") in wanted


class Routes:
    """Handlers for the resources of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _render(self, res: Resource, record: Record, request: Request) -> Record:
        shown = copy.deepcopy(record)
        shown.pop("key", None)
        return res.render(self.store, shown, request) if res.render else shown

    def _etag_header(self, value: str | None) -> dict[str, str]:
        if not value:
            return {}
        return {"ETag": f'"{value}"' if self.store.settings.etag_quoted else value}

    # -- reading ---------------------------------------------------------------------------
    def list(self, res: Resource) -> Callable[[Request], Any]:
        async def handler(request: Request) -> Response:
            with self.store.lock:
                rows = filtered(self.store.table(res.table), request.query_params, res.filters)
                if res.since:
                    rows = changed_since(
                        rows,
                        request.query_params,
                        res.since,
                        lambda r: r.get("lastModifiedDateTime"),
                        needs_condition=res.since_condition,
                    )
                if res.availability:
                    changed = self.store.stock_changed
                    rows = changed_since(
                        rows,
                        request.query_params,
                        "availabilityLastModifiedDateTime",
                        lambda r: changed.get(r[res.key], r.get("lastModifiedDateTime")),
                    )
                shown = [self._render(res, r, request) for r in rows]
            if not res.paged:
                return JSONResponse(shown)
            settings = self.store.settings
            body = page(
                shown,
                request.query_params,
                max_size=getattr(settings, res.max_page),
                default_size=settings.default_page_size,
                shape=res.shape,
            )
            return JSONResponse(body)

        return handler

    def get(self, res: Resource) -> Callable[[Request], Any]:
        async def handler(request: Request) -> Response:
            key = request.path_params["key"]
            with self.store.lock:
                record = self.store.table(res.table).get(key)
                if record is None:
                    return ipp_exception(404, f"{res.label} '{key}' not found.", "10404")
                shown = self._render(res, record, request)
            return JSONResponse(shown, headers=self._etag_header(record.get(res.etag_field)))

        return handler

    # -- writing ---------------------------------------------------------------------------
    async def _body(self, request: Request, res: Resource) -> dict[str, Any]:
        try:
            raw = json.loads(await request.body() or b"{}")
        except ValueError as error:
            raise BusinessError(f"The request body is not valid JSON: {error}", code="10002") from error
        assert res.write_dto is not None
        return read_body(raw, res.write_dto, strict=self.store.settings.reject_unknown_fields)

    def create(self, res: Resource, *, location_path: str | None = None) -> Callable[[Request], Any]:
        async def handler(request: Request) -> Response:
            body = await self._body(request, res)
            with self.store.lock:
                record = self._new(res, body)
                self.store.table(res.table, res.key).put(record)
            base = str(request.base_url).rstrip("/")
            where = f"{base}{location_path or res.path}/{quote(str(record[res.key]))}"
            return Response(
                status_code=201, headers={"Location": where, **self._etag_header(record.get(res.etag_field))}
            )

        return handler

    def _new(self, res: Resource, body: Mapping[str, Any]) -> Record:
        store = self.store
        record: Record = {}
        APPLY[res.table](store, record, body, True)
        given = record.get(res.key)
        if given in (None, ""):
            if res.numbering is None:
                raise BusinessError(f"{res.label}: '{res.key}' cannot be empty.", code="10007")
            start, width = res.numbering
            given = store.next_free(res.table, start, width)
        record[res.key] = res.key_type(given)
        if store.table(res.table).get(record[res.key]) is not None:
            raise BusinessError(f"{res.label} '{record[res.key]}' already exists.", code="10008")
        internal = {"customer": "internalId", "inventory": "inventoryId"}.get(res.table)
        if internal:
            record.setdefault(internal, len(store.table(res.table)) + 1)
        return store.touch(record, created=True, etag_field=res.etag_field)

    def update(self, res: Resource) -> Callable[[Request], Any]:
        async def handler(request: Request) -> Response:
            key = request.path_params["key"]
            body = await self._body(request, res)
            with self.store.lock:
                record = self.store.table(res.table).get(key)
                if record is None:
                    return ipp_exception(404, f"{res.label} '{key}' not found.", "10404")
                if not etag_matches(request.headers.get("if-match"), record.get(res.etag_field)):
                    return ipp_exception(
                        412, f"The {res.label} '{key}' was changed by someone else (ETag mismatch).", "10412"
                    )
                changed = copy.deepcopy(record)
                APPLY[res.table](self.store, changed, body, False)
                changed[res.key] = record[res.key]  # the key is changed only by its own action
                record.clear()
                record.update(self.store.touch(changed, etag_field=res.etag_field))
                self.store.table(res.table).put(record)  # re-indexed
            return Response(status_code=204, headers=self._etag_header(record.get(res.etag_field)))

        return handler
