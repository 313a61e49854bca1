"""Orders: REST sales orders (with lines) and SOAP invoice orders (the legacy order API).

Both are the same orders in 24SevenOffice. The REST sales order is the current API (status
Draft/Web/Proposal/Confirmed/Invoice…, paymentMethod, salesType, dimensions, the invoice's
distributionMethod); the SOAP invoice order takes the whole order with its rows in one call,
many orders per call, and an error per order (SaveInvoices).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from pydantic import BaseModel

from flowhub import ReadQuery, WriteOp, WriteResult
from flowhub.errors import ConnectorError, RejectedError
from flowhub_24sevenoffice.entities.base import RestEntity, SoapEntity, chunks, since_datetime, sorted_by_time
from flowhub_24sevenoffice.entities.catalog import wire
from flowhub_24sevenoffice.models.rest import SalesOrder, SalesOrderLine
from flowhub_24sevenoffice.models.soap import InvoiceOrder
from flowhub_24sevenoffice.soap import item_error

__all__ = ["InvoiceOrderEntity", "SalesOrderEntity"]

HEADER_READ_ONLY = {"id", "lines", "grossAmount", "netAmount", "taxAmount", "createdAt", "modifiedAt"}


class SalesOrderEntity(RestEntity):
    """REST sales orders; ``lines`` are read with each order and written after its header."""

    name = "sales_order"
    model = SalesOrder
    key = "id"
    cursor = "modifiedAt"
    filters: ClassVar[dict[str, str]] = {
        "status": "only orders in this status (Draft, Web, Proposal, Confirmed, Invoice, AdvanceInvoice)",
        "customerId": "only orders of this customer (a customer's history, S13)",
        "dateFrom": "order date on or after (YYYY-MM-DD)",
        "dateTo": "order date on or before (YYYY-MM-DD)",
        "lines": "false: leave the lines out (one request less per order)",
    }
    find_fields = ("id", "referenceNumber", "invoiceNumber")

    def read(self, query: ReadQuery) -> Iterator[SalesOrder]:
        where = query.where
        params = {
            "modifiedFrom": _iso(since_datetime(query.since)),
            "status": where.get("status"),
            "customerId": where.get("customerId"),
            "dateFrom": where.get("dateFrom"),
            "dateTo": where.get("dateTo"),
        }
        orders = [
            SalesOrder.model_validate(i) for i in self.rest.walk("salesorders", params, continuation=True)
        ]
        for order in sorted_by_time(orders, "modifiedAt"):
            yield self._with_lines(order) if where.get("lines", True) else order

    def _with_lines(self, order: SalesOrder) -> SalesOrder:
        lines = [
            SalesOrderLine.model_validate(i) for i in self.rest.get(f"salesorders/{order.id}/lines") or []
        ]
        return order.model_copy(update={"lines": lines})

    def get(self, key: str) -> SalesOrder | None:
        body = self.rest.get_or_none(f"salesorders/{int(key)}")
        return self._with_lines(SalesOrder.model_validate(body)) if body else None

    def find(self, field: str, value: Any) -> list[BaseModel]:
        self._check_find_field(field)
        if value is None or str(value).strip() == "":
            return []
        if field == "id":
            record = self.get(str(value))
            return [record] if record else []
        wanted = str(value).strip()
        found = (
            SalesOrder.model_validate(i)
            for i in self.rest.walk("salesorders", {field: wanted}, continuation=True)
        )
        if field == "invoiceNumber":
            return [o for o in found if o.invoice and str(o.invoice.number) == wanted]
        return [o for o in found if o.referenceNumber == wanted]

    def create(self, payload: BaseModel) -> SalesOrder:
        """Header as Draft, then each line, then the asked status (an order without lines cannot
        be invoiced). A refused line removes the new order again, so no half order stays."""
        order = (
            payload if isinstance(payload, SalesOrder) else SalesOrder.model_validate(payload.model_dump())
        )
        header = wire(order, drop=HEADER_READ_ONLY)
        status = header.pop("status", None)
        if order.lines and status not in (None, "Draft"):
            header["status"] = "Draft"
        elif status:
            header["status"] = status
        created = SalesOrder.model_validate(self.rest.post("salesorders", header))
        assert created.id is not None, "the API answered a sales order without an id"
        self._add_lines(created.id, order.lines or [])
        if order.lines and status not in (None, "Draft"):
            self.rest.patch(f"salesorders/{created.id}", {"status": status})
        found = self.get(str(created.id))
        return found or created

    def _add_lines(self, order_id: int, lines: Sequence[SalesOrderLine]) -> None:
        for number, line in enumerate(lines, 1):
            try:
                self.rest.post(f"salesorders/{order_id}/lines", wire(line, drop={"id"}))
            except RejectedError as error:
                raise RejectedError(
                    f"{error} (line {number} of {len(lines)}; {self._undo(order_id)})",
                    status=error.status,
                    code=error.code,
                    detail=error.detail,
                ) from error

    def _undo(self, order_id: int) -> str:
        try:
            self.rest.delete(f"salesorders/{order_id}")
        except ConnectorError as error:
            return f"the new order {order_id} stays as a Draft: removing it failed: {error}"
        return f"the new order {order_id} was removed again"

    def update(self, key: str, payload: BaseModel) -> SalesOrder:
        """Changes the header fields given; lines with an id are changed, lines without are added."""
        order = (
            payload if isinstance(payload, SalesOrder) else SalesOrder.model_validate(payload.model_dump())
        )
        header = wire(order, drop=HEADER_READ_ONLY)
        status = header.pop("status", None)
        if header:
            self.rest.patch(f"salesorders/{int(key)}", header)
        for line in order.lines or []:
            if line.id is not None:
                self.rest.patch(f"salesorders/{int(key)}/lines/{line.id}", wire(line))
            else:
                self.rest.post(f"salesorders/{int(key)}/lines", wire(line))
        if status:
            self.rest.patch(f"salesorders/{int(key)}", {"status": status})
        found = self.get(key)
        if found is None:
            raise RejectedError(f"24sevenoffice: sales order {key} does not exist")
        return found

    def delete(self, key: str, *, soft: bool) -> None:
        self.rest.delete(f"salesorders/{int(key)}")

    def writeback(self, key: str, changes: Mapping[str, Any]) -> None:
        """Set header fields (e.g. ``{"status": "Invoice"}``, which invoices the order)."""
        self.rest.patch(f"salesorders/{int(key)}", dict(changes))


# -- SOAP invoice orders ---------------------------------------------------------------------
INVOICE_PROPERTIES = [
    "OrderId",
    "InvoiceId",
    "CustomerId",
    "CustomerName",
    "CustomerOrgNo",
    "InvoiceEmailAddress",
    "Addresses",
    "OrderStatus",
    "ExternalStatus",
    "PaymentMethodId",
    "PaymentAmount",
    "TypeOfSaleId",
    "DepartmentId",
    "ProjectId",
    "DistributionMethod",
    "DateOrdered",
    "DateInvoiced",
    "DateChanged",
    "DeliveryDate",
    "PaymentTime",
    "YourReference",
    "OurReference",
    "CustomerReferenceNo",
    "ReferenceNumber",
    "InvoiceTitle",
    "InvoiceText",
    "IncludeVAT",
    "OrderTotalIncVat",
    "OrderTotalVat",
    "Currency",
    "OCR",
]
ROW_PROPERTIES = [
    "RowId",
    "ProductId",
    "ProductNo",
    "Name",
    "Price",
    "Quantity",
    "DiscountRate",
    "VatRate",
    "Cost",
    "InPrice",
    "Type",
    "SequenceNumber",
    "Hidden",
    "ProjectId",
    "DepartmentId",
    "TaxSettings",
]
IDS_PER_GET = 1000  # GetInvoices takes at most 1,000 order ids
FULL_READ_FROM = datetime(1990, 1, 1, tzinfo=UTC)
NOT_SET = datetime(1, 1, 1)  # .NET DateTime.MinValue
REFERENCE_LOOKBACK = timedelta(days=31)  # SOAP-only connections: how far back a reference is looked for


class InvoiceOrderEntity(SoapEntity):
    """SOAP invoice orders with ``InvoiceRows``; a changed-since read goes GetOrderSyncList →
    GetInvoices (≤1,000 ids a call), because a far-back GetInvoices times out."""

    name = "invoice_order"
    model = InvoiceOrder
    key = "OrderId"
    cursor = "DateChanged"
    filters: ClassVar[dict[str, str]] = {
        "OrderStatus": "only orders in these SOAP states (a list, e.g. [Invoiced])",
        "CustomerId": "only orders of this customer (a customer's history, S13)",
    }
    find_fields = ("OrderId", "InvoiceId", "ReferenceNumber")
    batch_size = 50

    def read(self, query: ReadQuery) -> Iterator[InvoiceOrder]:
        since = since_datetime(query.since, back=timedelta(seconds=1))
        ids = sorted({int(i) for i in self._sync_list(since)})
        search = _search_filters(query.where)
        orders: list[InvoiceOrder] = []
        for chunk in chunks(ids, IDS_PER_GET):
            orders.extend(self._get({**search, "OrderIds": {"int": list(chunk)}}))
        yield from sorted_by_time(orders, "DateChanged")

    def _sync_list(self, since: datetime | None) -> list[Any]:
        """Order ids changed after ``since``, or all (registered after 1990) when None.

        RegisteredAfter is a required .NET DateTime: when unused it is sent as
        DateTime.MinValue (0001-01-01), what a .NET client sends for "not set".
        """
        params = (
            {"ChangedAfter": since, "RegisteredAfter": NOT_SET}
            if since
            else {"RegisteredAfter": FULL_READ_FROM}
        )
        return _ints(self.soap.call("invoice", "GetOrderSyncList", syncParams=params))

    def _get(self, search: dict[str, Any]) -> list[InvoiceOrder]:
        found = (
            self.soap.call(
                "invoice",
                "GetInvoices",
                searchParams=search,
                invoiceReturnProperties={"string": INVOICE_PROPERTIES},
                rowReturnProperties={"string": ROW_PROPERTIES},
            )
            or []
        )
        return [InvoiceOrder.model_validate(item) for item in found]

    def get(self, key: str) -> InvoiceOrder | None:
        found = self._get({"OrderIds": {"int": [int(key)]}})
        return found[0] if found else None

    def find(self, field: str, value: Any) -> list[BaseModel]:
        self._check_find_field(field)
        if value is None or str(value).strip() == "":
            return []
        if field == "ReferenceNumber":
            return self._by_reference(str(value).strip())
        search = {"OrderId": "OrderIds", "InvoiceId": "InvoiceIds"}[field]
        return [o for o in self._get({search: {"int": [int(value)]}}) if str(getattr(o, field)) == str(value)]

    def _by_reference(self, reference: str) -> list[BaseModel]:
        """Orders whose ReferenceNumber is ``reference`` (e.g. the shop's order number).

        SOAP cannot search by it, so the ids come from the REST sales orders (the same orders)
        when REST is configured; otherwise from the orders changed in the last
        ``REFERENCE_LOOKBACK``. This is what lets a retried create find the order an
        unanswered SaveInvoices did create, so an order arrives once.
        """
        if self.owner.config.has_rest:
            rest = self.owner.rest_api(self.name)
            ids = [
                int(o["id"])
                for o in rest.walk("salesorders", {"referenceNumber": reference}, continuation=True)
                if o.get("referenceNumber") == reference
            ]
            found = self._get({"OrderIds": {"int": ids}}) if ids else []
        else:
            since = datetime.now(UTC) - REFERENCE_LOOKBACK
            ids = self._sync_list(since)
            found = [
                o for chunk in chunks(ids, IDS_PER_GET) for o in self._get({"OrderIds": {"int": list(chunk)}})
            ]
        return [o for o in found if o.ReferenceNumber == reference]

    def create(self, payload: BaseModel) -> InvoiceOrder:
        return _one(self._save([_order(payload, None)])[0])

    def update(self, key: str, payload: BaseModel) -> InvoiceOrder:
        return _one(self._save([_order(payload, key)])[0])

    def write_batch(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        return self._batch(ops, self._save, lambda op: _order(op.payload, op.key))

    def _save(self, orders: list[Any]) -> list[InvoiceOrder | RejectedError]:
        answer = self.soap.call(
            "invoice", "SaveInvoices", invoices={"InvoiceOrder": [o.to_soap() for o in orders]}
        )
        return [_saved_order(sent, got) for sent, got in zip(orders, answer or [], strict=False)]


def _ints(value: Any) -> list[Any]:
    if isinstance(value, dict):
        value = value.get("int")
    return list(value or [])


def _search_filters(where: Mapping[str, Any]) -> dict[str, Any]:
    search: dict[str, Any] = {}
    states = where.get("OrderStatus")
    if states:
        search["OrderStates"] = {"OrderSlipStateType": [states] if isinstance(states, str) else list(states)}
    if where.get("CustomerId") is not None:
        search["CustomerIds"] = {"int": [int(where["CustomerId"])]}
    return search


def _order(payload: BaseModel, key: str | None) -> InvoiceOrder:
    order = (
        payload if isinstance(payload, InvoiceOrder) else InvoiceOrder.model_validate(payload.model_dump())
    )
    return order.model_copy(
        update={"OrderId": int(key) if key is not None else order.OrderId, "APIException": None}
    )


def _saved_order(sent: InvoiceOrder, got: dict[str, Any]) -> InvoiceOrder | RejectedError:
    problem = item_error(got)
    if problem:
        who = (
            f" {sent.OrderId}"
            if sent.OrderId
            else (f" ref {sent.ReferenceNumber}" if sent.ReferenceNumber else "")
        )
        return RejectedError(
            f"24sevenoffice: the invoice order{who} was not saved: {problem}",
            code="APIException",
            detail=got.get("APIException"),
        )
    merged = {**sent.model_dump(exclude_none=True), **{k: v for k, v in got.items() if v is not None}}
    merged.pop("APIException", None)
    return InvoiceOrder.model_validate(merged)


def _one(result: InvoiceOrder | RejectedError) -> InvoiceOrder:
    if isinstance(result, Exception):
        raise result
    return result


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None
