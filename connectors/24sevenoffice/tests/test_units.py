"""Small rules without a server: quarantine times, fault text, settings, SOAP arrays, the seed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import pytest
from flowhub_24sevenoffice.models.soap import Company, InvoiceOrder
from flowhub_24sevenoffice.settings import TwentyFourSevenSettings
from flowhub_24sevenoffice.soap.faults import fault_string, is_session_fault, quarantine_seconds
from flowhub_24sevenoffice.soap.services import SERVICES, build_envelope, wsdl_path

from flowhub.errors import ConnectionConfigError

NOW = datetime(2026, 3, 2, 14, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "when",
    [
        "2026-03-02 15:00:00",
        "2026-03-02T15:00:00Z",
        "02.03.2026 15:00:00",
        "3/2/2026 3:00:00 PM",
        "2026-03-02 15:00:00 UTC",
    ],
)
def test_the_quarantine_end_is_read_in_the_formats_dotnet_writes(when: str) -> None:
    text = f"Limit exceeded by 1. Request is blocked. Quarantine ends at {when}"
    assert quarantine_seconds(text, now=NOW) == 40 * 60


def test_an_unreadable_quarantine_end_waits_for_the_next_hour() -> None:
    assert quarantine_seconds("Limit exceeded by 3. Request is blocked.", now=NOW) == 40 * 60


def test_fault_string_and_session_faults() -> None:
    body = (
        b'<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        b"<soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>Not authenticated: the "
        b"session has expired</faultstring></soap:Fault></soap:Body></soap:Envelope>"
    )
    text = fault_string(body)
    assert text == "Not authenticated: the session has expired"
    assert is_session_fault(text) and not is_session_fault("Name is required")
    assert fault_string(b"<html><body>502 Bad Gateway</body></html>") is None


def test_one_base_url_serves_every_api() -> None:
    settings = TwentyFourSevenSettings(base_url="http://127.0.0.1:8124/")
    assert (settings.rest_url, settings.token_url, settings.soap_url, settings.soap_webservices_url) == (
        "http://127.0.0.1:8124/v1",
        "http://127.0.0.1:8124/oauth/token",
        "http://127.0.0.1:8124",
        "http://127.0.0.1:8124",
    )
    assert TwentyFourSevenSettings().rest_url == "https://rest.api.24sevenoffice.com/v1"


def test_an_entity_of_an_api_without_credentials_names_the_missing_settings() -> None:
    settings = TwentyFourSevenSettings(client_id="app")
    with pytest.raises(ConnectionConfigError) as caught:
        settings.require_soap("customer")
    assert str(caught.value) == (
        "24sevenoffice: customer uses the SOAP API; set username, password, application_id on this connection"
    )


def test_soap_arrays_are_plain_lists_in_records_and_wrapped_on_the_wire() -> None:
    company = Company.model_validate({"Id": 5, "Maps": {"CompanyMap": [{"MapType": 1, "ExternalId": "w-1"}]}})
    assert company.Maps is not None and company.Maps[0].ExternalId == "w-1"
    assert company.to_soap() == {"Id": 5, "Maps": {"CompanyMap": [{"MapType": 1, "ExternalId": "w-1"}]}}
    order = InvoiceOrder.model_validate({"CustomerId": 1, "InvoiceRows": [{"ProductId": 2, "Quantity": 1}]})
    envelope, action = build_envelope("invoice", "SaveInvoices", invoices={"InvoiceOrder": [order.to_soap()]})
    assert action == "http://24sevenOffice.com/webservices/SaveInvoices"
    assert b"<ns0:InvoiceRows><ns0:InvoiceRow><ns0:ProductId>2</ns0:ProductId>" in envelope


def test_the_soap_client_is_built_from_the_shipped_wsdls(shared_apis: Path) -> None:
    for name, service in SERVICES.items():
        shipped = Path(wsdl_path(name))
        assert shipped.is_relative_to(Path(str(files("flowhub_24sevenoffice"))))
        assert shipped.read_bytes() == (shared_apis / "wsdl" / service.wsdl).read_bytes()
        assert service.path.lower() in shipped.read_text(encoding="utf-8").lower()


def test_sandbox_products_share_numbers_with_the_woocommerce_shop() -> None:
    woo = pytest.importorskip("flowhub_woocommerce", reason="the WooCommerce connector is not installed")
    shop_file = Path(woo.__file__).parent / "data" / "shop.json"
    if not shop_file.is_file():
        pytest.skip("the WooCommerce sandbox has no shop.json")
    shop = json.loads(shop_file.read_text(encoding="utf-8"))
    skus = {
        p["sku"]
        for p in shop["products"] + shop["variations"]
        if p.get("sku") and p.get("type") != "variable"
    }
    seed = json.loads(
        (files("flowhub_24sevenoffice") / "data" / "organisation.json").read_text(encoding="utf-8")
    )
    numbers = [p["number"] for p in seed["organizations"][0]["products"]]
    assert skus <= set(numbers), f"shop SKUs missing in 24SevenOffice: {sorted(skus - set(numbers))}"
    assert sorted(n for n in set(numbers) if numbers.count(n) > 1) == ["FH-5004"]  # the one duplicate (S11)
