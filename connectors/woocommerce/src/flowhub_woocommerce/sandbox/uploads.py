"""The shop's media files under ``/wp-content/uploads/``, as WordPress serves them (static files).

A product image's ``src`` on a real shop is such a URL, and whatever copies images elsewhere (the
Visma.net attachment flow, A10) downloads it from there. The sandbox has no image files, so an
upload is answered with a tiny real image of the type its extension names, for every file a
product or variation of the store refers to; any other path is WordPress's 404 page (HTML, as a
web server answers a missing file, not the REST API's JSON error).
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Iterator
from typing import Any

from starlette.responses import Response

from flowhub_woocommerce.sandbox.store import Store

__all__ = ["UPLOADS", "upload_response"]

UPLOADS = "/wp-content/uploads/"


def _png() -> bytes:
    """An 8x8 opaque PNG (one colour), built by the book: signature, IHDR, IDAT, IEND."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes((0x3A, 0x7B, 0xD5)) * 8 for _ in range(8))
    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)  # 8x8, 8 bits, truecolour
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


# A 1x1 grey baseline JPEG (JFIF), the smallest a browser shows.
_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////"
    "////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA="
) + b"\xff\xd9"

_FILES: dict[str, tuple[bytes, str]] = {
    "png": (_png(), "image/png"),
    "jpg": (_JPEG, "image/jpeg"),
    "jpeg": (_JPEG, "image/jpeg"),
}

_NOT_FOUND = (
    b"<!DOCTYPE html>\n<html lang=\"en-US\"><head><meta charset=\"UTF-8\"><title>Page not found"
    b"</title></head><body class=\"error404\"><h1>Oops! That page can&rsquo;t be found.</h1>"
    b"</body></html>\n"
)


def upload_response(store: Store, path: str, method: str) -> Response:
    """The file at ``path`` (under `UPLOADS`) if a product image refers to it, else a 404 page."""
    extension = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    with store.lock:
        known = path in set(_upload_paths(store))
    if not known or extension not in _FILES:
        return Response(_NOT_FOUND, 404, media_type="text/html; charset=UTF-8")
    content, media_type = _FILES[extension]
    return Response(b"" if method == "HEAD" else content, 200, {"Content-Length": str(len(content))},
                    media_type=media_type)


def _upload_paths(store: Store) -> Iterator[str]:
    for record in (*store.products.values(), *store.variations.values()):
        images: list[Any] = list(record.get("images") or [])
        if isinstance(record.get("image"), dict):
            images.append(record["image"])
        for image in images:
            src = str(image.get("src") or "") if isinstance(image, dict) else ""
            for prefix in ("{site}" + UPLOADS, store.site_url + UPLOADS):
                if src.startswith(prefix):
                    yield UPLOADS + src[len(prefix) :]
