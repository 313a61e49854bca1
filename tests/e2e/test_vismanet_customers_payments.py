"""Registered shop customers ("Kundenupdate") and shop payments into Visma.net (A1), end to end
between the WooCommerce and Visma.net sandboxes on loopback, with the shipped flows."""

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
CUSTOMERS = "woocommerce-customers-to-vismanet"
PAYMENTS = "woocommerce-payments-to-vismanet"
PAID_IN_SHOP = ("stripe", "vipps", "kco", "klarna")  # the payments flow's shipped `paid_in_shop`
NEW_CUSTOMER = {  # a company registering with a billing e-mail of its own (capture 093)
    "email": "ordre@hyttekos.example.test", "first_name": "Hanne", "last_name": "Lund", "username": "hyttekos",
    "billing": {"first_name": "Hanne", "last_name": "Lund", "company": "Hyttekos AS", "address_1": "Fjellveien 3",
                "city": "Lillehammer", "postcode": "2615", "country": "NO",
                "email": "Faktura@Hyttekos.example.test", "phone": "+47 61 00 00 00"},
}


@dataclass
class Accounts(Apicenter):
    """The scene, and the customers and payments on both sides."""

    def switch(self, **enabled: bool) -> None:
        """Switch shipped flows on or off in the scratch copy, as a user edits `enabled:`."""
        names = {"sales_orders": SALES_ORDERS, "invoices": INVOICES, "payments": PAYMENTS}
        for key, on in enabled.items():
            self.edit_flow(names[key], enabled=on)

    def customers_by_email(self) -> dict[str, list[str]]:
        """Visma.net customer numbers per e-mail of any of their contacts (a list, to see duplicates)."""
        found: dict[str, list[str]] = {}
        for customer in self.erp("customer"):
            contacts = (customer.mainContact, customer.invoiceContact, customer.deliveryContact)
            emails = {str(c.email).strip().lower() for c in contacts if c is not None and c.email}
            for email in emails:
                found.setdefault(email, []).append(str(customer.number))
        return found

    def customer(self, number: str) -> Any:
        return next(c for c in self.erp("customer") if c.number == number)

    def shop_customers(self) -> list[dict[str, Any]]:
        """The registered customers the customer flow reads (the connection's default roles)."""
        found = self.shop.get("/customers", params={"per_page": 100, "role": "all"}).json()
        return [c for c in found if c["role"] in ("customer", "subscriber")]

    def paid_in_shop(self) -> dict[str, dict[str, Any]]:
        return {n: o for n, o in self.paid_orders().items()
                if o["date_paid"] and o["payment_method"] in PAID_IN_SHOP}


@pytest.fixture
def ac(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Accounts]:
    with apicenter(tmp_path, monkeypatch, Accounts) as scene:
        yield scene


def _written(summary: RunSummary) -> tuple[int, int, int]:
    return summary.counts["created"], summary.counts["updated"], summary.counts["failed"]


def _number(ref: Any) -> str | None:
    """A customer reference as Visma.net answers it ({id|number, …}) or as sent (the number)."""
    if ref is None or isinstance(ref, str):
        return ref
    return str(ref.number or ref.id)


def _email(customer: dict[str, Any]) -> str:
    return str(customer["billing"]["email"] or customer["email"]).lower()


# -- registered customers ("Kundenupdate") -----------------------------------------------------
def test_shop_customers_are_found_by_e_mail_or_created_once_and_a_rerun_writes_nothing(ac: Accounts) -> None:
    shop = ac.shop_customers()
    before = ac.customers_by_email()
    known = [c for c in shop if _email(c) in before]
    assert known and len(known) < len(shop)  # the seeded company has some of them already
    first = ac.run(CUSTOMERS)
    assert first.exit_code == 0
    assert (first.counts["created"], first.counts["updated"]) == (len(shop) - len(known), len(known))
    after = ac.customers_by_email()
    assert {_email(c): len(after[_email(c)]) for c in shop} == {_email(c): 1 for c in shop}  # each once
    assert all(after[_email(c)] == before[_email(c)] for c in known)  # the customer Visma.net had
    company = next(c for c in shop if c["billing"]["company"] and _email(c) not in before)
    made = ac.customer(after[_email(company)][0])
    assert made.name == company["billing"]["company"]  # A5: a company customer
    assert (made.customerClass.id, made.vatZone.id, made.status) == ("BEDRIFT", "01", "Active")
    abroad = ac.customer(after[next(_email(c) for c in shop if c["billing"]["country"] == "DK")][0])
    assert (abroad.customerClass.id, abroad.vatZone.id) == ("UTLAND", "DK")  # VAT zone by country
    mark = ac.calls()
    again = ac.run(CUSTOMERS)
    assert _written(again) == (0, 0, 0)
    assert ac.writes(mark) == []  # not a single request that changes anything


def test_a_customer_new_in_the_shop_is_created_once_by_its_billing_e_mail(ac: Accounts) -> None:
    assert ac.run(CUSTOMERS).exit_code == 0
    ac.shop.post("/customers", json=NEW_CUSTOMER).raise_for_status()
    mark = ac.calls()
    summary = ac.run(CUSTOMERS)
    assert _written(summary) == (1, 0, 0)
    assert [method for method, path in ac.writes(mark)] == ["POST"]
    numbers = ac.customers_by_email()["faktura@hyttekos.example.test"]
    assert len(numbers) == 1 and "ordre@hyttekos.example.test" not in ac.customers_by_email()
    made = ac.customer(numbers[0])
    assert (made.name, made.mainContact.name, made.mainAddress.city) == ("Hyttekos AS", "Hanne Lund", "Lillehammer")
    assert (made.customerClass.id, made.vatZone.id, made.status) == ("BEDRIFT", "01", "Active")
    assert _written(ac.run(CUSTOMERS)) == (0, 0, 0)
    assert len(ac.customers_by_email()["faktura@hyttekos.example.test"]) == 1


def test_a_changed_customer_is_updated_only_in_the_fields_kept_up_to_date(ac: Accounts) -> None:
    assert ac.run(CUSTOMERS).exit_code == 0
    person = next(c for c in ac.shop_customers() if c["email"] == "erik.larsen@example.test")
    number = ac.customers_by_email()[_email(person)][0]
    created = ac.customer(number)
    assert (created.customerClass.id, created.vatZone.id, created.status) == ("PRIVAT", "01", "Active")
    store = ac.erp_store
    with store.lock:  # the accountant puts the customer on hold in Visma.net
        store.touch(store.table("customer").get(number)).update(status="OnHold")
    billing = {**person["billing"], "company": "Larsen Bygg", "address_1": "Storgatan 9", "postcode": "211 34",
               "city": "Malmö", "country": "SE", "phone": "+46 40 00 00 00"}
    ac.shop.put(f"/customers/{person['id']}", json={"billing": billing}).raise_for_status()
    mark = ac.calls()
    changed = ac.run(CUSTOMERS)
    assert _written(changed) == (0, 1, 0)
    assert ac.writes(mark) == [("PUT", f"/v1/customer/{number}")]  # one update, nothing created
    after = ac.customer(number)
    assert (after.name, after.mainContact.phone1, after.mainAddress.city, _number(after.mainAddress.country)) == (
        "Larsen Bygg", "+46 40 00 00 00", "Malmö", "SE")
    # a company abroad now would be created as BEDRIFT in zone SE; on update class, VAT zone and
    # status stay as they are in Visma.net (set on create, then the accountant's)
    assert (after.customerClass.id, after.vatZone.id, after.status) == ("PRIVAT", "01", "OnHold")
    assert _written(ac.run(CUSTOMERS)) == (0, 0, 0)


@pytest.mark.parametrize("first", ["orders", "customers"])
def test_the_customer_an_order_made_is_the_one_the_customer_flow_finds(ac: Accounts, first: str) -> None:
    shop = {_email(c): c for c in ac.shop_customers()}
    if first == "orders":
        for flow in [*PRODUCTS, SALES_ORDERS]:
            assert ac.run(flow).exit_code == 0, flow
        known = ac.customers_by_email()
        found = ac.run(CUSTOMERS)
        buyers = [e for e in shop if e in known]  # made (or found) by the orders flow
        assert (found.counts["created"], found.counts["updated"]) == (len(shop) - len(buyers), len(buyers))
    else:
        assert ac.run(CUSTOMERS).exit_code == 0
        known = ac.customers_by_email()
        for flow in [*PRODUCTS, SALES_ORDERS]:
            assert ac.run(flow).exit_code == 0, flow
    after = ac.customers_by_email()
    assert {e: n for e, n in after.items() if len(n) > 1} == {}  # no buyer twice, either way round
    assert all(after[e] == known[e] for e in shop)  # the second flow made none of the shop's customers
    orders = ac.paid_orders()
    registered = 0
    for sales_order in ac.erp("sales_order"):
        order = orders.get(str(sales_order.customerRefNo))
        if order is not None and order["billing"]["email"].lower() in shop:
            registered += 1
            assert _number(sales_order.customer) == after[order["billing"]["email"].lower()][0]
    assert registered >= 10  # most paid orders are registered customers'
    for flow in (CUSTOMERS, SALES_ORDERS):
        assert _written(ac.run(flow)) == (0, 0, 0), flow


# -- payments of orders paid in the shop -------------------------------------------------------
def test_the_payment_flow_is_shipped_switched_off(ac: Accounts) -> None:
    assert ac.run(PAYMENTS).status == "disabled"
    assert ac.erp("customer_payment") == []


def test_a_paid_order_s_payment_is_created_once_and_applied_to_its_invoice(ac: Accounts) -> None:
    ac.switch(sales_orders=False, invoices=True, payments=True)
    paid = ac.paid_in_shop()
    assert len(paid) >= 5 and {o["payment_method"] for o in paid.values()} >= {"vipps", "klarna"}
    for flow in [CUSTOMERS, *PRODUCTS, INVOICES]:
        assert ac.run(flow).exit_code == 0, flow
    first = ac.run(PAYMENTS)
    assert (first.counts["created"], first.counts["waiting"], first.counts["failed"]) == (len(paid), 0, 0)
    payments = ac.erp("customer_payment")
    assert sorted(p.paymentRef for p in payments) == sorted(paid)  # each once; bank transfers none
    invoices = {i.externalReference: i for i in ac.erp("customer_invoice")}
    by_email = ac.customers_by_email()
    for payment in payments:
        order, invoice = paid[payment.paymentRef], invoices[payment.paymentRef]
        total = pytest.approx(float(order["total"]))
        assert (payment.type, payment.status, float(payment.paymentAmount)) == ("Payment", "Balanced", total)
        assert [(line.documentType, line.refNbr, float(line.amountPaid)) for line in payment.paymentLines] == [
            ("Invoice", invoice.referenceNumber, total)]
        assert _number(payment.customer) == _number(invoice.customer)  # the invoice's customer
        assert _number(payment.customer) == by_email[order["billing"]["email"].lower()][0]
        assert _number(payment.paymentMethod) == {"vipps": "VIPPS", "klarna": "FAKTURA"}.get(
            order["payment_method"], "KORT")
    mark = ac.calls()
    assert _written(ac.run(PAYMENTS)) == (0, 0, 0)
    shutil.rmtree(ac.root / ".flowhub")  # a new installation: every id link is gone
    fresh = ac.run(PAYMENTS)
    assert _written(fresh) == (0, 0, 0)  # each found again by its reference, the order number
    assert ac.writes(mark) == []
    assert len(ac.erp("customer_payment")) == len(paid)


def test_a_payment_waits_until_its_invoice_exists_then_goes_through_once(ac: Accounts) -> None:
    ac.switch(sales_orders=False, invoices=True, payments=True)
    for flow in [*PRODUCTS, INVOICES, PAYMENTS]:
        assert ac.run(flow).exit_code == 0, flow
    payments_before = len(ac.erp("customer_payment"))
    billing = {"first_name": "Nina", "last_name": "Nybakk", "address_1": "Elvegata 3", "postcode": "7010",
               "city": "Trondheim", "country": "NO", "email": "nina.nybakk@example.test"}
    new = ac.shop.post("/orders", json={"billing": billing, "payment_method": "vipps", "set_paid": True,
                                        "line_items": [{"product_id": 26, "quantity": 2}]})
    new.raise_for_status()
    number = str(new.json()["number"])
    assert new.json()["date_paid"] and new.json()["status"] == "processing"
    early = ac.run(PAYMENTS)
    assert (early.counts["waiting"], _written(early)) == (1, (0, 0, 0))
    assert early.counts["created"] == 0 and len(ac.erp("customer_payment")) == payments_before
    again = ac.run(PAYMENTS)  # still waiting: retried, and re-read in the look-back window
    assert again.counts["waiting"] >= 1 and _written(again) == (0, 0, 0)
    assert ac.run(INVOICES).counts["created"] == 1
    later = ac.run(PAYMENTS)
    assert (later.counts["created"], later.counts["waiting"], later.counts["failed"]) == (1, 0, 0)
    invoice = next(i for i in ac.erp("customer_invoice") if i.externalReference == number)
    made = [p for p in ac.erp("customer_payment") if p.paymentRef == number]
    assert len(made) == 1 and [line.refNbr for line in made[0].paymentLines] == [invoice.referenceNumber]
    assert _written(ac.run(PAYMENTS)) == (0, 0, 0)


def test_orders_sent_as_sales_orders_get_no_payment_and_do_not_wait(ac: Accounts) -> None:
    for flow in [*PRODUCTS, SALES_ORDERS]:
        assert ac.run(flow).exit_code == 0, flow
    ac.switch(sales_orders=False, invoices=True, payments=True)  # the switch to invoices, later
    assert ac.run(INVOICES).counts["created"] == 0  # all of them went as sales orders
    summary = ac.run(PAYMENTS)
    assert (summary.counts["waiting"], _written(summary)) == (0, (0, 0, 0))
    assert summary.counts["skipped"] == len(ac.paid_orders())  # paid in the shop or not
    assert ac.erp("customer_payment") == []


def test_organisation_and_vat_numbers_from_the_checkout_s_custom_fields_reach_the_customer(ac: Accounts) -> None:
    meta = [{"key": "org_number", "value": "923 456 789"}, {"key": "billing_vat_number", "value": "no923456789mva"}]
    ac.shop.post("/customers", json={**NEW_CUSTOMER, "meta_data": meta}).raise_for_status()
    assert ac.run(CUSTOMERS).exit_code == 0
    made = ac.customer(ac.customers_by_email()["faktura@hyttekos.example.test"][0])
    assert (made.corporateId, made.vatRegistrationId) == ("923456789", "NO923456789MVA")  # A1 VAT/tax number
