"""py24so, the third-party typed REST client, works unmodified against the sandbox on loopback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

py24so = pytest.importorskip("py24so", reason="py24so is a test dependency (pip install py24so)")

from flowhub_24sevenoffice.sandbox import DEMO  # noqa: E402

Serve = Callable[..., tuple[str, dict[str, Any]]]


def _client(base: str, organisation: str = DEMO["organization_id"]) -> Any:
    options = py24so.ClientOptions(base_url=f"{base}/v1", token_url=f"{base}/oauth/token")
    return py24so.Client24SO(DEMO["client_id"], DEMO["client_secret"], organisation, options=options)


def test_py24so_lists_and_creates_customers(serve_sandbox: Serve) -> None:
    base, _ = serve_sandbox("24sevenoffice")
    from py24so import models

    with _client(base) as client:
        before = client.customers.list(page_size=5).to_list()  # three pages, by Link header
        company = client.customers.create(
            models.CustomerCreate(is_company=True, name="Py24so Test AS", organization_number="990000001")
        )
        person = client.customers.create(
            {"isCompany": False, "person": {"firstName": "Py", "lastName": "Test"}}
        )
        found = client.customers.list(organization_number="990000001").to_list()
        after = client.customers.list(page_size=100).to_list()
    assert len(before) == 12 and len({c.id for c in before}) == 12
    assert company.id is not None and company.is_company and person.name == "Py Test"
    assert [c.id for c in found] == [company.id]
    assert len(after) == 14


def test_py24so_reads_products_and_they_share_the_shops_skus(serve_sandbox: Serve) -> None:
    base, _ = serve_sandbox("24sevenoffice")
    with _client(base) as client:
        products = client.products.list(page_size=10).to_list()
        one = client.products.get(products[0].id)
    numbers = {p.number for p in products}
    assert len(products) == 44 and {"FH-1001", "FH-HOOD-M-SORT", "FH-TEE-L"} <= numbers
    assert one.number == products[0].number and one.category is not None and one.category.name


def test_py24so_is_refused_for_an_organisation_the_app_is_not_connected_to(serve_sandbox: Serve) -> None:
    base, _ = serve_sandbox("24sevenoffice")
    with (
        _client(base, organisation="4242") as client,
        pytest.raises(py24so.exceptions.AuthenticationError) as caught,
    ):
        client.customers.list().to_list()
    assert "not connected to organization 4242" in str(caught.value)
