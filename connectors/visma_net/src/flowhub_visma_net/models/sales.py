"""Sales orders (SalesOrders v3, and v1/v2 for old data), customer invoices, payments, documents."""

from __future__ import annotations

from typing import Any

from flowhub_visma_net.models.common import (
    Address,
    Amount,
    Attachment,
    ContactInfo,
    Ref,
    RefOrId,
    VismaRecord,
    When,
)

__all__ = [
    "CustomerDocument",
    "CustomerInvoice",
    "CustomerInvoiceLine",
    "CustomerPayment",
    "PaymentLine",
    "SalesOrder",
    "SalesOrderLine",
    "SalesOrderShipping",
    "SalesOrderV1",
    "SalesOrderV1Line",
]


# -- SalesOrders v3 (salesorder.visma.net/api/v3) -------------------------------------------------
class SalesOrderLine(VismaRecord):
    """A v3 order line. POST takes ``inventoryId``; GET answers ``inventory: {id, baseUnit}``.

    Confirmed: ``lineId``, ``inventoryId``/``inventory``, ``quantity``, ``warehouseId``. The
    price, discount and text fields follow the v1 names (unconfirmed: the v3 schema is not public).
    """

    lineId: int | None = None
    inventoryId: str | None = None
    inventory: Ref | None = None
    quantity: Amount = None
    openQuantity: Amount = None
    warehouseId: str | None = None
    uom: str | None = None
    unitPrice: Amount = None
    discountPercent: Amount = None
    discountAmount: Amount = None
    description: str | None = None
    vatCategoryId: str | None = None
    note: str | None = None
    operation: str | None = None


class SalesOrderShipping(VismaRecord):
    preferredWarehouseId: str | None = None  # confirmed
    shipVia: str | None = None
    shippingTerms: str | None = None
    address: Address | None = None
    contact: ContactInfo | None = None


class SalesOrderBilling(VismaRecord):
    address: Address | None = None
    contact: ContactInfo | None = None


class SalesOrder(VismaRecord):
    """A sales order of the SalesOrders v3 service; the key is ``{type}/{id}`` (e.g. ``SO/000123``).

    Confirmed by Visma's examples: ``type``, ``customer.id``, ``shipping.preferredWarehouseId``
    and the line fields above. The rest of the v3 schema was not published where we could read
    it; the other names follow v1 and are unconfirmed (see docs/connectors/visma_net.md).
    """

    id: str | None = None
    type: str | None = None
    status: str | None = None
    customer: Ref | None = None
    customerRefNo: str | None = None
    customerOrder: str | None = None
    orderDate: When = None
    requestedOn: When = None
    description: str | None = None
    note: str | None = None
    currencyId: str | None = None
    branchNumber: str | None = None
    paymentMethodId: str | None = None
    creditTermsId: str | None = None
    vatZoneId: str | None = None
    billing: SalesOrderBilling | None = None
    shipping: SalesOrderShipping | None = None
    orderLines: list[SalesOrderLine] | None = None
    orderTotal: Amount = None
    vatTotal: Amount = None
    lastModifiedDateTime: When = None
    createdDateTime: When = None


# -- v1/v2 sales orders (being retired; read for old data) ----------------------------------------
class SalesOrderV1Line(VismaRecord):
    lineNbr: int | None = None
    inventory: Ref | None = None
    warehouse: Ref | None = None
    uom: str | None = None
    quantity: Amount = None
    qtyOnShipments: Amount = None
    openQty: Amount = None
    unitPrice: Amount = None
    discountPercent: Amount = None
    discountAmount: Amount = None
    extPrice: Amount = None
    lineDescription: str | None = None
    taxCategory: str | None = None
    operation: str | None = None  # Issue / Receipt on v1 (salesOrderOperation)


class SalesOrderV1(VismaRecord):
    """A v1/v2 ``SalesOrderDto``; key ``orderType`` + ``orderNo``."""

    orderType: str | None = None
    orderNo: str | None = None
    status: str | None = None
    hold: bool | None = None
    date: When = None
    requestOn: When = None
    customerOrder: str | None = None
    customerRefNo: str | None = None
    customer: Ref | None = None
    currency: str | None = None
    description: str | None = None
    soBillingAddress: Address | None = None
    soBillingContact: ContactInfo | None = None
    soShippingAddress: Address | None = None
    soShippingContact: ContactInfo | None = None
    customerVATZone: Ref | None = None
    terms: Ref | None = None
    shipVia: Ref | None = None
    preferredWarehouse: Ref | None = None
    paymentMethod: Ref | None = None
    lines: list[SalesOrderV1Line] | None = None
    orderTotal: Amount = None
    vatTaxableTotal: Amount = None
    taxTotal: Amount = None
    branchNumber: Ref | None = None
    note: str | None = None
    lastModifiedDateTime: When = None
    attachments: list[Attachment] | None = None


# -- customer ledger ----------------------------------------------------------------------------
class CustomerInvoiceLine(VismaRecord):
    lineNumber: int | None = None
    operation: str | None = None  # Insert / Update / Delete on writes
    inventoryNumber: str | None = None
    description: str | None = None
    quantity: Amount = None
    unitPriceInCurrency: Amount = None
    manualAmountInCurrency: Amount = None
    amountInCurrency: Amount = None
    accountNumber: str | None = None
    vatCodeId: str | None = None
    vatCode: Ref | None = None
    uom: str | None = None
    discountPercent: Amount = None
    discountAmountInCurrency: Amount = None
    manualDiscount: bool | None = None
    note: str | None = None
    branchNumber: RefOrId | None = None


class CustomerInvoice(VismaRecord):
    """A customer invoice (``CustomerInvoiceDto``); ``referenceNumber`` is its key."""

    referenceNumber: str | None = None
    documentType: str | None = None
    status: str | None = None
    hold: bool | None = None
    customer: Ref | None = None
    documentDate: When = None
    documentDueDate: When = None
    origInvoiceDate: When = None
    postPeriod: str | None = None
    financialPeriod: str | None = None
    currencyId: str | None = None
    amount: Amount = None
    amountInCurrency: Amount = None
    balance: Amount = None
    vatTotal: Amount = None
    creditTerms: Ref | None = None
    paymentMethod: Ref | None = None
    customerRefNumber: str | None = None
    externalReference: str | None = None
    paymentReference: str | None = None
    invoiceText: str | None = None
    note: str | None = None
    customerVatZone: Ref | None = None
    invoiceAddress: Address | None = None
    invoiceContact: ContactInfo | None = None
    branchNumber: RefOrId | None = None
    invoiceLines: list[CustomerInvoiceLine] | None = None
    taxDetails: list[dict[str, Any]] | None = None
    lastModifiedDateTime: When = None
    createdDateTime: When = None
    timeStamp: str | None = None
    # write-side names (CustomerInvoiceUpdateDto)
    customerNumber: str | None = None
    creditTermsId: str | None = None
    paymentMethodId: str | None = None
    customerVatZoneId: str | None = None
    billingAddress: Address | None = None
    sendToAutoInvoice: bool | None = None
    overrideNumberSeries: bool | None = None


class PaymentLine(VismaRecord):
    operation: str | None = None
    documentType: str | None = None
    refNbr: str | None = None
    amountPaid: Amount = None
    cashDiscountTaken: Amount = None
    balanceWriteOff: Amount = None
    balance: Amount = None
    description: str | None = None
    currency: str | None = None


class CustomerPayment(VismaRecord):
    """A customer payment (``PaymentDto`` on /v1/customerPayment); key ``refNbr``."""

    type: str | None = None  # Payment, CreditNote, Prepayment, Refund, …
    refNbr: str | None = None
    status: str | None = None
    hold: bool | None = None
    applicationDate: When = None
    applicationPeriod: str | None = None
    paymentRef: str | None = None
    customer: RefOrId | None = None
    location: Ref | None = None
    paymentMethod: RefOrId | None = None
    cashAccount: str | None = None
    currency: str | None = None
    paymentAmount: Amount = None
    invoiceText: str | None = None
    appliedToDocuments: Amount = None
    availableBalance: Amount = None
    branch: str | None = None
    paymentLines: list[PaymentLine] | None = None
    ordersToApply: list[dict[str, Any]] | None = None
    lastModifiedDateTime: When = None
    timeStamp: str | None = None
    # write-side names (PaymentUpdateDto)
    referenceNumber: str | None = None


class CustomerDocument(VismaRecord):
    """Any customer-ledger document (``/v1/customerdocument``), read only."""

    referenceNumber: str | None = None
    documentType: str | None = None
    status: str | None = None
    customer: Ref | None = None
    branch: Ref | None = None
    documentDate: When = None
    documentDueDate: When = None
    currencyId: str | None = None
    amount: Amount = None
    balance: Amount = None
    customerRefNumber: str | None = None
    invoiceText: str | None = None
    lastModifiedDateTime: When = None
