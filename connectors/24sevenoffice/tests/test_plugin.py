"""The connector and its sandbox are found through the `flowhub` entry point."""

from __future__ import annotations

import importlib.metadata

from flowhub_24sevenoffice.connector import TwentyFourSevenOffice

from flowhub.plugins import Plugins


def test_connector_is_found_through_its_entry_point() -> None:
    plugins = Plugins()
    info = plugins.connectors()["24sevenoffice"]
    assert info.cls is TwentyFourSevenOffice
    assert info.distribution == "flowhub-24sevenoffice"
    entry = next(ep for ep in importlib.metadata.entry_points(group="flowhub") if ep.name == "24sevenoffice")
    assert entry.value == "flowhub_24sevenoffice.plugin"


def test_sandbox_is_registered_under_the_connector_name() -> None:
    box = Plugins().sandboxes()["24sevenoffice"]
    settings = box.connection("http://127.0.0.1:9")
    assert settings["base_url"] == "http://127.0.0.1:9"
    assert TwentyFourSevenOffice.settings_model.model_validate(settings).rest_url == "http://127.0.0.1:9/v1"


def test_capabilities_follow_the_api_behind_each_entity() -> None:
    caps = {e.name: e.capabilities() for e in TwentyFourSevenOffice.entities}
    assert caps["customer"].batch and caps["invoice_order"].batch  # SOAP saves take many
    assert not caps["sales_order"].batch and caps["sales_order"].writeback
    assert (
        caps["product"].incremental and not caps["product"].server_side_since
    )  # /products has no modifiedFrom
    assert caps["customer"].server_side_since and caps["sales_order"].server_side_since
    assert not caps["payment_method"].create and caps["payment_method"].find_by_key == ("id", "name")
    assert caps["customer"].find_by_key[:4] == ("Id", "OrganizationNumber", "ExternalId", "Name")
