"""Fixtures for the Visma.net connector's tests: the sandbox on loopback, connectors that reach it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flowhub_visma_net.connector import VismaNet
from flowhub_visma_net.sandbox import SANDBOX, VismaSandbox, create_app
from flowhub_visma_net.settings import VismaNetSettings

from flowhub.redact import redact_obj
from flowhub.sandboxes import serve

pytest_plugins = ["flowhub.testing"]

Served = tuple[VismaSandbox, dict[str, Any]]


@pytest.fixture
def visma() -> Iterator[Callable[..., Served]]:
    """Start a Visma.net sandbox with options; yields (app, connection settings)."""
    servers: list[Any] = []

    def start(**options: Any) -> Served:
        app = create_app(**options)
        served = serve(app)
        servers.append(served)
        return app, SANDBOX.connection(served.base_url)

    yield start
    for served in servers:
        served.stop()


@pytest.fixture
def connect() -> Iterator[Callable[..., VismaNet]]:
    """Open a connector on settings (plus overrides); closed at the end of the test."""
    opened: list[VismaNet] = []

    def open_(settings: dict[str, Any], **overrides: Any) -> VismaNet:
        connector = VismaNet(
            VismaNetSettings.model_validate({**settings, **overrides}), connection_name="test"
        )
        opened.append(connector)
        return connector

    yield open_
    for connector in opened:
        connector.close()


def _redact_json_body(response: dict[str, Any]) -> dict[str, Any]:
    """Token answers carry the access token in JSON; mask secret-named keys of JSON bodies too."""
    body = response.get("body", {})
    raw = body.get("string") if isinstance(body, dict) else None
    if raw:
        try:
            parsed = json.loads(raw)
        except ValueError:
            return response
        body["string"] = json.dumps(redact_obj(parsed)).encode()
    return response


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    from flowhub.testing import vcr_redacting_config

    config = vcr_redacting_config()
    scrub = config["before_record_response"]
    config["before_record_response"] = lambda response: _redact_json_body(scrub(response))
    return config


@pytest.fixture(scope="session")
def shared_apis() -> Path:
    """``shared/apis`` beside some ancestor of this file (the checkout's sibling); skip without it."""
    for folder in Path(__file__).resolve().parents:
        candidate = folder.parent / "shared" / "apis"
        if (candidate / "visma_net").is_dir():
            return candidate
    pytest.skip("no shared/apis folder beside this checkout (the facts the examples come from)")
