"""The door flowhub knocks on: registers the WooCommerce connector and its sandbox."""

from __future__ import annotations

from collections.abc import Callable

from flowhub import Connector, Sandbox, hookimpl
from flowhub_woocommerce.connector import WooCommerce


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(WooCommerce)


@hookimpl
def register_functions(register: Callable[..., None]) -> None:
    from flowhub_woocommerce.functions import meta_value

    register(meta_value)


@hookimpl
def register_sandboxes(register: Callable[[Sandbox], None]) -> None:
    from flowhub_woocommerce.sandbox import SANDBOX  # imported late: starlette is only needed here

    register(SANDBOX)
