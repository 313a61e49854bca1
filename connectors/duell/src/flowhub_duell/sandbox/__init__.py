"""A local DUELL: the reconstructed API, its unknowns as settings, faults, latency and demo data.

``create_app(**settings)`` builds the ASGI app; ``SANDBOX`` registers it as ``flowhub sandbox
duell``. The API answers under ``/v1/``; FaultInjection's controls answer under
``/__sandbox/`` (and ``/v1/__sandbox/``, so a client that knows only the API root finds them);
``/__duell/`` acts as the shop owner inside DUELL and is never faulted.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from flowhub.connector import Sandbox
from flowhub.sandboxes import FaultInjection, Faults
from flowhub_duell.sandbox.app import build_api, build_control
from flowhub_duell.sandbox.generate import generate_products
from flowhub_duell.sandbox.settings import CLIENT_NUMBER, CLIENT_TOKEN, SandboxSettings
from flowhub_duell.sandbox.state import DuellState, Failure

__all__ = [
    "SANDBOX",
    "DuellSandboxApp",
    "DuellState",
    "Failure",
    "SandboxSettings",
    "connection",
    "create_app",
    "demo_data",
    "generate_products",
]


def demo_data() -> dict[str, Any]:
    """The shipped demo catalogue (see build_demo.py)."""
    text = resources.files("flowhub_duell.sandbox").joinpath("data/demo.json").read_text(encoding="utf-8")
    return json.loads(text)


class DuellSandboxApp:
    """The outermost ASGI app: routes controls around the faults; exposes state for tests."""

    def __init__(self, state: DuellState, faults: FaultInjection, control: Any) -> None:
        self.state, self.faults, self._control = state, faults, control

    @property
    def settings(self) -> SandboxSettings:
        return self.state.settings

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path.startswith("/v1/__sandbox/") or path.startswith("/v1/__duell/"):
                scope = {**scope, "path": path[3:], "raw_path": path[3:].encode()}
                path = scope["path"]
            if path.startswith("/__duell/"):
                await self._control(scope, receive, send)
                return
        await self.faults(scope, receive, send)


def create_app(
    seed: Path | str | None = None,
    faults: Faults | dict[str, Any] | None = None,
    latency_ms: float = 0.0,
    **settings: Any,
) -> DuellSandboxApp:
    """A DUELL sandbox. ``settings`` are SandboxSettings fields (error_mode, token_ttl, …).

    ``seed`` is a JSON file shaped like data/demo.json; ``faults`` a flowhub Faults (or its
    fields); ``latency_ms`` is added to every request.
    """
    options = SandboxSettings.model_validate(settings)
    data = json.loads(Path(seed).read_text(encoding="utf-8")) if seed else demo_data()
    if not options.demo and not seed:
        data = {
            **data,
            "products": [],
            "customers": [],
            "stock": {d["name"]: {} for d in data["departments"]},
        }
    if options.generated_products:
        _add_generated(data, options.generated_products)
    fault_options = Faults.model_validate(faults) if isinstance(faults, dict) else faults or Faults()
    if latency_ms:
        fault_options = fault_options.model_copy(update={"latency_ms": latency_ms})
    state = DuellState(data, options)
    faulted = FaultInjection(build_api(state), fault_options, on_reset=state.reset)
    return DuellSandboxApp(state, faulted, build_control(state))


def _add_generated(data: dict[str, Any], count: int) -> None:
    products, stock = generate_products(count, categories=data.get("categories"))
    data["products"] = [*data.get("products", []), *products]
    first_department = data["departments"][0]["name"]
    data.setdefault("stock", {}).setdefault(first_department, {}).update(stock)


def connection(base_url: str) -> dict[str, Any]:
    """Connection settings that reach a sandbox served at ``base_url``."""
    departments = demo_data()["departments"]
    return {
        "base_url": f"{base_url.rstrip('/')}/v1/",
        "client_number": CLIENT_NUMBER,
        "client_token": CLIENT_TOKEN,
        "department_token": departments[0]["token"],
        "departments": {d["name"]: d["token"] for d in departments[1:]},
    }


SANDBOX = Sandbox(name="duell", app=create_app, connection=connection)
