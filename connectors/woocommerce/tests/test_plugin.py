"""The connector and its sandbox are found through the `flowhub` entry point, like any plugin's."""

from __future__ import annotations

import importlib.metadata

from flowhub_woocommerce.connector import WooCommerce

from flowhub.plugins import Plugins


def test_entry_point_names_the_plugin_module() -> None:
    points = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="flowhub")}
    assert points["woocommerce"] == "flowhub_woocommerce.plugin"


def test_connector_is_registered_from_its_distribution() -> None:
    info = Plugins().connectors()["woocommerce"]
    assert info.cls is WooCommerce
    assert info.distribution == "flowhub-woocommerce"


def test_sandbox_is_registered_under_the_connector_name() -> None:
    sandbox = Plugins().sandboxes()["woocommerce"]
    assert sandbox.connection("http://127.0.0.1:1")["url"] == "http://127.0.0.1:1"
