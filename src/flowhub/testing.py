"""The connector author's test kit: an opt-in pytest plugin.

Enable it in a connector's conftest.py with ``pytest_plugins = ["flowhub.testing"]``. It gives:

- ``vcr_config``: cassettes that never hold a secret (headers, query parameters and bodies filtered);
- ``serve_sandbox``: a fixture that serves a registered sandbox on loopback and answers the
  connection settings that reach it;
- ``connector_contract(...)``: a class of standard tests for one entity of one connector: reads
  with paging, finds by key, creates then re-creates without a duplicate, maps a 401 to an
  AuthError with a readable message, and retries a 429.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import BaseModel

from flowhub.connector import Connector, ReadQuery
from flowhub.errors import AuthError
from flowhub.redact import SECRET_HEADERS, SECRET_PARAMS, redact_obj, redact_text

__all__ = ["ContractSpec", "connector_contract", "served_sandbox", "vcr_redacting_config"]


def _scrub_body(body: Any) -> Any:
    """Mask secrets in a recorded body: secret-named JSON keys (access_token, …) and known values."""
    if isinstance(body, bytes):
        return _scrub_text(body.decode("utf-8", "replace")).encode()
    if isinstance(body, str):
        return _scrub_text(body)
    return body


def _scrub_text(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return redact_text(text)
    return json.dumps(redact_obj(data))


def _before_record_request(request: Any) -> Any:
    request.body = _scrub_body(request.body)
    return request


def _before_record_response(response: dict[str, Any]) -> dict[str, Any]:
    body = response.get("body", {})
    if isinstance(body, dict) and "string" in body:
        body["string"] = _scrub_body(body["string"])
    for name in list(response.get("headers", {})):
        if name.lower() in SECRET_HEADERS or name.lower() == "link":
            response["headers"][name] = [redact_text(v) for v in response["headers"][name]]
    return response


def vcr_redacting_config() -> dict[str, Any]:
    """vcrpy settings that keep secrets out of cassettes; replay only unless told otherwise."""
    return {
        "filter_headers": [(h, "REDACTED") for h in sorted(SECRET_HEADERS)],
        "filter_query_parameters": [(p, "REDACTED") for p in sorted(SECRET_PARAMS)],
        "before_record_request": _before_record_request,
        "before_record_response": _before_record_response,
        "decode_compressed_response": True,
        "match_on": ["method", "path", "query"],
    }


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    return vcr_redacting_config()


@contextmanager
def served_sandbox(name: str, **options: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Serve the registered sandbox ``name``; yields (base_url, connection settings)."""
    from flowhub.plugins import get_plugins
    from flowhub.sandboxes import serve

    box = get_plugins().sandboxes()[name]
    with serve(box.app(**options)) as served:
        yield served.base_url, dict(box.connection(served.base_url))


@pytest.fixture
def serve_sandbox() -> Iterator[Callable[..., tuple[str, dict[str, Any]]]]:
    """Call it with a sandbox name (and options); the server stops at the end of the test."""
    stack: list[Any] = []

    def start(name: str, **options: Any) -> tuple[str, dict[str, Any]]:
        manager = served_sandbox(name, **options)
        stack.append(manager)
        return manager.__enter__()

    yield start
    for manager in reversed(stack):
        manager.__exit__(None, None, None)


@dataclass(frozen=True)
class ContractSpec:
    """What the contract suite needs to know about one entity of one connector."""

    connector: type[Connector]
    entity: str
    new_record: Callable[[int], dict[str, Any]]  # a valid create payload, unique per number
    find_field: str  # a field `find` can look records up by (value taken from new_record)
    sandbox: str | None = None  # registered sandbox to test against (HTTP connectors)
    settings: Callable[[], dict[str, Any]] | None = None  # settings when there is no sandbox
    bad_settings: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # settings a 401 answers
    min_records: int = 11  # the sandbox holds at least this many, so a read spans pages


def connector_contract(spec: ContractSpec) -> type:
    """A test class with the standard contract tests for ``spec``; assign it to a Test* name."""

    class ConnectorContract:
        @pytest.fixture
        def settings(self, serve_sandbox: Callable[..., tuple[str, dict[str, Any]]]) -> dict[str, Any]:
            if spec.sandbox:
                return serve_sandbox(spec.sandbox)[1]
            assert spec.settings is not None, "give ContractSpec.settings when there is no sandbox"
            return spec.settings()

        def _open(self, settings: dict[str, Any]) -> Connector:
            return spec.connector(spec.connector.settings_model.model_validate(settings),
                                  connection_name="contract")

        def test_reads_every_record_once_across_pages(self, settings: dict[str, Any]) -> None:
            with self._open(settings) as connector:
                entity = connector.entity(spec.entity)
                for i in range(spec.min_records):
                    entity.create(entity.model.model_validate(spec.new_record(1000 + i)))
                keys = [entity.key_of(r) for r in entity.read(ReadQuery())]
            assert len(keys) >= spec.min_records
            assert len(keys) == len(set(keys)), "a record came twice"

        def test_finds_a_created_record_by_key(self, settings: dict[str, Any]) -> None:
            payload = spec.new_record(2001)
            with self._open(settings) as connector:
                entity = connector.entity(spec.entity)
                created = entity.create(entity.model.model_validate(payload))
                found = entity.find(spec.find_field, payload[spec.find_field])
            assert [entity.key_of(f) for f in found] == [entity.key_of(created)]

        def test_recreating_through_a_flow_makes_no_duplicate(self, settings: dict[str, Any]) -> None:
            payload = spec.new_record(3001)
            with self._open(settings) as connector:
                entity = connector.entity(spec.entity)
                for _ in range(2):  # what the runner does: look up by key, create only when absent
                    if not entity.find(spec.find_field, payload[spec.find_field]):
                        entity.create(entity.model.model_validate(payload))
                assert len(entity.find(spec.find_field, payload[spec.find_field])) == 1

        def test_rejected_credentials_raise_a_readable_auth_error(self, settings: dict[str, Any]) -> None:
            if spec.bad_settings is None:
                pytest.skip("this connector has no credentials")
            with self._open(spec.bad_settings(settings)) as connector, pytest.raises(AuthError) as caught:
                list(connector.entity(spec.entity).read(ReadQuery()))
            message = str(caught.value)
            assert message and "Traceback" not in message
            for value in _secret_values(connector.settings):
                assert value not in message

        def test_a_429_is_waited_for_and_retried(self, settings: dict[str, Any]) -> None:
            if not spec.sandbox:
                pytest.skip("no HTTP sandbox to inject faults into")
            import httpx

            control = f"{str(settings.get('url') or settings.get('base_url')).rstrip('/')}/__sandbox"
            faults = {"rate": 0.5, "kinds": ["429"], "retry_after": 0.05, "seed": 7}
            httpx.post(f"{control}/faults", json=faults, timeout=5).raise_for_status()
            try:
                with self._open(settings) as connector:
                    keys = [connector.entity(spec.entity).key_of(r)
                            for r in connector.entity(spec.entity).read(ReadQuery())]
                stats = httpx.get(f"{control}/stats", timeout=5).json()
            finally:
                httpx.post(f"{control}/faults", json={"rate": 0}, timeout=5)
            assert keys and len(keys) == len(set(keys))
            assert json.dumps(stats).count("429") >= 1, f"no 429 was injected: {stats}"

    ConnectorContract.__name__ = f"Contract_{spec.connector.name}_{spec.entity}"
    return ConnectorContract


def _secret_values(settings: BaseModel) -> list[str]:
    from flowhub.settings import secret_values

    return secret_values(settings)


def dump(model: BaseModel) -> str:  # pragma: no cover - a debugging aid for contract failures
    return json.dumps(model.model_dump(mode="json"), indent=2)
