"""Shared fixtures: the sandbox served on loopback, and connectors opened against it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flowhub_woocommerce.connector import WooCommerce
from flowhub_woocommerce.sandbox import SANDBOX, create_app
from flowhub_woocommerce.settings import WooCommerceSettings
from starlette.applications import Starlette

from flowhub.sandboxes import serve

pytest_plugins = ["flowhub.testing"]

# OAuth 1.0a puts a fresh nonce and timestamp in every query: mask them so a replay matches.
OAUTH_VOLATILE = [("oauth_nonce", "REDACTED"), ("oauth_timestamp", "REDACTED")]


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    from flowhub.testing import vcr_redacting_config  # late: pytest must import the plugin first

    config = vcr_redacting_config()
    config["filter_query_parameters"] = [*config["filter_query_parameters"], *OAUTH_VOLATILE]
    config.pop("record_mode", None)  # pytest-recording's own default is `none`; this lets --record-mode work
    return config


@pytest.fixture
def shop_app() -> Callable[..., tuple[Starlette, str]]:
    """Serve a fresh sandbox app (options as for create_app); answers (app, base_url)."""
    served: list[Any] = []

    def start(**options: Any) -> tuple[Starlette, str]:
        app = create_app(**options)
        server = serve(app)
        served.append(server)
        return app, server.base_url

    yield start  # type: ignore[misc]
    for server in served:
        server.stop()


@pytest.fixture
def open_shop() -> Iterator[Callable[..., WooCommerce]]:
    """Open a WooCommerce connector at a base URL with the sandbox's key (and overrides)."""
    opened: list[WooCommerce] = []

    def make(base_url: str, **overrides: Any) -> WooCommerce:
        settings = WooCommerceSettings.model_validate({**SANDBOX.connection(base_url), **overrides})
        connector = WooCommerce(settings, connection_name="shop")
        opened.append(connector)
        return connector

    yield make
    for connector in opened:
        connector.close()


@pytest.fixture
def shop(
    shop_app: Callable[..., tuple[Starlette, str]], open_shop: Callable[..., WooCommerce]
) -> WooCommerce:
    """A connector to a fresh sandbox seeded with the captured shop (small pages, so reads page)."""
    _, base_url = shop_app()
    return open_shop(base_url, per_page=7, page_concurrency=3)
