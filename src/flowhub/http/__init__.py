"""ApiClient: the one HTTP client every connector builds on: retries, pacing, typed errors.

Connectors tune numbers (attempts, waits, rate) and may add a ``classify`` hook for an API
that reports errors oddly; the mechanics live here once:

* every answer is turned into a typed error first (``classify_response``); tenacity then
  retries only ``RetryableError`` and transport errors, honouring ``Retry-After``;
* every client talking to one host shares that host's ``HostGate``: a rate budget (token
  bucket) and a pause that a 429 sets for all threads, so concurrent workers back off together;
* secrets never leave: credentials are registered with ``flowhub.redact`` and every URL,
  message and log line goes through it.
"""

from __future__ import annotations

from flowhub.http._answers import (
    RETRYABLE_STATUSES,
    Classifier,
    ErrorDetail,
    classify_response,
    default_error_detail,
    describe_request,
    make_error,
    parse_json,
    parse_retry_after,
)
from flowhub.http._client import (
    DEFAULT_USER_AGENT,
    IDEMPOTENT_METHODS,
    NOT_ACTED_ON_STATUSES,
    ApiClient,
    RequestStats,
)
from flowhub.http._pacing import HostGate, TokenBucket, host_gate

__all__ = [
    "DEFAULT_USER_AGENT",
    "IDEMPOTENT_METHODS",
    "NOT_ACTED_ON_STATUSES",
    "RETRYABLE_STATUSES",
    "ApiClient",
    "Classifier",
    "ErrorDetail",
    "HostGate",
    "RequestStats",
    "TokenBucket",
    "classify_response",
    "default_error_detail",
    "describe_request",
    "host_gate",
    "make_error",
    "parse_json",
    "parse_retry_after",
]
