"""WooCommerce's REST authentication rules (WC_REST_Authentication), key for key.

Over HTTPS: HTTP Basic ``consumer_key:consumer_secret``, or the two as query parameters. If
that does not authenticate, OAuth 1.0a is tried next, as WooCommerce does. Over plain HTTP only
OAuth 1.0a one-legged is accepted (query or Authorization header, HMAC-SHA1/SHA256, timestamp
within 15 minutes, each nonce once per key). Basic over plain HTTP authenticates nobody, so the
route's own permission check answers 401 ``woocommerce_rest_cannot_view``, as in capture 011.

An unknown key under Basic is not an error either: the request is simply anonymous (capture
013). A known key with the wrong secret is (014). A read-only key may not write (016).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from flowhub_woocommerce import oauth1
from flowhub_woocommerce.sandbox.errors import WooError
from flowhub_woocommerce.sandbox.store import Store

__all__ = ["DEFAULT_KEYS", "ApiKey", "AuthRequest", "authenticate", "cannot", "check_permission", "keys_from"]

Permission = Literal["read", "write", "read_write"]
NONCE_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class ApiKey:
    """One REST API key pair and what it may do; ``user_id`` is the WordPress user it acts as."""

    consumer_key: str
    consumer_secret: str
    permissions: Permission = "read_write"
    user_id: int = 1

    def __repr__(self) -> str:  # never show the secret
        return f"ApiKey({self.consumer_key[:11]}…, {self.permissions})"


DEFAULT_KEYS: dict[str, ApiKey] = {
    key.consumer_key: key
    for key in (
        ApiKey(
            "ck_sandbox_0000000000000000000000000000000000000000",
            "cs_sandbox_0000000000000000000000000000000000000000",
            "read_write",
        ),
        ApiKey(
            "ck_sandbox_readonly_000000000000000000000000000000000",
            "cs_sandbox_readonly_000000000000000000000000000000000",
            "read",
        ),
    )
}


def keys_from(keys: Mapping[str, Any] | None) -> dict[str, ApiKey]:
    """Keys by consumer key, from ApiKey objects or ``{"consumer_secret", "permissions"}`` mappings."""
    if keys is None:
        return dict(DEFAULT_KEYS)
    found: dict[str, ApiKey] = {}
    for consumer_key, value in keys.items():
        if isinstance(value, ApiKey):
            found[consumer_key] = value
        elif isinstance(value, str):
            found[consumer_key] = ApiKey(consumer_key, value)
        else:
            found[consumer_key] = ApiKey(
                consumer_key,
                value["consumer_secret"],
                value.get("permissions", "read_write"),
                int(value.get("user_id", 1)),
            )
    return found


@dataclass(frozen=True)
class AuthRequest:
    """What authentication looks at: method, URL without query, is_ssl, parameters, headers."""

    method: str
    url: str  # scheme://host/path as the client addressed it, for the OAuth base string
    is_ssl: bool
    params: Mapping[str, Any]  # PHP-style $_GET merged with a form body
    authorization: str | None


def _error(message: str) -> WooError:
    return WooError(401, "woocommerce_rest_authentication_error", message)


def _basic(req: AuthRequest, keys: Mapping[str, ApiKey]) -> tuple[ApiKey | None, WooError | None]:
    user = password = None
    if req.authorization and req.authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(req.authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        user, _, password = decoded.partition(":")
    elif req.params.get("consumer_key") and req.params.get("consumer_secret"):
        user, password = str(req.params["consumer_key"]), str(req.params["consumer_secret"])
    if not user or password is None:
        return None, None
    key = keys.get(user)
    if key is None:
        return None, None
    if not hmac.compare_digest(key.consumer_secret, password):
        return None, _error("Consumer secret is invalid.")
    return key, None


def _oauth(
    req: AuthRequest, keys: Mapping[str, ApiKey], store: Store
) -> tuple[ApiKey | None, WooError | None]:
    params = dict(req.params)
    if req.authorization and req.authorization.lower().startswith("oauth "):
        params.update(oauth1.parse_authorization_header(req.authorization))
    missing = [name for name in oauth1.OAUTH_PARAMS if not params.get(name)]
    if len(missing) == len(oauth1.OAUTH_PARAMS):
        return None, None
    if missing:
        noun = "parameter" if len(missing) == 1 else "parameters"
        return None, WooError(
            401,
            "woocommerce_rest_authentication_missing_parameter",
            f"Missing OAuth {noun} {', '.join(missing)}",
        )
    key = keys.get(str(params["oauth_consumer_key"]))
    if key is None:
        return None, _error("Consumer key is invalid.")
    if params["oauth_signature_method"] not in ("HMAC-SHA1", "HMAC-SHA256"):
        return None, _error("Invalid signature - signature method is invalid.")
    if not oauth1.verify(req.method, req.url, params, key.consumer_secret):
        return None, _error("Invalid signature - provided signature does not match.")
    return _check_nonce(store, key, str(params["oauth_timestamp"]), str(params["oauth_nonce"]))


def _check_nonce(
    store: Store, key: ApiKey, timestamp: str, nonce: str
) -> tuple[ApiKey | None, WooError | None]:
    try:
        moment = int(timestamp)
    except ValueError:
        return None, _error("Invalid timestamp.")
    if store.is_older_than(moment, NONCE_WINDOW):
        return None, _error("Invalid timestamp.")
    with store.lock:
        used = store.nonces.setdefault(key.consumer_key, {})
        horizon = store.now().timestamp() - NONCE_WINDOW.total_seconds()
        while used:  # in arrival order, so the stale ones are at the front
            oldest = next(iter(used))
            if used[oldest] >= horizon:
                break
            del used[oldest]
        if nonce in used:
            return None, _error("Invalid nonce - nonce has already been used.")
        used[nonce] = moment
    return key, None


def authenticate(req: AuthRequest, keys: Mapping[str, ApiKey], store: Store) -> ApiKey | None:
    """The key this request authenticates as, None when anonymous; WooError when it must fail."""
    error = None
    if req.is_ssl:
        key, error = _basic(req, keys)
        if key is not None:
            return key
    key, oauth_error = _oauth(req, keys, store)
    if key is not None:
        return key
    if oauth_error or error:
        raise oauth_error or error  # type: ignore[misc]
    return None


def check_permission(key: ApiKey, method: str) -> None:
    """A read key may read, a write key may write; OPTIONS is always allowed."""
    if method in ("GET", "HEAD") and key.permissions not in ("read", "read_write"):
        raise _error("The API key provided does not have read permissions.")
    if method in ("POST", "PUT", "PATCH", "DELETE") and key.permissions not in ("write", "read_write"):
        raise _error("The API key provided does not have write permissions.")


_CANNOT = {
    "list": ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
    "view": ("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."),
    "create": ("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."),
    "edit": ("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."),
    "delete": ("woocommerce_rest_cannot_delete", "Sorry, you are not allowed to delete this resource."),
    "batch": (
        "woocommerce_rest_cannot_batch",
        "Sorry, you are not allowed to batch manipulate this resource.",
    ),
}


def cannot(action: str) -> WooError:
    """The route's own permission answer for an anonymous request (401)."""
    code, message = _CANNOT[action]
    return WooError(401, code, message)
