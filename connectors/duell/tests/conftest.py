"""Fixtures for the DUELL tests: sandboxes with chosen settings, connectors on them, safe cassettes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flowhub_duell import Duell, DuellSettings
from flowhub_duell.sandbox import DuellSandboxApp, connection, create_app

from flowhub.sandboxes import serve

pytest_plugins = ["flowhub.testing"]

FAST = {"max_wait": 0.02, "timeout": 5.0}  # retries without long pauses; no test asserts timing


class Served:
    """A running DUELL sandbox: its app (state, faults), base URL and connection settings."""

    def __init__(self, app: DuellSandboxApp, base_url: str) -> None:
        self.app, self.base_url = app, base_url
        self.settings = {**connection(base_url), **FAST}

    @property
    def state(self) -> Any:
        return self.app.state

    def connector(self, **overrides: Any) -> Duell:
        return Duell(DuellSettings.model_validate({**self.settings, **overrides}), connection_name="test")


@pytest.fixture
def duell_sandbox() -> Iterator[Callable[..., Served]]:
    """Call with create_app options (``wrap``: ASGI middleware around it); all stop after the test."""
    running: list[Any] = []

    def start(wrap: Callable[[Any], Any] | None = None, **options: Any) -> Served:
        app = create_app(**options)
        served = serve(wrap(app) if wrap else app)
        running.append(served)
        return Served(app, served.base_url)

    yield start
    for served in running:
        served.stop()


_TOKEN_FIELD = re.compile(r'"token"\s*:\s*"[^"]*"')


def _scrub_tokens(response: dict[str, Any]) -> dict[str, Any]:
    """Tokens DUELL hands out are in the body of getaccesstokens, before anyone registered them."""
    body = response.get("body", {})
    text = body.get("string")
    if isinstance(text, bytes):
        body["string"] = _TOKEN_FIELD.sub('"token": "REDACTED-TOKEN"', text.decode()).encode()
    elif isinstance(text, str):
        body["string"] = _TOKEN_FIELD.sub('"token": "REDACTED-TOKEN"', text)
    return response


def _scrub_department(request: Any) -> Any:
    if request.body:
        text = request.body.decode() if isinstance(request.body, bytes) else request.body
        text = re.sub(r'"department_(id|token)"\s*:\s*"[^"]*"', r'"department_\1": "REDACTED"', text)
        request.body = text.encode()
    return request


@pytest.fixture(scope="session")
def vcr_config(pytestconfig: pytest.Config) -> dict[str, Any]:
    """flowhub's redacting cassettes, plus DUELL's issued tokens and department tokens.

    Replay only, unless ``--record-mode`` is given on the command line.
    """
    from flowhub.testing import vcr_redacting_config  # imported late: pytest rewrites it as a plugin

    config = vcr_redacting_config()
    base_request, base_response = config["before_record_request"], config["before_record_response"]
    config["before_record_request"] = lambda r: _scrub_department(base_request(r))
    config["before_record_response"] = lambda r: _scrub_tokens(base_response(r))
    config["filter_query_parameters"] = [*config["filter_query_parameters"], ("department", "REDACTED")]
    if pytestconfig.getoption("--record-mode"):
        config.pop("record_mode", None)
    return config


def dumps(value: Any) -> str:
    return json.dumps(value, default=str)
