"""The SOAP API client: login session on both hosts, hourly quota pacing, faults into typed errors.

* ``Login`` (authenticate.asmx) gives a session id; every call carries it as the cookie
  ``ASP.NET_SessionId`` on both hosts (api. and webservices.24sevenoffice.com). A fault that
  says the session is gone logs in again, once, and repeats the call.
* 24SevenOffice allows 7,200 calls an hour. Calls are paced by one token bucket shared by
  both hosts and every connection of the same user; a "Limit exceeded … Quarantine ends at …"
  fault holds every call to the host until then (up to ``soap_max_quota_wait``), then repeats.
* Reads (Get*/Has*) are retried after any transient failure; saves only when the server cannot
  have acted on them (flowhub's ApiClient rule), so a timeout never creates an order twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

import httpx
import zeep.exceptions

from flowhub.errors import AuthError, RejectedError, RetryableError
from flowhub.http import ApiClient, TokenBucket
from flowhub.redact import register_secret
from flowhub_24sevenoffice.settings import TwentyFourSevenSettings
from flowhub_24sevenoffice.soap.faults import SoapFault, classify_soap, is_session_fault, quarantine_seconds
from flowhub_24sevenoffice.soap.services import SERVICES, build_envelope, parse_reply

__all__ = ["SoapApi", "item_error"]

log = logging.getLogger("flowhub.24sevenoffice")

MAX_QUOTA_WAITS = 3
_BUCKETS: dict[tuple[str, str], TokenBucket] = {}
_BUCKETS_LOCK = threading.Lock()


def _bucket(settings: TwentyFourSevenSettings) -> TokenBucket:
    """The quota bucket of this user on this API, shared process-wide (the quota is per user)."""
    key = (settings.soap_url, settings.username or "")
    rate = settings.soap_requests_per_hour / 3600
    with _BUCKETS_LOCK:
        bucket = _BUCKETS.get(key)
        if bucket is None:
            bucket = _BUCKETS[key] = TokenBucket(rate)
        elif rate < bucket.rate:
            bucket.set_rate(rate)
        return bucket


def item_error(item: Mapping[str, Any] | None) -> str | None:
    """The message of an item's APIException, or None when the item went through."""
    exception = (item or {}).get("APIException")
    if not isinstance(exception, Mapping) or not (exception.get("Message") or exception.get("Type")):
        return None
    kind, message = exception.get("Type"), exception.get("Message")
    return f"{kind}: {message}" if kind and message else str(message or kind)


class SoapApi:
    """Calls ``service.operation`` with a live session; thread-safe."""

    def __init__(
        self, settings: TwentyFourSevenSettings, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        settings.require_soap("this entity")
        assert settings.password is not None and settings.application_id is not None
        self.settings = settings
        secrets = [settings.password.get_secret_value(), settings.application_id.get_secret_value()]
        self._clients: dict[str, ApiClient] = {}
        for host, url in (("api", settings.soap_url), ("webservices", settings.soap_webservices_url)):
            shared = next((c for c in self._clients.values() if str(c.origin) == _origin_key(url)), None)
            self._clients[host] = shared or ApiClient(
                url,
                name="24sevenoffice SOAP",
                timeout=settings.timeout,
                max_attempts=settings.max_attempts,
                secrets=secrets,
                classify=classify_soap,
                transport=transport,
            )
        self.bucket = _bucket(settings)
        self._session: str | None = None
        self._lock = threading.Lock()
        self.logins = 0
        self.quota_waits = 0

    def close(self) -> None:
        for client in {id(c): c for c in self._clients.values()}.values():
            client.close()

    # -- calls ----------------------------------------------------------------------------
    def call(self, service: str, operation: str, **arguments: Any) -> Any:
        """The operation's result as plain dicts/lists; raises a typed flowhub error."""
        session = self._ensure_session()
        renewed, waits = False, 0
        while True:
            try:
                return self._send(service, operation, arguments, session)
            except SoapFault as fault:
                if fault.is_quota and waits < MAX_QUOTA_WAITS:
                    waits += 1
                    self._wait_for_quarantine(fault, service)
                    continue
                if is_session_fault(fault.fault) and not renewed:
                    session, renewed = self._renew(session), True
                    continue
                raise self._final_error(fault, renewed) from None

    def _send(self, service: str, operation: str, arguments: Mapping[str, Any], session: str | None) -> Any:
        spec = SERVICES[service]
        try:
            body, action = build_envelope(service, operation, **arguments)
        except (zeep.exceptions.ValidationError, TypeError) as error:
            raise RejectedError(
                f"24sevenoffice SOAP {service}.{operation}: the request does not fit the WSDL: {error}"
            ) from None
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{action}"'}
        if session:
            headers["Cookie"] = f"ASP.NET_SessionId={session}"
        self.bucket.acquire()
        reads = operation.startswith(("Get", "Has")) or operation == "Login"  # safe to repeat
        response = self._clients[spec.host].post(spec.path, content=body, headers=headers, idempotent=reads)
        return parse_reply(service, operation, response.content)

    def _final_error(self, fault: SoapFault, renewed: bool) -> Exception:
        if fault.is_quota:
            return RetryableError(
                f"{fault} (still over the hourly quota after {MAX_QUOTA_WAITS} waits)",
                retry_after=quarantine_seconds(fault.fault),
                status=429,
                code="Quota",
            )
        if renewed and is_session_fault(fault.fault):
            return AuthError(
                f"{fault} (a fresh login did not help: check the user's access to this client)",
                status=fault.status,
                code=fault.code,
            )
        return fault

    def _wait_for_quarantine(self, fault: SoapFault, service: str) -> None:
        """Hold every call to this host until the quarantine ends, or fail when that is too far."""
        seconds = quarantine_seconds(fault.fault)
        if seconds > self.settings.soap_max_quota_wait:
            raise RetryableError(
                f"{fault} (the quarantine ends in {seconds:.0f} s, more than "
                f"soap_max_quota_wait={self.settings.soap_max_quota_wait:g} s)",
                retry_after=seconds,
                status=429,
                code="Quota",
            ) from None
        self.quota_waits += 1
        log.warning(
            "24sevenoffice SOAP: hourly quota exceeded; waiting %.0f s for the quarantine to end", seconds
        )
        self._clients[SERVICES[service].host].gate.pause(seconds)

    # -- session --------------------------------------------------------------------------
    def _ensure_session(self) -> str:
        with self._lock:
            if self._session is None:
                self._session = self._login()
            return self._session

    def _renew(self, stale: str | None) -> str:
        with self._lock:
            if self._session is None or self._session == stale:
                self._session = self._login()
            return self._session

    def _login(self) -> str:
        s = self.settings
        assert s.password is not None and s.application_id is not None
        credential: dict[str, Any] = {
            "ApplicationId": s.application_id.get_secret_value(),
            "Username": s.username,
            "Password": s.password.get_secret_value(),
        }
        if s.identity_id:
            credential["IdentityId"] = s.identity_id
        try:
            session = self._send("auth", "Login", {"credential": credential}, None)
        except (SoapFault, RejectedError) as error:
            raise AuthError(
                f"24sevenoffice SOAP: login as {s.username} was refused: {getattr(error, 'fault', error)}",
                status=error.status,
            ) from None
        if not isinstance(session, str) or not session.strip():
            raise AuthError(
                f"24sevenoffice SOAP: login as {s.username} was refused (no session was given; "
                f"check the user name, password and application id)"
            )
        register_secret(session)
        self.logins += 1
        return session


def _origin_key(url: str) -> str:
    """``scheme://host:port`` (default port filled in), as ApiClient.origin spells it."""
    parsed = httpx.URL(url)
    port = parsed.port or {"http": 80, "https": 443}.get(parsed.scheme, 0)
    return f"{parsed.scheme}://{parsed.host}:{port}"
