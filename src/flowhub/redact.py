"""The one place that knows what a secret looks like, and masks it before anyone can see it.

Two kinds of knowledge live here:

* *names* that carry secrets: header names (``SECRET_HEADERS``), query parameters
  (``SECRET_PARAMS``) and object keys (``is_secret_name``);
* *values* that are secrets: a process-wide registry filled by ``register_secret`` (the
  ``ApiClient`` registers its credentials; connectors register tokens they obtain), masked
  wherever they occur in text, also URL-encoded and base64-encoded.

Everything that leaves the process as text (logs, error messages, reprs, the activity log,
cassettes) goes through ``redact_text`` / ``redact_url`` / ``redact_headers`` / ``redact_obj``.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

__all__ = [
    "MASK",
    "SECRET_HEADERS",
    "SECRET_PARAMS",
    "RedactingFilter",
    "install_log_redaction",
    "is_secret_name",
    "is_secret_field",
    "might_hold_secret",
    "redact_headers",
    "redact_obj",
    "redact_text",
    "redact_url",
    "register_secret",
]

MASK = "***"
MIN_SECRET_LENGTH = 4

SECRET_HEADERS: frozenset[str] = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "x-auth-token",
        "x-access-token",
        "x-wc-webhook-signature",
        "x-wp-nonce",
        "x-duell-token",
        "x-hub-signature",
        "x-hub-signature-256",
    }
)

SECRET_PARAMS: frozenset[str] = frozenset(
    {
        "consumer_key",
        "consumer_secret",
        "oauth_signature",
        "oauth_consumer_key",
        "oauth_token",
        "client_secret",
        "client_token",
        "access_token",
        "refresh_token",
        "id_token",
        "password",
        "token",
        "api_key",
        "apikey",
        "key",
        "secret",
        "signature",
    }
)

# Endings that make any name secret-looking (``wc_consumer_secret``, ``smtp_password``,
# ``x-duell-token``). Plain substrings would be too eager: DUELL addresses departments by a
# ``department_token`` that is an identifier, not a credential, and must stay readable.
_SECRET_SUFFIXES = (
    "secret",
    "password",
    "passwd",
    "api_key",
    "apikey",
    "access_token",
    "refresh_token",
    "auth_token",
    "session_token",
    "signature",
)

# ``key`` is a secret as a query parameter (old WooCommerce auth) but in bodies it is the
# name half of WooCommerce ``meta_data`` pairs, so it is not masked inside objects.
_NOT_SECRET_IN_OBJECTS = frozenset({"key"})

# "Basic dXNlcjpwYXNz", "Bearer eyJ...": the credential after an auth scheme word.
_AUTH_SCHEME_RE = re.compile(r"(?i)\b(basic|bearer|digest)(\s+)[A-Za-z0-9._~+/=-]{8,}")


def _param_re() -> re.Pattern[str]:
    """``consumer_secret=cs_...`` in free text (a URL inside a message or a Link header)."""
    names = sorted(SECRET_PARAMS, key=len, reverse=True)
    return re.compile(r"(?i)(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, names)) + r")=([^&\s\"'<>#;,]+)")


_PARAM_RE = _param_re()

# A loose pre-check for `redact_text`'s patterns, safe on JSON text (escapes such as ``\n``
# hide a word boundary from the exact patterns): no hit means nothing to mask. Plain substring
# tests on the case-folded text, which cost a few microseconds where one case-blind regex
# alternation cost close to a millisecond on a WooCommerce order.
_AUTH_WORDS = ("basic", "bearer", "digest")
_PARAM_WORDS = tuple(f"{name}=" for name in SECRET_PARAMS)


def _may_match_patterns(text: str) -> bool:
    """Whether `_AUTH_SCHEME_RE` or `_PARAM_RE` could match ``text`` (False is a promise)."""
    folded = text.casefold()
    if "=" in folded and any(word in folded for word in _PARAM_WORDS):
        return True
    return any(word in folded for word in _AUTH_WORDS)


class _SecretRegistry:
    """The set of secret values seen in this process, with one compiled pattern over them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._forms: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: str) -> None:
        forms = {form for form in _encoded_forms(value) if len(form) >= MIN_SECRET_LENGTH}
        with self._lock:
            if forms <= self._forms:
                return
            self._forms |= forms
            ordered = sorted(self._forms, key=len, reverse=True)  # longest first: no partial masks
            self._pattern = re.compile("|".join(map(re.escape, ordered)))

    def search(self, text: str) -> bool:
        pattern = self._pattern
        return pattern is not None and pattern.search(text) is not None

    def sub(self, text: str) -> str:
        pattern = self._pattern  # read once: a concurrent add swaps in a new compiled pattern
        return pattern.sub(MASK, text) if pattern is not None else text


def _encoded_forms(value: str) -> set[str]:
    """The spellings a secret takes on the wire: raw, URL-encoded, and base64 of ``user:pass``."""
    forms = {value, quote(value, safe=""), quote_plus(value), json.dumps(value, ensure_ascii=False)[1:-1]}
    if ":" in value:  # a "user:pass" pair, as Basic auth sends it
        forms.add(base64.b64encode(value.encode()).decode())
    return forms


_REGISTRY = _SecretRegistry()


def register_secret(value: str) -> None:
    """Remember a secret value so that it is masked wherever it later appears in text.

    Values shorter than four characters are ignored: masking every "abc" would destroy
    ordinary text and such a value protects nothing anyway. Register ``"key:secret"`` to
    also mask its base64 form (a Basic auth header).
    """
    if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
        _REGISTRY.add(value)


def redact_text(text: str) -> str:
    """Mask registered secrets, ``Basic``/``Bearer`` credentials and secret ``name=value`` pairs."""
    if not text:
        return text
    text = _REGISTRY.sub(text)
    if not _may_match_patterns(text):
        return text
    text = _AUTH_SCHEME_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    return _PARAM_RE.sub(lambda m: f"{m.group(1)}={MASK}", text)


def might_hold_secret(text: str) -> bool:
    """Whether `redact_text` could change ``text``, or any string serialised into it as JSON.

    False is a promise; True only means "look closer" (e.g. the word "basic" in a product
    name). Storing a record checks its JSON once this way instead of every string in it.
    """
    return _may_match_patterns(text) or _REGISTRY.search(text)


@functools.lru_cache(maxsize=8192)
def is_secret_name(name: str) -> bool:
    """Whether a header, parameter or field name carries a secret (case and ``-``/``_`` blind).

    Cached: the same few hundred field names are asked about for every record stored.
    """
    lowered = name.strip().lower()
    normal = lowered.replace("-", "_")
    return lowered in SECRET_HEADERS or normal in SECRET_PARAMS or normal.endswith(_SECRET_SUFFIXES)


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """A copy of the headers with secret ones masked and secrets inside the others removed."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {name: MASK if is_secret_name(name) else redact_text(str(value)) for name, value in items}


def redact_url(url: str) -> str:
    """The URL with userinfo and secret query parameters masked (and registered secrets)."""
    parts = urlsplit(str(url))
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        netloc = f"{MASK}:{MASK}@{hostport}" if ":" in userinfo else f"{MASK}@{hostport}"
    query = "&".join(_redact_query_pair(pair) for pair in parts.query.split("&")) if parts.query else ""
    return redact_text(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))


def _redact_query_pair(pair: str) -> str:
    """One raw ``name=value`` pair, value masked when the name is secret (``a[key]`` too)."""
    name, sep, _value = pair.partition("=")
    base = re.sub(r"%5B.*|\[.*", "", name, flags=re.IGNORECASE)
    return f"{name}={MASK}" if sep and is_secret_name(base) else pair


_UNTOUCHED = frozenset({int, float, bool, type(None)})


def redact_obj(obj: Any) -> Any:
    """A deep copy of dicts/lists/tuples with secret-named values and secret strings masked."""
    kind = type(obj)
    if kind is str:
        return redact_text(obj)
    if kind in _UNTOUCHED:
        return obj
    if isinstance(obj, Mapping):
        return {key: _redact_item(key, value) for key, value in obj.items()}
    if isinstance(obj, list):
        return [redact_obj(item) for item in obj]
    if isinstance(obj, tuple):
        return tuple(redact_obj(item) for item in obj)
    if isinstance(obj, str):
        return redact_text(obj)
    return obj


@functools.lru_cache(maxsize=8192)
def is_secret_field(key: str) -> bool:
    """Whether a field of a stored object (a record, a payload) holds a secret by its name.

    Like `is_secret_name`, except ``key``: WooCommerce's ``meta_data`` pairs are named so.
    """
    return key.lower() not in _NOT_SECRET_IN_OBJECTS and is_secret_name(key)


def _redact_item(key: object, value: Any) -> Any:
    if isinstance(key, str) and value not in (None, "") and is_secret_field(key):
        return MASK
    return redact_obj(value)


class RedactingFilter(logging.Filter):
    """Rewrite a log record's message (and formatted traceback) through ``redact_text``.

    The message is formatted here, once, and the args dropped, so a secret passed as an
    argument is masked no matter which handler or formatter prints the record later.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the raw parts, redacted
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact_text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


_FILTER = RedactingFilter()
_REDACTED_LOGGERS: set[str] = set()
_INSTALL_LOCK = threading.Lock()


def install_log_redaction(logger_name: str = "flowhub") -> None:
    """Redact every record logged to ``logger_name`` *and its descendants*. Idempotent.

    A filter on a logger does not see records of its child loggers (``flowhub.http``), so
    this wraps the log record factory once and redacts records of the named hierarchies as
    they are created, before any handler (or pytest's caplog) can see them.
    """
    with _INSTALL_LOCK:
        if not _REDACTED_LOGGERS:
            _wrap_record_factory()
        _REDACTED_LOGGERS.add(logger_name)


def _wrap_record_factory() -> None:
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if _is_redacted(record.name):
            _FILTER.filter(record)
        return record

    logging.setLogRecordFactory(factory)


def _is_redacted(name: str) -> bool:
    return any(name == root or name.startswith(root + ".") for root in tuple(_REDACTED_LOGGERS))
