"""Item attachments (product images) and item sales categories, against the sandbox on loopback."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from flowhub_visma_net import models as m
from flowhub_visma_net.connector import VismaNet
from flowhub_visma_net.sandbox import create_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from flowhub.connector import ReadQuery
from flowhub.errors import RejectedError, WaitingError
from flowhub.sandboxes import serve

Start = Callable[..., tuple[Any, dict[str, Any]]]
Open = Callable[..., VismaNet]
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


class ImageHost:
    """A shop's file server: serves PNGs, remembers what it was asked and with which headers."""

    def __init__(self) -> None:
        self.requests: list[httpx.Headers] = []
        self.app = Starlette(routes=[
            Route("/uploads/page.jpg", self._page),
            Route("/uploads/gone.jpg", self._gone),
            Route("/uploads/{name:path}", self._image),
        ])

    async def _image(self, request: Request) -> Response:
        self.requests.append(httpx.Headers(request.headers.raw))
        return Response(PNG, media_type="image/png")

    async def _page(self, request: Request) -> Response:
        return Response("<html>log in first</html>", media_type="text/html")

    async def _gone(self, request: Request) -> Response:
        return Response("not here", status_code=404, media_type="text/plain")


@pytest.fixture
def images() -> Iterator[tuple[ImageHost, str]]:
    host = ImageHost()
    with serve(host.app) as served:
        yield host, f"{served.base_url}/uploads"


def _uploads(app: Any) -> list[tuple[str, str, int]]:
    return [c for c in app.store.log if c[0] == "POST" and c[1].endswith("/attachment")]


def _attachment(number: str, src: str, name: str | None = None) -> m.InventoryAttachment:
    name = name or src.rsplit("/", 1)[-1]
    return m.InventoryAttachment(attachmentKey=f"{number}/{name}", inventoryNumber=number, fileName=name, src=src)


# -- attachments -------------------------------------------------------------------------------
def test_create_downloads_the_src_and_posts_it_as_multipart_to_the_item(
    visma: Start, connect: Open, images: tuple[ImageHost, str]
) -> None:
    app, settings = visma()
    _, base = images
    created = connect(settings).entity("inventory_attachment").create(_attachment("FH-1001", f"{base}/beanie.png"))
    assert (created.attachmentKey, created.fileName, created.revision) == ("FH-1001/beanie.png", "beanie.png", 1)
    stored = app.store.snapshot("attachment")
    assert [(s["name"], s["contentType"], s["size"], s["field"]) for s in stored] == [
        ("beanie.png", "image/png", len(PNG), "file")
    ]
    assert stored[0]["content"] == PNG and created.id == stored[0]["id"]
    listed = app.store.table("inventory").get("FH-1001")["attachments"]
    assert listed == [{"name": "beanie.png", "id": created.id, "revision": 1}]
    assert [c[2] for c in _uploads(app)] == [201]


def test_the_visma_token_is_never_sent_to_the_image_host(
    visma: Start, connect: Open, images: tuple[ImageHost, str]
) -> None:
    _, settings = visma()
    host, base = images
    connect(settings).entity("inventory_attachment").create(_attachment("FH-1002", f"{base}/cap.png"))
    assert len(host.requests) == 1
    assert "authorization" not in host.requests[0]


def test_a_file_the_item_has_already_is_neither_downloaded_nor_uploaded_again(
    visma: Start, connect: Open, images: tuple[ImageHost, str]
) -> None:
    app, settings = visma()
    host, base = images
    entity = connect(settings).entity("inventory_attachment")
    first = entity.create(_attachment("FH-1003", f"{base}/pennant.png"))
    again = entity.create(_attachment("FH-1003", f"{base}/pennant.png?ver=2", "pennant.png"))
    updated = entity.update(first.attachmentKey, m.InventoryAttachment(src=f"{base}/pennant.png"))
    assert again.id == updated.id == first.id and again.revision == 1
    assert len(_uploads(app)) == 1 and len(host.requests) == 1


def test_an_update_naming_another_file_uploads_that_one(
    visma: Start, connect: Open, images: tuple[ImageHost, str]
) -> None:
    app, settings = visma()
    _, base = images
    entity = connect(settings).entity("inventory_attachment")
    first = entity.create(_attachment("FH-1004", f"{base}/polo.png"))
    new = entity.update(first.attachmentKey, _attachment("FH-1004", f"{base}/polo-2.png"))
    assert new.fileName == "polo-2.png"
    assert {a["name"] for a in app.store.table("inventory").get("FH-1004")["attachments"]} == {"polo.png", "polo-2.png"}


class _FailAfterFirstUpload:
    """Lets the first attachment POST through to the sandbox, then answers 500 instead of its 201:
    the case where the file is stored but the client cannot know it."""

    def __init__(self, app: Any) -> None:
        self.app, self.done = app, False
        self.store = app.store

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        hit = scope["type"] == "http" and scope["method"] == "POST" and scope["path"].endswith("/attachment")
        if not hit or self.done:
            await self.app(scope, receive, send)
            return
        self.done = True

        async def swallow(message: Any) -> None:
            return None

        await self.app(scope, receive, swallow)
        await send({"type": "http.response.start", "status": 500, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"upstream connection reset"})


def test_an_upload_whose_answer_is_lost_is_looked_up_instead_of_sent_twice(
    connect: Open, images: tuple[ImageHost, str]
) -> None:
    from flowhub_visma_net.sandbox import SANDBOX

    app = _FailAfterFirstUpload(create_app())
    _, base = images
    with serve(app) as served:
        entity = connect(SANDBOX.connection(served.base_url)).entity("inventory_attachment")
        created = entity.create(_attachment("FH-1005", f"{base}/long-sleeve-tee.png"))
        assert created.revision == 1
        assert [c[2] for c in _uploads(app)] == [201]  # the sandbox saw one POST, and stored it once
        assert len(app.store.snapshot("attachment")) == 1


def test_a_download_that_is_missing_or_a_web_page_is_refused_naming_the_url(
    visma: Start, connect: Open, images: tuple[ImageHost, str]
) -> None:
    app, settings = visma()
    _, base = images
    entity = connect(settings).entity("inventory_attachment")
    with pytest.raises(RejectedError, match=r"GET /uploads/gone\.jpg -> 404"):
        entity.create(_attachment("FH-1006", f"{base}/gone.jpg"))
    with pytest.raises(RejectedError, match=r"/uploads/page\.jpg answered a web page \(text/html\), not a file"):
        entity.create(_attachment("FH-1006", f"{base}/page.jpg"))
    with pytest.raises(RejectedError, match=r"not an http\(s\) URL"):
        entity.create(_attachment("FH-1006", "file:///etc/passwd", "passwd"))
    assert _uploads(app) == []


def test_an_attachment_of_an_item_visma_does_not_have_is_refused(
    visma: Start, connect: Open, images: tuple[ImageHost, str]
) -> None:
    _, settings = visma()
    _, base = images
    with pytest.raises(RejectedError, match=r"Inventory item 'FH-0000' not found"):
        connect(settings).entity("inventory_attachment").create(_attachment("FH-0000", f"{base}/x.png"))


def test_attachments_are_found_by_item_and_read_across_items(
    visma: Start, connect: Open, images: tuple[ImageHost, str]
) -> None:
    _, settings = visma()
    _, base = images
    entity = connect(settings).entity("inventory_attachment")
    for number, name in [("FH-1007", "a.png"), ("FH-1007", "b.png"), ("FH-1008", "c.png")]:
        entity.create(_attachment(number, f"{base}/{name}"))
    assert sorted(a.fileName for a in entity.find("inventoryNumber", "FH-1007")) == ["a.png", "b.png"]
    assert [a.attachmentKey for a in entity.find("attachmentKey", "FH-1008/c.png")] == ["FH-1008/c.png"]
    assert entity.find("attachmentKey", "FH-1008/none.png") == []
    assert sorted(a.attachmentKey for a in entity.read(ReadQuery())) == [
        "FH-1007/a.png", "FH-1007/b.png", "FH-1008/c.png"
    ]


# -- the sandbox's attachment routes ------------------------------------------------------------
def test_the_sandbox_takes_only_multipart_keeps_revisions_and_serves_the_file(
    visma: Start, connect: Open
) -> None:
    from flowhub_visma_net.client import multipart

    app, settings = visma()
    client = connect(settings).client
    with pytest.raises(RejectedError, match=r"must be sent as multipart/form-data"):
        client.erp.post("/v1/inventory/FH-2001/attachment", json={"file": "x"})
    for _ in range(2):  # the same name twice: a second revision of one file, as the API's `revision` says
        body, kind = multipart("upload", "bag.txt", b"coffee", "text/plain")
        assert client.erp.post("/v1/inventory/FH-2001/attachment", content=body,
                               headers={"Content-Type": kind}).status_code == 201
    listed = app.store.table("inventory").get("FH-2001")["attachments"]
    assert [(a["name"], a["revision"]) for a in listed] == [("bag.txt", 2)]
    answer = client.erp.get(f"/v1/attachment/{listed[0]['id']}")
    assert answer.content == b"coffee" and answer.headers["content-type"].startswith("text/plain")
    item = client.get_json(client.erp, "/v1/inventory", {"inventoryNumber": "FH-2001", "pageNumber": 1,
                                                           "pageSize": 10})
    assert "attachments" not in item[0]  # lists show them only with expandAttachment=true


# -- sales categories ---------------------------------------------------------------------------
def test_item_sales_categories_name_the_categories_an_item_is_in(visma: Start, connect: Open) -> None:
    _, settings = visma()
    entity = connect(settings).entity("item_sales_categories")
    item = entity.get("FH-1006")
    assert item is not None and item.memberOf == {"gensere og hettegensere": 2}
    assert [c.description for c in item.salesCategories or []] == ["Gensere og hettegensere"]
    assert entity.get("FH-0000") is None
    assert {i.inventoryNumber for i in entity.read(ReadQuery())} >= {"FH-1001", "FH-4009"}


def test_an_item_in_the_asked_categories_is_answered_as_it_is_and_nothing_is_written(
    visma: Start, connect: Open
) -> None:
    app, settings = visma()
    entity = connect(settings).entity("item_sales_categories")
    answer = entity.update("FH-1006", m.ItemSalesCategories(memberOf={"gensere og hettegensere": 2}))
    assert answer.inventoryNumber == "FH-1006"
    assert [c for c in app.store.log if c[0] != "GET"] == []


def test_an_item_not_in_the_asked_categories_waits_naming_them_and_where_to_add_them(
    visma: Start, connect: Open
) -> None:
    app, settings = visma()
    entity = connect(settings).entity("item_sales_categories")
    with pytest.raises(WaitingError) as waiting:
        entity.update("FH-1006", m.ItemSalesCategories(memberOf={"gensere og hettegensere": 2, "klær": 1,
                                                                 "tilbehør": 7}))
    reason = str(waiting.value)
    assert "item FH-1006 is not in sales categories 'klær' (1), 'tilbehør' (7) in Visma.net" in reason
    assert "IN204060" in reason and "InventoryUpdateDto has no salesCategories" in reason
    assert [c for c in app.store.log if c[0] != "GET"] == []


def test_sales_categories_are_not_writable_through_the_item(visma: Start, connect: Open) -> None:
    """The fact the A10 design rests on: the item's write DTO has no salesCategories."""
    _, settings = visma()
    items = connect(settings).entity("inventory_item")
    with pytest.raises(RejectedError, match=r"salesCategories"):
        items.update("FH-1001", m.InventoryItem.model_validate({"salesCategories": [{"categoryId": 4}]}))
