"""flowhub's standard connector contract, run for products (by SKU) and customers (by e-mail)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flowhub_woocommerce.connector import WooCommerce

from flowhub.testing import ContractSpec, connector_contract


def product(number: int) -> dict[str, Any]:
    return {"name": f"Kontrakt {number}", "type": "simple", "sku": f"CT-{number}", "regular_price": "10.00"}


def customer(number: int) -> dict[str, Any]:
    return {"email": f"kontrakt{number}@example.test", "first_name": "Kontrakt", "last_name": str(number)}


def wrong_secret(settings: dict[str, Any]) -> dict[str, Any]:
    return {**settings, "consumer_secret": "cs_not_the_right_secret_0000000000000000"}


class _SmallPages:
    """Small pages, so "reads every record once across pages" really crosses pages."""

    @pytest.fixture
    def settings(self, serve_sandbox: Callable[..., tuple[str, dict[str, Any]]]) -> dict[str, Any]:
        return {**serve_sandbox("woocommerce")[1], "per_page": 4, "page_concurrency": 3, "max_wait": 0.2}


class TestWooProducts(
    _SmallPages,
    connector_contract(
        ContractSpec(  # type: ignore[misc]
            WooCommerce,
            "product",
            new_record=product,
            find_field="sku",
            sandbox="woocommerce",
            bad_settings=wrong_secret,
        )
    ),
):
    pass


class TestWooCustomers(
    _SmallPages,
    connector_contract(
        ContractSpec(  # type: ignore[misc]
            WooCommerce,
            "customer",
            new_record=customer,
            find_field="email",
            sandbox="woocommerce",
            bad_settings=wrong_secret,
        )
    ),
):
    pass
