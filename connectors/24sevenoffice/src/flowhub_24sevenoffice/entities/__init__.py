"""The entities of 24SevenOffice, each served by the API that does it best (see each module)."""

from __future__ import annotations

from flowhub_24sevenoffice.entities.catalog import CategoryEntity, ProductEntity
from flowhub_24sevenoffice.entities.crm import CustomerEntity, PersonEntity
from flowhub_24sevenoffice.entities.lookups import (
    DepartmentEntity,
    DimensionEntity,
    PaymentMethodEntity,
    ProjectEntity,
    SalesTypeEntity,
    TaxCodeEntity,
)
from flowhub_24sevenoffice.entities.orders import InvoiceOrderEntity, SalesOrderEntity

__all__ = ["ENTITIES"]

ENTITIES = (
    CustomerEntity,
    PersonEntity,
    ProductEntity,
    CategoryEntity,
    SalesOrderEntity,
    InvoiceOrderEntity,
    PaymentMethodEntity,
    SalesTypeEntity,
    TaxCodeEntity,
    DimensionEntity,
    DepartmentEntity,
    ProjectEntity,
)
