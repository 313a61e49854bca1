"""flowhub finds the DUELL connector and sandbox through the entry point, with honest capabilities."""

from __future__ import annotations

from flowhub_duell import Duell

from flowhub.plugins import Plugins


def test_connector_and_sandbox_are_found_through_the_entry_point() -> None:
    plugins = Plugins()
    assert plugins.connector("duell") is Duell
    assert plugins.sandboxes()["duell"].name == "duell"


def test_capabilities_follow_what_each_entity_implements() -> None:
    caps = {e.name: e.capabilities() for e in Duell.entities}
    assert caps["product"].incremental and caps["product"].server_side_since
    assert caps["product"].create and set(caps["product"].find_by_key) >= {"product_number", "barcode"}
    assert caps["stock"].read and not caps["stock"].incremental and not caps["stock"].create
    assert caps["stock_adjustment"].create and not caps["stock_adjustment"].read
    assert (
        caps["customer"].create
        and caps["customer"].update
        and caps["customer"].find_by_key == ("email", "phone", "customer_id")
    )
    for name in ("sales_order", "customer_order"):
        assert caps[name].create and "reference_order_number" in caps[name].find_by_key
        assert not caps[name].update  # an order is never re-sent as an update
    assert caps["customer_order"].read and "purchase_order_status_id" in caps["customer_order"].filters
