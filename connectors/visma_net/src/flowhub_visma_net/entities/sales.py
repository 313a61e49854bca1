"""Sales orders (SalesOrders v3; v1/v2 read for old data), customer invoices, payments, documents."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar
from urllib.parse import quote

from pydantic import BaseModel

from flowhub.connector import ReadQuery
from flowhub.errors import ConflictError
from flowhub_visma_net.entities.base import VismaReader, VismaWriter, format_since
from flowhub_visma_net.models import (
    CustomerDocument,
    CustomerInvoice,
    CustomerPayment,
    SalesOrder,
    SalesOrderV1,
)
from flowhub_visma_net.wire import Mode, jsonable

__all__ = ["CustomerDocuments", "CustomerInvoices", "CustomerPayments", "SalesOrders", "SalesOrdersV1"]


class SalesOrders(VismaWriter):
    """Sales orders of the SalesOrders v3 service; key ``{type}/{id}`` (``SO/000123``).

    v3 takes plain JSON (no ``{"value"}`` wrapping), answers lists page by ``pageIndex``,
    filters changes by ``modifiedSince``, and requires ``If-Match`` on PATCH: when no ETag is
    known yet, the order is read first. Finding by ``customerRefNo`` uses the service's
    ``filter`` parameter (OData syntax: unconfirmed).
    """

    name = "sales_order"
    model = SalesOrder
    key = "id"
    cursor = "lastModifiedDateTime"
    api_name = "salesorders"
    path = "salesorders"
    since_param = "modifiedSince"
    since_condition = False
    filters: ClassVar[Mapping[str, str]] = {
        "customerId": "customer number",
        "filter": "OData filter (unconfirmed syntax)",
        "expand": "e.g. orderLines (max page size 100 then)",
    }
    find_fields = ("id", "orderNo", "customerRefNo")
    recover_by = ("customerRefNo",)

    def key_of(self, record: BaseModel) -> str:
        order = record if isinstance(record, SalesOrder) else SalesOrder.model_validate(record.model_dump())
        return f"{order.type or self.connector.settings.salesorder_type}/{order.id}"

    def item_path(self, key: str) -> str:
        kind, _, number = str(key).rpartition("/")
        kind = kind or self.connector.settings.salesorder_type
        return f"{self.path}/{quote(kind, safe='')}/{quote(number, safe='')}"

    def items(self, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        first = self.connector.settings.salesorder_first_page_index
        yield from self.client.pages(self.api, self.path, params, number_param="pageIndex", first=first)

    def read(self, query: ReadQuery) -> Iterator[BaseModel]:
        if not query.since:
            yield from super().read(query)
            return
        since = format_since(query.since, self.connector.settings.timezone)
        yield from super().read(ReadQuery(where={**query.where, "modifiedSince": since}))

    def find(self, field: str, value: Any) -> list[BaseModel]:
        if field in ("id", "orderNo"):
            found = self.get(str(value))
            return [found] if found is not None else []
        if field != "customerRefNo":
            return super().find(field, value)
        text = str(value).replace("'", "''")
        records = map(self.parse, self.items({"filter": f"customerRefNo eq '{text}'"}))
        return [r for r in records if getattr(r, "customerRefNo", None) == str(value)]

    def body(self, payload: BaseModel, mode: Mode) -> dict[str, Any]:
        data = payload.model_dump(by_alias=True, exclude_unset=True)
        for answer_only in ("metadata", "errorInfo", "lastModifiedDateTime", "createdDateTime"):
            data.pop(answer_only, None)
        if mode == "create":
            data.setdefault("type", self.connector.settings.salesorder_type)
        body: dict[str, Any] = jsonable(data)
        return body

    def update(self, key: str, payload: BaseModel) -> BaseModel:
        """PATCH with the mandatory If-Match (the order is read first when its ETag is unknown)."""
        path = self.item_path(key)
        etag = self.client.etags.get(self.client.path_of(self.api, path))
        if etag is None:
            found = self.client.get(self.api, path)
            etag = found[1] if found else None
        try:
            record, _ = self.client.put(
                self.api, path, self.body(payload, "update"), method="PATCH", etag=etag
            )
        except ConflictError as error:
            raise ConflictError(
                f"visma_net/{self.name} {key}: changed in Visma.net since it was read "
                f"(412 on If-Match); not overwritten: {error}",
                status=error.status,
                code=error.code,
                detail=error.detail,
            ) from error
        return self.parse(record)


class SalesOrdersV1(VismaReader):
    """v1/v2 sales orders (being retired by Visma): read old data; key ``{orderType}/{orderNo}``."""

    name = "sales_order_v1"
    model = SalesOrderV1
    key = "orderNo"
    cursor = "lastModifiedDateTime"
    path = "/v1/salesorder"
    filters: ClassVar[Mapping[str, str]] = {"orderType": "e.g. SO", "status": "Open, Hold, Completed, …"}
    find_fields = ("orderNo",)

    def key_of(self, record: BaseModel) -> str:
        return f"{getattr(record, 'orderType', None) or 'SO'}/{getattr(record, 'orderNo', None)}"

    def item_path(self, key: str) -> str:
        kind, _, number = str(key).rpartition("/")
        if not kind:
            return f"{self.path}/{quote(number, safe='')}"
        return f"{self.path}/{quote(kind, safe='')}/{quote(number, safe='')}"

    def find(self, field: str, value: Any) -> list[BaseModel]:
        found = self.get(str(value))
        return [found] if found is not None else []


class CustomerInvoices(VismaWriter):
    """Customer invoices by ``referenceNumber``; found by external/customer/payment reference."""

    name = "customer_invoice"
    model = CustomerInvoice
    key = "referenceNumber"
    cursor = "lastModifiedDateTime"
    path = "/v1/customerinvoice"
    write_dto = "CustomerInvoiceUpdateDto"
    filters: ClassVar[Mapping[str, str]] = {
        "status": "Hold, Balanced, Open, Closed, …",
        "customer": "customer number",
        "documentType": "Invoice, CreditNote, …",
    }
    find_params: ClassVar[Mapping[str, str]] = {
        "externalReference": "externalReference",
        "customerRefNumber": "customerRefNumber",
        "paymentReference": "paymentReference",
    }
    recover_by = ("referenceNumber", "externalReference", "customerRefNumber")

    @property
    def create_path(self) -> str:
        """POST goes to /v2/customerinvoice when the connection asks for it; reads stay on v1."""
        return "/v2/customerinvoice" if self.connector.settings.create_invoices_with_v2 else self.path


class CustomerPayments(VismaWriter):
    """Customer payments by ``refNbr``; ``paymentRef`` (e.g. the shop's transaction id) is found by scan."""

    name = "customer_payment"
    model = CustomerPayment
    key = "refNbr"
    cursor = "lastModifiedDateTime"
    path = "/v1/customerPayment"
    write_dto = "PaymentUpdateDto"
    filters: ClassVar[Mapping[str, str]] = {
        "status": "Hold, Open, Closed, …",
        "customer": "customer number",
        "paymentType": "Payment, …",
    }
    find_params: ClassVar[Mapping[str, str]] = {
        "invoiceRefNbr": "invoiceRefNbr",
        "customer": "customer",
        "paymentRef": "paymentRef",
    }
    match_paths: ClassVar[Mapping[str, tuple[str, ...]]] = {"customer": ("customer.number", "customer")}
    recover_by = ("paymentRef",)

    def find(self, field: str, value: Any) -> list[BaseModel]:
        if field != "paymentRef":
            return super().find(field, value)
        # no server filter for paymentRef: scan (only used to match and to recover a lost POST)
        return [p for p in self.read(ReadQuery()) if getattr(p, "paymentRef", None) == str(value)]


class CustomerDocuments(VismaReader):
    """Every customer-ledger document (invoices, credit notes, payments), read only."""

    name = "customer_document"
    model = CustomerDocument
    key = "referenceNumber"
    cursor = "lastModifiedDateTime"
    path = "/v1/customerdocument"
    by_key = False
    filters: ClassVar[Mapping[str, str]] = {
        "documentType": "Invoice, CreditNote, …",
        "status": "…",
        "customer": "customer number",
    }
    find_params: ClassVar[Mapping[str, str]] = {
        "customerRefNumber": "customerRefNumber",
        "externalReference": "externalReference",
    }
