"""Write bodies: scalars wrapped as {"value": X}, only the fields the flow set, lines with operations."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flowhub_visma_net import models as m
from flowhub_visma_net.wire import to_wire, unwrap

from flowhub.errors import RejectedError


def test_scalars_and_nested_objects_are_wrapped_as_the_customer_dto_wants() -> None:
    customer = m.Customer.model_validate(
        {
            "name": "Fjellbygg AS",
            "overrideWithClassValues": True,
            "customerClassId": "BEDRIFT",
            "mainAddress": {"addressLine1": "Fjordgata 22", "countryId": "NO"},
        }
    )
    assert to_wire(customer, "CustomerUpdateDto", mode="create", what="customer") == {
        "name": {"value": "Fjellbygg AS"},
        "overrideWithClassValues": True,
        "customerClassId": {"value": "BEDRIFT"},
        "mainAddress": {"value": {"addressLine1": {"value": "Fjordgata 22"}, "countryId": {"value": "NO"}}},
    }


def test_a_null_is_sent_only_when_the_flow_set_it() -> None:
    untouched = m.Customer.model_validate({"name": "A"})
    cleared = m.Customer.model_validate({"name": "A", "corporateId": None})
    assert "corporateId" not in to_wire(untouched, "CustomerUpdateDto", mode="update", what="customer")
    assert to_wire(cleared, "CustomerUpdateDto", mode="update", what="customer")["corporateId"] == {
        "value": None
    }


def test_read_side_references_are_sent_by_id() -> None:
    customer = m.Customer.model_validate(
        {
            "creditTerms": {"id": "14D", "description": "14 dager"},
            "priceClass": {"id": "BEDRIFT"},
            "mainAddress": {"country": {"id": "SE", "name": "Sverige"}, "addressId": 7},
        }
    )
    body = to_wire(customer, "CustomerUpdateDto", mode="update", what="customer")
    assert body == {
        "creditTermsId": {"value": "14D"},
        "priceClassId": {"value": "BEDRIFT"},
        "mainAddress": {"value": {"countryId": {"value": "SE"}}},
    }


def test_invoice_lines_carry_an_operation_and_numbers_stay_numbers() -> None:
    invoice = m.CustomerInvoice.model_validate(
        {
            "customerNumber": "10001",
            "invoiceLines": [
                {
                    "inventoryNumber": "FH-1001",
                    "quantity": Decimal("2.0"),
                    "unitPriceInCurrency": Decimal("239.20"),
                },
                {"lineNumber": 1, "operation": "Delete"},
            ],
        }
    )
    created = to_wire(invoice, "CustomerInvoiceUpdateDto", mode="create", what="customer_invoice")
    assert created["invoiceLines"][0] == {
        "inventoryNumber": {"value": "FH-1001"},
        "quantity": {"value": 2},
        "unitPriceInCurrency": {"value": 239.2},
        "operation": "Insert",
    }
    assert created["invoiceLines"][1] == {"lineNumber": {"value": 1}, "operation": "Delete"}
    updated = to_wire(
        m.CustomerInvoice.model_validate({"invoiceLines": [{"lineNumber": 2, "quantity": 1}]}),
        "CustomerInvoiceUpdateDto",
        mode="update",
        what="customer_invoice",
    )
    assert updated["invoiceLines"][0]["operation"] == "Update"


def test_item_attributes_become_attribute_lines() -> None:
    item = m.InventoryItem.model_validate(
        {"inventoryNumber": "FH-HOOD-S-SORT", "attributes": [{"id": "FARGE", "value": "Sort"}]}
    )
    body = to_wire(item, "InventoryUpdateDto", mode="create", what="inventory_item")
    assert body["attributeLines"] == [
        {"attributeId": {"value": "FARGE"}, "attributeValue": {"value": "Sort"}}
    ]


def test_a_field_the_write_dto_lacks_is_refused_with_the_writable_ones_named() -> None:
    item = m.InventoryItem.model_validate({"inventoryNumber": "X", "inventoryId": 5})
    with pytest.raises(
        RejectedError,
        match=r"^visma_net: inventory_item: field 'inventoryId' cannot be written "
        r"\(InventoryUpdateDto has no such field; writable: .*inventoryNumber",
    ):
        to_wire(item, "InventoryUpdateDto", mode="create", what="inventory_item")


def test_unwrap_reverses_wrapping() -> None:
    assert unwrap({"a": {"value": {"b": {"value": 1}}}, "c": [{"value": 2}], "d": True}) == {
        "a": {"b": 1},
        "c": [2],
        "d": True,
    }
