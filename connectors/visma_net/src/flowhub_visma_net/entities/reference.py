"""Reference data: sales prices, discounts, price classes, payment methods, terms, VAT, carriers,
warehouses and branches (what flows look up and map onto)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel

from flowhub_visma_net.entities.base import VismaReader, VismaWriter
from flowhub_visma_net.models import (
    Branch,
    Carrier,
    CreditTerms,
    CustomerSalesPrice,
    Discount,
    PaymentMethod,
    PriceClass,
    VatCategory,
    VatZone,
    Warehouse,
)

__all__ = [
    "Branches",
    "Carriers",
    "CreditTermsEntity",
    "CustomerSalesPrices",
    "Discounts",
    "PaymentMethods",
    "PriceClasses",
    "VatCategories",
    "VatZones",
    "Warehouses",
    "price_key",
]


def price_key(record: Any) -> str:
    """``priceType:priceCode:inventoryId``: what makes a sales price one price (for matching)."""

    def get(field: str) -> Any:
        return record.get(field) if isinstance(record, dict) else getattr(record, field, None)

    return f"{get('priceType') or 'Base'}:{get('priceCode') or ''}:{get('inventoryId') or ''}"


class CustomerSalesPrices(VismaWriter):
    """Sales prices (Base, per customer, per customer price class) by ``recordId``.

    Find by ``priceKey`` (``CustomerPriceClass:BEDRIFT:FH-1001``) to match the one price of an
    item for a price class or customer.
    """

    name = "customer_sales_price"
    model = CustomerSalesPrice
    key = "recordId"
    cursor = "lastModifiedDateTime"
    path = "/v1/customerSalesPrice"
    write_dto = "CustomerSalesPriceUpdateDto"
    filters: ClassVar[Mapping[str, str]] = {
        "priceType": "Base, Customer, CustomerPriceClass",
        "priceCode": "customer or price class",
        "inventoryId": "inventory number",
        "effectiveAsOf": "date",
    }
    find_params: ClassVar[Mapping[str, str]] = {"inventoryId": "inventoryId", "priceCode": "priceCode"}
    find_fields = ("recordId", "priceKey", "inventoryId", "priceCode")

    def find(self, field: str, value: Any) -> list[BaseModel]:
        if field != "priceKey":
            return super().find(field, value)
        kind, code, item = ([*str(value).split(":", 2), "", ""])[:3]
        params = {"priceType": kind, "priceCode": code, "inventoryId": item}
        return [
            p
            for p in map(self.parse, self.items({k: v for k, v in params.items() if v}))
            if price_key(p) == str(value)
        ]

    def recoverable(self, payload: BaseModel) -> bool:
        return bool(getattr(payload, "inventoryId", None))

    def recover(self, payload: BaseModel) -> BaseModel | None:
        found = self.find("priceKey", price_key(payload))
        return found[0] if len(found) == 1 else None


class Discounts(VismaReader):
    name = "discount"
    model = Discount
    key = "discountCode"
    cursor = "lastModifiedDateTime"
    path = "/v1/discount"
    by_key = False
    find_params: ClassVar[Mapping[str, str]] = {"discountCode": "discountCode"}


class PriceClasses(VismaReader):
    """Customer price classes. No public endpoint is documented: the path is the connection's
    ``price_class_path`` (default ``/v1/customerpriceclass``, unconfirmed)."""

    name = "price_class"
    model = PriceClass
    key = "id"
    since_param = None
    path = "/v1/customerpriceclass"

    def __init__(self, connector: Any) -> None:
        super().__init__(connector)
        self.path = connector.settings.price_class_path  # type: ignore[misc]


class PaymentMethods(VismaReader):
    name = "payment_method"
    model = PaymentMethod
    key = "paymentMethodID"
    path = "/v1/paymentmethod"


class CreditTermsEntity(VismaReader):
    name = "credit_terms"
    model = CreditTerms
    key = "termsId"
    cursor = "lastModifiedDateTime"
    path = "/v1/creditTerm"
    by_key = False
    find_params: ClassVar[Mapping[str, str]] = {"termsId": "termsId"}


class VatCategories(VismaReader):
    name = "vat_category"
    model = VatCategory
    key = "vatCategoryId"
    cursor = "lastModifiedDateTime"
    path = "/v1/vatCategory"


class VatZones(VismaReader):
    name = "vat_zone"
    model = VatZone
    key = "id"
    path = "/v1/vatZone"
    since_param = None


class Carriers(VismaReader):
    """Carriers (ship-via codes)."""

    name = "carrier"
    model = Carrier
    key = "carrierId"
    cursor = "lastModifiedDateTime"
    path = "/v1/carrier"


class Warehouses(VismaReader):
    name = "warehouse"
    model = Warehouse
    key = "warehouseID"
    path = "/v1/warehouse"
    since_param = None
    filters: ClassVar[Mapping[str, str]] = {"active": "true/false", "branch": "branch number"}


class Branches(VismaReader):
    name = "branch"
    model = Branch
    key = "number"
    cursor = "lastModifiedDateTime"
    path = "/v1/branch"
