"""Visma Connect client-credentials tokens: fetched once, shared by threads, renewed before expiry."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from flowhub.errors import AuthError, RejectedError
from flowhub.http import ApiClient, parse_json
from flowhub.redact import register_secret

__all__ = ["Token", "VismaConnectAuth", "token_error"]

# What Visma Connect's OAuth error codes mean for the person setting up the connection.
_TOKEN_HINTS = {
    "invalid_client": "the client id or client secret is wrong (check client_id and client_secret)",
    "unauthorized_client": "this client may not use the client-credentials grant, or not for this tenant",
    "invalid_scope": "the integration lacks a requested scope (grant it in the Visma Developer Portal, "
    "or ask for fewer in `scopes`)",
    "invalid_grant": "the tenant has not granted this integration access (check tenant_id and the "
    "integration's approval for this company)",
    "invalid_request": "the token request is incomplete (is tenant_id set?)",
}


@dataclass(frozen=True)
class Token:
    """One access token and what it allows."""

    value: str
    expires_at: float  # on the auth's clock
    lifetime: float
    scopes: frozenset[str]


def token_error(response: httpx.Response) -> AuthError:
    """The AuthError for a refused token request, naming the OAuth error and what to check."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = str(body.get("error") or f"HTTP {response.status_code}") if isinstance(body, Mapping) else ""
    detail = str(body.get("error_description") or "") if isinstance(body, Mapping) else ""
    hint = _TOKEN_HINTS.get(code, "Visma Connect refused the token request")
    text = f"visma_net: Visma Connect refused a token ({code}{': ' + detail if detail else ''}): {hint}"
    return AuthError(text, status=response.status_code, code=code, detail=body)


class VismaConnectAuth(httpx.Auth):
    """httpx auth that adds ``Authorization: Bearer <token>`` and keeps the token fresh.

    The token is fetched on first use and renewed ``renew_margin`` seconds before it expires
    (never later than half its lifetime), so a long run never sends an expired token. One lock
    makes concurrent workers share one fetch. A 401 on a cached token is answered once with a
    fresh token (it may have been revoked); a 401 on a fresh token is handed back, because that
    is the wrong-tenant case the connector reports.
    """

    def __init__(
        self,
        client: ApiClient,
        token_path: str,
        form: Mapping[str, str],
        *,
        renew_margin: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client, self._path, self._form = client, token_path, dict(form)
        self.renew_margin, self.clock = renew_margin, clock
        self._token: Token | None = None
        self._lock = threading.Lock()
        self.fetched = 0

    # -- the token -------------------------------------------------------------------------
    def token(self) -> Token:
        """A token valid for at least the renew margin; fetched when there is none such."""
        with self._lock:
            if self._token is None or self._due(self._token):
                self._token = self._fetch()
            return self._token

    def invalidate(self, stale: Token | None = None) -> None:
        with self._lock:
            if stale is None or self._token is stale:
                self._token = None

    def _due(self, token: Token) -> bool:
        margin = min(self.renew_margin, token.lifetime / 2)
        return self.clock() >= token.expires_at - margin

    def _fetch(self) -> Token:
        response = self._client.post(
            self._path,
            data=self._form,
            idempotent=True,
            ok={400, 401, 403},
            headers={"Accept": "application/json"},
        )
        if response.status_code >= 400:
            raise token_error(response)
        body = parse_json(response, name="visma_connect")
        if not isinstance(body, Mapping) or not body.get("access_token"):
            raise RejectedError("visma_net: Visma Connect answered without an access_token")
        return self._token_from(body)

    def _token_from(self, body: Mapping[str, Any]) -> Token:
        value = str(body["access_token"])
        register_secret(value)
        lifetime = float(body.get("expires_in") or 3600)
        scopes = frozenset(str(body.get("scope") or self._form.get("scope", "")).split())
        self.fetched += 1
        return Token(value, self.clock() + lifetime, lifetime, scopes)

    # -- httpx ------------------------------------------------------------------------------
    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        before = self.fetched
        token = self.token()
        fresh = self.fetched != before
        request.headers["Authorization"] = f"Bearer {token.value}"
        response = yield request
        if response.status_code != 401 or fresh:
            return
        self.invalidate(token)  # a cached token may have been revoked: one more try, fresh
        request.headers["Authorization"] = f"Bearer {self.token().value}"
        yield request
