"""REST behaviour against the sandbox: tokens per client, errors, paging, sales orders, lookups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from flowhub_24sevenoffice.models.rest import Product, SalesOrder

from flowhub import ReadQuery
from flowhub.errors import AuthError, RejectedError

Serve = Callable[..., tuple[str, dict[str, Any]]]
Open = Callable[..., Any]


def test_each_client_gets_its_own_token_and_sees_only_its_data(
    serve_sandbox: Serve, open_connector: Open
) -> None:
    base, settings = serve_sandbox("24sevenoffice")
    with (
        open_connector(settings) as handel,
        open_connector(settings, organization_id="1002") as engros,
        open_connector(settings) as handel_again,
    ):
        numbers_a = {p.number for p in handel.entity("product").read(ReadQuery())}
        numbers_b = {p.number for p in engros.entity("product").read(ReadQuery())}
        list(handel_again.entity("product").read(ReadQuery()))
    tokens = httpx.get(f"{base}/__24so/stats", timeout=5).json()["tokens_issued"]
    assert tokens == {"1001": 1, "1002": 1}  # one per organisation; the second Handel connection reused it
    assert len(numbers_a) == 44 and numbers_b == {"FH-2001", "FH-2002", "FH-2003", "FH-3004"}


def test_a_token_refused_early_is_fetched_again_once(serve_sandbox: Serve, open_connector: Open) -> None:
    base, settings = serve_sandbox("24sevenoffice")
    with open_connector(settings) as connector:
        products = connector.entity("product")
        assert products.get("1001") is not None
        httpx.post(f"{base}/__24so/expire", timeout=5).raise_for_status()
        again = products.get("1002")
        fetched = connector.rest_api().auth.fetched
    assert again is not None and again.number == "FH-1002" and fetched == 2


def test_a_client_not_connected_to_the_organisation_is_an_auth_error(
    serve_sandbox: Serve, open_connector: Open
) -> None:
    _, settings = serve_sandbox("24sevenoffice")
    with open_connector(settings, organization_id="4242") as connector, pytest.raises(AuthError) as caught:
        connector.entity("tax_code").read(ReadQuery()).__next__()
    assert "403 access_denied: The application is not connected to organization 4242" in str(caught.value)
    assert "sandbox-client-secret" not in str(caught.value)


def test_validation_errors_name_the_field_and_tracking_id(serve_sandbox: Serve, open_connector: Open) -> None:
    _, settings = serve_sandbox("24sevenoffice")
    with open_connector(settings) as connector, pytest.raises(RejectedError) as caught:
        connector.entity("product").create(Product(name="Uten kategori", number="X-1"))
    message = str(caught.value)
    assert message.startswith(
        "24sevenoffice: POST /v1/products -> 400 ValidationError: Request validation failed; "
        "product.category: required (trackingId "
    )
    assert caught.value.code == "ValidationError"


def test_products_page_by_number_when_no_link_header_is_sent(
    serve_sandbox: Serve, open_connector: Open
) -> None:
    _, settings = serve_sandbox("24sevenoffice", product_links=False)
    with open_connector(settings, page_size=10) as connector:
        keys = [p.id for p in connector.entity("product").read(ReadQuery())]
    assert len(keys) == 44 and len(set(keys)) == 44


def test_a_sales_order_is_created_with_lines_then_invoiced(
    serve_sandbox: Serve, open_connector: Open
) -> None:
    _, settings = serve_sandbox("24sevenoffice")
    order = SalesOrder.model_validate(
        {
            "customer": {"id": 10001, "name": "Fjellbygg AS"},
            "status": "Invoice",
            "referenceNumber": "woo-2001",
            "paymentMethod": {"id": 3},
            "salesType": {"id": 3},
            "dimensions": [{"dimensionType": 2, "value": "1", "name": "Nettbutikk"}],
            "invoice": {"distributionMethod": "manualdistribution"},
            "lines": [
                {"type": "product", "product": {"id": 1001}, "quantity": 2, "price": 299},
                {"type": "text", "description": "Frakt", "quantity": 1, "price": 99},
            ],
        }
    )
    with open_connector(settings) as connector:
        orders = connector.entity("sales_order")
        created = orders.create(order)
        found = orders.find("referenceNumber", "woo-2001")
        invoiced = list(orders.read(ReadQuery(where={"status": "Invoice", "customerId": 10001})))
    assert created.status == "Invoice" and created.invoice is not None and created.invoice.number is not None
    assert [(line.type, line.quantity) for line in created.lines or []] == [("product", 2.0), ("text", 1.0)]
    assert created.grossAmount == round((2 * 299 + 99) * 1.25, 2)
    assert [o.id for o in found] == [created.id]
    assert {o.id for o in invoiced} == {50001, created.id}


def test_a_refused_line_removes_the_new_order_again(serve_sandbox: Serve, open_connector: Open) -> None:
    _, settings = serve_sandbox("24sevenoffice")
    order = SalesOrder.model_validate(
        {
            "customer": {"id": 10002, "name": "Kaffebaren Sentrum AS"},
            "referenceNumber": "woo-2002",
            "lines": [{"type": "product", "product": {"id": 999999}, "quantity": 1}],
        }
    )
    with open_connector(settings) as connector:
        orders = connector.entity("sales_order")
        with pytest.raises(RejectedError) as caught:
            orders.create(order)
        left = orders.find("referenceNumber", "woo-2002")
    assert "line.product.id: exists" in str(caught.value)
    assert "(line 1 of 1; the new order " in str(caught.value) and "was removed again)" in str(caught.value)
    assert left == []


def test_sales_orders_page_by_continuation_token(serve_sandbox: Serve, open_connector: Open) -> None:
    _, settings = serve_sandbox("24sevenoffice")
    with open_connector(settings, page_size=2) as connector:
        orders = list(connector.entity("sales_order").read(ReadQuery(where={"lines": False})))
    assert [o.id for o in orders] == [50001, 50002, 50003, 50004, 50005]
    assert all(o.lines is None for o in orders)


def test_lookups_turn_settings_into_ids(serve_sandbox: Serve, open_connector: Open) -> None:
    _, settings = serve_sandbox("24sevenoffice")
    with open_connector(settings) as connector:

        def key(entity: str, field: str, value: Any) -> list[str]:
            found = connector.entity(entity)
            return [found.key_of(r) for r in found.find(field, value)]

        assert key("payment_method", "name", "klarna") == ["3"]
        assert key("sales_type", "name", "Salg utland") == ["3"]
        assert key("tax_code", "number", 3) == ["1"]
        assert key("department", "name", "Nettbutikk") == ["1"]
        assert key("project", "name", "Julekampanje") == ["101"]
        assert key("dimension", "name", "Engros") == ["2:3"]
