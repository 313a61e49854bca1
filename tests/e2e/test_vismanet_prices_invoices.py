"""Orders as Visma.net invoices (A6) and wholesale prices as price-class prices (A3), end to end
between the WooCommerce and Visma.net sandboxes, with the shipped flows."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from flowhub.runner import RunSummary
from tests.e2e.apicenter import Apicenter, apicenter

PRODUCTS = ["woocommerce-products-to-vismanet", "woocommerce-variations-to-vismanet"]
SALES_ORDERS = "woocommerce-orders-to-vismanet"
INVOICES = "woocommerce-orders-to-vismanet-invoices"
PRICES = "woocommerce-prices-to-vismanet"
GROSSIST = "woocommerce-grossist-prices-to-vismanet"  # a copy of PRICES for another price class
WHOLESALE = "wholesale_customer_wholesale_price"


@dataclass
class Prices(Apicenter):
    """The scene, and the wholesale prices of the shop and of Visma.net's price classes."""

    def set_meta(self, product_id: int, key: str, value: str) -> None:
        """A role price as Wholesale Suite stores it: an entry of the product's meta_data."""
        meta = {"meta_data": [{"key": key, "value": value}]}
        self.shop.put(f"/products/{product_id}", json=meta).raise_for_status()

    def class_prices(self, price_class: str) -> dict[str, list[Any]]:
        """The sales prices of one price class, per inventory number (a list, to see duplicates)."""
        found: dict[str, list[Any]] = {}
        for price in self.erp("customer_sales_price"):
            if price.priceType == "CustomerPriceClass" and price.priceCode == price_class:
                found.setdefault(price.inventoryId, []).append(price)
        return found


@pytest.fixture
def ac(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Prices]:
    with apicenter(tmp_path, monkeypatch, Prices) as scene:
        yield scene


def _nothing_written(summary: RunSummary) -> tuple[int, int, int]:
    return summary.counts["created"], summary.counts["updated"], summary.counts["failed"]


# -- A6: orders as invoices --------------------------------------------------------------------
def test_the_invoice_flow_is_shipped_switched_off(ac: Prices) -> None:
    summary = ac.run(INVOICES)
    assert summary.status == "disabled"
    assert ac.erp("customer_invoice") == []


def test_switched_on_paid_orders_arrive_as_invoices_once_and_a_rerun_creates_nothing(ac: Prices) -> None:
    ac.edit_flow(SALES_ORDERS, enabled=False)  # the switch: invoices instead of sales orders
    ac.edit_flow(INVOICES, enabled=True)
    orders_before = len(ac.erp("sales_order"))
    for flow in [*PRODUCTS, SALES_ORDERS, INVOICES]:
        assert ac.run(flow).exit_code == 0, flow
    wanted = ac.paid_orders()
    invoices = ac.erp("customer_invoice")
    refs = sorted(i.externalReference for i in invoices)
    assert refs == sorted(wanted)  # every paid order, each exactly once, and nothing else
    assert len(ac.erp("sales_order")) == orders_before  # no sales orders besides the seeded ones
    invoice = next(i for i in invoices if i.externalReference == refs[0])
    order = wanted[refs[0]]
    assert invoice.customerRefNumber == str(order["number"])
    shipping = [("FRAKT", 1) for sl in order["shipping_lines"] if float(sl["total"])]  # A1: shipping costs as a line
    assert [(line.inventoryNumber, int(line.quantity)) for line in invoice.invoiceLines or []] == [
        (item["sku"], item["quantity"]) for item in order["line_items"]
    ] + shipping
    for number, account in _revenue_accounts(invoices, wanted).items():  # A1: revenue account per country
        country = wanted[number]["billing"]["country"]
        assert account == {"NO": "3000", "SE": "3100", "DK": "3100", "DE": "3100"}.get(country, "3200"), (number, country)
    again = ac.run(INVOICES)
    assert _nothing_written(again) == (0, 0, 0)
    assert len(ac.erp("customer_invoice")) == len(invoices)


def test_each_invoice_goes_to_the_customer_found_or_made_by_the_buyer_s_e_mail(ac: Prices) -> None:
    ac.edit_flow(INVOICES, enabled=True)
    for flow in [*PRODUCTS, INVOICES]:
        ac.run(flow)
    customers = {c.number: c for c in ac.erp("customer")}
    orders = ac.paid_orders()
    invoices = ac.erp("customer_invoice")
    assert len({i.customer.number for i in invoices if i.customer}) > 1  # buyers, not one default debtor
    for invoice in invoices:
        assert invoice.customer is not None
        customer = customers[invoice.customer.number]
        emails = {str(getattr(c, "email", None) or "").lower()
                  for c in (customer.mainContact, customer.invoiceContact, customer.deliveryContact) if c}
        assert str(orders[invoice.externalReference]["billing"]["email"]).lower() in emails


def test_orders_that_are_sales_orders_in_visma_are_not_invoiced_even_without_id_links(ac: Prices) -> None:
    for flow in [*PRODUCTS, SALES_ORDERS]:
        assert ac.run(flow).exit_code == 0
    shutil.rmtree(ac.root / ".flowhub")  # a new installation: the sales-order flow's links are gone
    ac.edit_flow(INVOICES, enabled=True)
    summary = ac.run(INVOICES)
    assert summary.exit_code == 0
    assert summary.counts["created"] == 0  # each found in Visma.net by its customer reference
    assert summary.counts["skipped"] == len(ac.paid_orders())
    assert ac.erp("customer_invoice") == []


def test_switching_over_from_sales_orders_invoices_only_orders_not_sent_before(ac: Prices) -> None:
    for flow in [*PRODUCTS, SALES_ORDERS]:
        assert ac.run(flow).exit_code == 0
    sent = {o.customerRefNo for o in ac.erp("sales_order") if o.customerRefNo}
    from_shop = sent & set(ac.paid_orders())
    assert len(from_shop) >= 21
    ac.edit_flow(SALES_ORDERS, enabled=False)
    ac.edit_flow(INVOICES, enabled=True)
    billing = {"first_name": "Nina", "last_name": "Nybakk", "address_1": "Elvegata 3", "postcode": "7010",
               "city": "Trondheim", "country": "NO", "email": "nina.nybakk@example.test"}
    new = ac.shop.post("/orders", json={"status": "processing", "billing": billing, "payment_method": "bacs",
                                        "line_items": [{"product_id": 26, "quantity": 2}]})
    new.raise_for_status()
    number = str(new.json()["number"])
    summary = ac.run(INVOICES)
    assert summary.exit_code == 0
    assert summary.counts["created"] == 1
    assert summary.counts["skipped"] == len(from_shop)  # found by the sales-order flow's id links
    invoices = ac.erp("customer_invoice")
    assert [i.externalReference for i in invoices] == [number]  # none of the orders sent before
    assert ac.run(SALES_ORDERS).status == "disabled"
    assert {o.customerRefNo for o in ac.erp("sales_order") if o.customerRefNo} == sent


# -- A3: wholesale prices as price-class prices ------------------------------------------------
def test_a_wholesale_price_becomes_the_class_price_once_and_a_rerun_creates_nothing(ac: Prices) -> None:
    seeded = ac.class_prices("FORHANDLER")
    assert len(seeded["FH-2001"]) == 1 and "FH-3001" not in seeded
    ac.set_meta(26, WHOLESALE, "149.00")  # FH-2001: has a FORHANDLER price already
    ac.set_meta(31, WHOLESALE, "500")  # FH-3001: has none yet
    first = ac.run(PRICES)
    assert first.exit_code == 0
    assert (first.counts["created"], first.counts["updated"]) == (1, 1)
    prices = ac.class_prices("FORHANDLER")
    assert [float(p.price) for p in prices["FH-3001"]] == [400.0]  # without 25 % VAT
    assert [float(p.price) for p in prices["FH-2001"]] == [119.2]  # the existing price, updated
    assert set(prices) == set(seeded) | {"FH-3001"}  # products without the role price get none
    again = ac.run(PRICES)
    assert _nothing_written(again) == (0, 0, 0)
    ac.set_meta(31, WHOLESALE, "450")
    changed = ac.run(PRICES)
    assert _nothing_written(changed) == (0, 1, 0)
    assert [float(p.price) for p in ac.class_prices("FORHANDLER")["FH-3001"]] == [360.0]


def test_no_price_while_the_item_is_missing_and_it_follows_once_the_item_exists(ac: Prices) -> None:
    ac.set_meta(47, WHOLESALE, "40")  # FH-9002: in the shop, not yet in Visma.net
    first = ac.run(PRICES)
    assert (first.counts["waiting"], first.counts["created"], first.exit_code) == (1, 0, 0)
    assert "FH-9002" not in ac.class_prices("FORHANDLER")
    rerun = ac.run(PRICES)  # still waiting (retried, and re-read in the look-back window)
    assert rerun.counts["waiting"] >= 1 and _nothing_written(rerun) == (0, 0, 0)
    for flow in PRODUCTS:
        ac.run(flow)  # creates FH-9002 in Visma.net
    later = ac.run(PRICES)
    assert (later.counts["created"], later.counts["waiting"]) == (1, 0)
    assert [float(p.price) for p in ac.class_prices("FORHANDLER")["FH-9002"]] == [32.0]
    assert _nothing_written(ac.run(PRICES)) == (0, 0, 0)


def test_no_price_while_the_price_class_is_missing_and_it_follows_once_it_exists(ac: Prices) -> None:
    ac.edit_flow(PRICES, GROSSIST,  # one flow per price class: a copy with the role's key and the class
                 settings={"price_meta_key": "wholesale_grossist_wholesale_price", "price_class": "GROSSIST"})
    ac.set_meta(31, "wholesale_grossist_wholesale_price", "450")
    ac.set_meta(26, WHOLESALE, "149.00")  # another role's price: not this flow's business
    first = ac.run(GROSSIST)
    assert (first.counts["waiting"], first.counts["created"], first.exit_code) == (1, 0, 0)
    rerun = ac.run(GROSSIST)  # still waiting (retried, and re-read in the look-back window)
    assert rerun.counts["waiting"] >= 1 and _nothing_written(rerun) == (0, 0, 0)
    assert ac.class_prices("GROSSIST") == {}
    store = ac.erp_store
    with store.lock:  # an accountant creates the price class in Visma.net
        store.table("priceclass", "id").put(store.touch({"id": "GROSSIST", "description": "Grossister"},
                                                        created=True))
    later = ac.run(GROSSIST)
    assert (later.counts["created"], later.counts["waiting"]) == (1, 0)
    prices = {k: [float(p.price) for p in v] for k, v in ac.class_prices("GROSSIST").items()}
    assert prices == {"FH-3001": [360.0]}
    assert _nothing_written(ac.run(GROSSIST)) == (0, 0, 0)


def _revenue_accounts(invoices: list[Any], orders: dict[str, Any]) -> dict[str, str]:
    """Invoice (by order number) -> the one revenue account all its lines carry."""
    accounts = {}
    for invoice in invoices:
        found = {line.accountNumber or (line.model_extra or {}).get("account") for line in invoice.invoiceLines or []}
        assert len(found) == 1, (invoice.externalReference, found)
        accounts[invoice.externalReference] = str(found.pop())
    return accounts
