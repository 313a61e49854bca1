"""The connector is found through its entry point and lists its entities and capabilities."""

from __future__ import annotations

import json

from click.testing import CliRunner
from flowhub_visma_net.connector import VismaNet

from flowhub.cli import cli
from flowhub.plugins import get_plugins


def test_connector_is_found_through_its_entry_point() -> None:
    result = CliRunner().invoke(cli, ["connectors", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)["visma_net"]
    assert listed["distribution"] == "flowhub-visma-net"
    assert {
        "customer",
        "inventory_item",
        "stock",
        "sales_order",
        "customer_invoice",
        "journal_transaction",
        "price_class",
    } <= set(listed["entities"])


def test_sandbox_is_registered_with_settings_that_reach_it() -> None:
    box = get_plugins().sandboxes()["visma_net"]
    settings = box.connection("http://127.0.0.1:9")
    assert settings["base_url"] == "http://127.0.0.1:9/v1"
    assert settings["salesorder_base_url"] == "http://127.0.0.1:9/api/v3"
    assert settings["token_url"] == "http://127.0.0.1:9/connect/token"
    assert {"client_id", "client_secret", "tenant_id"} <= set(settings)


def test_capabilities_follow_what_each_entity_can_do() -> None:
    customer = VismaNet.entity_class("customer").capabilities()
    stock = VismaNet.entity_class("stock").capabilities()
    assert customer.create and customer.update and customer.incremental
    assert {"email", "corporateId", "number"} <= set(customer.find_by_key)
    assert stock.read and stock.incremental and not stock.create and not stock.update
    assert "inventoryNumber" in VismaNet.entity_class("inventory_item").capabilities().find_by_key
    assert {"customerRefNo", "orderNo"} <= set(
        VismaNet.entity_class("sales_order").capabilities().find_by_key
    )
