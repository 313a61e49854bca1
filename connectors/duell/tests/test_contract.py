"""flowhub's standard contract suite, run against the DUELL sandbox for products and customers."""

from __future__ import annotations

from typing import Any

from flowhub_duell import Duell

from flowhub.testing import ContractSpec, connector_contract


def _bad(settings: dict[str, Any]) -> dict[str, Any]:
    return {**settings, "client_token": "wrong-token-that-is-longer-than-thirty-characters"}


def _product(n: int) -> dict[str, Any]:
    return {
        "product_number": f"CT-{n}",
        "product_name": f"Kontraktvare {n}",
        "price_inc_vat": 100 + n,
        "vatrate_percent": 25,
        "category_id": 19,
        "view_on_webshop": True,
    }


def _customer(n: int) -> dict[str, Any]:
    return {"customer_name": f"Kunde {n}", "email": f"kunde{n}@example.test", "phone": f"4{n:07d}"}


TestProductContract = connector_contract(
    ContractSpec(
        connector=Duell,
        entity="product",
        new_record=_product,
        find_field="product_number",
        sandbox="duell",
        bad_settings=_bad,
    )
)

TestCustomerContract = connector_contract(
    ContractSpec(
        connector=Duell,
        entity="customer",
        new_record=_customer,
        find_field="email",
        sandbox="duell",
        bad_settings=_bad,
    )
)
