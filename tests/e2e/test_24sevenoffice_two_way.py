"""Product sync option 2 end to end: two-way for chosen categories, no echo, duplicates held (S1, S10, S11)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowhub.demo import sandbox_env
from flowhub.runner import RunSummary
from flowhub.sandboxes import serve
from tests.e2e.scratch import run_flow

wc = pytest.importorskip("flowhub_woocommerce.sandbox")
so = pytest.importorskip("flowhub_24sevenoffice.sandbox")
REPO = Path(__file__).resolve().parents[2]
TO_SHOP, TO_ERP = "24sevenoffice-catalog-to-woocommerce", "woocommerce-catalog-to-24sevenoffice"


@dataclass
class TwoWay:
    root: Path
    shop: httpx.Client
    connection: dict[str, Any]

    def run(self, flow: str) -> RunSummary:
        return run_flow(self.root, flow)

    def both(self) -> tuple[RunSummary, RunSummary]:
        return self.run(TO_SHOP), self.run(TO_ERP)

    def _erp(self) -> Any:
        from flowhub_24sevenoffice.connector import TwentyFourSevenOffice

        return TwentyFourSevenOffice(TwentyFourSevenOffice.settings_model.model_validate(self.connection))

    def erp_product(self, number: str) -> Any:
        with self._erp() as erp:
            found = erp.entity("product").find("number", number)
        assert len(found) == 1, number
        return found[0]

    def erp_update(self, number: str, **fields: Any) -> None:
        from flowhub_24sevenoffice.models.rest import Product

        key = str(self.erp_product(number).id)
        with self._erp() as erp:
            erp.entity("product").update(key, Product.model_validate(fields))

    def shop_product(self, sku: str) -> dict[str, Any] | None:
        found = self.shop.get("/products", params={"sku": sku}).json()
        return found[0] if found else None


@pytest.fixture
def two_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TwoWay]:
    shutil.copytree(REPO / "flows", tmp_path / "flows", dirs_exist_ok=True)
    shutil.copytree(REPO / "mappings", tmp_path / "mappings", dirs_exist_ok=True)
    monkeypatch.setenv("FLOWHUB_DEMO_DIR", str(tmp_path))
    with serve(wc.create_app()) as shop, serve(so.create_app(duplicate_number=True)) as office:
        settings = wc.SANDBOX.connection(shop.base_url)
        connection = {**so.SANDBOX.connection(office.base_url), "page_size": 100}
        for key, value in {**sandbox_env("shop", settings), **sandbox_env("office", connection)}.items():
            monkeypatch.setenv(key, value)
        auth = (settings["consumer_key"], settings["consumer_secret"])
        with httpx.Client(base_url=f"{shop.base_url}/wp-json/wc/v3", auth=auth, timeout=30) as api:
            yield TwoWay(tmp_path, api, connection)


def _writes(summary: RunSummary) -> tuple[int, int]:
    return summary.counts["created"], summary.counts["updated"]


def test_a_second_round_in_both_directions_writes_nothing(two_way: TwoWay) -> None:
    to_shop, to_erp = two_way.both()
    assert to_shop.counts["created"] + to_shop.counts["updated"] > 0
    assert _writes(to_erp) == (0, 0)  # what 24SevenOffice just sent to the shop does not come back
    again_shop, again_erp = two_way.both()
    assert _writes(again_shop) == _writes(again_erp) == (0, 0)


def test_new_products_of_the_chosen_categories_arrive_as_drafts_flagged_with_their_category(two_way: TwoWay) -> None:
    two_way.run(TO_SHOP)
    new = two_way.shop_product("FH-5001")  # only in 24SevenOffice, category 104
    assert new is not None and new["status"] == "draft"
    assert {"key": "_24so_category", "value": "104"} in [{"key": m["key"], "value": m["value"]}
                                                          for m in new["meta_data"]]
    assert two_way.shop_product("FH-5003") is None  # category 107 is not chosen


def test_a_change_in_24sevenoffice_reaches_the_shop_and_stops_there(two_way: TwoWay) -> None:
    two_way.both()
    two_way.erp_update("FH-2002", name="Kaffe Filtermalt 500 g (ny)", salesPrice=149.0)
    to_shop, to_erp = two_way.both()
    assert _writes(to_shop) == (0, 1) and _writes(to_erp) == (0, 0)
    product = two_way.shop_product("FH-2002")
    assert product is not None and (product["name"], product["regular_price"]) == ("Kaffe Filtermalt 500 g (ny)", "149.00")


def test_a_change_in_the_shop_of_a_flagged_product_reaches_24sevenoffice_and_stops_there(two_way: TwoWay) -> None:
    two_way.both()
    product = two_way.shop_product("FH-2002")
    assert product is not None
    two_way.shop.put(f"/products/{product['id']}", json={"regular_price": "139.00", "stock_quantity": 7}).raise_for_status()
    to_erp = two_way.run(TO_ERP)
    assert _writes(to_erp) == (0, 1)
    erp = two_way.erp_product("FH-2002")
    assert (erp.salesPrice, erp.stock.quantity) == (139.0, 7)
    to_shop, again = two_way.both()
    assert _writes(to_shop) == _writes(again) == (0, 0)


def test_a_shop_product_flagged_with_a_24sevenoffice_category_is_created_there(two_way: TwoWay) -> None:
    two_way.both()
    two_way.shop.post("/products", json={
        "name": "Kaffeboks stål", "sku": "WEB-KB-1", "regular_price": "229.00", "manage_stock": True,
        "stock_quantity": 12, "meta_data": [{"key": "_24so_category", "value": "105"}]}).raise_for_status()
    two_way.shop.post("/products", json={"name": "Ikke merket", "sku": "WEB-KB-2", "regular_price": "9.00"})
    to_erp = two_way.run(TO_ERP)
    assert to_erp.counts["created"] == 1
    created = two_way.erp_product("WEB-KB-1")
    assert (created.category.id, created.salesPrice, created.stock.quantity) == (105, 229.0, 12)
    with two_way._erp() as erp:
        assert erp.entity("product").find("number", "WEB-KB-2") == []


def test_a_product_number_two_products_share_is_reported_for_both_and_neither_is_synced(two_way: TwoWay) -> None:
    summary = two_way.run(TO_SHOP)
    failed = [f for f in summary.failures if "FH-5004" in f["reason"]]
    assert len(failed) == 2 and all("must be unique" in f["reason"] for f in failed)
    assert two_way.shop_product("FH-5004") is None
    assert two_way.shop_product("FH-5002") is not None  # the rest is synced
    assert summary.exit_code == 1
