"""flowhub's standard contract suite, for customers and inventory items, against the sandbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flowhub_visma_net.connector import VismaNet
from flowhub_visma_net.sandbox import CUSTOMER_TENANT

from flowhub.testing import ContractSpec, connector_contract


def _customer(n: int) -> dict[str, Any]:
    return {
        "name": f"Kontrakt Kunde {n}",
        "corporateId": f"9{n:08d}",
        "customerClassId": "BEDRIFT",
        "mainAddress": {
            "addressLine1": f"Gate {n}",
            "postalCode": "5003",
            "city": "Bergen",
            "countryId": "NO",
        },
        "mainContact": {"email": f"kunde{n}@contract.example.test"},
    }


def _item(n: int) -> dict[str, Any]:
    return {
        "inventoryNumber": f"CT-{n}",
        "description": f"Kontraktvare {n}",
        "type": "FinishedGoodItem",
        "defaultPrice": 100 + n,
        "vatCode": "3",
    }


def _wrong_tenant(settings: dict[str, Any]) -> dict[str, Any]:
    return {**settings, "tenant_id": CUSTOMER_TENANT}


class _SmallPages:
    """The suite's reads must span pages: the sandbox is served with a small maxPageSize."""

    @pytest.fixture
    def settings(self, serve_sandbox: Callable[..., tuple[str, dict[str, Any]]]) -> dict[str, Any]:
        return serve_sandbox("visma_net", max_page_size=5, inventory_max_page_size=5)[1]


class TestCustomerContract(
    _SmallPages,
    connector_contract(
        ContractSpec(
            VismaNet, "customer", _customer, "corporateId", sandbox="visma_net", bad_settings=_wrong_tenant
        )
    ),
):
    pass


class TestInventoryItemContract(
    _SmallPages,
    connector_contract(
        ContractSpec(
            VismaNet,
            "inventory_item",
            _item,
            "inventoryNumber",
            sandbox="visma_net",
            bad_settings=_wrong_tenant,
        )
    ),
):
    pass
