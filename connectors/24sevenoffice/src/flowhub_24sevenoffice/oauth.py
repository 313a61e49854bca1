"""OAuth2 client credentials for the REST API: one cached token per application and organisation.

24SevenOffice issues a token for exactly one organisation (``login_organization``), so the
cache key includes it: two connections for two companies (S14) hold two tokens, and two
connections for the same company share one. A token is renewed 60 s before it expires and,
once, after a 401 (it may have been revoked early).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator
from dataclasses import dataclass

import httpx

from flowhub.errors import AuthError, ConnectorError
from flowhub.http import ApiClient, make_error
from flowhub.redact import register_secret

__all__ = ["ClientCredentials", "TokenAuth", "clear_token_cache"]

REFRESH_MARGIN = 60.0
DEFAULT_LIFETIME = 3600.0


@dataclass(frozen=True)
class ClientCredentials:
    """Everything a token request needs; ``key`` identifies the token it gives."""

    token_url: str
    client_id: str
    client_secret: str
    audience: str
    organization: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.token_url, self.client_id, self.audience, self.organization)

    def __repr__(self) -> str:
        return f"<ClientCredentials {self.client_id} org {self.organization}>"


@dataclass
class _Token:
    value: str
    expires_at: float
    scope: str | None

    def fresh(self) -> bool:
        return time.monotonic() < self.expires_at - REFRESH_MARGIN


_CACHE: dict[tuple[str, str, str, str], _Token] = {}
_CACHE_LOCK = threading.Lock()


def clear_token_cache() -> None:
    """Forget every cached token (tests; a rotated secret)."""
    with _CACHE_LOCK:
        _CACHE.clear()


class TokenAuth(httpx.Auth):
    """httpx auth: a bearer token from the cache, fetched when missing, stale or refused."""

    def __init__(self, credentials: ClientCredentials, token_client: ApiClient) -> None:
        self.credentials = credentials
        self._token_client = token_client
        self._lock = threading.Lock()
        self.fetched = 0  # tokens this auth fetched (for tests and `check`)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.token()
        request.headers["Authorization"] = f"Bearer {token.value}"
        response = yield request
        if response.status_code == 401:
            token = self.token(refused=token)
            request.headers["Authorization"] = f"Bearer {token.value}"
            yield request

    def token(self, *, refused: _Token | None = None) -> _Token:
        """The cached token for these credentials; a new one when none is fresh or it was refused."""
        key = self.credentials.key
        with self._lock:
            with _CACHE_LOCK:
                cached = _CACHE.get(key)
            if cached is not None and cached.fresh() and cached is not refused:
                return cached
            token = self._fetch()
            with _CACHE_LOCK:
                _CACHE[key] = token
            return token

    @property
    def scope(self) -> str | None:
        with _CACHE_LOCK:
            cached = _CACHE.get(self.credentials.key)
        return cached.scope if cached else None

    def _fetch(self) -> _Token:
        """POST the client credentials (form-encoded, as 24SevenOffice documents it)."""
        c = self.credentials
        form = {
            "grant_type": "client_credentials",
            "client_id": c.client_id,
            "client_secret": c.client_secret,
            "audience": c.audience,
            "login_organization": c.organization,
        }
        response = self._token_client.post(c.token_url, data=form, idempotent=True)
        body = self._token_client.json(response)
        value = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(value, str) or not value:
            raise AuthError(
                f"24sevenoffice: the token endpoint answered without an access_token "
                f"(client {c.client_id}, organisation {c.organization})"
            )
        register_secret(value)
        self.fetched += 1
        lifetime = _lifetime(body.get("expires_in"))
        return _Token(value, time.monotonic() + lifetime, body.get("scope"))


def _lifetime(value: object) -> float:
    try:
        return float(value) if value is not None else DEFAULT_LIFETIME  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return DEFAULT_LIFETIME


def token_classifier(organization: str) -> object:
    """A ``classify`` hook for the token endpoint: every refusal (400 included) is an AuthError."""

    def classify(response: httpx.Response) -> ConnectorError | None:
        if not 400 <= response.status_code < 500 or response.status_code in (408, 425, 429):
            return None
        code, message = _oauth_detail(response)
        hint = f"(organisation {organization}: has it connected this application under Integrations?)"
        return make_error(
            AuthError, response, name="24sevenoffice token", code=code, message=f"{message} {hint}".strip()
        )

    return classify


def _oauth_detail(response: httpx.Response) -> tuple[str | None, str]:
    try:
        body = response.json()
    except ValueError:
        return None, response.text[:200]
    if not isinstance(body, dict):
        return None, ""
    code = body.get("error") if isinstance(body.get("error"), str) else None
    message = body.get("error_description") or body.get("message") or ""
    return code, str(message)
