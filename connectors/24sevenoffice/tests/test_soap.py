"""SOAP behaviour against the sandbox: item errors, the hourly quota, sessions, clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from flowhub_24sevenoffice.models.soap import Company, InvoiceOrder, InvoiceRow
from flowhub_24sevenoffice.sandbox import DEMO

from flowhub import ReadQuery, WriteOp
from flowhub.errors import AuthError, RejectedError

Serve = Callable[..., tuple[str, dict[str, Any]]]
Open = Callable[..., Any]


def test_an_item_level_api_exception_fails_that_order_only(
    serve_sandbox: Serve, open_connector: Open
) -> None:
    _, settings = serve_sandbox("24sevenoffice")
    good = InvoiceOrder(
        CustomerId=10002,
        OrderStatus="Web",
        PaymentMethodId=3,
        TypeOfSaleId=1,
        DepartmentId=1,
        DistributionMethod="EMail",
        InvoiceRows=[InvoiceRow(ProductId=1001, Quantity=2, Price=299)],
    )
    unknown_customer = InvoiceOrder(CustomerId=99999, InvoiceRows=[InvoiceRow(ProductId=1001, Quantity=1)])
    unknown_product = InvoiceOrder(
        CustomerId=10002, ReferenceNumber="woo-77", InvoiceRows=[InvoiceRow(ProductId=5, Quantity=1)]
    )
    with open_connector(settings) as connector:
        orders = connector.entity("invoice_order")
        results = orders.write_batch(
            [WriteOp(good, ref="a"), WriteOp(unknown_customer, ref="b"), WriteOp(unknown_product, ref="c")]
        )
        saved = orders.get(str(results[0].record.OrderId))  # type: ignore[union-attr]
    assert [r.ref for r in results] == ["a", "b", "c"]
    assert results[0].error is None and saved is not None
    assert (saved.OrderStatus, saved.PaymentMethodId, saved.DepartmentId, saved.DistributionMethod) == (
        "Web",
        3,
        1,
        "EMail",
    )
    assert [(row.ProductNo, row.Quantity) for row in saved.InvoiceRows or []] == [("FH-1001", 2.0)]
    assert isinstance(results[1].error, RejectedError) and results[1].record is None
    assert str(results[1].error) == (
        "24sevenoffice: the invoice order was not saved: ValidationException: Customer 99999 does not exist"
    )
    assert str(results[2].error) == (
        "24sevenoffice: the invoice order ref woo-77 was not saved: "
        "ValidationException: Product 5 does not exist"
    )


def test_a_single_save_with_an_api_exception_raises_rejected(
    serve_sandbox: Serve, open_connector: Open
) -> None:
    _, settings = serve_sandbox("24sevenoffice")
    with open_connector(settings) as connector, pytest.raises(RejectedError) as caught:
        connector.entity("customer").create(Company(Type="Business", OrganizationNumber="912000111"))
    assert (
        str(caught.value)
        == "24sevenoffice: the customer was not saved: ValidationException: Name is required"
    )


def test_an_invoiced_order_cannot_be_changed_over_soap(serve_sandbox: Serve, open_connector: Open) -> None:
    _, settings = serve_sandbox("24sevenoffice")
    with open_connector(settings) as connector, pytest.raises(RejectedError, match="invoiced order cannot"):
        connector.entity("invoice_order").update("50001", InvoiceOrder(YourReference="changed"))


def test_the_hourly_quota_fault_turns_into_a_wait(serve_sandbox: Serve, open_connector: Open) -> None:
    base, settings = serve_sandbox("24sevenoffice", soap_quota=2, soap_quota_window=3.0)
    with open_connector(settings) as connector:
        names = [c.Name for c in connector.entity("customer").read(ReadQuery())]
        waits = connector.soap_api().quota_waits
    stats = httpx.get(f"{base}/__24so/stats", timeout=5).json()
    assert len(names) == 12 and "Fjellbygg AS" in names
    assert waits >= 1 and stats["quota_faults"] >= 1


def test_a_quarantine_longer_than_allowed_fails_as_retryable(
    serve_sandbox: Serve, open_connector: Open
) -> None:
    from flowhub.errors import RetryableError

    _, settings = serve_sandbox("24sevenoffice", soap_quota=1, soap_quota_window=3600)
    with (
        open_connector(settings, soap_max_quota_wait=5) as connector,
        pytest.raises(RetryableError) as caught,
    ):
        list(connector.entity("customer").read(ReadQuery()))
    assert "Limit exceeded by 1. Request is blocked. Quarantine ends at" in str(caught.value)
    assert "more than soap_max_quota_wait=5 s" in str(caught.value)
    assert caught.value.retry_after is not None and caught.value.retry_after > 5


def test_an_expired_session_is_renewed_once_and_the_call_repeated(
    serve_sandbox: Serve, open_connector: Open
) -> None:
    base, settings = serve_sandbox("24sevenoffice")
    with open_connector(settings) as connector:
        customers = connector.entity("customer")
        assert customers.get("10001") is not None
        httpx.post(f"{base}/__24so/expire", timeout=5).raise_for_status()
        again = customers.get("10002")
        logins = connector.soap_api().logins
    stats = httpx.get(f"{base}/__24so/stats", timeout=5).json()
    assert again is not None and again.Name == "Kaffebaren Sentrum AS"
    assert logins == 2 and stats["session_faults"] == 1


def test_a_refused_login_is_an_auth_error_without_the_password(
    serve_sandbox: Serve, open_connector: Open
) -> None:
    _, settings = serve_sandbox("24sevenoffice")
    with (
        open_connector(settings, password="wrong-password-123") as connector,
        pytest.raises(AuthError) as caught,
    ):
        connector.entity("customer").get("10001")
    assert str(caught.value) == (
        "24sevenoffice SOAP: login as integrasjon@fjordvik.example.test was refused: "
        "Invalid username or password"
    )


def test_identity_id_picks_the_client_the_session_works_in(
    serve_sandbox: Serve, open_connector: Open
) -> None:
    _, settings = serve_sandbox("24sevenoffice")
    with open_connector(settings, identity_id=DEMO["identity_b"], organization_id="1002") as connector:
        check = connector.check()
        names = sorted(c.Name or "" for c in connector.entity("customer").read(ReadQuery()))
    assert check.ok, check.message
    assert check.details["soap_client"] == "Fjordvik Engros AS (client 1002, 998877666)"
    assert names == ["Fjellbygg AS", "Hotell Fjordgløtt AS"]


def test_check_refuses_rest_and_soap_pointing_at_different_clients(
    serve_sandbox: Serve, open_connector: Open
) -> None:
    _, settings = serve_sandbox("24sevenoffice")
    with open_connector(settings, organization_id="1002") as connector:
        check = connector.check()
    assert not check.ok
    assert check.message == (
        "24sevenoffice: REST reaches 'Fjordvik Engros AS' but SOAP works in "
        "'Fjordvik Handel AS'; point both at the same client (organization_id / identity_id)"
    )


def test_matching_finds_customers_by_org_number_name_and_invoice_email(
    serve_sandbox: Serve, open_connector: Open
) -> None:
    _, settings = serve_sandbox("24sevenoffice")
    with open_connector(settings) as connector:
        customers = connector.entity("customer")

        def ids(field: str, value: str) -> list[str]:
            return [customers.key_of(c) for c in customers.find(field, value)]

        assert ids("OrganizationNumber", "NO 912 345 678 MVA") == ["10001"]
        assert ids("Name", "kaffebaren  sentrum as") == ["10002", "10008"]  # same name, two companies
        assert ids("Name", "Kari Hansen") == ["10004"]
        assert ids("InvoiceEmail", "FAKTURA@kaffebaren.example.test") == ["10002"]
        assert ids("ExternalId", "woo:erik.larsen@example.test") == ["10007"]
        assert ids("Name", "Nordlys Turer ENK") == ["10003"]
        assert ids("NameWithoutOrganizationNumber", "Nordlys Turer ENK") == []  # S4 switched off
        assert ids("InvoiceEmailWithoutOrganizationNumber", "kari.hansen@example.test") == ["10004"]


def test_changed_since_reads_only_what_changed_oldest_first(
    serve_sandbox: Serve, open_connector: Open
) -> None:
    _, settings = serve_sandbox("24sevenoffice", sync_page_size=5)
    with open_connector(settings) as connector:
        customers = connector.entity("customer")
        everyone = list(customers.read(ReadQuery()))
        changed = customers.update("10003", Company(Note="ny avtale"))
        since = customers.cursor_of(changed)
        later = list(customers.read(ReadQuery(since=since)))
    assert len(everyone) == 12 and len({c.Id for c in everyone}) == 12  # three sync pages of 5
    stamps = [customers.cursor_of(c) for c in everyone]
    assert stamps == sorted(stamps)  # type: ignore[type-var]
    assert [c.Id for c in later] == [10003] and later[0].Note == "ny avtale"


@pytest.mark.parametrize("rest", [True, False], ids=["ids-from-rest", "soap-only"])
def test_an_invoice_order_is_found_by_its_reference_number(
    serve_sandbox: Serve, open_connector: Open, rest: bool
) -> None:
    _, settings = serve_sandbox("24sevenoffice")
    changes = {} if rest else {"client_id": None, "client_secret": None, "organization_id": None}
    with open_connector(settings, **changes) as connector:
        orders = connector.entity("invoice_order")
        created = orders.create(
            InvoiceOrder(
                CustomerId=10004,
                ReferenceNumber="woo-3001",
                InvoiceRows=[InvoiceRow(ProductId=1003, Quantity=1)],
            )
        )
        found = orders.find("ReferenceNumber", "woo-3001")
        none = orders.find("ReferenceNumber", "woo-0000")
    assert [o.OrderId for o in found] == [created.OrderId] and none == []


def test_invoice_orders_changed_since_come_from_the_order_sync_list(
    serve_sandbox: Serve, open_connector: Open
) -> None:
    _, settings = serve_sandbox("24sevenoffice")
    with open_connector(settings) as connector:
        orders = connector.entity("invoice_order")
        everything = list(orders.read(ReadQuery()))
        changed = orders.update("50002", InvoiceOrder(OrderStatus="Invoiced"))
        later = list(
            orders.read(ReadQuery(since=orders.cursor_of(changed), where={"OrderStatus": ["Invoiced"]}))
        )
    assert [o.OrderId for o in everything] == [50001, 50002, 50003, 50004, 50005]
    assert [(o.OrderId, o.OrderStatus) for o in later] == [(50002, "Invoiced")]
    assert later[0].InvoiceId is not None


def test_a_record_that_does_not_fit_the_wsdl_is_rejected_before_sending(
    serve_sandbox: Serve, open_connector: Open
) -> None:
    from flowhub_24sevenoffice.models.soap import CompanyMap

    _, settings = serve_sandbox("24sevenoffice")
    with open_connector(settings) as connector, pytest.raises(RejectedError) as caught:
        connector.entity("customer").create(Company(Name="Kart AS", Maps=[CompanyMap(ExternalId="woo-9")]))
    assert str(caught.value).startswith(
        "24sevenoffice SOAP company.SaveCompanies: the request does not fit the WSDL: Missing element MapType"
    )
