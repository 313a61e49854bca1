"""The REST API client: bearer auth per organisation, the API's error shape, its three pagings."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from flowhub.errors import ConnectorError
from flowhub.http import ApiClient
from flowhub.pagination import next_link, pages_by_cursor
from flowhub_24sevenoffice.oauth import ClientCredentials, TokenAuth, token_classifier
from flowhub_24sevenoffice.settings import TwentyFourSevenSettings

__all__ = ["RestApi", "rest_error_detail"]


def rest_error_detail(response: httpx.Response) -> tuple[str | None, str]:
    """(name, message) from ``{"error":{"name","message","payload"},"trackingId"}``.

    The payload's validation paths (``customer.name: required``) and typed errors
    (``NoLines: No lines in the sales order``) are part of the message, because they say
    which field to fix; the trackingId is what 24SevenOffice support asks for.
    """
    try:
        body = response.json()
    except ValueError:
        return None, " ".join(response.text.split())[:200] or response.reason_phrase
    error = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping):
        return None, str(body)[:200]
    parts = [str(error.get("message") or "")]
    raw_payload = error.get("payload")
    payload: Mapping[str, Any] = raw_payload if isinstance(raw_payload, Mapping) else {}
    for item in payload.get("validationErrors") or []:
        parts.append(f"{item.get('path')}: {item.get('keyword')}")
    for item in payload.get("errors") or []:
        parts.append(f"{item.get('type')}: {item.get('message')}")
    message = "; ".join(p for p in parts if p)
    if body.get("trackingId"):
        message += f" (trackingId {body['trackingId']})"
    name = error.get("name")
    return (str(name) if name else None), message


class RestApi:
    """Talks to ``rest_url`` with a token for ``organization_id``; thread-safe."""

    def __init__(
        self, settings: TwentyFourSevenSettings, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        settings.require_rest("this entity")
        assert settings.client_secret is not None and settings.client_id and settings.organization_id
        self.settings = settings
        secret = settings.client_secret.get_secret_value()
        self._token_client = ApiClient(
            _origin(settings.token_url),
            name="24sevenoffice token",
            timeout=settings.timeout,
            max_attempts=settings.max_attempts,
            secrets=[secret],
            transport=transport,
            classify=token_classifier(settings.organization_id),  # type: ignore[arg-type]
        )
        credentials = ClientCredentials(
            settings.token_url, settings.client_id, secret, settings.audience, settings.organization_id
        )
        self.auth = TokenAuth(credentials, self._token_client)
        self.client = ApiClient(
            settings.rest_url + "/",
            auth=self.auth,
            name="24sevenoffice",
            timeout=settings.timeout,
            max_attempts=settings.max_attempts,
            requests_per_second=settings.requests_per_second,
            headers={"Accept": "application/json"},
            error_detail=rest_error_detail,
            transport=transport,
        )

    def close(self) -> None:
        self.client.close()
        self._token_client.close()

    # -- single calls ---------------------------------------------------------------------
    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.client.json(self.client.get(path, params=_query(params)))

    def get_or_none(self, path: str) -> Any:
        response = self.client.get(path, ok={404})
        return None if response.status_code == 404 else self.client.json(response)

    def post(self, path: str, body: Any) -> Any:
        return self.client.json(self.client.post(path, json=body))

    def patch(self, path: str, body: Any) -> Any:
        response = self.client.patch(path, json=body)
        return self.client.json(response) if response.content else None

    def delete(self, path: str) -> None:
        self.client.delete(path, ok={404})

    # -- lists ----------------------------------------------------------------------------
    def walk(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        page_param: str | None = None,
        continuation: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Every item of a list, following ``Link: rel="next"``.

        Without a Link header: ``page_param`` endpoints (/products) ask for the next page while
        pages come back full; ``continuation`` endpoints (/salesorders) pass a returned
        ``continuationToken`` (header or field) back. The first request carries ``params``.
        """
        query = {"limit": self.settings.page_size, **_query(params)}
        state = {"page": 1}

        def fetch(url: str | None) -> tuple[list[dict[str, Any]], str | None]:
            response = self.client.get(path, params=query) if url is None else self.client.get(url)
            items = _items(self.client.json(response))
            return items, self._next(response, items, query, path, state, page_param, continuation)

        yield from pages_by_cursor(fetch)

    def _next(
        self,
        response: httpx.Response,
        items: list[dict[str, Any]],
        query: dict[str, Any],
        path: str,
        state: dict[str, int],
        page_param: str | None,
        continuation: bool,
    ) -> str | None:
        link = next_link(response)
        if link:
            return link
        if continuation:
            token = response.headers.get("x-continuation-token")
            if token:
                return str(response.request.url.copy_merge_params({"continuationToken": token}))
        if page_param and items and len(items) >= int(query["limit"]):
            state["page"] += 1
            url = httpx.URL(f"{self.settings.rest_url}/{path.lstrip('/')}")
            return str(url.copy_merge_params({**query, page_param: state["page"]}))
        return None


def _items(body: Any) -> list[dict[str, Any]]:
    """Lists are bare arrays; an envelope (items/data/results) is unwrapped all the same."""
    if isinstance(body, list):
        return [item for item in body if isinstance(item, dict)]
    if isinstance(body, Mapping):
        for key in ("items", "data", "results"):
            if isinstance(body.get(key), list):
                return [item for item in body[key] if isinstance(item, dict)]
    raise ConnectorError(f"24sevenoffice: expected a list, got {type(body).__name__}")


def _query(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Query values as the API takes them: lists comma-joined, booleans lower-case, None left out."""
    out: dict[str, Any] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, list | tuple | set):
            value = ",".join(str(v) for v in value)
        out[key] = value
    return out


def _origin(url: str) -> str:
    parsed = httpx.URL(url)
    return str(parsed.copy_with(path="/", query=None, fragment=None))
