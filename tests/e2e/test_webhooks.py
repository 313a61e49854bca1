"""Webhooks run flows (K4, D7, G3): a change in the shop reaches the database within moments."""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from flowhub.connections import environment, load_connections, open_connector
from flowhub.demo import sandbox_env
from flowhub.plugins import Plugins
from flowhub.sandboxes import serve
from flowhub.service import FlowService
from flowhub.settings import FlowhubSettings
from flowhub.workspace import Workspace

wc_sandbox = pytest.importorskip("flowhub_woocommerce.sandbox")
REPO = Path(__file__).resolve().parents[2]
SECRET = "whsec-flowhub-test-0123456789"


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FlowService, str, httpx.Client]]:
    shutil.copytree(REPO / "flows", tmp_path / "flows")
    shutil.copytree(REPO / "mappings", tmp_path / "mappings")
    connections = tmp_path / "flows" / "connections.yaml"
    connections.write_text(connections.read_text().replace(
        "  consumer_secret: ${SHOP_CONSUMER_SECRET}\n",
        "  consumer_secret: ${SHOP_CONSUMER_SECRET}\n  webhook_secret: ${SHOP_WEBHOOK_SECRET}\n"))
    monkeypatch.setenv("SHOP_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("FLOWHUB_DEMO_DIR", str(tmp_path))
    with serve(wc_sandbox.create_app()) as shop:
        settings = wc_sandbox.SANDBOX.connection(shop.base_url)
        for key, value in sandbox_env("shop", settings).items():
            monkeypatch.setenv(key, value)
        ws = Workspace(settings=FlowhubSettings(home=tmp_path / ".flowhub"), plugins=Plugins(),
                       connections=connections, flows_dir=tmp_path / "flows")
        svc = FlowService(ws, connections, debounce=0.1)
        auth = (settings["consumer_key"], settings["consumer_secret"])
        with serve(svc.app()) as receiver, httpx.Client(base_url=f"{shop.base_url}/wp-json/wc/v3", auth=auth,
                                                         timeout=10) as api:
            svc.start()
            try:
                yield svc, receiver.base_url, api
            finally:
                svc.stop()
                ws.close()


def _first_name(root: Path, contact_id: str) -> str | None:
    try:
        with sqlite3.connect(root / "shop.db") as db:
            row = db.execute("select first_name from contacts where id = ?", (contact_id,)).fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def test_a_change_in_the_shop_is_imported_by_its_webhook(
    service: tuple[FlowService, str, httpx.Client], tmp_path: Path
) -> None:
    svc, receiver, api = service
    first = svc.ws.run("woocommerce-customers-to-sql")
    assert _first_name(tmp_path, "2") is not None, first
    connector = svc.connector("shop")
    connector.ensure_webhook("customer.updated", f"{receiver}/webhooks/shop")  # type: ignore[attr-defined]
    api.put("/customers/2", json={"first_name": "Webhooked"}).raise_for_status()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _first_name(tmp_path, "2") != "Webhooked":
        time.sleep(0.1)
    assert _first_name(tmp_path, "2") == "Webhooked"
    # the record is in the database a moment before its run is closed: wait for the run's counts
    while time.monotonic() < deadline and not _webhook_run_updated_one(svc):
        time.sleep(0.1)
    assert _webhook_run_updated_one(svc), svc.ws.store.runs("woocommerce-customers-to-sql")


def _webhook_run_updated_one(svc: FlowService) -> bool:
    runs = svc.ws.store.runs("woocommerce-customers-to-sql")
    return any(r.mode == "webhook" and r.status != "running" and r.counts.get("updated") == 1 for r in runs)


def test_a_delivery_that_does_not_verify_is_refused(service: tuple[FlowService, str, httpx.Client]) -> None:
    _, receiver, _ = service
    answer = httpx.post(f"{receiver}/webhooks/shop", content=b'{"id": 2}',
                        headers={"X-WC-Webhook-Topic": "customer.updated", "X-WC-Webhook-Signature": "bm9wZQ=="})
    assert answer.status_code == 401
    assert httpx.post(f"{receiver}/webhooks/nowhere", content=b"{}").status_code == 404


def test_scheduled_flows_are_due_once_per_interval(service: tuple[FlowService, str, httpx.Client]) -> None:
    svc, _, _ = service
    every = {n: f.schedule.every for n, (_, f) in svc.flows.items() if f.schedule.every}
    assert every["woocommerce-products-to-sql"] == 40 * 60  # D7: the reconciliation pass
    start = 10_000_000.0
    assert set(svc.due(start)) == set(every)
    assert svc.due(start + 60) == []
    assert "woocommerce-products-to-sql" in svc.due(start + 40 * 60)
