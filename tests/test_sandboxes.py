"""Serving sandboxes on loopback and the faults they inject, observed by a real HTTP client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from flowhub.sandboxes import HTML_NOTICE, FaultInjection, Faults, ServedApp, serve

# A dropped connection reads as a half answer or, when the kernel resets it, a read error.
DROPPED = (httpx.RemoteProtocolError, httpx.ReadError)


class Shelf:
    """A tiny app that remembers every write it applied."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def app(self, faults: Faults | None = None) -> FaultInjection:
        async def list_items(request: Request) -> JSONResponse:
            return JSONResponse(self.items)

        async def add_item(request: Request) -> JSONResponse:
            self.items.append((await request.json())["name"])
            return JSONResponse({"id": len(self.items)}, status_code=201)

        routes = [Route("/items", list_items, methods=["GET"]), Route("/items", add_item, methods=["POST"])]
        return FaultInjection(Starlette(routes=routes), faults, on_reset=self.items.clear)


@pytest.fixture
def shelf() -> Shelf:
    return Shelf()


@pytest.fixture
def served(shelf: Shelf) -> Iterator[ServedApp]:
    with serve(shelf.app()) as app:
        yield app


def set_faults(served: ServedApp, **changes: object) -> dict[str, Any]:
    answer = httpx.post(f"{served.base_url}/__sandbox/faults", json=changes)
    assert answer.status_code == 200, answer.text
    return answer.json()


def stats(served: ServedApp) -> dict[str, Any]:
    return httpx.get(f"{served.base_url}/__sandbox/stats").json()


def test_serve_picks_a_free_port_and_answers_over_real_http(served: ServedApp) -> None:
    assert served.port > 0
    assert served.base_url == f"http://127.0.0.1:{served.port}"
    assert httpx.get(f"{served.base_url}/items").json() == []


def test_two_served_apps_get_different_ports(shelf: Shelf) -> None:
    with serve(shelf.app()) as one, serve(shelf.app()) as two:
        assert one.port != two.port


def test_stop_closes_the_port(shelf: Shelf) -> None:
    app = serve(shelf.app())
    url = f"{app.base_url}/items"
    assert httpx.get(url).status_code == 200
    app.stop()
    assert not app.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)


def test_no_faults_by_default_and_writes_reach_the_app(served: ServedApp, shelf: Shelf) -> None:
    for name in ("a", "b", "c"):
        assert httpx.post(f"{served.base_url}/items", json={"name": name}).status_code == 201
    assert shelf.items == ["a", "b", "c"]
    assert stats(served)["seen"] == 3
    assert stats(served)["faulted"] == 0


def test_429_carries_retry_after_and_the_write_is_not_applied(served: ServedApp, shelf: Shelf) -> None:
    set_faults(served, rate=1, kinds=["429"], retry_after=7)
    answer = httpx.post(f"{served.base_url}/items", json={"name": "x"})
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "7"
    assert answer.json()["data"]["status"] == 429
    assert shelf.items == []


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_answer_html_and_do_not_reach_the_app(
    served: ServedApp, shelf: Shelf, status: int
) -> None:
    set_faults(served, rate=1, kinds=[str(status)])
    answer = httpx.post(f"{served.base_url}/items", json={"name": "x"})
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert ("retry-after" in answer.headers) is (status == 503)
    assert shelf.items == []


def test_timeout_outlasts_the_client_and_the_write_is_not_applied(served: ServedApp, shelf: Shelf) -> None:
    set_faults(served, rate=1, kinds=["timeout"], timeout_s=1.0)
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{served.base_url}/items", json={"name": "x"}, timeout=0.2)
    assert shelf.items == []
    assert stats(served)["by_kind"] == {"timeout": 1}


def test_a_patient_client_gets_a_504_after_a_timeout_fault(served: ServedApp) -> None:
    set_faults(served, rate=1, kinds=["timeout"], timeout_s=0.05)
    assert httpx.get(f"{served.base_url}/items", timeout=5).status_code == 504


def test_drop_closes_the_connection_without_a_response(served: ServedApp, shelf: Shelf) -> None:
    set_faults(served, rate=1, kinds=["drop"])
    with pytest.raises(DROPPED):
        httpx.post(f"{served.base_url}/items", json={"name": "x"})
    assert shelf.items == []


def test_drop_after_applies_the_write_but_loses_the_answer(served: ServedApp, shelf: Shelf) -> None:
    set_faults(served, rate=1, kinds=["drop_after"])
    with pytest.raises(DROPPED):
        httpx.post(f"{served.base_url}/items", json={"name": "x"})
    assert shelf.items == ["x"]


def test_html_notice_prefixes_the_real_json_answer(served: ServedApp, shelf: Shelf) -> None:
    set_faults(served, rate=1, kinds=["html_notice"])
    answer = httpx.post(f"{served.base_url}/items", json={"name": "x"})
    assert answer.status_code == 201
    assert answer.text.startswith("<br />\n<b>Notice</b>:")
    assert json.loads(answer.text[len(HTML_NOTICE) :]) == {"id": 1}
    assert shelf.items == ["x"]


def test_server_keeps_serving_after_drops(served: ServedApp) -> None:
    set_faults(served, rate=1, kinds=["drop"])
    with httpx.Client() as client:
        for _ in range(3):
            with pytest.raises(DROPPED):
                client.get(f"{served.base_url}/items")
    set_faults(served, rate=0)
    assert httpx.get(f"{served.base_url}/items").status_code == 200


def test_latency_is_reported_and_requests_still_succeed(served: ServedApp) -> None:
    assert set_faults(served, latency_ms=5)["latency_ms"] == 5
    assert httpx.get(f"{served.base_url}/items").status_code == 200
    assert stats(served)["passed"] == 1


def test_rate_draws_are_repeatable_with_a_seed(served: ServedApp) -> None:
    def run() -> list[int]:
        with httpx.Client() as client:
            return [client.get(f"{served.base_url}/items").status_code for _ in range(30)]

    set_faults(served, rate=0.5, kinds=["500", "503"], seed=11)
    first = run()
    set_faults(served, seed=12)
    set_faults(served, seed=11)
    assert run() == first
    assert {200, 500, 503} <= set(first)
    counts = stats(served)
    assert counts["seen"] == 60
    assert counts["faulted"] + counts["passed"] == 60


def test_stats_count_seen_faulted_and_kinds_and_reset_clears_them(served: ServedApp, shelf: Shelf) -> None:
    httpx.post(f"{served.base_url}/items", json={"name": "kept"})
    set_faults(served, rate=1, kinds=["502"])
    httpx.get(f"{served.base_url}/items")
    counted = stats(served)
    assert (counted["seen"], counted["passed"], counted["faulted"]) == (2, 1, 1)
    assert counted["by_kind"] == {"502": 1}
    after = httpx.post(f"{served.base_url}/__sandbox/reset").json()
    assert (after["seen"], after["faulted"], after["faults"]["rate"]) == (0, 0, 0)
    assert shelf.items == []  # on_reset ran


def test_bad_fault_settings_are_refused_with_a_reason(served: ServedApp) -> None:
    answer = httpx.post(f"{served.base_url}/__sandbox/faults", json={"kinds": ["teapot"]})
    assert answer.status_code == 400
    assert "kinds" in answer.json()["message"]
    assert httpx.post(f"{served.base_url}/__sandbox/faults", json=[1]).status_code == 400
    assert stats(served)["faults"]["kinds"] == Faults().kinds


def test_unknown_control_route_names_the_known_ones(served: ServedApp) -> None:
    answer = httpx.get(f"{served.base_url}/__sandbox/nope")
    assert answer.status_code == 404
    assert answer.json()["message"] == "known: GET stats, POST faults, POST reset"


def test_faults_given_at_construction_apply_from_the_first_request(shelf: Shelf) -> None:
    with serve(shelf.app(Faults(rate=1, kinds=["503"], retry_after=2.5))) as app:
        answer = httpx.get(f"{app.base_url}/items")
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "2.5"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            key,
            "-out",
            cert,
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_serve_speaks_https_with_a_certificate(shelf: Shelf, certificate: tuple[str, str]) -> None:
    cert, key = certificate
    with serve(shelf.app(), ssl_certfile=cert, ssl_keyfile=key) as app:
        assert app.base_url.startswith("https://127.0.0.1:")
        import ssl

        assert httpx.get(f"{app.base_url}/items", verify=ssl.create_default_context(cafile=cert)).json() == []


def test_accepted_connections_disable_nagle() -> None:
    """Headers and body leave in two writes; without TCP_NODELAY keep-alive clients stall ~40 ms each."""
    import socket

    async def nodelay(request: Request) -> JSONResponse:
        sock = request.receive.__self__.transport.get_extra_info("socket")  # type: ignore[attr-defined]
        return JSONResponse(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    with serve(Starlette(routes=[Route("/", nodelay)])) as app:
        assert httpx.get(f"{app.base_url}/").json() == 1
