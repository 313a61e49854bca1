"""A variable product's characteristics on its variations' Visma.net items (A10), end to end
between the WooCommerce and Visma.net sandboxes on loopback, with the shipped flows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from flowhub.runner import RunSummary
from tests.e2e.apicenter import Apicenter, apicenter

PRODUCTS = ["woocommerce-products-to-vismanet", "woocommerce-variations-to-vismanet"]
DEFINITIONS = ("MATERIALE", "STORRELSE", "FARGE")  # the flows' shipped `characteristics` ids
SKUS = ("FH-7201-S", "FH-7201-M")
PAST_LOOKBACK = timedelta(minutes=6)  # the variations flow looks back 5m; OAuth allows the clock 15m off


@dataclass
class ShopClock:
    """The shop's clock: real time moved on by hand, so records can be older than the look-back."""

    ahead: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


@dataclass
class Characteristics(Apicenter):
    """The scene with the shop's clock at hand, and the variation items' attributes."""

    clock: ShopClock = field(default_factory=ShopClock)

    def run_products(self) -> list[RunSummary]:
        """The products flow, then the variations flow (its `after:`)."""
        return [self.run(flow) for flow in PRODUCTS]

    def item_attributes(self) -> dict[str, list[tuple[str | None, str | None]]]:
        """The Visma.net attribute values of the test product's variation items, by SKU."""
        items = {i.inventoryNumber: i for i in self.erp("inventory_item") if i.inventoryNumber in SKUS}
        return {sku: [(a.id, a.value) for a in items[sku].attributes or []] for sku in SKUS if sku in items}

    def definitions(self) -> list[str]:
        return sorted(a.attributeID for a in self.erp("attribute") if a.attributeID in DEFINITIONS)


@pytest.fixture
def ac(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Characteristics]:
    clock = ShopClock()
    with apicenter(tmp_path, monkeypatch, Characteristics, shop={"now": clock}, clock=clock) as scene:
        yield scene


def _attributes(material: list[str]) -> list[dict[str, Any]]:
    """A rain jacket's attributes: material and care (characteristics) and size (its variations)."""
    return [{"name": "Materiale", "visible": True, "variation": False, "options": material},
            {"name": "Vaskeanvisning", "visible": True, "variation": False, "options": ["30 grader"]},
            {"name": "Størrelse", "visible": True, "variation": True, "options": ["S", "M"]}]


@pytest.fixture
def jacket(ac: Characteristics) -> dict[str, Any]:
    """A variable product with a characteristic of its own and two variations by size."""
    product = ac.shop.post("/products", json={"name": "Regnjakke Fjell", "type": "variable", "sku": "FH-7201",
                                              "attributes": _attributes(["Polyester"])}).json()
    for size in ("S", "M"):
        created = ac.shop.post(f"/products/{product['id']}/variations", json={
            "sku": f"FH-7201-{size}", "regular_price": "1249.00",
            "attributes": [{"name": "Størrelse", "option": size}]})
        assert created.status_code == 201, created.text
    return product


def test_variation_items_carry_the_parents_characteristics_and_their_own_mapped_attributes(
        ac: Characteristics, jacket: dict[str, Any]) -> None:
    assert all(run.counts["failed"] == 0 for run in ac.run_products())
    assert ac.item_attributes() == {  # Vaskeanvisning is no mapped characteristic
        "FH-7201-S": [("MATERIALE", "Polyester"), ("STORRELSE", "S")],
        "FH-7201-M": [("MATERIALE", "Polyester"), ("STORRELSE", "M")],
    }
    assert ac.definitions() == sorted(DEFINITIONS)  # each made once, whichever flow met it first


def test_a_rerun_of_the_products_and_variations_flows_writes_nothing(ac: Characteristics, jacket: dict[str, Any]) -> None:
    ac.run_products()
    for flow, again in zip(PRODUCTS, ac.run_products(), strict=True):
        assert (again.counts["created"], again.counts["updated"], again.counts["failed"]) == (0, 0, 0), flow
    assert ac.definitions() == sorted(DEFINITIONS)


def test_a_changed_characteristic_of_the_parent_reaches_its_variations_items(
        ac: Characteristics, jacket: dict[str, Any]) -> None:
    """Even when the variations are older than the variations flow's look-back: their dates stay."""
    ac.run_products()
    ac.clock.ahead += PAST_LOOKBACK
    touched = ac.shop.put("/products/57/variations/58", json={"stock_quantity": 7})  # the cursor moves on
    assert touched.status_code == 200, touched.text
    ac.run_products()
    ac.clock.ahead += PAST_LOOKBACK  # now the jacket's variations are before the look-back window
    ac.shop.put(f"/products/{jacket['id']}", json={"attributes": _attributes(["Polyester", "Gore-Tex"])})
    products, variations = ac.run_products()
    assert (variations.counts["updated"], variations.counts["failed"]) == (2, 0)  # these two, no other item
    assert ac.item_attributes() == {
        "FH-7201-S": [("MATERIALE", "Polyester, Gore-Tex"), ("STORRELSE", "S")],
        "FH-7201-M": [("MATERIALE", "Polyester, Gore-Tex"), ("STORRELSE", "M")],
    }
    assert ac.definitions() == sorted(DEFINITIONS)
    assert all(run.counts["updated"] == 0 for run in ac.run_products())
