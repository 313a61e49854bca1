"""flowhub's contract suite for customers (SOAP) and products (REST) against the sandbox."""

from __future__ import annotations

from typing import Any

from flowhub_24sevenoffice.connector import TwentyFourSevenOffice

from flowhub.testing import ContractSpec, connector_contract


def _customer(n: int) -> dict[str, Any]:
    return {
        "Name": f"Kontraktkunde {n} AS",
        "Type": "Business",
        "OrganizationNumber": f"8{n:08d}",
        "ExternalId": f"contract-{n}",
        "EmailAddresses": {"Invoice": {"Value": f"faktura{n}@example.test"}},
    }


def _product(n: int) -> dict[str, Any]:
    return {
        "name": f"Kontraktvare {n}",
        "number": f"CT-{n}",
        "category": {"id": 104},
        "salesPrice": 100 + n,
        "stock": {"isManaged": True, "quantity": n % 7},
    }


TestCustomerContract = connector_contract(
    ContractSpec(
        connector=TwentyFourSevenOffice,
        entity="customer",
        new_record=_customer,
        find_field="ExternalId",
        sandbox="24sevenoffice",
        bad_settings=lambda s: {**s, "password": "not-the-password"},
    )
)

TestProductContract = connector_contract(
    ContractSpec(
        connector=TwentyFourSevenOffice,
        entity="product",
        new_record=_product,
        find_field="number",
        sandbox="24sevenoffice",
        bad_settings=lambda s: {**s, "client_secret": "not-the-secret"},
    )
)
