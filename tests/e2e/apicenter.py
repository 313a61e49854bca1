"""The APIcenter scene of the Visma.net end-to-end tests: the shipped flows and mappings copied
into a scratch folder, the WooCommerce and Visma.net sandboxes on loopback, and ways to look at
both. Test modules subclass `Apicenter` for the looks of their own."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import yaml

from flowhub.connector import ReadQuery
from flowhub.demo import sandbox_env
from flowhub.runner import RunSummary
from flowhub.sandboxes import serve
from tests.e2e.scratch import run_flow

REPO = Path(__file__).resolve().parents[2]
PAID = ("processing", "completed")

A = TypeVar("A", bound="Apicenter")


@dataclass
class Apicenter:
    """The scratch folder, a client of the shop's REST API, and the Visma.net sandbox."""

    root: Path
    shop: httpx.Client
    erp_url: str
    erp_store: Any  # the Visma.net sandbox's company data (thread-safe; tests may poke it)

    def run(self, flow: str) -> RunSummary:
        return run_flow(self.root, flow)

    def erp(self, entity: str) -> list[Any]:
        """Every record of ``entity`` as the Visma.net connector reads it."""
        from flowhub_visma_net.connector import VismaNet
        from flowhub_visma_net.sandbox import SANDBOX

        settings = VismaNet.settings_model.model_validate(SANDBOX.connection(self.erp_url))
        with VismaNet(settings) as erp:
            return list(erp.entity(entity).read(ReadQuery()))

    def edit_flow(self, name: str, new_name: str | None = None, **changes: Any) -> None:
        """Change a flow's top-level keys (and `settings`) as a user would, in the scratch copy."""
        path = self.root / "flows" / f"{name}.yaml"
        flow = yaml.safe_load(path.read_text(encoding="utf-8"))
        settings = changes.pop("settings", {})
        flow.update(changes)
        flow["settings"] = {**flow.get("settings", {}), **settings}
        target = path if new_name is None else path.with_name(f"{new_name}.yaml")
        if new_name is not None:
            flow["name"] = new_name
        target.write_text(yaml.safe_dump(flow, sort_keys=False), encoding="utf-8")

    def paid_orders(self) -> dict[str, dict[str, Any]]:
        """The shop's orders in a paid status, by order number."""
        orders: list[dict[str, Any]] = []
        for page in range(1, 20):
            batch = self.shop.get("/orders", params={"per_page": 100, "page": page}).json()
            orders += batch
            if len(batch) < 100:
                break
        return {str(o["number"]): o for o in orders if o["status"] in PAID}

    def calls(self) -> int:
        """How many calls the Visma.net sandbox has answered so far."""
        with self.erp_store.lock:
            return len(self.erp_store.log)

    def writes(self, since: int = 0) -> list[tuple[str, str]]:
        """(method, path) of every write Visma.net received after the first ``since`` calls."""
        with self.erp_store.lock:
            calls = list(self.erp_store.log[since:])
        return [(method, path.split("?")[0]) for method, path, _status in calls
                if method in ("POST", "PUT", "PATCH", "DELETE") and "/connect/" not in path]


@contextmanager
def apicenter(root: Path, monkeypatch: pytest.MonkeyPatch, cls: type[A] = Apicenter,  # type: ignore[assignment]
              *, shop: dict[str, Any] | None = None, erp: dict[str, Any] | None = None,
              wrap_erp: Callable[[Any], Any] = lambda app: app, **fields: Any) -> Iterator[A]:
    """Both sandboxes served for one test; ``shop``/``erp`` are their `create_app` options,
    ``fields`` the subclass's own."""
    wc = pytest.importorskip("flowhub_woocommerce.sandbox")
    vn = pytest.importorskip("flowhub_visma_net.sandbox")
    shutil.copytree(REPO / "flows", root / "flows", dirs_exist_ok=True)
    shutil.copytree(REPO / "mappings", root / "mappings", dirs_exist_ok=True)
    monkeypatch.setenv("FLOWHUB_DEMO_DIR", str(root))
    erp_app = vn.create_app(**(erp or {}))
    with serve(wc.create_app(**(shop or {}))) as shop_server, serve(wrap_erp(erp_app)) as erp_server:
        settings = wc.SANDBOX.connection(shop_server.base_url)
        for key, value in {**sandbox_env("shop", settings),
                           **sandbox_env("erp", vn.SANDBOX.connection(erp_server.base_url))}.items():
            monkeypatch.setenv(key, value)
        auth = (settings["consumer_key"], settings["consumer_secret"])
        with httpx.Client(base_url=f"{shop_server.base_url}/wp-json/wc/v3", auth=auth, timeout=30) as api:
            yield cls(root, api, erp_server.base_url, erp_app.store, **fields)
