"""The entities of the Visma.net connector, in the order `flowhub connectors` lists them."""

from __future__ import annotations

from flowhub_visma_net.entities.attributes import Attributes
from flowhub_visma_net.entities.base import VismaReader, VismaWriter, format_since
from flowhub_visma_net.entities.catalog import InventoryAttachments, ItemSalesCategoryChecks
from flowhub_visma_net.entities.customers import Contacts, CustomerClasses, Customers
from flowhub_visma_net.entities.inventory import InventoryItems, SalesCategories, Stock
from flowhub_visma_net.entities.ledger import JournalTransactions
from flowhub_visma_net.entities.reference import (
    Branches,
    Carriers,
    CreditTermsEntity,
    CustomerSalesPrices,
    Discounts,
    PaymentMethods,
    PriceClasses,
    VatCategories,
    VatZones,
    Warehouses,
    price_key,
)
from flowhub_visma_net.entities.sales import (
    CustomerDocuments,
    CustomerInvoices,
    CustomerPayments,
    SalesOrders,
    SalesOrdersV1,
)

__all__ = ["ENTITIES", "VismaReader", "VismaWriter", "format_since", "price_key"]

ENTITIES = (
    Customers,
    Contacts,
    CustomerClasses,
    InventoryItems,
    SalesCategories,
    Attributes,
    ItemSalesCategoryChecks,
    InventoryAttachments,
    Stock,
    CustomerSalesPrices,
    Discounts,
    PriceClasses,
    SalesOrders,
    SalesOrdersV1,
    CustomerInvoices,
    CustomerPayments,
    CustomerDocuments,
    PaymentMethods,
    CreditTermsEntity,
    VatCategories,
    VatZones,
    Carriers,
    JournalTransactions,
    Warehouses,
    Branches,
)
