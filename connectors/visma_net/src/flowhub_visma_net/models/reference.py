"""Reference data a flow maps onto: prices, payment methods, terms, VAT, carriers, warehouses, branches."""

from __future__ import annotations

from typing import Any

from flowhub_visma_net.models.common import Address, Amount, ContactInfo, Ref, RefOrId, VismaRecord, When

__all__ = [
    "Branch",
    "Carrier",
    "CreditTerms",
    "CustomerSalesPrice",
    "Discount",
    "PaymentMethod",
    "PriceClass",
    "Supplier",
    "VatCategory",
    "VatZone",
    "Warehouse",
]


class CustomerSalesPrice(VismaRecord):
    """A sales price: for everyone (Base), one customer, or a customer price class; key ``recordId``."""

    recordId: int | None = None
    priceType: str | None = None  # Base, Customer, CustomerPriceClass
    priceCode: str | None = None  # customer number or price class id
    inventoryId: str | None = None  # the inventory NUMBER, despite the name
    description: str | None = None
    uoM: str | None = None
    promotion: bool | None = None
    breakQty: Amount = None
    price: Amount = None
    currency: str | None = None
    vat: str | None = None
    effectiveDate: When = None
    expirationDate: When = None
    warehouse: str | None = None
    lastModifiedDateTime: When = None
    timeStamp: str | None = None


class Discount(VismaRecord):
    discountCode: str | None = None
    series: str | None = None
    description: str | None = None
    discountBy: str | None = None
    breakBy: str | None = None
    promotional: bool | None = None
    active: bool | None = None
    effectiveDate: When = None
    expirationDate: When = None
    discountBreakpoints: list[dict[str, Any]] | None = None
    customerPriceClasses: list[dict[str, Any]] | None = None
    items: list[dict[str, Any]] | None = None
    lastModifiedDateTime: When = None


class PriceClass(VismaRecord):
    """A customer price class (unconfirmed endpoint; see ``price_class_path``)."""

    id: str | None = None
    description: str | None = None
    sortOrder: int | None = None
    lastModifiedDateTime: When = None


class PaymentMethod(VismaRecord):
    paymentMethodID: str | None = None
    active: bool | None = None
    meansOfPayment: str | None = None  # CreditCard, CashOrCheck, DirectDeposit
    description: str | None = None
    useInAP: bool | None = None
    details: list[dict[str, Any]] | None = None


class CreditTerms(VismaRecord):
    termsId: str | None = None
    description: str | None = None
    visibleTo: str | None = None
    dueDateType: str | None = None
    dueDay1: int | None = None
    discountType: str | None = None
    discountDay: int | None = None
    discountPercent: Amount = None
    delayDays: int | None = None
    createdDateTime: When = None
    lastModifiedDateTime: When = None


class VatCategory(VismaRecord):
    vatCategoryId: str | None = None
    description: str | None = None
    active: bool | None = None
    excludeListedTaxes: bool | None = None
    vatCategoryLines: list[dict[str, Any]] | None = None
    lastModifiedDateTime: When = None


class VatZone(VismaRecord):
    id: str | None = None
    description: str | None = None
    defaultVatCategory: str | None = None
    defaultTaxCategory: Ref | None = None


class Carrier(VismaRecord):
    """A ship-via code (``shipVia`` on orders)."""

    carrierId: str | None = None
    carrierDescription: str | None = None
    lastModifiedDateTime: When = None


class Warehouse(VismaRecord):
    warehouseID: str | None = None
    description: str | None = None
    active: bool | None = None
    branch: Ref | None = None
    address: Address | None = None
    contact: ContactInfo | None = None
    locations: list[dict[str, Any]] | None = None
    timestamp: str | None = None


class Branch(VismaRecord):
    branchId: int | None = None
    number: str | None = None
    name: str | None = None
    organizationId: int | None = None
    isMainBranch: bool | None = None
    isActive: bool | None = None
    corporateId: str | None = None
    vatRegistrationId: str | None = None
    mainAddress: Address | None = None
    mainContact: ContactInfo | None = None
    currency: Ref | None = None
    vatZone: Ref | None = None
    defaultCountry: Ref | None = None
    lastModifiedDateTime: When = None


class Supplier(VismaRecord):
    """A supplier (read only here; parsed for completeness of the example payloads)."""

    internalId: int | None = None
    number: str | None = None
    name: str | None = None
    status: str | None = None
    mainAddress: Address | None = None
    mainContact: ContactInfo | None = None
    supplierClass: Ref | None = None
    creditTerms: Ref | None = None
    currencyId: str | None = None
    paymentMethod: RefOrId | None = None
    vatRegistrationId: str | None = None
    corporateId: str | None = None
    vatZone: Ref | None = None
    lastModifiedDateTime: When = None
