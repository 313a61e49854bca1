"""Typed records of the REST API (Finago Office Public API 0.56), fields spelt as on the wire."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator

from flowhub import ApiRecord

__all__ = [
    "Account",
    "AccountBalance",
    "Address",
    "BankAccount",
    "BankTransaction",
    "Category",
    "Currency",
    "Customer",
    "CustomerAddresses",
    "CustomerEmail",
    "Dimension",
    "DimensionElement",
    "OrganizationInformation",
    "PaymentMethod",
    "Person",
    "Product",
    "ProductStock",
    "Ref",
    "SalesOrder",
    "SalesOrderCustomer",
    "SalesOrderLine",
    "SalesType",
    "Tax",
    "TransactionLine",
    "TransactionType",
    "Unit",
]

SALES_ORDER_STATUSES = ("Draft", "Web", "Proposal", "Confirmed", "Invoice", "AdvanceInvoice", "Inactive")
SalesOrderStatus = Literal["Draft", "Web", "Proposal", "Confirmed", "Invoice", "AdvanceInvoice", "Inactive"]


def _placeholder(value: Any) -> Any:
    """The spec's examples write an elided object as the string "{...}"; read it as absent."""
    return None if isinstance(value, str) and value.strip() in ("{...}", "...") else value


def _timestamp(value: Any) -> Any:
    """The API writes both ISO 8601 and "2022-01-01 18:00:00.000Z"; an empty string is absent."""
    if isinstance(value, str):
        value = value.strip()
        return value.replace(" ", "T", 1) if value else None
    return value


Timestamp = Annotated[dt.datetime | None, BeforeValidator(_timestamp)]


class Ref(ApiRecord):
    """A reference by id, as in ``paymentMethod: {id}``; the API may add a name or number."""

    id: int | None = None
    name: str | None = None


class Address(ApiRecord):
    name: str | None = None
    street: str | None = None
    postalCode: str | None = None
    postalArea: str | None = None
    city: str | None = None
    countryCode: str | None = None
    countrySubdivision: str | None = None


Elided = Annotated[Address | None, BeforeValidator(_placeholder)]


class CustomerAddresses(ApiRecord):
    visit: Elided = None
    postal: Elided = None
    billing: Elided = None
    delivery: Elided = None


class CustomerEmail(ApiRecord):
    contact: str | None = None
    billing: str | None = None


class PersonName(ApiRecord):
    firstName: str | None = None
    lastName: str | None = None


class Customer(ApiRecord):
    """A CRM customer: a company (``isCompany``) or a private person (``person``)."""

    id: int | None = None
    name: str | None = None
    isCompany: bool | None = None
    isSupplier: bool | None = None
    person: PersonName | None = None
    organizationNumber: str | None = None
    externalReference: str | None = None
    pricelistId: int | None = None
    address: CustomerAddresses | None = None
    email: CustomerEmail | None = None
    phone: str | None = None
    mobilePhone: str | None = None
    note: str | None = None
    createdAt: Timestamp = None
    modifiedAt: Timestamp = None


class ProductStock(ApiRecord):
    isManaged: bool | None = None
    quantity: float | None = None
    location: str | None = None


class Unit(ApiRecord):
    id: int | None = None
    name: str | None = None
    symbol: str | None = None


class Product(ApiRecord):
    """A product; ``number`` is the product number (the shop's SKU), ``category`` is required."""

    id: int | None = None
    name: str | None = None
    number: str | None = None
    type: Literal["default", "structure"] | None = None
    status: Literal["active", "inactive"] | None = None
    description: str | None = None
    costPrice: float | None = None
    salesPrice: float | None = None
    indirectCost: float | None = None
    webshopEnabled: bool | None = None
    stock: ProductStock | None = None
    ean: str | None = None
    eanAlternative: str | None = None
    units: Unit | None = None
    category: Ref | None = None
    supplier: Ref | None = None
    createdAt: Timestamp = None
    modifiedAt: Timestamp = None


class Category(ApiRecord):
    """A product category; ``parentId`` 0 is the root."""

    id: int | None = None
    name: str | None = None
    alternativeReference: str | None = None
    parentId: int | None = None
    modifiedAt: Timestamp = None


class PaymentMethod(ApiRecord):
    id: int | None = None
    name: str | None = None
    account: Ref | None = None


class SalesType(ApiRecord):
    id: int | None = None
    name: str | None = None
    account: Ref | None = None


class Tax(ApiRecord):
    """A tax code: ``id`` is what lines refer to, ``number`` is the code people see."""

    id: int | None = None
    number: int | None = None
    name: str | None = None
    rate: float | None = None


class Dimension(ApiRecord):
    """A dimension type (project, department, user-defined)."""

    id: int | None = None
    name: str | None = None


class DimensionElement(ApiRecord):
    """One value of a dimension type, e.g. department "1" or project "100"."""

    dimensionType: int | None = None
    value: str | None = None
    name: str | None = None


class SalesOrderCustomer(ApiRecord):
    """The order's snapshot of its customer (``id`` and ``name`` are required on create)."""

    id: int | None = None
    name: str | None = None
    organizationNumber: str | None = None
    invoiceEmailAddresses: list[str] | None = None
    gln: str | None = None
    street: str | None = None
    postalCode: str | None = None
    postalArea: str | None = None
    city: str | None = None
    countrySubdivision: str | None = None
    countryCode: str | None = None


class PaymentTerms(ApiRecord):
    type: Literal["NumberOfDays", "OutMonthPlusDays", "FixedDate"] | None = None
    value: int | str | None = None


class SalesOrderInvoice(ApiRecord):
    number: int | None = None
    date: dt.date | None = None
    dueDate: dt.date | None = None
    distributionMethod: str | None = None
    paymentTerms: PaymentTerms | None = None
    remittanceReference: str | None = None


class OrderDimension(ApiRecord):
    dimensionType: int | None = None
    value: str | None = None
    name: str | None = None


class LineTax(ApiRecord):
    id: int | None = None
    number: int | None = None
    rate: float | None = None


class LineAccount(ApiRecord):
    id: int | None = None
    number: int | None = None
    name: str | None = None


class LineProduct(ApiRecord):
    id: int | None = None
    number: str | None = None


class SalesOrderLine(ApiRecord):
    """A line: ``type`` product (with ``product.id``) or text."""

    id: int | None = None
    type: Literal["product", "text"] | None = None
    product: LineProduct | None = None
    description: str | None = None
    quantity: float | None = None
    price: float | None = None
    costPrice: float | None = None
    discountRate: float | None = None
    tax: LineTax | None = None
    account: LineAccount | None = None
    isHidden: bool | None = None
    dimensions: list[OrderDimension] | None = None


class Currency(ApiRecord):
    code: str | None = None
    rate: float | None = None


class SalesOrder(ApiRecord):
    """A sales order with its ``lines`` (read from /salesorders/{id}/lines, written one by one)."""

    id: int | None = None
    customer: SalesOrderCustomer | None = None
    status: SalesOrderStatus | None = None
    deliveryCustomer: SalesOrderCustomer | None = None
    deliveryDate: dt.date | None = None
    invoice: SalesOrderInvoice | None = None
    date: dt.date | None = None
    currency: Currency | None = None
    memo: str | None = None
    internalMemo: str | None = None
    yourReference: Ref | None = None
    ourReference: Ref | None = None
    paymentMethod: Ref | None = None
    salesType: Ref | None = None
    referenceNumber: str | None = None
    dimensions: list[OrderDimension] | None = None
    grossAmount: float | None = None
    netAmount: float | None = None
    taxAmount: float | None = None
    createdAt: Timestamp = None
    modifiedAt: Timestamp = None
    lines: list[SalesOrderLine] | None = None


class OrganizationInformation(ApiRecord):
    """``GET /organization/information``: who the token reaches."""

    id: int | None = None
    name: str | None = None
    email: str | None = None
    invoiceEmail: str | None = None
    address: Address | None = None
    status: str | None = None


# -- the rest of the spec's examples (read-only accounting and identity) --------------------
class Account(ApiRecord):
    id: int | None = None
    number: int | None = None
    name: str | None = None


class AccountBalance(ApiRecord):
    account: Account | None = None
    balances: list[dict[str, Any]] | None = None


class BankAccount(ApiRecord):
    """A bank account of the organisation; ``id`` is a text reference such as "123-456-789"."""

    id: str | None = None
    number: str | None = None
    bic: str | None = None
    type: str | None = None
    name: str | None = None
    ledgerAccount: dict[str, Any] | None = None
    createdAt: Timestamp = None
    modifiedAt: Timestamp = None


class Money(ApiRecord):
    value: float | None = None
    currency: Currency | None = None


class BankTransaction(ApiRecord):
    bankTransactionReference: str | None = None
    type: str | None = None
    bankAccount: dict[str, Any] | None = None
    paymentReference: dict[str, Any] | None = None
    amount: Money | None = None
    date: dt.date | None = None
    status: str | None = None


class TransactionLine(ApiRecord):
    id: str | int | None = None
    date: dt.date | None = None
    amount: float | None = None


class TransactionType(ApiRecord):
    id: int | None = None
    number: int | None = None
    name: str | None = None


class Person(ApiRecord):
    """A user of the organisation (``/organization/people``), not a CRM contact."""

    id: int | None = None
    firstName: str | None = None
    lastName: str | None = None
