"""VismaNetClient: Visma.net's paging, create-then-follow-Location and ETag rules on ApiClient.

Two ApiClients share one Visma Connect token: the ERP API (``/v1``, ``/v2``) and the
SalesOrders v3 service (its own host in production). Both read the rate-limit headers of
every answer and pause their host's gate before the hourly window runs out.
"""

from __future__ import annotations

import mimetypes
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from flowhub.errors import RejectedError
from flowhub.http import ApiClient, host_gate
from flowhub_visma_net.answers import classify, error_detail
from flowhub_visma_net.auth import VismaConnectAuth
from flowhub_visma_net.pacing import RateLimitTransport
from flowhub_visma_net.settings import VismaNetSettings

__all__ = ["MAX_DOWNLOAD_BYTES", "Answer", "Download", "EtagCache", "VismaNetClient", "multipart", "quote_etag"]

Answer = tuple[Any, str | None]  # (JSON record, ETag)
Download = tuple[bytes, str]  # (content, content type)
MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024  # a product image is far smaller; more is a wrong URL


def multipart(field: str, file_name: str, content: bytes, content_type: str) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body with one file part, and its Content-Type (with the boundary).

    httpx encodes it; the body is built up front so ApiClient sends (and, if need be, re-sends)
    the same bytes.
    """
    request = httpx.Request("POST", "http://multipart.invalid/", files={field: (file_name, content, content_type)})
    return request.read(), request.headers["Content-Type"]


def quote_etag(value: str) -> str:
    """An ETag as If-Match wants it: quoted (the DTO's ``timeStamp`` comes unquoted)."""
    value = value.strip()
    return value if value.startswith(('"', 'W/"')) else f'"{value}"'


class EtagCache:
    """The last ETag seen per resource path, bounded, thread-safe."""

    def __init__(self, size: int = 20_000) -> None:
        self._items: OrderedDict[str, str] = OrderedDict()
        self._size, self._lock = size, threading.Lock()

    def put(self, path: str, etag: str | None) -> None:
        if not etag:
            return
        with self._lock:
            self._items[path] = etag
            self._items.move_to_end(path)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def get(self, path: str) -> str | None:
        with self._lock:
            return self._items.get(path)


class VismaNetClient:
    """Requests to one Visma.net company: ``erp`` (v1/v2) and ``salesorders`` (v3)."""

    def __init__(self, settings: VismaNetSettings, *, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        secret = settings.client_secret.get_secret_value()
        common: dict[str, Any] = {
            "timeout": settings.timeout,
            "max_attempts": settings.max_attempts,
            "max_wait": settings.max_retry_wait,
            "secrets": [secret],
        }
        token = httpx.URL(settings.token_url)
        self.connect = ApiClient(
            str(token.copy_with(path="/", query=None)), name="visma_connect", transport=transport, **common
        )
        self.auth = VismaConnectAuth(
            self.connect, token.path, self._token_form(secret), renew_margin=settings.token_renew_margin
        )
        self.pacers: list[RateLimitTransport] = []
        self.erp = self._api(settings.api_root, "visma_net", transport, common)
        self.salesorders = self._api(settings.salesorder_base_url, "visma_net", transport, common)
        self.etags = EtagCache()
        self._common = dict(common)
        self._downloads: dict[str, ApiClient] = {}
        self._downloads_lock = threading.Lock()
        self._max_page: dict[str, int] = {}
        self._bases = {id(self.erp): settings.api_root, id(self.salesorders): settings.salesorder_base_url}

    def _token_form(self, secret: str) -> dict[str, str]:
        s = self.settings
        return {
            "grant_type": "client_credentials",
            "client_id": s.client_id,
            "client_secret": secret,
            "scope": " ".join(s.scopes),
            "tenant_id": s.tenant_id,
        }

    def _api(
        self, base_url: str, name: str, transport: httpx.BaseTransport | None, common: Mapping[str, Any]
    ) -> ApiClient:
        inner = transport or httpx.HTTPTransport(limits=httpx.Limits(max_connections=16))
        pacing = RateLimitTransport(inner, host_gate(base_url), reserve=self.settings.rate_limit_reserve)
        self.pacers.append(pacing)
        return ApiClient(
            base_url,
            auth=self.auth,
            transport=pacing,
            name=name,
            classify=classify,
            error_detail=error_detail,
            requests_per_second=self.settings.requests_per_second,
            headers={"Accept": "application/json"},
            **common,
        )

    def close(self) -> None:
        with self._downloads_lock:
            downloads, self._downloads = list(self._downloads.values()), {}
        for api in (self.erp, self.salesorders, self.connect, *downloads):
            api.close()

    # -- files -----------------------------------------------------------------------------
    def download(self, url: str) -> Download:
        """A file from another host (a shop's product image): its bytes and content type.

        It goes through an ApiClient of its own per origin (retries, timeouts, typed errors),
        without the Visma Connect token: credentials only ever go to the host they are for.
        A 404, an answer that is not a file (an HTML page) or one over ``MAX_DOWNLOAD_BYTES``
        is a RejectedError naming the URL.
        """
        target = httpx.URL(url)
        if target.scheme not in ("http", "https") or not target.host:
            raise RejectedError(f"visma_net: cannot download '{url}': not an http(s) URL")
        response = self._downloader(target).get(str(target))
        content = response.content
        declared = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if declared.startswith("text/html"):
            raise RejectedError(f"visma_net: {url} answered a web page ({declared}), not a file")
        if len(content) > MAX_DOWNLOAD_BYTES:
            raise RejectedError(
                f"visma_net: {url} is {len(content)} bytes, more than {MAX_DOWNLOAD_BYTES} (not uploaded)"
            )
        if not content:
            raise RejectedError(f"visma_net: {url} answered an empty file")
        guessed = mimetypes.guess_type(target.path)[0]
        usable = declared and declared not in ("application/octet-stream", "binary/octet-stream")
        return content, declared if usable else guessed or declared or "application/octet-stream"

    def _downloader(self, url: httpx.URL) -> ApiClient:
        origin = f"{url.scheme}://{url.host}" + (f":{url.port}" if url.port else "")
        with self._downloads_lock:
            if origin not in self._downloads:
                options = {k: v for k, v in self._common.items() if k != "secrets"}
                self._downloads[origin] = ApiClient(origin, name="visma_net download", **options)
            return self._downloads[origin]

    def upload(self, api: ApiClient, path: str, file_name: str, content: bytes, content_type: str) -> httpx.Response:
        """POST one file as ``multipart/form-data`` (field ``file``, ✘ the name Visma.net expects)."""
        body, form_type = multipart("file", file_name, content, content_type)
        return api.post(path, content=body, headers={"Content-Type": form_type})

    # -- reading ---------------------------------------------------------------------------
    def get(self, api: ApiClient, path: str, params: Mapping[str, Any] | None = None) -> Answer | None:
        """One record, or None on 404; remembers its ETag for a later If-Match."""
        response = api.get(path, params=dict(params or {}), ok={404})
        if response.status_code == 404:
            return None
        etag = response.headers.get("ETag")
        self.etags.put(self.path_of(api, path), etag)
        return api.json(response), etag

    def get_json(self, api: ApiClient, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return api.json(api.get(path, params=dict(params or {})))

    def pages(
        self,
        api: ApiClient,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        number_param: str = "pageNumber",
        first: int = 1,
    ) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint, page by page; ``pageNumber``/``pageSize`` always sent.

        The first page asks for ``page_size``; when the items' ``metadata.maxPageSize`` (or a
        ``pageSize`` in the newer ``{"records": …}`` shape) is smaller, the server truncated
        the page, and that size is used from then on (remembered per endpoint). A page shorter
        than the effective size ends the walk, unless ``totalCount`` says more are left.
        """
        seen, number = 0, first
        while True:
            size = min(self.settings.page_size, self._max_page.get(path, self.settings.page_size))
            body = self.get_json(api, path, {**(params or {}), number_param: number, "pageSize": size})
            items, max_size, total = _page_items(body)
            if max_size:
                self._max_page[path] = max_size
                size = min(size, max_size)
            yield from items
            seen += len(items)
            if not items or len(items) > size or (len(items) < size and (total is None or seen >= total)):
                return
            if total is not None and seen >= total:
                return
            number += 1

    # -- writing ---------------------------------------------------------------------------
    def create(self, api: ApiClient, path: str, body: Mapping[str, Any]) -> Answer:
        """POST, then follow the ``Location`` of the 201 to learn the new record as stored."""
        response = api.post(path, json=dict(body))
        if response.content and response.headers.get("content-type", "").startswith("application/json"):
            record = api.json(response)
            if isinstance(record, Mapping) and record:
                return record, response.headers.get("ETag")
        location = response.headers.get("Location")
        if not location:
            raise RejectedError(
                f"visma_net: POST {path} -> {response.status_code} without a Location "
                "header; cannot tell which record was created"
            )
        target = self.follow(api, response, location)
        found = self.get(api, target)
        if found is None:
            raise RejectedError(
                f"visma_net: the record created by POST {path} is not at its Location ({target})"
            )
        return found

    def follow(self, api: ApiClient, response: httpx.Response, location: str) -> str:
        """The Location as a URL on ``api``'s host: legacy hosts in it are re-based onto ours."""
        url = response.request.url.join(location)
        base = httpx.URL(self._bases[id(api)])
        if (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port):
            return str(url)
        for marker in ("/v1/", "/v2/", "/api/v3/"):
            if marker in url.path:
                origin = str(base.copy_with(path="/", query=None)).rstrip("/")
                root = self.settings.api_root if marker != "/api/v3/" else origin
                query = f"?{url.query.decode()}" if url.query else ""
                return root + url.path[url.path.index(marker) :] + query
        return str(url)

    def put(
        self,
        api: ApiClient,
        path: str,
        body: Mapping[str, Any],
        *,
        method: str = "PUT",
        etag: str | None = None,
    ) -> Answer:
        """A partial update with If-Match when an ETag is known; answers the record as it now is."""
        known = etag or self.etags.get(self.path_of(api, path))
        headers = {"If-Match": quote_etag(known)} if known else None
        api.request(method, path, json=dict(body), headers=headers)
        found = self.get(api, path)
        if found is None:
            raise RejectedError(f"visma_net: {path} is gone right after it was updated")
        return found

    def remember(self, api: ApiClient, path: str, timestamp: str | None) -> None:
        """Keep a list item's ``timeStamp`` as the ETag of its resource, for a later If-Match."""
        if timestamp:
            self.etags.put(self.path_of(api, path), quote_etag(timestamp))

    def path_of(self, api: ApiClient, path: str) -> str:
        """The resource's full path, the same whether it was given relative or absolute."""
        if "://" in path:
            return httpx.URL(path).path.lower().rstrip("/")
        base = self._bases[id(api)].rstrip("/")
        return httpx.URL(f"{base}/{path.lstrip('/')}").path.lower().rstrip("/")


def _page_items(body: Any) -> tuple[list[dict[str, Any]], int | None, int | None]:
    """(items, max page size, total count) of a list answer in any of Visma.net's shapes."""
    if isinstance(body, list):
        meta = body[0].get("metadata") if body and isinstance(body[0], Mapping) else None
        meta = meta if isinstance(meta, Mapping) else {}
        return body, _int(meta.get("maxPageSize")), _int(meta.get("totalCount"))
    if isinstance(body, Mapping):
        for key in ("records", "value", "items"):
            if isinstance(body.get(key), list):
                size = _int(body.get("maxPageSize")) or _int(body.get("pageSize"))
                return body[key], size, _int(body.get("totalCount"))
    raise RejectedError(f"visma_net: a list answer has an unexpected shape ({type(body).__name__})")


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
