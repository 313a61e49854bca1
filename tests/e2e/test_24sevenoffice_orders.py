"""The seed S order flow end to end, WooCommerce sandbox -> 24SevenOffice sandbox (S2-S7, S14)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowhub.connector import ReadQuery
from flowhub.demo import sandbox_env
from flowhub.runner import RunSummary
from flowhub.sandboxes import Faults, serve
from tests.e2e.scratch import run_flow

wc = pytest.importorskip("flowhub_woocommerce.sandbox")
so = pytest.importorskip("flowhub_24sevenoffice.sandbox")
REPO = Path(__file__).resolve().parents[2]
ORDERS = "woocommerce-orders-to-24sevenoffice"
FAST = {"soap_requests_per_hour": 3_600_000, "page_size": 100}


@dataclass
class Office:
    root: Path
    shop: httpx.Client
    office_url: str
    connection: dict[str, Any]
    seeded: frozenset[str] = frozenset()  # references of the orders the ERP had before the test

    def run(self, flow: str = ORDERS) -> RunSummary:
        return run_flow(self.root, flow)

    def setting(self, old: str, new: str, flow: str = ORDERS) -> None:
        path = self.root / "flows" / f"{flow}.yaml"
        assert old in path.read_text(), old
        path.write_text(path.read_text().replace(old, new))

    def erp(self, entity: str, **where: Any) -> list[Any]:
        from flowhub_24sevenoffice.connector import TwentyFourSevenOffice

        settings = TwentyFourSevenOffice.settings_model.model_validate(self.connection)
        with TwentyFourSevenOffice(settings) as erp:
            return list(erp.entity(entity).read(ReadQuery(where=where)))

    def orders_by_reference(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for order in self.erp("invoice_order"):
            if order.ReferenceNumber and order.ReferenceNumber not in self.seeded:
                assert order.ReferenceNumber not in found, f"order {order.ReferenceNumber} twice"
                found[order.ReferenceNumber] = order
        return found

    def order(self, **fields: Any) -> dict[str, Any]:
        """A processing order for one product; billing fields and meta from ``fields``."""
        product = self.shop.get("/products", params={"sku": fields.pop("sku", "FH-1001")}).json()[0]
        billing = {"first_name": "Test", "last_name": "Kunde", "email": "test.kunde@example.test",
                   "phone": "+47 400 00 000", "address_1": "Gata 1", "postcode": "5003", "city": "Bergen",
                   "country": "NO", **fields.pop("billing", {})}
        body = {"status": "processing", "billing": billing, "shipping": billing,
                "line_items": [{"product_id": product["id"], "quantity": 1}],
                "shipping_lines": [{"method_id": "flat_rate", "method_title": "Frakt", "total": "79.00"}],
                **fields}
        answer = self.shop.post("/orders", json=body)
        answer.raise_for_status()
        return answer.json()

    def only_new_orders(self) -> None:
        """Park the seeded processing orders, so a test sees only the orders it makes."""
        for order in self.shop.get("/orders", params={"status": "processing,on-hold", "per_page": 100}).json():
            self.shop.put(f"/orders/{order['id']}", json={"status": "completed"}).raise_for_status()


def _office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shop_seed: Any = None,
            faults: Faults | None = None, organization: int | None = None) -> Iterator[Office]:
    shutil.copytree(REPO / "flows", tmp_path / "flows", dirs_exist_ok=True)
    shutil.copytree(REPO / "mappings", tmp_path / "mappings", dirs_exist_ok=True)
    monkeypatch.setenv("FLOWHUB_DEMO_DIR", str(tmp_path))
    with serve(wc.create_app(seed=shop_seed)) as shop, serve(so.create_app(faults=faults)) as office:
        settings = wc.SANDBOX.connection(shop.base_url)
        connection = {**so.SANDBOX.connection(office.base_url), **FAST}
        if organization is not None:
            connection["organization_id"] = str(organization)
        for key, value in {**sandbox_env("shop", settings), **sandbox_env("office", connection)}.items():
            monkeypatch.setenv(key, value)
        auth = (settings["consumer_key"], settings["consumer_secret"])
        with httpx.Client(base_url=f"{shop.base_url}/wp-json/wc/v3", auth=auth, timeout=30) as api:
            found = Office(tmp_path, api, office.base_url, connection)
            found.seeded = frozenset(found.orders_by_reference())
            yield found


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Office]:
    yield from _office(tmp_path, monkeypatch)


def test_orders_in_the_chosen_status_arrive_once_and_a_rerun_creates_nothing(office: Office) -> None:
    processing = {str(o["id"]) for o in office.shop.get(
        "/orders", params={"status": "processing", "per_page": 100}).json()}
    first = office.run()
    assert first.exit_code == 0, first.failures
    arrived = office.orders_by_reference()
    assert processing and processing <= set(arrived)
    assert all(arrived[ref].OrderStatus == "Web" for ref in processing)  # S2: the status in the ERP
    again = office.run()
    assert (again.counts["created"], again.counts["failed"]) == (0, 0)
    assert len(office.orders_by_reference()) == len(arrived)


def test_the_status_that_sends_an_order_and_the_status_it_gets_are_settings(office: Office) -> None:
    office.only_new_orders()
    office.setting("where: {status: [processing]}", "where: {status: [on-hold]}")
    office.setting("office_order_status: Web", "office_order_status: Confirmed")
    held = office.order(status="on-hold")
    office.order()  # processing: not sent now
    assert office.run().counts["created"] == 1
    orders = office.orders_by_reference()
    assert list(orders) == [str(held["id"])] and orders[str(held["id"])].OrderStatus == "Confirmed"


@pytest.mark.parametrize(("billing", "meta", "customer"), [
    ({"company": "Fjellbygg Trondheim", "email": "x@y.example.test"}, "NO 912 345 678 MVA", 10001),  # org no.
    ({"first_name": "Kari", "last_name": "Hansen", "email": "kari.ny@example.test"}, None, 10004),  # name
    ({"first_name": "O.", "last_name": "N.", "email": "Ola.Nordmann@example.test"}, None, 10005),  # e-mail
])
def test_the_buyer_is_matched_by_org_number_then_name_then_invoice_email(
        office: Office, billing: dict[str, str], meta: str | None, customer: int) -> None:
    office.only_new_orders()
    extra = {"meta_data": [{"key": "org_number", "value": meta}]} if meta else {}
    order = office.order(billing=billing, **extra)
    assert office.run().counts["created"] == 1
    assert office.orders_by_reference()[str(order["id"])].CustomerId == customer


@pytest.mark.parametrize("allowed", [False, True])
def test_the_s4_switch_decides_whether_a_buyer_without_org_number_matches_a_company_with_one(
        office: Office, allowed: bool) -> None:
    office.only_new_orders()
    office.setting("match_customers_with_org_number: false", f"match_customers_with_org_number: {str(allowed).lower()}")
    known = len(office.erp("customer"))
    order = office.order(billing={"company": "Nordlys Turer ENK", "email": "booking@nordlys.example.test"})
    assert office.run().counts["created"] == 1
    customer = office.orders_by_reference()[str(order["id"])].CustomerId
    if allowed:
        assert customer == 10003 and len(office.erp("customer")) == known
    else:  # a new customer, not the company with the org number
        assert customer != 10003 and len(office.erp("customer")) == known + 1


def test_a_new_buyer_is_created_once_for_two_orders(office: Office) -> None:
    office.only_new_orders()
    known = len(office.erp("customer"))
    buyer = {"company": "Havbris Kafé AS", "email": "post@havbris.example.test"}
    meta = {"meta_data": [{"key": "org_number", "value": "987 654 321"}]}
    first, second = office.order(billing=buyer, **meta), office.order(billing=buyer, **meta)
    assert office.run().counts["created"] == 2
    orders = office.orders_by_reference()
    assert orders[str(first["id"])].CustomerId == orders[str(second["id"])].CustomerId
    created = [c for c in office.erp("customer") if c.Name == "Havbris Kafé AS"]
    assert len(office.erp("customer")) == known + 1 and created[0].OrganizationNumber == "987654321"


@pytest.mark.parametrize(("method", "payment", "distribution"), [
    ("bacs", None, "EMail"), ("klarna_payments", 3, "Unchanged"), ("vipps", 4, "Unchanged")])
def test_payment_method_decides_erp_invoicing_or_paid_in_the_shop(
        office: Office, method: str, payment: int | None, distribution: str) -> None:
    office.only_new_orders()
    order = office.order(payment_method=method, payment_method_title=method)
    assert office.run().counts["created"] == 1
    sent = office.orders_by_reference()[str(order["id"])]
    assert sent.PaymentMethodId == payment
    if payment:  # the ledger is closed with what the buyer paid
        assert float(sent.PaymentAmount or 0) == float(order["total"])
    assert sent.DistributionMethod == distribution


@pytest.mark.parametrize(("country", "sales_type"), [("NO", 1), ("SE", 3)])
def test_buyers_abroad_get_another_sales_type_and_the_header_its_department(
        office: Office, country: str, sales_type: int) -> None:
    office.only_new_orders()
    order = office.order(billing={"country": country})
    assert office.run().counts["created"] == 1
    sent = office.orders_by_reference()[str(order["id"])]
    assert (sent.TypeOfSaleId, sent.DepartmentId) == (sales_type, 1)


def test_shipping_goes_as_a_row_of_the_shipping_product(office: Office) -> None:
    office.only_new_orders()
    order = office.order()
    office.run()
    rows = office.orders_by_reference()[str(order["id"])].InvoiceRows or []
    assert [r.ProductNo for r in rows] == ["FH-1001", "FRAKT"]
    assert float(rows[1].Price or 0) == pytest.approx(float(order["shipping_total"]) + float(order["shipping_tax"]))


def test_an_order_the_erp_refuses_fails_alone_with_the_erp_reason(office: Office) -> None:
    office.only_new_orders()
    product = office.shop.post("/products", json={"name": "Bare i nettbutikken", "sku": "WEB-ONLY-9",
                                                   "regular_price": "49.00"}).json()
    bad = office.order(sku=product["sku"])
    good = office.order()
    summary = office.run()
    assert (summary.counts["created"], summary.counts["failed"]) == (1, 1)
    assert "WEB-ONLY-9" in summary.failures[0]["reason"]
    assert set(office.orders_by_reference()) == {str(good["id"])}
    assert str(bad["id"]) not in office.orders_by_reference()


def test_orders_go_to_the_chosen_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for office in _office(tmp_path, monkeypatch, organization=1002):
        office.only_new_orders()
        order = office.order(sku="FH-2001")
        assert office.run().counts["created"] == 1
        assert str(order["id"]) in office.orders_by_reference()  # in client 1002
    for office in _office(tmp_path / "a", monkeypatch):
        assert str(order["id"]) not in office.orders_by_reference()  # client 1001 never saw it


def test_with_a_fifth_of_requests_failing_a_thousand_orders_arrive_exactly_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed = wc.generate(orders=1000, customers=40, seed=3)
    for order in seed["orders"]:
        order["status"] = "processing"
    faults = Faults(rate=0.2, kinds=["429", "500", "502", "503", "timeout", "drop", "drop_after"],
                    retry_after=0.01, timeout_s=0.3, seed=17)
    for office in _office(tmp_path, monkeypatch, shop_seed=seed, faults=faults):
        office.setting('since: "2026-01-01T00:00:00"', 'since: "2000-01-01T00:00:00"')
        for _ in range(10):  # what a passing fault left waiting goes through on the next runs
            last = office.run()  # (each run leaves roughly a seventh of the rest: 4 runs were not always enough)
            if not (last.counts["failed"] or last.counts["waiting"]):
                break
        httpx.post(f"{office.office_url}/__sandbox/faults", json={"rate": 0}, timeout=10)
        arrived = office.orders_by_reference()  # raises on any order that is there twice
        import sqlite3

        with sqlite3.connect(tmp_path / ".flowhub" / "state.db") as db:
            problems = list(db.execute("select source_key, status, reason from record_states where status != 'done'"))
        assert not problems, problems
        assert {str(o["id"]) for o in seed["orders"]} <= set(arrived)
        assert last.counts["failed"] == last.counts["waiting"] == 0


HISTORY = "24sevenoffice-orders-to-woocommerce"


def _erp_order_for(office: Office, email: str, status: str = "Invoice") -> Any:
    """A sales order made in 24SevenOffice (no shop reference) for the customer with this e-mail."""
    from flowhub_24sevenoffice.connector import TwentyFourSevenOffice
    from flowhub_24sevenoffice.models.rest import SalesOrder

    settings = TwentyFourSevenOffice.settings_model.model_validate(office.connection)
    with TwentyFourSevenOffice(settings) as erp:
        customer = next(c for c in erp.entity("customer").find("InvoiceEmail", email))
        order = SalesOrder.model_validate({
            "customer": {"id": customer.Id, "name": customer.Name}, "status": status, "date": "2026-10-01",
            "lines": [{"type": "product", "product": {"id": 1001, "number": "FH-1001"}, "quantity": 2,
                       "price": 239.2, "description": "Ullue Fjellbris"}]})
        return erp.entity("sales_order").create(order)


def test_orders_made_in_24sevenoffice_join_the_shop_customers_history_once(office: Office) -> None:
    shopper = office.shop.get("/customers", params={"per_page": 100}).json()
    known = {c["email"].lower(): c for c in shopper}
    email = next(e for e in ("ola.nordmann@example.test", "kari.hansen@example.test") if e in known)
    made = _erp_order_for(office, email)
    summary = office.run(HISTORY)
    assert summary.exit_code == 0, summary.failures
    mine = [o for o in office.shop.get("/orders", params={"per_page": 100}).json()
            if {"key": "_24so_order_id", "value": str(made.id)} in
            [{"key": m["key"], "value": m["value"]} for m in o["meta_data"]]]
    assert len(mine) == 1 and mine[0]["status"] == "completed"
    assert mine[0]["customer_id"] == known[email]["id"]
    line = mine[0]["line_items"][0]
    assert (line["sku"], line["quantity"], line["total"]) == ("FH-1001", 2, "478.40")
    again = office.run(HISTORY)
    assert (again.counts["created"], again.counts["failed"]) == (0, 0)


def test_orders_that_came_from_the_shop_or_belong_to_no_shop_customer_stay_out(office: Office) -> None:
    office.run()  # the shop's orders into 24SevenOffice, each with the shop's id as reference
    summary = office.run(HISTORY)
    assert summary.exit_code == 0, summary.failures
    erp = {str(o.id): o for o in office.erp("sales_order", lines=False)}
    copied = [m["value"] for o in office.shop.get("/orders", params={"per_page": 100}).json()
              for m in o["meta_data"] if m["key"] == "_24so_order_id"]
    assert len(copied) == summary.counts["created"] and len(set(copied)) == len(copied)
    assert all(not erp[ref].referenceNumber for ref in copied)  # none of the shop's own orders came back
    shop_emails = {c["email"].lower() for c in office.shop.get("/customers", params={"per_page": 100}).json()}
    left_out = [o for o in erp.values() if not o.referenceNumber and str(o.id) not in copied
                and o.status in ("Invoice", "Confirmed")]
    assert all((o.customer.invoiceEmailAddresses or [""])[0].lower() not in shop_emails for o in left_out)
