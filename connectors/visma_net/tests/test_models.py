"""Every example payload in shared/apis/visma_net/examples parses into its model, fields kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flowhub_visma_net import models as m
from pydantic import BaseModel

SWAGGER: dict[str, type[BaseModel]] = {
    "customer": m.Customer,
    "inventory": m.InventoryItem,
    "salesorder": m.SalesOrderV1,
    "customerinvoice": m.CustomerInvoice,
    "customerpayment": m.CustomerPayment,
    "payment": m.CustomerPayment,
    "journaltransaction": m.JournalTransaction,
    "supplier": m.Supplier,
    "customerdocument": m.CustomerDocument,
}


def _example(shared: Path, name: str) -> Any:
    return json.loads((shared / "visma_net" / "examples" / name).read_text(encoding="utf-8"))


def test_every_swagger_example_has_a_model(shared_apis: Path) -> None:
    found = {
        p.name.removeprefix("swagger-example-").removesuffix("-dto.json")
        for p in (shared_apis / "visma_net" / "examples").glob("swagger-example-*-dto.json")
    }
    assert found == set(SWAGGER)


@pytest.mark.parametrize("name", sorted(SWAGGER))
def test_swagger_example_parses_and_keeps_every_field(shared_apis: Path, name: str) -> None:
    payload = _example(shared_apis, f"swagger-example-{name}-dto.json")
    record = SWAGGER[name].model_validate(payload)
    dumped = record.model_dump(by_alias=True, exclude_unset=True, mode="json")
    assert set(dumped) == set(payload), "a field of the example was lost"


def test_documented_bodies_parse_into_their_models(shared_apis: Path) -> None:
    docs = _example(shared_apis, "official-doc-examples.json")
    customer = m.Customer.model_validate(_unwrap(docs["post_customer_minimal"]["body"]))
    assert customer.number == "10000" and customer.customerClassId == "1"
    assert customer.mainAddress is not None and customer.mainAddress.countryId == "NO"
    invoice = m.CustomerInvoice.model_validate(_unwrap(docs["post_customer_invoice_minimal"]["body"]))
    assert invoice.invoiceLines and invoice.invoiceLines[0].operation == "Insert"
    order = m.SalesOrder.model_validate(docs["salesorder_v3_post"]["body"])
    assert order.customer and order.customer.id == "10000"
    assert order.orderLines and order.orderLines[0].inventoryId == "SomeItem1"
    line = m.SalesOrderLine.model_validate(docs["salesorder_v3_lines_get"]["body"]["value"][0])
    assert line.inventory and line.inventory.id == "SomeItem1"
    assert (
        m.ListMetadata.model_validate(docs["list_item_metadata"]["body_fragment"]["metadata"]).maxPageSize
        == 10
    )


def _unwrap(body: Any) -> Any:
    from flowhub_visma_net.wire import unwrap

    return unwrap(body)
