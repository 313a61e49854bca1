"""The APIcenter flows (seed A) end to end between the WooCommerce and Visma.net sandboxes."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowhub.sandboxes import Faults
from tests.e2e.apicenter import Apicenter, apicenter

wc = pytest.importorskip("flowhub_woocommerce.sandbox")
vn = pytest.importorskip("flowhub_visma_net.sandbox")
PRODUCTS = ["woocommerce-products-to-vismanet", "woocommerce-variations-to-vismanet"]
ORDERS = "woocommerce-orders-to-vismanet"


@pytest.fixture
def ac(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Apicenter]:
    with apicenter(tmp_path, monkeypatch) as scene:
        yield scene


def test_products_then_orders_reach_visma_and_a_rerun_creates_nothing(ac: Apicenter) -> None:
    for flow in [*PRODUCTS, ORDERS]:
        assert ac.run(flow).exit_code == 0
    orders = ac.erp("sales_order")
    refs = [o.customerRefNo for o in orders if o.customerRefNo]
    assert len(refs) == len(set(refs)) >= 21  # A4: processing and completed orders, once each
    for flow in [*PRODUCTS, ORDERS]:
        again = ac.run(flow)
        assert (again.counts["created"], again.counts["updated"], again.counts["failed"]) == (0, 0, 0), flow
    assert len(ac.erp("sales_order")) == len(orders)


def test_the_transfer_is_noted_on_the_shop_order_once(ac: Apicenter) -> None:
    for flow in [*PRODUCTS, ORDERS]:
        ac.run(flow)
    sent = {o.customerRefNo: o for o in ac.erp("sales_order") if o.customerRefNo}
    shop = {str(o["number"]): o for o in ac.shop.get("/orders", params={"per_page": 100}).json()}
    number = sorted(set(sent) & set(shop))[0]
    order_id = shop[number]["id"]

    def notes() -> list[str]:
        return [n["note"] for n in ac.shop.get(f"/orders/{order_id}/notes").json() if "Visma.net" in n["note"]]

    assert len(notes()) == 1 and notes()[0].startswith("Sent to Visma.net as sales order ")
    assert str(sent[number].id) in notes()[0]  # the sales order's number, to find it in Visma.net
    assert shop[number]["status"] == ac.shop.get(f"/orders/{order_id}").json()["status"]  # status switch off
    ac.run(ORDERS)
    assert len(notes()) == 1  # a re-run writes no second note


def test_an_order_for_an_unknown_sku_waits_and_goes_through_once_the_item_exists(ac: Apicenter) -> None:
    first = ac.run(ORDERS)  # products not synced yet: FH-9002 is missing in Visma.net
    assert first.counts["waiting"] >= 1
    assert first.exit_code == 0
    for flow in PRODUCTS:
        ac.run(flow)  # creates FH-9002 in Visma.net
    later = ac.run(ORDERS)
    assert later.counts["created"] >= 1 and later.counts["waiting"] == 0


def test_with_the_switch_on_an_order_for_an_unknown_sku_creates_the_item_and_goes_through(ac: Apicenter) -> None:
    flow = ac.root / "flows" / f"{ORDERS}.yaml"
    flow.write_text(flow.read_text().replace("create_missing_items: false", "create_missing_items: true"))
    assert not [i for i in ac.erp("inventory_item") if i.inventoryNumber == "FH-9002"]
    first = ac.run(ORDERS)  # products not synced: FH-9002 is missing, and is created with its order
    assert (first.counts["waiting"], first.counts["failed"]) == (0, 0) and first.counts["created"] >= 21
    items = [i for i in ac.erp("inventory_item") if i.inventoryNumber in ("FH-9001", "FH-9002")]
    assert [i.inventoryNumber for i in items] == ["FH-9002"]  # the one a paid order has, once
    assert ac.run(ORDERS).counts["created"] == 0


def test_a_company_order_makes_a_company_customer_with_a_contact_person(ac: Apicenter) -> None:
    order = ac.shop.get("/orders/76").json()
    billing = {**order["billing"], "company": "Fjellbygg Testlag AS", "email": "innkjop@fjellbygg-test.example"}
    ac.shop.put("/orders/76", json={"billing": billing}).raise_for_status()
    for flow in [*PRODUCTS, ORDERS]:
        ac.run(flow)
    customers = {c.name: c for c in ac.erp("customer")}
    company = customers["Fjellbygg Testlag AS"]
    assert company.customerClass and company.customerClass.id == "BEDRIFT"  # A5
    contacts = [c for c in ac.erp("contact") if getattr(c, "email", None) == "innkjop@fjellbygg-test.example"]
    assert len(contacts) == 1
    person = [c for c in customers.values() if c.customerClass and c.customerClass.id == "PRIVAT"]
    assert person, "orders without a company make person customers"


def test_stock_goes_back_to_the_shop_as_available_minus_reservations(ac: Apicenter) -> None:
    for flow in [*PRODUCTS, ORDERS, "vismanet-stock-to-woocommerce-products"]:
        assert ac.run(flow).exit_code == 0
    stock = {s.inventoryNumber: s for s in ac.erp("stock")}
    product = ac.shop.get("/products", params={"sku": "FH-1001"}).json()[0]
    assert product["manage_stock"] is True
    assert product["stock_quantity"] == max(int(stock["FH-1001"].availableMinusBooked), 0)  # A2
    assert ac.run("vismanet-stock-to-woocommerce-products").counts["updated"] == 0  # changes only


def test_with_a_fifth_of_requests_failing_every_order_arrives_exactly_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = wc.generate(orders=300, customers=30, products=40, seed=5)
    faults = Faults(rate=0.2, kinds=["429", "500", "502", "503", "timeout"], retry_after=0.01, timeout_s=0.3,
                    seed=11)
    with apicenter(tmp_path, monkeypatch, shop={"seed": copy.deepcopy(seed), "faults": faults},
                   erp={"faults": faults}) as ac:
        for _ in range(3):  # what a failure left behind goes through on the next runs
            for flow in [*PRODUCTS, ORDERS]:
                ac.run(flow)
        wanted = {str(o["number"]) for o in seed["orders"] if o["status"] in ("processing", "completed")}
        refs = [o.customerRefNo for o in ac.erp("sales_order") if o.customerRefNo in wanted]
        assert sorted(refs) == sorted(wanted)  # each exactly once


def test_a_sales_order_completed_or_cancelled_in_visma_sets_the_shop_order_status(ac: Apicenter) -> None:
    for flow in [*PRODUCTS, ORDERS]:
        ac.run(flow)
    numbers = {str(o["number"]) for o in ac.shop.get("/orders", params={"per_page": 100}).json()}
    orders = sorted((o for o in ac.erp("sales_order") if o.customerRefNo in numbers), key=lambda o: o.id or "")
    shipped, cancelled, left = orders[0], orders[1], orders[2]
    left_before = next(o["status"] for o in ac.shop.get("/orders", params={"per_page": 100}).json()
                       if str(o["number"]) == left.customerRefNo)
    from flowhub_visma_net.connector import VismaNet

    settings = VismaNet.settings_model.model_validate(vn.SANDBOX.connection(ac.erp_url))
    with VismaNet(settings) as erp:  # what people do in Visma.net: ship one order, cancel another
        api = erp.client.erp
        answer = api.json(api.post(f"/v1/salesorder/{shipped.id}/action/createShipment"))
        api.post(f"/v1/shipment/{answer['referenceNumber']}/action/confirmShipment")
        api.post(f"/v1/salesorder/{cancelled.id}/action/cancelSalesOrder")
    summary = ac.run("vismanet-order-status-to-woocommerce")
    assert summary.exit_code == 0 and summary.counts["updated"] == 2, (summary.counts, summary.failures[:2])
    by_number = {str(o["number"]): o for o in ac.shop.get("/orders", params={"per_page": 100}).json()}
    assert by_number[shipped.customerRefNo]["status"] == "completed"
    assert by_number[cancelled.customerRefNo]["status"] == "cancelled"
    assert by_number[left.customerRefNo]["status"] == left_before  # still open in Visma.net: left alone
    assert ac.run("vismanet-order-status-to-woocommerce").counts["updated"] == 0


def test_coupon_discounts_the_shipping_method_and_shipping_costs_reach_the_sales_order(ac: Apicenter) -> None:
    for flow in [*PRODUCTS, ORDERS]:
        ac.run(flow)
    shop = {str(o["number"]): o for o in ac.shop.get("/orders", params={"per_page": 100}).json()}
    with_coupon = next(o for o in shop.values() if o["status"] in ("processing", "completed") and o["shipping_lines"]
                       and any(float(li["subtotal"]) > float(li["total"]) for li in o["line_items"]))
    from flowhub_visma_net.connector import VismaNet

    settings = VismaNet.settings_model.model_validate(vn.SANDBOX.connection(ac.erp_url))
    with VismaNet(settings) as erp:
        sent = erp.entity("sales_order").find("customerRefNo", str(with_coupon["number"]))
        assert len(sent) == 1
        order = erp.entity("sales_order").get(sent[0].id if "/" in str(sent[0].id) else f"{sent[0].type}/{sent[0].id}")
    assert order is not None and order.shipping is not None and order.shipping.shipVia == "POSTEN"
    lines = order.orderLines or []
    products, rest = lines[: len(with_coupon["line_items"])], lines[len(with_coupon["line_items"]):]
    discounts = [float(line.discountAmount or 0) for line in products]
    expected = [float(li["subtotal"]) - float(li["total"]) for li in with_coupon["line_items"]]
    assert discounts == pytest.approx(expected) and sum(discounts) > 0
    shipping = [sl for sl in with_coupon["shipping_lines"] if float(sl["total"])]
    assert [(_item_of(line), float(line.unitPrice or 0), float(line.quantity or 0)) for line in rest] == [
        ("FRAKT", pytest.approx(float(sl["total"])), 1.0) for sl in shipping]  # A1: shipping costs as a line


def _item_of(line: Any) -> str | None:
    """The item of a sales order line as v3 answers it (``inventory.id``) or as sent (``inventoryId``)."""
    return line.inventory.id if line.inventory is not None else line.inventoryId


def test_characteristics_reach_the_item_as_attributes_and_their_definition_is_made_once(ac: Apicenter) -> None:
    attributes = [{"name": "Materiale", "visible": True, "variation": False, "options": ["Merinoull"]},
                  {"name": "Vaskeanvisning", "visible": True, "variation": False, "options": ["30 grader"]}]
    product = ac.shop.post("/products", json={"name": "Ullsokker", "sku": "FH-7101", "regular_price": "149.00",
                                              "attributes": attributes}).json()
    first = ac.run(PRODUCTS[0])
    assert first.counts["failed"] == 0
    definitions = [a for a in ac.erp("attribute") if a.attributeID == "MATERIALE"]
    assert [(a.description, a.controlType) for a in definitions] == [("Materiale", "Text")]  # made once

    def item_attributes() -> list[tuple[str | None, str | None]]:
        item = next(i for i in ac.erp("inventory_item") if i.inventoryNumber == "FH-7101")
        return [(a.id, a.value) for a in item.attributes or []]

    assert item_attributes() == [("MATERIALE", "Merinoull")]  # Vaskeanvisning is not a mapped characteristic
    again = ac.run(PRODUCTS[0])
    assert (again.counts["created"], again.counts["updated"]) == (0, 0)
    attributes[0]["options"] = ["Merinoull", "Nylon"]
    ac.shop.put(f"/products/{product['id']}", json={"attributes": attributes})
    changed = ac.run(PRODUCTS[0])
    assert changed.counts["updated"] == 1
    assert item_attributes() == [("MATERIALE", "Merinoull, Nylon")]
    assert len([a for a in ac.erp("attribute") if a.attributeID == "MATERIALE"]) == 1
