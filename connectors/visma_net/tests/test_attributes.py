"""Attribute definitions and item characteristics (A10), against the sandbox on loopback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flowhub_visma_net import models as m
from flowhub_visma_net.connector import VismaNet

from flowhub.connector import ReadQuery
from flowhub.errors import RejectedError

Start = Callable[..., tuple[Any, dict[str, Any]]]
Open = Callable[..., VismaNet]


def test_attributes_are_listed_found_by_id_and_created(visma: Start, connect: Open) -> None:
    _, settings = visma()
    attributes = connect(settings).entity("attribute")
    assert {a.attributeID for a in attributes.read(ReadQuery())} >= {"STORRELSE", "FARGE"}
    assert attributes.get("MATERIALE") is None
    made = attributes.create(m.Attribute(attributeID="MATERIALE", description="Materiale", controlType="Text"))
    assert (made.attributeID, made.description, made.controlType) == ("MATERIALE", "Materiale", "Text")
    assert [a.attributeID for a in attributes.find("attributeID", "MATERIALE")] == ["MATERIALE"]


def test_an_item_takes_values_of_defined_attributes_only(visma: Start, connect: Open) -> None:
    _, settings = visma()
    erp = connect(settings)
    items = erp.entity("inventory_item")
    with pytest.raises(RejectedError, match=r"'Attribute' cannot be found in the system: 'OPPRINNELSE'"):
        items.update("FH-1001", m.InventoryItem.model_validate({"attributes": [{"id": "OPPRINNELSE", "value": "Norge"}]}))
    erp.entity("attribute").create(m.Attribute(attributeID="OPPRINNELSE", description="Opprinnelsesland"))
    items.update("FH-1001", m.InventoryItem.model_validate({"attributes": [{"id": "OPPRINNELSE", "value": "Norge"}]}))
    item = items.get("FH-1001")
    assert item is not None
    assert [(a.id, a.value, a.description) for a in item.attributes or []] == [("OPPRINNELSE", "Norge", "Opprinnelsesland")]
