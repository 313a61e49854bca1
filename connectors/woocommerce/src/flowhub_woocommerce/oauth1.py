"""OAuth 1.0a one-legged signing and verification, exactly as WooCommerce's REST API does it.

WooCommerce accepts OAuth 1.0a over plain HTTP (``WC_REST_Authentication``): no token, the
signing key is ``consumer_secret + "&"``, the method is HMAC-SHA1 or HMAC-SHA256, the body of
a JSON request is not signed, and there is no ``oauth_version`` requirement. The base string
is built the PHP way, which differs from RFC 5849 in two places that matter for
interoperability:

* keys and values are encoded with ``rawurlencode`` (RFC 3986: only ``A-Z a-z 0-9 - _ . ~``
  stay as they are, so ``/`` becomes ``%2F``), and then each ``key=value`` pair is encoded a
  second time before the pairs are joined with ``%26``;
* parameters are sorted by their raw key (PHP ``strcmp``), and a list parameter ``status[]``
  is signed as ``status%5B0%5D=…``, ``status%5B1%5D=…`` in its own place.

`sign` is what a client calls; `verify` is what the sandbox calls. Both share
`base_string`, so they cannot disagree.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Literal
from urllib.parse import quote

__all__ = [
    "OAUTH_PARAMS",
    "SignatureMethod",
    "authorization_header",
    "base_string",
    "encode",
    "parse_authorization_header",
    "sign",
    "signature",
    "verify",
]

SignatureMethod = Literal["HMAC-SHA1", "HMAC-SHA256"]
ParamValue = str | Sequence[str]

# The five parameters WooCommerce requires; one present and another missing is an error.
OAUTH_PARAMS = (
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
)

_DIGESTS = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256}


def encode(value: str) -> str:
    """PHP ``rawurlencode``: percent-encode everything but RFC 3986 unreserved characters."""
    return quote(value, safe="~")


def _pairs(params: Mapping[str, ParamValue]) -> list[str]:
    """``key=value`` strings, encoded once, in WooCommerce's order (raw keys, byte order)."""
    pairs: list[str] = []
    for key in sorted(params, key=lambda k: k.encode()):
        value = params[key]
        if isinstance(value, str):
            pairs.append(f"{encode(key)}={encode(value)}")
        else:
            pairs.extend(f"{encode(key)}%5B{i}%5D={encode(item)}" for i, item in enumerate(value))
    return pairs


def base_string(method: str, url: str, params: Mapping[str, ParamValue]) -> str:
    """The string WooCommerce signs: ``METHOD&enc(url)&enc(k1=v1)%26enc(k2=v2)...``.

    ``url`` is scheme, host, port and path, without the query. ``params`` are all query (and
    form body) parameters, decoded, with the ``oauth_*`` ones and without ``oauth_signature``.
    """
    joined = "%26".join(encode(pair) for pair in _pairs(params))
    return f"{method.upper()}&{encode(url)}&{joined}"


def signature(base: str, consumer_secret: str, method: SignatureMethod = "HMAC-SHA256") -> str:
    """base64(HMAC(consumer_secret + "&", base)) with the digest named by ``method``."""
    if method not in _DIGESTS:
        raise ValueError(f"unsupported OAuth signature method '{method}' (known: HMAC-SHA1, HMAC-SHA256)")
    key = f"{consumer_secret}&".encode()
    return base64.b64encode(hmac.new(key, base.encode(), _DIGESTS[method]).digest()).decode()


def sign(
    method: str,
    url: str,
    consumer_key: str,
    consumer_secret: str,
    *,
    params: Mapping[str, ParamValue] | None = None,
    signature_method: SignatureMethod = "HMAC-SHA256",
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The OAuth parameters to add to a request's query string (or Authorization header).

    ``url`` has no query; ``params`` are the request's own query parameters, which must be
    sent unchanged next to the returned ones. The result includes ``oauth_signature``.
    """
    oauth = {
        "oauth_consumer_key": consumer_key,
        "oauth_timestamp": str(int(time.time()) if timestamp is None else timestamp),
        "oauth_nonce": nonce or secrets.token_hex(16),
        "oauth_signature_method": signature_method,
    }
    signed = {**(params or {}), **oauth}
    signed.pop("oauth_signature", None)
    oauth["oauth_signature"] = signature(base_string(method, url, signed), consumer_secret, signature_method)
    return oauth


def verify(method: str, url: str, params: Mapping[str, ParamValue], consumer_secret: str) -> bool:
    """True when ``params["oauth_signature"]`` signs this request with ``consumer_secret``.

    ``params`` are the request's decoded parameters as PHP sees them (``$_GET`` merged with a
    form body and the Authorization header's OAuth parameters). Timestamp and nonce checks are
    the server's business, not this function's.
    """
    given = params.get("oauth_signature")
    chosen = params.get("oauth_signature_method")
    if not isinstance(given, str) or chosen not in _DIGESTS:
        return False
    rest = {k: v for k, v in params.items() if k != "oauth_signature"}
    expected = signature(base_string(method, url, rest), consumer_secret, chosen)  # type: ignore[arg-type]
    return hmac.compare_digest(expected, given.replace(" ", "+"))


def authorization_header(oauth: Mapping[str, str]) -> str:
    """The ``Authorization: OAuth k="v", ...`` form of signed parameters (WooCommerce >= 3.0)."""
    return "OAuth " + ", ".join(f'{encode(k)}="{encode(v)}"' for k, v in oauth.items())


def parse_authorization_header(header: str) -> dict[str, str]:
    """The ``oauth_*`` parameters of an ``Authorization: OAuth ...`` header, decoded."""
    from urllib.parse import unquote

    text = header.strip()
    if not text.lower().startswith("oauth "):
        return {}
    found: dict[str, str] = {}
    for part in text[6:].split(","):
        key, sep, value = part.strip().partition("=")
        if sep and key.startswith("oauth_"):
            found[unquote(key)] = unquote(value.strip().strip('"'))
    return found
