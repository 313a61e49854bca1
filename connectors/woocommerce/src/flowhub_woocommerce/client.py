"""WooClient: flowhub's ApiClient bound to one shop's REST namespace, with its auth and paging.

Auth is what the real shop demands (captures 008-012, 121): HTTP Basic over https, OAuth 1.0a
one-legged HMAC-SHA256 over plain http (Basic over http is refused with a 401), or the keys as
query parameters when asked for. Errors keep WooCommerce's ``code`` and ``message`` (and the
``resource_id`` a duplicate SKU names). Lists are paged by number with ``X-WP-TotalPages``
(the ``Link`` header of WooCommerce 11 has no first/last), the remaining pages fetched
concurrently and yielded in order.
"""

from __future__ import annotations

import functools
from array import array
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from flowhub.errors import AuthError, ConnectorError, RejectedError
from flowhub.http import ApiClient, default_error_detail, make_error
from flowhub.pagination import Page, pages_by_number
from flowhub_woocommerce import __version__, oauth1
from flowhub_woocommerce.models import WooError
from flowhub_woocommerce.settings import WooCommerceSettings

__all__ = ["USER_AGENT", "OAuth1Auth", "QueryKeyAuth", "WooClient", "page_adapter", "woo_error"]

M = TypeVar("M", bound=BaseModel)

USER_AGENT = f"flowhub-woocommerce/{__version__} (+https://example.invalid/flowhub)"

# Hints for a person, by the code WooCommerce answers a 401 with.
_MAY_NOT_WRITE = "the shop treated the request as anonymous or the key's user may not write"
_AUTH_HINTS = {
    "woocommerce_rest_cannot_view": "the shop treated the request as anonymous: the consumer key is not "
    "known to it, the key's user may not read this, or Basic auth was sent over plain http",
    "woocommerce_rest_cannot_create": _MAY_NOT_WRITE,
    "woocommerce_rest_cannot_edit": _MAY_NOT_WRITE,
    "woocommerce_rest_cannot_batch": _MAY_NOT_WRITE,
}


class OAuth1Auth(httpx.Auth):
    """Signs every request (every retry too) with a fresh nonce and timestamp, in the query.

    The query form works with every WooCommerce version (the header form needs >= 3.0). A
    JSON body is not signed, as WooCommerce expects. ``oauth_signature`` and the key are
    secret query parameters, so logs and cassettes mask them.
    """

    def __init__(self, consumer_key: str, consumer_secret: str) -> None:
        self._key, self._secret = consumer_key, consumer_secret

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        kept = [(k, v) for k, v in request.url.params.multi_items() if not k.startswith("oauth_")]
        base = f"{request.url.scheme}://{request.url.netloc.decode('ascii')}{request.url.path}"
        oauth = oauth1.sign(request.method, base, self._key, self._secret, params=_php_params(kept))
        request.url = request.url.copy_with(params=[*kept, *oauth.items()])
        yield request


class QueryKeyAuth(httpx.Auth):
    """``consumer_key``/``consumer_secret`` as query parameters (https only; capture 009)."""

    def __init__(self, consumer_key: str, consumer_secret: str) -> None:
        self._key, self._secret = consumer_key, consumer_secret

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        kept = [
            (k, v)
            for k, v in request.url.params.multi_items()
            if k not in ("consumer_key", "consumer_secret")
        ]
        request.url = request.url.copy_with(
            params=[*kept, ("consumer_key", self._key), ("consumer_secret", self._secret)]
        )
        yield request


def _php_params(pairs: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """Query pairs as PHP's $_GET sees them: ``a[]=x&a[]=y`` is a list, else the last value wins."""
    params: dict[str, str | list[str]] = {}
    for key, value in pairs:
        if key.endswith("[]"):
            listed = params.setdefault(key[:-2], [])
            if isinstance(listed, list):
                listed.append(value)
        else:
            params[key] = value
    return params


def woo_error(error: BaseException) -> WooError | None:
    """WooCommerce's own error body behind a ConnectorError (code, message, data), if any."""
    detail = getattr(error, "detail", None)
    if isinstance(detail, Mapping) and "code" in detail:
        return WooError.model_validate(detail)
    return None


def error_detail(response: httpx.Response) -> tuple[str | None, str]:
    """(code, message) as WooCommerce sends them; a ``resource_id`` is named in the message."""
    code, message = default_error_detail(response)
    try:
        data = response.json().get("data")
    except (ValueError, AttributeError):
        return code, message
    if isinstance(data, Mapping) and data.get("resource_id"):
        message = f"{message} (existing resource {data['resource_id']})"
    return code, message


def classify(response: httpx.Response) -> ConnectorError | None:
    """WooCommerce's quirks on top of the default: 501 is final, a 401 gets a hint."""
    status = response.status_code
    if status == 501:  # "Customers do not support trashing.": retrying cannot help
        code, message = error_detail(response)
        return make_error(RejectedError, response, name="woocommerce", code=code, message=message)
    if status == 401:
        code, message = error_detail(response)
        hint = _AUTH_HINTS.get(code or "")
        text = f"{message} ({hint})" if hint else message
        return make_error(AuthError, response, name="woocommerce", code=code, message=text)
    return None


def build_auth(settings: WooCommerceSettings) -> httpx.Auth:
    key = settings.consumer_key.get_secret_value()
    secret = settings.consumer_secret.get_secret_value()
    method = settings.auth_method
    if method == "basic":
        return httpx.BasicAuth(key, secret)
    if method == "query":
        return QueryKeyAuth(key, secret)
    return OAuth1Auth(key, secret)


class WooClient(ApiClient):
    """An ApiClient whose relative paths live under ``<url>/wp-json/wc/<version>``."""

    def __init__(
        self, settings: WooCommerceSettings, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.settings = settings
        super().__init__(
            settings.api_base + "/",
            auth=build_auth(settings),
            timeout=settings.timeout,
            max_attempts=settings.max_attempts,
            max_wait=settings.max_wait,
            requests_per_second=settings.requests_per_second,
            secrets=[settings.consumer_key.get_secret_value(), settings.consumer_secret.get_secret_value()],
            verify=settings.tls_verify,
            user_agent=USER_AGENT,
            transport=transport,
            name="woocommerce",
            classify=classify,
            error_detail=error_detail,
            max_connections=max(16, settings.page_concurrency * 2),
        )

    # -- one request, JSON back -----------------------------------------------------------------
    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.json(self.get(_relative(path), params=dict(params or {})))

    def get_or_none(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """The JSON of ``path``, or None on a 404 (unknown id)."""
        response = self.get(_relative(path), params=dict(params or {}), ok={404})
        return None if response.status_code == 404 else self.json(response)

    def send_json(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        *,
        idempotent: bool | None = None,
    ) -> Any:
        response = self.request(
            method, _relative(path), json=body, params=dict(params or {}) or None, idempotent=idempotent
        )
        return self.json(response)

    # -- lists ----------------------------------------------------------------------------------
    def iter_pages(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a paged list, in the server's order, each page fetched once.

        Page 1 says how many pages there are (``X-WP-TotalPages``); the rest are fetched
        ``page_concurrency`` at a time and yielded strictly in page order. The caller picks
        the order (``orderby``/``order``); see `stable_order`.
        """
        yield from self._paged(path, params, lambda response: self._json_list(path, response))

    def iter_models(
        self,
        path: str,
        params: Mapping[str, Any] | None,
        model: type[M],
        parse: Callable[[Any], M] | None = None,
    ) -> Iterator[M]:
        """Like `iter_pages`, each item validated as ``model`` (``parse``: ``model.model_validate``).

        A page is validated whole, in the thread that fetched it, as ``list[model]`` straight
        from the body's bytes: pydantic-core parses the JSON and builds the records in one
        pass, with no dicts in between, and the next pages download meanwhile. A page that
        does not pass that way (a PHP notice in front, not a list, a record that fails) is
        read as today: `iter_pages`'s JSON and checks, then ``parse`` item by item, so the
        records before a bad one are still yielded and the error is the one for that record.
        """
        adapter = page_adapter(model)
        parse = parse or model.model_validate

        def read_page(response: httpx.Response) -> list[Any]:
            records = _validated_page(adapter, response)
            return records if records is not None else self._json_list(path, response)

        for item in self._paged(path, params, read_page):
            yield item if isinstance(item, model) else parse(item)

    def _paged(
        self, path: str, params: Mapping[str, Any] | None, read_page: Callable[[httpx.Response], list[Any]]
    ) -> Iterator[Any]:
        base = {**dict(params or {}), "per_page": self.settings.per_page}

        def fetch(number: int) -> Page[Any]:
            response = self.get(_relative(path), params={**base, "page": number})
            return Page(items=read_page(response), total_pages=_total_pages(response))

        yield from pages_by_number(
            fetch, concurrency=self.settings.page_concurrency, per_page=self.settings.per_page
        )

    def _json_list(self, path: str, response: httpx.Response) -> list[Any]:
        items = self.json(response)
        if not isinstance(items, list):
            raise RejectedError(
                f"woocommerce: GET {path}: expected a JSON list of records, got {type(items).__name__}",
                status=response.status_code,
            )
        return items

    def iter_snapshot(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Like `iter_pages`, safe while the caller changes the records it reads.

        Offset pages shift when a record read earlier leaves the filter or moves in the order
        (a status written back, a new modification time), and the record behind it is never
        read. So the ids are listed first (``_fields=id``, a few bytes each), then fetched
        ``per_page`` at a time with ``include`` in the listed order; a record that no longer
        matches the filters by then is simply not answered.
        """
        listed = array("q", (int(item["id"]) for item in self.iter_pages(path, {**dict(params or {}),
                                                                               "_fields": "id"})))
        for chunk in chunked_ids(iter(listed), self.settings.per_page):
            query = {**dict(params or {}), "include": ",".join(map(str, chunk)), "orderby": "include",
                     "per_page": len(chunk), "page": 1}
            query.pop("order", None)
            items = self.json(self.get(_relative(path), params=query))
            if not isinstance(items, list):
                raise RejectedError(
                    f"woocommerce: GET {path}: expected a JSON list of records, got {type(items).__name__}"
                )
            yield from items


def chunked_ids(ids: Iterator[int], size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for item in ids:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def stable_order(by_modified: bool) -> dict[str, str]:
    """Oldest first: by modification time for entities with a cursor, else by id.

    WordPress has no tie-breaker for ``orderby=modified``, so records modified in the same
    second may swap places between two page requests, and one may be skipped or read twice.
    Sorting inside a page cannot fix that; the runner's de-duplication absorbs the repeats
    and its look-back window re-reads the second a skipped record sits in on the next run.
    """
    return {"orderby": "modified" if by_modified else "id", "order": "asc"}


@functools.cache
def page_adapter(model: type[M]) -> TypeAdapter[list[M]]:
    """``list[model]`` as a validator, built once per model (building one takes milliseconds)."""
    return TypeAdapter(list[model])  # type: ignore[valid-type]


_UTF8 = frozenset({None, "utf-8", "utf8"})


def _validated_page(adapter: TypeAdapter[list[M]], response: httpx.Response) -> list[M] | None:
    """The page's records validated from the raw bytes, or None when that way does not apply.

    Only UTF-8 bodies (what WordPress sends) are read this way: `ApiClient.json` decodes by
    the declared charset, and the bytes of another charset would read differently.
    """
    charset = response.charset_encoding
    if (charset.lower() if charset else None) not in _UTF8:
        return None
    try:
        return adapter.validate_json(response.content)
    except ValidationError:
        return None


def _relative(path: str) -> str:
    return path.lstrip("/")


def _total_pages(response: httpx.Response) -> int | None:
    value = response.headers.get("X-WP-TotalPages")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
