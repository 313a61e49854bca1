"""A variation carries its parent's own attributes (A10): read, got, never sent, re-read on a parent change."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from datetime import UTC, datetime
from typing import Any

import pytest
from flowhub_woocommerce.connector import WooCommerce
from flowhub_woocommerce.models import WooProduct, WooVariation
from flowhub_woocommerce.sandbox import SANDBOX, create_app
from flowhub_woocommerce.settings import WooCommerceSettings

from flowhub.connector import ReadQuery, WriteOp
from flowhub.sandboxes import serve

Message = MutableMapping[str, Any]
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the sandbox's clock: after the captured seed (2026-11-22)
AFTER_SEED = "2026-11-22T12:00:00"  # an incremental read's `since`: every seeded record is older
MATERIAL = {"name": "Materiale", "visible": True, "variation": False}  # the tee's (57) own attribute
SIZE = {"id": 3, "name": "Størrelse", "visible": True, "variation": True, "options": ["S", "M", "L"]}


class Recorder:
    """ASGI middleware keeping the JSON body of every write the shop receives."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.bodies: list[tuple[str, str, Any]] = []

    async def __call__(
        self, scope: Message, receive: Callable[[], Awaitable[Message]], send: Callable[..., Awaitable[None]]
    ) -> None:
        if scope["type"] != "http" or scope["method"] == "GET":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def tapped() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    body = b"".join(chunks)
                    self.bodies.append((scope["method"], scope["path"], json.loads(body) if body else None))
            return message

        await self.app(scope, tapped, send)


@pytest.fixture
def served() -> Iterator[tuple[Recorder, WooCommerce]]:
    """The captured shop on a fixed clock, its writes recorded, and a connector with small pages."""
    recorder = Recorder(create_app(now=lambda: NOW))
    with serve(recorder) as server:
        settings = {**SANDBOX.connection(server.base_url), "per_page": 2, "page_concurrency": 2,
                    "auth": "basic"}  # OAuth 1.0a timestamps would be judged by the fixed clock
        connector = WooCommerce(WooCommerceSettings.model_validate(settings), connection_name="shop")
        try:
            yield recorder, connector
        finally:
            connector.close()


def _materials(records: list[Any]) -> dict[int, list[tuple[str | None, list[str] | None]]]:
    return {r.id: [(a.name, a.options) for a in r.parent_attributes] for r in records}


def _set_material(shop: WooCommerce, options: list[str]) -> None:
    """The tee's material, through the product (parent) alone."""
    shop.entity("product").update("57", WooProduct(attributes=[{**MATERIAL, "options": options}, SIZE]))


def test_every_variation_read_carries_its_parents_own_attributes_and_no_variation_attribute(
    served: tuple[Recorder, WooCommerce],
) -> None:
    variations = list(served[1].entity("variation").read(ReadQuery()))
    assert _materials(variations) == {  # the tee (57) is of cotton; the hoodie (49) has only size and colour
        58: [("Materiale", ["100 % bomull"])], 59: [("Materiale", ["100 % bomull"])],
        60: [("Materiale", ["100 % bomull"])], 50: [], 51: [], 52: [], 53: [], 54: [], 55: [],
    }
    assert variations[0].parent_attributes[0].variation is False  # type: ignore[attr-defined]


def test_a_variation_got_or_found_alone_carries_its_parents_own_attributes(
    served: tuple[Recorder, WooCommerce],
) -> None:
    entity = served[1].entity("variation")
    got = entity.get("59")
    found = entity.find("sku", got.sku)  # type: ignore[union-attr]
    by_parent = list(entity.read(ReadQuery(where={"parent": "57"})))
    assert _materials([got, *found]) == {59: [("Materiale", ["100 % bomull"])]}
    assert _materials(by_parent) == {v: [("Materiale", ["100 % bomull"])] for v in (58, 59, 60)}


def test_parent_attributes_are_never_sent_on_a_create_an_update_or_a_batch(
    served: tuple[Recorder, WooCommerce],
) -> None:
    recorder, shop = served
    entity = shop.entity("variation")
    read = entity.get("58")
    own = read.parent_attributes  # type: ignore[union-attr]
    assert own  # what would leak
    entity.update("58", WooVariation(stock_quantity=3, parent_attributes=own))
    entity.create(WooVariation(parent_id=57, sku="FH-TEE-XL", regular_price="249.00", parent_attributes=own))
    entity.write_batch([
        WriteOp(WooVariation(stock_quantity=4, parent_attributes=own), key="59", ref="upd"),
        WriteOp(WooVariation(parent_id=57, sku="FH-TEE-XXL", regular_price="249.00", parent_attributes=own),
                ref="new"),
    ])
    assert [(method, path) for method, path, _ in recorder.bodies] == [
        ("PUT", "/wp-json/wc/v3/products/57/variations/58"),
        ("POST", "/wp-json/wc/v3/products/57/variations"),
        ("POST", "/wp-json/wc/v3/products/57/variations/batch"),
    ]
    update, create, batch = (body for _, _, body in recorder.bodies)
    assert update == {"stock_quantity": 3}
    assert create == {"parent_id": 57, "sku": "FH-TEE-XL", "regular_price": "249.00"}
    assert batch == {"create": [{"parent_id": 57, "sku": "FH-TEE-XXL", "regular_price": "249.00"}],
                     "update": [{"stock_quantity": 4, "id": 59}]}


def test_an_incremental_read_has_every_variation_of_a_parent_changed_since_and_only_those(
    served: tuple[Recorder, WooCommerce],
) -> None:
    shop = served[1]
    entity = shop.entity("variation")
    assert list(entity.read(ReadQuery(since=AFTER_SEED))) == []  # nothing changed since
    _set_material(shop, ["100 % bomull", "Elastan"])  # the parent alone: its variations keep their dates
    changed = list(entity.read(ReadQuery(since=AFTER_SEED)))
    assert _materials(changed) == {v: [("Materiale", ["100 % bomull", "Elastan"])] for v in (58, 59, 60)}
    assert [(v.date_modified_gmt, v.id) for v in changed] == sorted(  # type: ignore[attr-defined]
        (v.date_modified_gmt, v.id) for v in changed  # type: ignore[attr-defined]
    )
    assert all(v.date_modified_gmt < datetime(2026, 11, 22, 12) for v in changed)  # type: ignore[attr-defined]
    assert list(entity.read(ReadQuery(since=NOW.replace(tzinfo=None, hour=10).isoformat()))) == []


def test_a_parents_change_of_its_own_attributes_leaves_its_variations_dates_as_they_were(
    served: tuple[Recorder, WooCommerce],
) -> None:
    """As WooCommerce does (a parent's save renames its variations by SQL only): why `read` widens."""
    shop = served[1]
    before = {v.id: v.date_modified_gmt for v in shop.entity("variation").read(ReadQuery(where={"parent": 57}))}
    _set_material(shop, ["Lin"])
    after = {v.id: v.date_modified_gmt for v in shop.entity("variation").read(ReadQuery(where={"parent": 57}))}
    parent = shop.entity("product").get("57")
    assert after == before
    assert parent.date_modified_gmt == NOW.replace(tzinfo=None)  # type: ignore[union-attr]
