"""The shipped WooCommerce -> SQL flows (seeds K and G) end to end against the WooCommerce sandbox."""

from __future__ import annotations

import copy
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowhub.demo import sandbox_env
from flowhub.plugins import Plugins
from flowhub.runner import RunSummary
from flowhub.sandboxes import serve
from flowhub.settings import FlowhubSettings
from flowhub.workspace import Workspace

wc_sandbox = pytest.importorskip("flowhub_woocommerce.sandbox")
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Shop:
    """The sandbox shop, a copy of the shipped flows, and the database they fill."""

    root: Path
    api: httpx.Client
    env: dict[str, str]

    def workspace(self) -> Workspace:
        return Workspace(settings=FlowhubSettings(home=self.root / ".flowhub"), plugins=Plugins(),
                         connections=self.root / "flows" / "connections.yaml", flows_dir=self.root / "flows")

    def run(self, flow: str, **options: Any) -> RunSummary:
        ws = self.workspace()
        try:
            return ws.run(flow, **options)
        finally:
            ws.close()

    def rows(self, table: str, where: str = "1=1") -> list[dict[str, Any]]:
        with sqlite3.connect(self.root / "shop.db") as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute(f"select * from {table} where {where} order by id")]

    def switch_off(self, flow: str) -> None:
        path = self.root / "flows" / f"{flow}.yaml"
        path.write_text(path.read_text() + "enabled: false\n")


def _seed_with_more_roles() -> dict[str, Any]:
    seed = copy.deepcopy(wc_sandbox.load_seed())
    base = seed["customers"][1]
    for new_id, role in ((201, "subscriber"), (202, "shop_manager")):
        seed["customers"].append({**copy.deepcopy(base), "id": new_id, "role": role,
                                  "email": f"{role}@example.test", "username": role})
    return seed


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    shutil.copytree(REPO / "flows", tmp_path / "flows")
    shutil.copytree(REPO / "mappings", tmp_path / "mappings")
    with serve(wc_sandbox.create_app(seed=_seed_with_more_roles())) as served:
        settings = wc_sandbox.SANDBOX.connection(served.base_url)
        env = {**sandbox_env("shop", settings), "FLOWHUB_DEMO_DIR": str(tmp_path)}
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        auth = (settings["consumer_key"], settings["consumer_secret"])
        with httpx.Client(base_url=f"{served.base_url}/wp-json/wc/v3", auth=auth, timeout=10) as api:
            yield Shop(tmp_path, api, env)


FLOWS = ["woocommerce-categories-to-sql", "woocommerce-customers-to-sql", "woocommerce-products-to-sql",
         "woocommerce-orders-to-sql", "woocommerce-payments-to-sql"]


def test_import_of_every_entity_then_a_rerun_creates_and_updates_nothing(shop: Shop) -> None:
    first = {flow: shop.run(flow) for flow in FLOWS}
    assert all(s.exit_code == 0 for s in first.values()), {f: s.failures for f, s in first.items()}
    assert first["woocommerce-products-to-sql"].counts["created"] == 32
    assert first["woocommerce-orders-to-sql"].counts["created"] == 40
    assert len(shop.rows("product_categories")) == first["woocommerce-categories-to-sql"].counts["created"] > 0
    second = {flow: shop.run(flow) for flow in FLOWS}
    for flow, summary in second.items():
        assert (summary.counts["created"], summary.counts["updated"], summary.counts["failed"]) == (0, 0, 0), flow


def test_the_next_run_picks_up_only_changes(shop: Shop) -> None:
    shop.run("woocommerce-products-to-sql")
    shop.api.put("/products/19", json={"name": "Merino long sleeve"}).raise_for_status()
    summary = shop.run("woocommerce-products-to-sql")
    assert (summary.counts["updated"], summary.counts["created"]) == (1, 0)
    assert shop.rows("products", "id = 19")[0]["name"] == "Merino long sleeve"


def test_a_trashed_product_becomes_a_soft_deleted_row_hidden_by_default(shop: Shop) -> None:
    shop.run("woocommerce-products-to-sql")
    shop.api.delete("/products/19").raise_for_status()  # to the trash, as in the shop's admin
    summary = shop.run("woocommerce-products-to-sql")
    assert summary.counts["deleted"] == 1
    [row] = shop.rows("products", "id = 19")
    assert row["_deleted_at"] is not None  # K5: marked, not removed
    assert 19 not in [r["id"] for r in shop.rows("products_active")]
    assert len(shop.rows("products")) == 32


def test_only_customers_and_subscribers_are_imported(shop: Shop) -> None:
    shop.run("woocommerce-customers-to-sql")
    roles = {r["role"] for r in shop.rows("contacts")}
    assert roles == {"customer", "subscriber"}  # G7: no administrator, no shop manager
    assert {r["origin"] for r in shop.rows("contacts")} == {"woocommerce"}  # G11


def test_order_buyers_become_contacts_even_when_contact_sync_is_off(shop: Shop) -> None:
    shop.switch_off("woocommerce-customers-to-sql")
    assert shop.run("woocommerce-customers-to-sql").status == "disabled"
    summary = shop.run("woocommerce-orders-to-sql")
    assert summary.exit_code == 0, summary.failures
    contacts = {r["id"]: r for r in shop.rows("contacts")}
    buyers = {str(r["contact_id"]) for r in shop.rows("orders")}
    assert buyers <= set(contacts)  # G8
    assert {r["origin_type"] for r in contacts.values()} == {"customer", "guest"}


def test_guest_buyers_are_created_once_and_never_updated(shop: Shop) -> None:
    shop.run("woocommerce-orders-to-sql")
    guest_id = "guest:guro.gjest1@example.test"
    [before] = shop.rows("contacts", f"id = '{guest_id}'")
    assert before["guest"] == 1
    shop.api.put("/orders/105", json={"billing": {"first_name": "Changed", "email": "guro.gjest1@example.test"}}
                 ).raise_for_status()
    assert shop.run("woocommerce-orders-to-sql").counts["updated"] == 1
    [after] = shop.rows("contacts", f"id = '{guest_id}'")
    assert after["first_name"] == before["first_name"] == "Guro"  # G9: never updated afterwards


def test_statuses_map_to_completed_cancelled_or_pending(shop: Shop) -> None:
    shop.run("woocommerce-orders-to-sql")
    pairs = {(r["shop_status"], r["status"]) for r in shop.rows("orders")}
    expected = {"completed": "Completed", "refunded": "Completed", "cancelled": "Cancelled",
                "failed": "Cancelled", "processing": "Pending", "pending": "Pending", "on-hold": "Pending"}
    assert {shop_status: status for shop_status, status in pairs if shop_status in expected} == expected  # G10
    assert {r["origin"] for r in shop.rows("orders")} == {"woocommerce"}  # G11


def test_full_reimport_catches_up_without_duplicates(shop: Shop) -> None:
    shop.run("woocommerce-orders-to-sql")
    with sqlite3.connect(shop.root / "shop.db") as db:
        db.execute("delete from orders where id in (70, 71)")  # what a first import "missed"
    summary = shop.run("woocommerce-orders-to-sql", full=True)
    assert summary.exit_code == 0, summary.failures
    assert len(shop.rows("orders")) == 40 and len({r["id"] for r in shop.rows("orders")}) == 40  # G5


def test_each_entity_flow_can_be_switched_off(shop: Shop) -> None:
    shop.switch_off("woocommerce-payments-to-sql")
    assert shop.run("woocommerce-payments-to-sql").status == "disabled"  # G4
    assert shop.run("woocommerce-orders-to-sql").counts["created"] == 40
    with sqlite3.connect(shop.root / "shop.db") as db:
        assert "payments" not in {r[0] for r in db.execute("select name from sqlite_master")}


def test_an_import_killed_halfway_resumes_where_it_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(REPO / "flows", tmp_path / "flows")
    shutil.copytree(REPO / "mappings", tmp_path / "mappings")
    seed = wc_sandbox.generate(orders=1500, customers=50, products=40, seed=3)
    with serve(wc_sandbox.create_app(seed=seed)) as served:
        env = {**os.environ, **sandbox_env("shop", wc_sandbox.SANDBOX.connection(served.base_url)),
               "FLOWHUB_DEMO_DIR": str(tmp_path), "FLOWHUB_HOME": str(tmp_path / ".flowhub")}
        command = [sys.executable, "-m", "flowhub", "--flows", "flows", "run", "woocommerce-orders-to-sql",
                   "--json"]
        child = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _count(tmp_path, "orders") < 300:
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(30)
        done_before = _count(tmp_path, "orders")
        assert 0 < done_before < 1400, "the kill came too late or too early to test a resume"
        resumed = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    import json

    counts = json.loads(resumed.stdout)["counts"]
    total = sum(1 for o in seed["orders"] if o["status"] != "checkout-draft")
    assert counts["read"] < total  # K7: it went on from the checkpoint, not from the start
    assert _count(tmp_path, "orders") == total


def _count(root: Path, table: str) -> int:
    try:
        with sqlite3.connect(root / "shop.db", timeout=5) as db:
            return int(db.execute(f"select count(*) from {table}").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
