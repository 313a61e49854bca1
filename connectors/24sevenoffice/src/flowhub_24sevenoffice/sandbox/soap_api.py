"""The sandbox's SOAP services: requests read and answers written by zeep from the shipped WSDLs.

Each .asmx path dispatches on the operation element in the Body. Before any handler runs,
the hourly quota is counted (over it: the "Limit exceeded … Quarantine ends at …" fault) and,
outside authenticate.asmx, the ``ASP.NET_SessionId`` cookie must name a live session.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from lxml import etree
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from flowhub_24sevenoffice.sandbox import soap_ops
from flowhub_24sevenoffice.sandbox.soap_shapes import complete
from flowhub_24sevenoffice.sandbox.store import Session, Store
from flowhub_24sevenoffice.soap.services import SERVICES, plain, wsdl_client

__all__ = ["Quota", "SoapFaultAnswer", "soap_routes"]

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


class SoapFaultAnswer(Exception):
    """Raised by a handler: answered as HTTP 500 with a soap:Fault (what ASP.NET does)."""

    def __init__(self, message: str, code: str = "soap:Server") -> None:
        super().__init__(message)
        self.message, self.code = message, code


class Quota:
    """``limit`` SOAP calls per fixed window of ``window`` seconds; then a quarantine to its end."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._started = time.time()
        self._lock = threading.Lock()
        self._window_index, self._count = 0, 0

    def take(self) -> str | None:
        """None when the call may go on; the fault text when it is over the limit."""
        with self._lock:
            now = time.time()
            index = int((now - self._started) // self.window)
            if index != self._window_index:
                self._window_index, self._count = index, 0
            self._count += 1
            if self._count <= self.limit:
                return None
            ends = self._started + (index + 1) * self.window
            stamp = datetime.fromtimestamp(math.ceil(ends), UTC).strftime("%Y-%m-%d %H:%M:%S")
            over = self._count - self.limit
            return f"Limit exceeded by {over}. Request is blocked. Quarantine ends at {stamp}"

    def set(self, limit: int | None = None, window: float | None = None) -> None:
        with self._lock:
            self.limit = self.limit if limit is None else limit
            self.window = self.window if window is None else window
            self._started, self._window_index, self._count = time.time(), 0, 0


def soap_routes(store: Store, quota: Quota) -> list[Route]:
    """One route per service path (the WSDLs' soap:address paths)."""
    return [
        Route(spec.path, _endpoint(store, quota, name), methods=["POST"]) for name, spec in SERVICES.items()
    ]


def _endpoint(store: Store, quota: Quota, service: str) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        body = await request.body()
        with store.lock:
            store.stats["soap_calls"] += 1
        over = quota.take()
        if over:
            with store.lock:
                store.stats["quota_faults"] += 1
            return _fault(over)
        try:
            envelope = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True))
            operation = _operation_name(envelope)
            session = _session(store, request, service, operation)
            result = soap_ops.handle(
                store, session, service, operation, _arguments(service, operation, envelope)
            )
            return _answer(service, operation, result)
        except SoapFaultAnswer as fault:
            return _fault(fault.message, fault.code)
        except soap_ops.OperationFault as fault:
            return _fault(str(fault))
        except etree.XMLSyntaxError as error:
            return _fault(f"Server was unable to read request. ---> {error}", "soap:Client")

    return endpoint


def _operation_name(envelope: etree._Element) -> str:
    body = envelope.find(f"{{{SOAP_ENV}}}Body")
    child = next(iter(body), None) if body is not None else None
    if child is None:
        raise SoapFaultAnswer(
            "Server did not recognize the value of HTTP Header SOAPAction: .", "soap:Client"
        )
    return etree.QName(child).localname


def _session(store: Store, request: Request, service: str, operation: str) -> Session | None:
    if service == "auth" and operation in (
        "Login",
        "HasSession",
        "GetIdentitiesWithCredential",
        "AuthenticateByToken",
    ):
        return store.session(request.cookies.get("ASP.NET_SessionId"))
    session = store.session(request.cookies.get("ASP.NET_SessionId"))
    if session is None:
        with store.lock:
            store.stats["session_faults"] += 1
        raise SoapFaultAnswer("Not authenticated: the session has expired or does not exist. Log in again.")
    return session


def _arguments(service: str, operation: str, envelope: etree._Element) -> dict[str, Any]:
    binding = wsdl_client(service).service._binding
    try:
        op = binding.get(operation)
    except ValueError as error:
        raise SoapFaultAnswer(
            f"Server did not recognize the operation {operation}.", "soap:Client"
        ) from error
    names = [name for name, _ in op.input.body.type.elements]
    found = plain(op.input.deserialize(envelope))
    if isinstance(found, dict) and set(found) == {"header", "body"}:  # services with SOAP headers
        found = found["body"] or {}
    elif len(names) == 1:  # zeep hands back a lone parameter's value itself
        return {names[0]: found}
    return found if isinstance(found, dict) else {}


def _answer(service: str, operation: str, result: Any) -> Response:
    op = wsdl_client(service).service._binding.get(operation)
    result = complete(service, operation, result)
    message = op.output.serialize(result) if result is not None else op.output.serialize()
    xml = etree.tostring(message.content, xml_declaration=True, encoding="utf-8")
    return Response(xml, 200, media_type="text/xml; charset=utf-8")


def _fault(message: str, code: str = "soap:Server") -> Response:
    """HTTP 500 with a SOAP 1.1 Fault, as ASP.NET answers an exception."""
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
    fault = etree.SubElement(etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body"), f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = code
    etree.SubElement(fault, "faultstring").text = message
    etree.SubElement(fault, "detail")
    xml = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
    return Response(xml, 500, media_type="text/xml; charset=utf-8")
