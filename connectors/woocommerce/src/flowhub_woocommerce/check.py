"""The connection test (D2, K2): tell apart every way a shop connection fails, in words to act on.

Steps, each answering the first failure it meets:

1. ``GET /wp-json/`` without credentials: no answer -> *unreachable*; not JSON with
   ``namespaces`` -> *not_wordpress*; a 404 where ``/?rest_route=/`` answers -> *permalinks_off*;
   no ``wc/v3`` (or ``wc/v2``) namespace -> *woocommerce_missing*.
2. ``GET /products?per_page=1`` with the key: WooCommerce's 401 says which part is wrong
   (*bad_key*, *bad_secret*, *clock*, *basic_over_http*, ...).
3. ``GET /system_status`` for the versions shown in ``details``.
4. With ``writes``: ``POST /products/batch`` with an empty body, which changes nothing; a key
   without write permission gets a 401 before the body is looked at (capture 016) -> *read_only_key*.

``details["problem"]`` names the failure kind for programs; the message is for a person.
"""

from __future__ import annotations

from contextlib import closing
from typing import Any

from flowhub.connector import CheckResult
from flowhub.errors import AuthError, ConnectorError, RetryableError
from flowhub.http import parse_json
from flowhub_woocommerce.client import WooClient, woo_error
from flowhub_woocommerce.settings import WooCommerceSettings

__all__ = ["check_shop"]

_ANY_STATUS = frozenset(range(300, 600))


def check_shop(settings: WooCommerceSettings, *, writes: bool = False, transport: Any = None) -> CheckResult:
    """Run the connection test against the shop ``settings`` point at."""
    quick = settings.model_copy(
        update={"max_attempts": min(settings.max_attempts, 2), "max_wait": min(settings.max_wait, 2.0)}
    )
    with closing(WooClient(quick, transport=transport)) as client:
        try:
            return _check(client, quick, writes, transport)
        except RetryableError as error:
            return _fail(
                "unreachable",
                f"cannot reach the shop at {settings.url}: {error} "
                "(is the URL right, the shop up and this machine allowed to reach it?)",
            )


def _fail(problem: str, message: str, **details: str) -> CheckResult:
    return CheckResult(False, message, {"problem": problem, **details})


def _check(client: WooClient, settings: WooCommerceSettings, writes: bool, transport: Any) -> CheckResult:
    found = _discover(client, settings)
    if isinstance(found, CheckResult):
        return found
    denied = _auth_problem(client, settings, transport)
    if denied is not None:
        return denied
    details = {
        "api": f"wc/{settings.api_version}",
        "auth": settings.auth_method,
        "site": str(found.get("name") or ""),
        **_versions(client),
    }
    if writes:
        refused = _write_problem(client)
        if refused is not None:
            return refused
    where = f"WooCommerce {details.get('woocommerce', '?')} on WordPress {details.get('wordpress', '?')}"
    return CheckResult(
        True,
        f"connected to {settings.url}: {where}, API wc/{settings.api_version}, "
        f"{settings.auth_method} auth" + (", writes allowed" if writes else ""),
        details,
    )


def _discover(client: WooClient, settings: WooCommerceSettings) -> dict[str, Any] | CheckResult:
    response = client.request("GET", f"{settings.url}/wp-json/", ok=_ANY_STATUS)
    if response.status_code == 404:
        return _without_permalinks(client, settings)
    if response.status_code in (401, 403):
        return {}  # a security plugin hides the index from anonymous visitors; the key decides
    index = _json_or_none(response)
    if not isinstance(index, dict) or not isinstance(index.get("namespaces"), list):
        return _fail(
            "not_wordpress",
            f"{settings.url} does not look like a WordPress site: /wp-json/ answered "
            f"{response.status_code} without the WordPress REST index (check the URL)",
        )
    namespace = f"wc/{settings.api_version}"
    if namespace not in index["namespaces"]:
        return _fail(
            "woocommerce_missing",
            f"{settings.url} is a WordPress site, but its REST API has no "
            f"{namespace}: WooCommerce is not installed or not active (Plugins in wp-admin)",
        )
    return index


def _without_permalinks(client: WooClient, settings: WooCommerceSettings) -> CheckResult:
    response = client.request("GET", f"{settings.url}/", params={"rest_route": "/"}, ok=_ANY_STATUS)
    index = _json_or_none(response)
    if isinstance(index, dict) and "namespaces" in index:
        return _fail(
            "permalinks_off",
            f"{settings.url}: the REST API only answers at ?rest_route=/, not at "
            "/wp-json/: turn on pretty permalinks (wp-admin > Settings > Permalinks, any choice but "
            "'Plain') and save",
        )
    return _fail(
        "not_wordpress",
        f"{settings.url} does not look like a WordPress site: /wp-json/ answered 404 "
        "(check the URL; a shop in a sub-directory needs that directory in the URL)",
    )


def _probe(client: WooClient) -> AuthError | None:
    try:
        client.get("products", params={"per_page": 1, "_fields": "id"})
    except AuthError as error:
        return error
    return None


def _auth_problem(client: WooClient, settings: WooCommerceSettings, transport: Any) -> CheckResult | None:
    error = _probe(client)
    if error is None:
        return None
    detail = woo_error(error)
    if detail and detail.code == "woocommerce_rest_cannot_view" and settings.auth_method != "oauth1":
        return _anonymous(detail.message or "", settings, transport)
    return _explain_auth(error)


def _anonymous(said: str, settings: WooCommerceSettings, transport: Any) -> CheckResult:
    """Basic/query keys were ignored: an unknown key, or (over http) keys sent the wrong way.

    Over plain http one OAuth 1.0a probe tells the two apart: OAuth names a bad key outright.
    """
    if not settings.is_https:
        with closing(WooClient(settings.model_copy(update={"auth": "oauth1"}), transport=transport)) as oauth:
            second = _probe(oauth)
        if second is None:
            return _fail(
                "basic_over_http",
                "the shop refuses Basic auth (and query keys) over plain http; "
                f"use auth: auto or oauth1, or an https:// URL (WooCommerce said: {said})",
            )
        return _explain_auth(second)
    return _fail(
        "bad_key",
        f"the shop does not know this consumer key (or its user may not read products); "
        f"copy the key again from {_WHERE} (WooCommerce said: {said})",
        code="woocommerce_rest_cannot_view",
    )


_WHERE = "WooCommerce > Settings > Advanced > REST API"


def _explain_auth(error: ConnectorError) -> CheckResult:
    detail = woo_error(error)
    code, message = (detail.code or "", detail.message or "") if detail else ("", str(error))
    where = _WHERE
    if message == "Consumer key is invalid.":
        return _fail(
            "bad_key",
            f"the shop does not know this consumer key; copy the key again from {where} "
            f"(WooCommerce said: {message})",
            code=code,
        )
    if message in ("Consumer secret is invalid.", "Invalid signature - provided signature does not match."):
        return _fail(
            "bad_secret",
            f"the consumer secret does not belong to this key; copy the secret again "
            f"from {where} (WooCommerce said: {message})",
            code=code,
        )
    if message == "Invalid timestamp.":
        return _fail(
            "clock",
            "the shop refused the OAuth timestamp: this machine's clock is more than 15 "
            "minutes off the shop's",
            code=code,
        )
    if "read permissions" in message:
        return _fail(
            "write_only_key", f"the key may not read; give it Read or Read/Write in {where}", code=code
        )
    return _fail("auth", f"the shop refused the credentials: {message or error}", code=code)


def _versions(client: WooClient) -> dict[str, str]:
    fields = "environment.version,environment.wp_version,settings.currency"
    try:
        status = client.get_json("system_status", {"_fields": fields})
    except ConnectorError:
        return {"versions": "unknown (the key's user may not read the system status)"}
    environment = status.get("environment") or {}
    settings = status.get("settings") or {}
    found = {
        "woocommerce": environment.get("version"),
        "wordpress": environment.get("wp_version"),
        "currency": settings.get("currency"),
    }
    return {k: str(v) for k, v in found.items() if v}


def _write_problem(client: WooClient) -> CheckResult | None:
    try:
        client.request("POST", "products/batch", json={}, idempotent=True)
    except AuthError as error:
        detail = woo_error(error)
        said = detail.message if detail else str(error)
        return _fail(
            "read_only_key",
            "the key may only read, but this connection writes: give the key "
            f"Read/Write permission in WooCommerce > Settings > Advanced > REST API (WooCommerce said: "
            f"{said})",
            code=(detail.code or "") if detail else "",
        )
    return None


def _json_or_none(response: Any) -> Any:
    try:
        return parse_json(response, name="woocommerce")
    except ConnectorError:
        return None
