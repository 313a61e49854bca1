"""Attachments of inventory items: ``POST /v1/inventory/{nbr}/attachment`` (multipart) and
``GET /v1/attachment/{id}``, with the item listing its files as ``attachments: [{name, id, revision}]``.

What is confirmed (shared/apis §2): the POST exists, takes no JSON body and answers 201; the item
DTO carries ``attachments`` (``AttachmentDto``: ``name``, ``revision``; the Swagger example adds
``id``), shown in lists with ``expandAttachment=true``; ``GET /v1/attachment/{attachmentId}``
answers the file. Unconfirmed (✘), and chosen here: the name of the form field (any one file part
is taken), what the 201 carries (no body, ``Location`` of the file), that a file with a name the
item already has becomes a new revision of it, and that the item's ``lastModifiedDateTime`` does
not move.
"""

from __future__ import annotations

import email.parser
import email.policy
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from flowhub_visma_net.sandbox.errors import BusinessError, ipp_exception
from flowhub_visma_net.sandbox.store import Record, Store

__all__ = ["UploadedFile", "attachment_file", "inventory_attachment", "parse_multipart"]

Handler = Callable[[Request], Awaitable[Response]]


class UploadedFile:
    """One file part of a multipart body."""

    def __init__(self, field: str, name: str, content_type: str, content: bytes) -> None:
        self.field, self.name, self.content_type, self.content = field, name, content_type, content


def parse_multipart(content_type: str, body: bytes) -> list[UploadedFile]:
    """The file parts of a ``multipart/form-data`` body (the stdlib's MIME parser does the work).

    Raises BusinessError when the body is not multipart, so the client hears what was wrong.
    """
    if not content_type.lower().startswith("multipart/form-data") or "boundary=" not in content_type:
        raise BusinessError(
            f"An attachment must be sent as multipart/form-data with a file part, not '{content_type or 'no type'}'.",
            code="10400",
        )
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    files: list[UploadedFile] = []
    for part in message.iter_parts():
        name = part.get_filename()
        if not name:
            continue
        payload = part.get_payload(decode=True)
        field = part.get_param("name", header="content-disposition") or ""
        files.append(UploadedFile(str(field), str(name), part.get_content_type(), bytes(payload or b"")))
    return files


def inventory_attachment(store: Store) -> Handler:
    """``POST /v1/inventory/{key}/attachment``: store the one file, list it on the item."""

    async def handler(request: Request) -> Response:
        number = request.path_params["key"]
        files = parse_multipart(request.headers.get("content-type", ""), await request.body())
        if len(files) != 1:
            raise BusinessError(f"Expected exactly one file in the request, got {len(files)}.", code="10400")
        upload = files[0]
        with store.lock:
            item = store.table("inventory", "inventoryNumber").get(number)
            if item is None:
                return ipp_exception(404, f"Inventory item '{number}' not found.", "10404")
            stored = _attach(store, item, upload)
        location = f"{str(request.base_url).rstrip('/')}/v1/attachment/{stored['id']}"
        return Response(status_code=201, headers={"Location": location})

    return handler


def _attach(store: Store, item: Record, upload: UploadedFile) -> Record:
    """A new file, or a new revision of the item's file of that name; the item lists it."""
    listed: list[dict[str, Any]] = item.setdefault("attachments", [])
    same = next((a for a in listed if a.get("name") == upload.name), None)
    files = store.table("attachment", "id")
    if same is not None:
        same["revision"] = int(same.get("revision") or 1) + 1
        stored = files.get(same["id"]) or {"id": same["id"]}
    else:
        same = {"name": upload.name, "id": str(uuid.uuid4()), "revision": 1}
        listed.append(same)
        stored = {"id": same["id"]}
    stored.update(
        inventoryNumber=item["inventoryNumber"],
        name=upload.name,
        revision=same["revision"],
        contentType=upload.content_type,
        size=len(upload.content),
        field=upload.field,
        content=upload.content,
    )
    files.put(stored)
    return stored


def attachment_file(store: Store) -> Handler:
    """``GET /v1/attachment/{key}``: the file itself, with the type it was uploaded with."""

    async def handler(request: Request) -> Response:
        wanted = request.path_params["key"]
        with store.lock:
            stored = store.table("attachment", "id").get(wanted)
        if stored is None:
            return ipp_exception(404, f"Attachment '{wanted}' not found.", "10404")
        return Response(stored["content"], media_type=stored["contentType"])

    return handler
