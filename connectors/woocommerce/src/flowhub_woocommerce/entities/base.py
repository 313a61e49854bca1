"""Building blocks of WooCommerce entities: one mixin per ability, so capabilities stay honest.

``Entity.capabilities()`` derives what an entity can do from the methods it overrides, so a
read-only entity must not inherit ``create``. Each ability is its own small class (`Reads`,
`Finds`, `Creates`, `Updates`, `Deletes`, `Batches`) and an entity lists the ones it has.
"""

from __future__ import annotations

import heapq
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel

from flowhub.connector import Entity, ReadQuery, WriteOp, WriteResult
from flowhub.errors import ConfigError, ConnectorError, RejectedError, RetryableError
from flowhub_woocommerce.client import stable_order, woo_error
from flowhub_woocommerce.models import WooBatch, WooBatchItemError

if TYPE_CHECKING:
    from flowhub_woocommerce.client import WooClient
    from flowhub_woocommerce.settings import WooCommerceSettings

__all__ = [
    "Batches",
    "Creates",
    "Deletes",
    "Finds",
    "Reads",
    "Updates",
    "WooEntity",
    "body_of",
    "comma_list",
    "gmt_text",
    "merge_streams",
    "parse_since",
]

READ_ONLY_FIELDS = frozenset({"_links", "links"})


# -- small helpers ---------------------------------------------------------------------------------
def body_of(payload: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body for a write: only the fields that were set, as the API spells them."""
    if isinstance(payload, BaseModel):
        data = payload.model_dump(mode="json", exclude_unset=True, by_alias=True)
    else:
        data = dict(payload)
    return {k: v for k, v in data.items() if k not in READ_ONLY_FIELDS}


def comma_list(value: Any) -> str:
    """A where-value as WooCommerce takes lists: ``a,b,c``."""
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(str(v) for v in value)
    return str(value)


def parse_since(value: str | datetime) -> datetime:
    """A cursor or date as a naive UTC datetime (WooCommerce's ``*_gmt`` fields are naive UTC)."""
    moment = (
        value
        if isinstance(value, datetime)
        else datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    )
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def gmt_text(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat(timespec="seconds")


def exclusive_bound(value: str | datetime, extra_seconds: float = 0.0) -> str:
    """WooCommerce's date filters are exclusive (WP date_query); flowhub's ``since`` is inclusive.

    So the bound sent is one second before ``since`` (floored to the second, the API's
    resolution), moved back ``extra_seconds`` more.
    """
    moment = parse_since(value).replace(microsecond=0) - timedelta(seconds=1 + extra_seconds)
    return gmt_text(moment)


def merge_streams(
    streams: Iterable[Iterator[BaseModel]], key: Callable[[BaseModel], Any]
) -> Iterator[BaseModel]:
    """Several sorted streams as one sorted stream, lazily (e.g. live records and the trash)."""
    return heapq.merge(*streams, key=key)


def _backoff(attempt: int, cap: float) -> None:
    time.sleep(min(cap, 0.1 * 2**attempt) * random.uniform(0.5, 1.0))


# -- the base --------------------------------------------------------------------------------------
class WooEntity(Entity):
    """An entity at one REST path of the shop (relative to ``/wp-json/wc/<version>``)."""

    path: ClassVar[str] = ""

    @property
    def client(self) -> WooClient:
        return self.connector.client  # type: ignore[attr-defined,no-any-return]

    @property
    def settings(self) -> WooCommerceSettings:
        return self.connector.settings  # type: ignore[return-value]

    def parse(self, item: Mapping[str, Any]) -> BaseModel:
        return self.model.model_validate(item)

    def read_list(self, path: str, params: Mapping[str, Any], snapshot: bool = False) -> Iterator[BaseModel]:
        """Every record of the list at ``path``, parsed; ``snapshot``: see `WooClient.iter_snapshot`.

        Pages are validated whole as they arrive (`WooClient.iter_models`) unless the entity
        reads items its own way (overrides `parse`).
        """
        if not snapshot and type(self).parse is WooEntity.parse:
            return self.client.iter_models(path, params, self.model, self.parse)
        pages = self.client.iter_snapshot if snapshot else self.client.iter_pages
        return (self.parse(item) for item in pages(path, params))

    def item_path(self, key: str | int) -> str:
        return f"{self.path}/{_id(key, self)}"

    def where_params(self, where: Mapping[str, Any]) -> dict[str, Any]:
        """Server-side query parameters for the flow's filters; lists become comma lists."""
        return {name: comma_list(value) for name, value in where.items() if name in self.filters}

    def update_body(self, key: str, payload: BaseModel) -> dict[str, Any]:
        """The body of an update of ``key`` (also each update item of a batch)."""
        body = body_of(payload)
        body.pop("id", None)
        return body

    def require(self, where: Mapping[str, Any], name: str) -> Any:
        if where.get(name) in (None, ""):
            raise ConfigError(f"woocommerce/{self.name}: give the filter '{name}' (where: {{{name}: ...}})")
        return where[name]


def _id(key: str | int, entity: Entity) -> int | str:
    text = str(key).strip()
    if not text.isdigit():
        raise RejectedError(f"woocommerce/{entity.name}: '{key}' is not a record id (a whole number)")
    return int(text)


# -- abilities -------------------------------------------------------------------------------------
class Reads(WooEntity):
    """read + get: a paged list in a stable order, and one record by id (None on 404)."""

    def read(self, query: ReadQuery) -> Iterator[BaseModel]:
        params = {**self.where_params(query.where), **stable_order(False)}
        yield from self.read_list(self.path, params, query.snapshot)

    def get(self, key: str) -> BaseModel | None:
        item = self.client.get_or_none(self.item_path(key))
        return None if item is None else self.parse(item)


class Finds(WooEntity):
    """find: ask the list endpoint with ``?<field>=value`` and keep exact matches only.

    WordPress ignores unknown query parameters, so an unsupported filter would answer every
    record; the exact comparison here makes that harmless.
    """

    def find(self, field: str, value: Any) -> list[BaseModel]:
        if field not in self.find_fields:
            raise ConfigError(
                f"woocommerce/{self.name}: cannot find by '{field}' (can: {', '.join(self.find_fields)})"
            )
        wanted = str(value).strip()
        items = self.client.iter_pages(self.path, {**self.find_params(field, wanted), **stable_order(False)})
        return [self.parse(i) for i in items if _same(i.get(field), wanted, field)]

    def find_params(self, field: str, value: str) -> dict[str, Any]:
        return {field: value}


def _same(found: Any, wanted: str, field: str) -> bool:
    text = "" if found is None else str(found).strip()
    return text.casefold() == wanted.casefold() if field in ("email", "name") else text == wanted


class Creates(WooEntity):
    """create, idempotent where the entity has a natural key (SKU, e-mail).

    A POST is not retried by the HTTP client after the server may have acted on it (a read
    timeout, a 500, a dropped connection). When the entity names a ``natural_key`` the
    create is retried here safely: look the key up first; found means the lost attempt went
    through, so answer that record; not found means send again. A ``duplicate_code`` error
    on such a re-sent create names the record the earlier attempt made (``resource_id``),
    and ``duplicate_is_match = "always"`` treats the duplicate as a match even on the first
    try (customers: the e-mail is the customer).
    """

    natural_key: ClassVar[str | None] = None
    duplicate_codes: ClassVar[frozenset[str]] = frozenset()
    duplicate_is_match: ClassVar[Literal["always", "after_retry"]] = "after_retry"

    def create(self, payload: BaseModel) -> BaseModel:
        body = self.create_body(payload)
        natural = _natural_value(body, self.natural_key)
        uncertain = False
        for attempt in range(self.settings.max_attempts):
            try:
                return self.parse(self.client.send_json("POST", self.create_path(body), body))
            except RetryableError:
                if natural is None or attempt + 1 >= self.settings.max_attempts:
                    raise
                if (found := self.lookup_natural(natural)) is not None:
                    return found
                uncertain = True
                _backoff(attempt, self.settings.max_wait)
            except RejectedError as error:
                found = self.duplicate_match(error, natural, uncertain)
                if found is None:
                    raise
                return found
        raise AssertionError("unreachable")  # pragma: no cover

    def create_body(self, payload: BaseModel) -> dict[str, Any]:
        return body_of(payload)

    def create_path(self, body: Mapping[str, Any]) -> str:
        return self.path

    def lookup_natural(self, value: str) -> BaseModel | None:
        """The record holding the natural key ``value``, or None."""
        assert self.natural_key is not None
        found = self.find(self.natural_key, value)
        return found[0] if len(found) == 1 else None

    def duplicate_match(
        self, error: ConnectorError, natural: str | None, uncertain: bool
    ) -> BaseModel | None:
        """The existing record a duplicate error points at, when that counts as a match here."""
        detail = woo_error(error)
        if detail is None or detail.code not in self.duplicate_codes:
            return None
        if self.duplicate_is_match != "always" and not uncertain:
            return None
        resource = detail.data.resource_id if detail.data is not None else None
        if resource:
            return self.get_created(resource)
        return self.lookup_natural(natural) if natural is not None else None

    def get_created(self, record_id: int) -> BaseModel | None:
        return self.get(str(record_id))


def _natural_value(body: Mapping[str, Any], field: str | None) -> str | None:
    value = body.get(field) if field else None
    return str(value).strip() if value not in (None, "") else None


class Updates(WooEntity):
    """update: PUT the fields set on the payload (a partial update)."""

    def update(self, key: str, payload: BaseModel) -> BaseModel:
        body = self.update_body(key, payload)
        return self.parse(self.client.send_json("PUT", self.item_path(key), body))


class Deletes(WooEntity):
    """delete: to the trash when ``soft`` and the entity has one, else for good (force=true)."""

    def delete(self, key: str, *, soft: bool) -> None:
        if soft and not self.soft_delete:
            raise RejectedError(
                f"woocommerce/{self.name}: WooCommerce has no trash for this record (it answers 501); "
                "a soft delete is not possible here, use `deleted: hard` in the flow or leave it"
            )
        response = self.client.delete(
            self.item_path(key).lstrip("/"), params={"force": str(not soft).lower()}, ok={404, 410}
        )
        del response  # 404: already gone; 410: already in the trash. Both are the wanted end state.


class Batches(Creates):
    """write_batch through ``<path>/batch``: up to 100 items, per-item errors, no duplicates.

    WooCommerce answers a partly failed batch with HTTP 200 and ``{"id": 0, "error": {...}}``
    in the failed item's place (capture 085); that item alone fails. When the answer is
    lost (timeout, 5xx, dropped connection) the creates in it may or may not exist: they are
    looked up by their natural key before the batch is sent again, found ones are answered,
    and creates without a natural key are failed rather than risked twice.
    """

    batch_size = 100

    def write_batch(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        results: dict[str, WriteResult] = {}
        pending, uncertain = list(ops), False
        for attempt in range(self.settings.max_attempts):
            try:
                results.update(self.send_batch(pending, uncertain))
                break
            except RetryableError as error:
                last = attempt + 1 >= self.settings.max_attempts
                pending = self._after_lost_answer(pending, results, error, last=last)
                uncertain = True
                if not pending:
                    break
                _backoff(attempt, self.settings.max_wait)
        return [
            results.get(op.ref) or WriteResult(op.ref, error=RejectedError("batch gave no answer"))
            for op in ops
        ]

    def _after_lost_answer(
        self, pending: list[WriteOp], results: dict[str, WriteResult], error: RetryableError, *, last: bool
    ) -> list[WriteOp]:
        creates = [op for op in pending if op.key is None]
        found = self.lookup_many([v for op in creates if (v := self.natural_of(op)) is not None])
        still: list[WriteOp] = []
        for op in pending:
            natural = self.natural_of(op) if op.key is None else None
            if natural is not None and natural in found:
                results[op.ref] = WriteResult(op.ref, record=found[natural])
            elif last or (op.key is None and natural is None):
                results[op.ref] = WriteResult(op.ref, error=error)
            else:
                still.append(op)
        return still

    def natural_of(self, op: WriteOp) -> str | None:
        return _natural_value(body_of(op.payload), self.natural_key)

    def lookup_many(self, values: list[str]) -> dict[str, BaseModel]:
        """Natural key -> existing record, for the values that exist (one request per 100)."""
        found: dict[str, BaseModel] = {}
        for value in values:
            if (record := self.lookup_natural(value)) is not None:
                found[value] = record
        return found

    def batch_path(self, ops: Sequence[WriteOp]) -> str:
        return f"{self.path}/batch"

    def send_batch(self, ops: Sequence[WriteOp], uncertain: bool) -> dict[str, WriteResult]:
        creates = [op for op in ops if op.key is None]
        updates = [op for op in ops if op.key is not None]
        body: dict[str, Any] = {}
        if creates:
            body["create"] = [self.create_body(op.payload) for op in creates]
        if updates:
            body["update"] = [
                {**self.update_body(str(op.key), op.payload), "id": _id(str(op.key), self)} for op in updates
            ]
        answer = WooBatch[self.model].model_validate(  # type: ignore[name-defined]
            self.client.send_json("POST", self.batch_path(ops), body)
        )
        results = self._pair(creates, answer.create or [], uncertain)
        results.update(self._pair(updates, answer.update or [], False))
        return results

    def _pair(self, ops: Sequence[WriteOp], items: Sequence[Any], uncertain: bool) -> dict[str, WriteResult]:
        results: dict[str, WriteResult] = {}
        for op, item in zip(ops, items, strict=False):
            if isinstance(item, WooBatchItemError):
                results[op.ref] = self._item_failure(op, item, uncertain)
            else:
                results[op.ref] = WriteResult(op.ref, record=item)
        return results

    def _item_failure(self, op: WriteOp, item: WooBatchItemError, uncertain: bool) -> WriteResult:
        error = item.error
        status = error.data.status if error.data is not None else None
        failure = RejectedError(
            f"woocommerce/{self.name}: {error.code}: {error.message}"
            + (
                f" (existing resource {error.data.resource_id})"
                if error.data and error.data.resource_id
                else ""
            ),
            status=status,
            code=error.code,
            detail=error.model_dump(mode="json", exclude_unset=True),
        )
        if op.key is None:
            match = self.duplicate_match(failure, self.natural_of(op), uncertain)
            if match is not None:
                return WriteResult(op.ref, record=match)
        return WriteResult(op.ref, error=failure)
