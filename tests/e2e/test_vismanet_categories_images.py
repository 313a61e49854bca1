"""A10 end to end: shop categories as Visma.net sales categories, product images as item attachments.

The WooCommerce and Visma.net sandboxes run on loopback, as in test_vismanet.py. Visma.net's API
cannot assign sales categories (they are read-only, the item's write DTO has no such field), so
where a person would act in Visma.net the test changes the sandbox's company data directly.
The seeded products' images are served by the WooCommerce sandbox (as WordPress serves its
uploads); the products a test creates have theirs on another host, a tiny image server of the
test's own that counts every download.
"""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from flowhub.demo import sandbox_env
from flowhub.runner import RunSummary
from flowhub.sandboxes import serve
from flowhub.workspace import Workspace
from tests.e2e.scratch import run_flow, workspace

wc = pytest.importorskip("flowhub_woocommerce.sandbox")
vn = pytest.importorskip("flowhub_visma_net.sandbox")
REPO = Path(__file__).resolve().parents[2]
PRODUCTS = "woocommerce-products-to-vismanet"
CATEGORIES = "woocommerce-product-categories-to-vismanet"
IMAGES = "woocommerce-product-images-to-vismanet"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@dataclass
class A10:
    root: Path
    shop: httpx.Client
    erp: Any  # the Visma.net sandbox app: `.store` is the company's data
    images_url: str
    image_hits: list[str]

    def run(self, flow: str) -> RunSummary:
        return run_flow(self.root, flow)

    def waiting(self, flow: str) -> dict[str, str]:
        """Waiting records of ``flow``: source key -> reason."""
        with self.workspace() as ws:
            return {r.source_key: str(r.reason) for r in ws.store.problems(flow, "waiting")}

    def workspace(self) -> AbstractContextManager[Workspace]:
        return workspace(self.root)

    def item(self, number: str) -> dict[str, Any]:
        with self.erp.store.lock:
            return dict(self.erp.store.table("inventory").get(number))

    def uploads(self) -> list[tuple[str, str, int]]:
        """POSTs of attachments the ERP received: (method, path, status)."""
        with self.erp.store.lock:
            return [call for call in self.erp.store.log if call[0] == "POST" and "/attachment" in call[1]]

    def files(self) -> list[dict[str, Any]]:
        return self.erp.store.snapshot("attachment")

    def new_product(self, sku: str, *, categories: list[int], images: list[str] = ()) -> dict[str, Any]:
        body = {"name": f"Produkt {sku}", "sku": sku, "type": "simple", "status": "publish",
                "regular_price": "125.00", "categories": [{"id": c} for c in categories],
                "images": [{"src": f"{self.images_url}/{name}"} for name in images]}
        answer = self.shop.post("/products", json=body)
        answer.raise_for_status()
        return answer.json()

    def shop_category(self, name: str) -> int:
        answer = self.shop.post("/products/categories", json={"name": name})
        answer.raise_for_status()
        return int(answer.json()["id"])

    def person_adds_to_sales_category(self, number: str, category_id: int, description: str) -> None:
        """What someone does in Visma.net's Item sales categories window (IN204060)."""
        store = self.erp.store
        with store.lock:
            item = store.table("inventory").get(number)
            item.setdefault("salesCategories", []).append({"categoryId": category_id, "description": description})
            store.touch(item, etag_field="timestamp")

    def person_creates_sales_category(self, category_id: int, description: str) -> None:
        with self.erp.store.lock:
            self.erp.store.table("salescategory").put(
                {"categoryID": category_id, "description": description, "parentID": 0}
            )


def _image_server(hits: list[str]) -> Starlette:
    async def image(request: Request) -> Response:
        hits.append(request.path_params["name"])
        return Response(PNG, media_type="image/png")

    async def missing(request: Request) -> Response:
        return Response("<html>not found</html>", status_code=404, media_type="text/html")

    return Starlette(routes=[Route("/img/gone.png", missing), Route("/img/{name:path}", image)])


@pytest.fixture
def a10(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[A10]:
    shutil.copytree(REPO / "flows", tmp_path / "flows", dirs_exist_ok=True)
    shutil.copytree(REPO / "mappings", tmp_path / "mappings", dirs_exist_ok=True)
    monkeypatch.setenv("FLOWHUB_DEMO_DIR", str(tmp_path))
    hits: list[str] = []
    erp_app = vn.create_app()
    with serve(_image_server(hits)) as images, serve(erp_app) as erp, \
            serve(wc.create_app()) as shop:
        settings = wc.SANDBOX.connection(shop.base_url)
        for key, value in {**sandbox_env("shop", settings),
                           **sandbox_env("erp", vn.SANDBOX.connection(erp.base_url))}.items():
            monkeypatch.setenv(key, value)
        auth = (settings["consumer_key"], settings["consumer_secret"])
        with httpx.Client(base_url=f"{shop.base_url}/wp-json/wc/v3", auth=auth, timeout=30) as api:
            yield A10(tmp_path, api, erp_app, f"{images.base_url}/img", hits)


# -- categories -------------------------------------------------------------------------------
def test_a_product_whose_item_is_in_its_sales_categories_goes_through_without_a_write(a10: A10) -> None:
    assert a10.run(PRODUCTS).exit_code == 0
    before = len(a10.erp.store.log)
    summary = a10.run(CATEGORIES)
    assert summary.exit_code == 0, summary.failures[:3]
    assert summary.counts["unchanged"] >= 25  # the seeded items are in their shop categories already
    assert summary.counts["created"] == summary.counts["updated"] == 0
    writes = [c for c in a10.erp.store.log[before:] if c[0] != "GET"]
    assert writes == []  # the API cannot assign categories, so nothing is ever sent


def test_an_item_not_in_its_shop_categories_waits_naming_them_until_a_person_adds_it(a10: A10) -> None:
    product = a10.new_product("FH-7001", categories=[17])  # T-skjorter = sales category 3
    assert a10.run(PRODUCTS).exit_code == 0
    assert a10.item("FH-7001")["inventoryNumber"] == "FH-7001"  # the item never waits for its categories
    first = a10.run(CATEGORIES)
    assert first.exit_code == 0 and first.counts["waiting"] >= 1
    reason = a10.waiting(CATEGORIES)[str(product["id"])]
    assert "FH-7001 is not in sales category 't-skjorter' (3)" in reason
    assert "IN204060" in reason and "cannot put an item into a sales category" in reason

    a10.person_adds_to_sales_category("FH-7001", 3, "T-skjorter")
    again = a10.run(CATEGORIES)  # waiting records are checked again at the start of every run
    assert str(product["id"]) not in a10.waiting(CATEGORIES)
    assert again.counts["failed"] == 0


def test_a_shop_category_visma_does_not_have_makes_the_product_wait_naming_it(a10: A10) -> None:
    sommer = a10.shop_category("Sommer")
    product = a10.new_product("FH-7002", categories=[sommer, 19])  # Sommer (unknown) and Tilbehør (7)
    assert a10.run(PRODUCTS).exit_code == 0  # the item goes without it
    assert a10.item("FH-7002")["description"] == "Produkt FH-7002"
    a10.run(CATEGORIES)
    reason = a10.waiting(CATEGORIES)[str(product["id"])]
    assert reason.startswith("waiting for sales_category sommer: not found in erp/sales_category")

    a10.person_creates_sales_category(8, "Sommer")  # what only a person can do in Visma.net
    a10.run(CATEGORIES)
    reason = a10.waiting(CATEGORIES)[str(product["id"])]
    assert "'sommer' (8)" in reason and "'tilbehør' (7)" in reason  # now: the item is in neither

    a10.person_adds_to_sales_category("FH-7002", 8, "Sommer")
    a10.person_adds_to_sales_category("FH-7002", 7, "Tilbehør")
    a10.run(CATEGORIES)
    assert str(product["id"]) not in a10.waiting(CATEGORIES)


# -- images -----------------------------------------------------------------------------------
def test_an_image_is_uploaded_once_and_a_rerun_uploads_nothing(a10: A10) -> None:
    a10.new_product("FH-7003", categories=[19], images=["lue-front.png", "lue-bak.png"])
    assert a10.run(PRODUCTS).exit_code == 0
    first = a10.run(IMAGES)
    assert first.exit_code == 0, first.failures[:3]
    assert first.counts["created"] >= 9  # the seeded products' images too
    files = {f["name"]: f for f in a10.files() if f["inventoryNumber"] == "FH-7003"}
    assert set(files) == {"lue-front.png", "lue-bak.png"}  # the main image and the gallery
    for stored in files.values():
        assert (stored["contentType"], stored["size"], stored["revision"]) == ("image/png", len(PNG), 1)
        assert stored["content"] == PNG
    listed = {a["name"] for a in a10.item("FH-7003")["attachments"]}
    assert listed == {"lue-front.png", "lue-bak.png"}
    uploads, downloads = len(a10.uploads()), list(a10.image_hits)

    again = a10.run(IMAGES)
    assert (again.counts["created"], again.counts["updated"], again.counts["failed"]) == (0, 0, 0)
    assert len(a10.uploads()) == uploads and a10.image_hits == downloads  # nothing fetched, nothing sent
    assert [f["revision"] for f in a10.files() if f["inventoryNumber"] == "FH-7003"] == [1, 1]


def test_an_image_already_on_the_item_is_not_uploaded_again_by_a_fresh_installation(
    a10: A10, tmp_path: Path
) -> None:
    a10.new_product("FH-7004", categories=[19], images=["vimpel.png"])
    a10.run(PRODUCTS)
    a10.run(IMAGES)
    uploads = len(a10.uploads())
    shutil.rmtree(tmp_path / ".flowhub")  # no id links: the file is found again by its name on the item
    a10.run(PRODUCTS)
    second = a10.run(IMAGES)
    assert second.counts["failed"] == 0
    assert len(a10.uploads()) == uploads
    assert [f["revision"] for f in a10.files() if f["inventoryNumber"] == "FH-7004"] == [1]


def test_an_image_the_shop_cannot_serve_fails_its_product_naming_the_url(a10: A10) -> None:
    product = a10.new_product("FH-7005", categories=[19], images=["gone.png"])
    a10.run(PRODUCTS)
    summary = a10.run(IMAGES)
    assert summary.exit_code == 1
    failure = next(f for f in summary.failures if f["record"] == str(product["id"]))
    assert "gone.png" in failure["reason"] and "404" in failure["reason"]
    assert not [f for f in a10.files() if f["inventoryNumber"] == "FH-7005"]


def test_an_image_of_a_product_not_yet_in_visma_waits_for_its_item(a10: A10) -> None:
    product = a10.new_product("FH-7006", categories=[19], images=["kopp.png"])
    a10.run(IMAGES)  # before the products flow: no item FH-7006 yet
    assert "waiting for item FH-7006" in a10.waiting(IMAGES)[str(product["id"])]
    a10.run(PRODUCTS)
    a10.run(IMAGES)
    assert str(product["id"]) not in a10.waiting(IMAGES)
    assert [f["name"] for f in a10.files() if f["inventoryNumber"] == "FH-7006"] == ["kopp.png"]


# -- all of it, twice -------------------------------------------------------------------------
def test_running_products_categories_and_images_twice_creates_nothing_the_second_time(a10: A10) -> None:
    a10.new_product("FH-7007", categories=[19], images=["caps.png"])
    for flow in (PRODUCTS, CATEGORIES, IMAGES):
        assert a10.run(flow).counts["failed"] == 0, flow
    before = len(a10.erp.store.log)
    for flow in (PRODUCTS, CATEGORIES, IMAGES):
        again = a10.run(flow)
        assert (again.counts["created"], again.counts["updated"], again.counts["failed"]) == (0, 0, 0), flow
    assert [c for c in a10.erp.store.log[before:] if c[0] != "GET"] == []
