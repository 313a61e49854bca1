"""The SOAP services the connector uses: their shipped WSDLs, hosts and paths, loaded once by zeep.

zeep builds every request envelope from the WSDL and parses every answer back into Python
values; the connector only sends the bytes (through flowhub's ApiClient, for retries, pacing
and redaction). The WSDLs are package data, so nothing is fetched from the network.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, Literal

import zeep
from lxml import etree
from zeep.helpers import serialize_object

__all__ = ["SERVICES", "Service", "build_envelope", "parse_reply", "plain", "wsdl_client", "wsdl_path"]

Host = Literal["api", "webservices"]


@dataclass(frozen=True)
class Service:
    """One .asmx service: which WSDL describes it and where it lives."""

    name: str
    wsdl: str
    host: Host
    path: str


SERVICES: dict[str, Service] = {
    s.name: s
    for s in (
        Service("auth", "authService.wsdl", "api", "/authenticate/v001/authenticate.asmx"),
        Service("company", "companyService.wsdl", "api", "/CRM/Company/V001/CompanyService.asmx"),
        Service("invoice", "invoiceService.wsdl", "api", "/Economy/InvoiceOrder/V001/InvoiceService.asmx"),
        Service("client", "clientService.wsdl", "api", "/Client/V001/ClientService.asmx"),
        Service("person", "personService.wsdl", "webservices", "/CRM/Contact/PersonService.asmx"),
    )
}


def wsdl_path(service: str) -> str:
    return str(files("flowhub_24sevenoffice") / "wsdl" / SERVICES[service].wsdl)


@functools.cache
def wsdl_client(service: str) -> zeep.Client:
    """A zeep client for ``service`` built from the shipped WSDL (used to build and parse only)."""
    return zeep.Client(wsdl_path(service), settings=zeep.Settings(strict=False, xml_huge_tree=True))


def _operation(service: str, operation: str) -> Any:
    client = wsdl_client(service)
    return client.service._binding.get(operation)


def build_envelope(service: str, operation: str, **arguments: Any) -> tuple[bytes, str]:
    """(XML bytes, SOAPAction) of one call, as the WSDL defines it."""
    client = wsdl_client(service)
    envelope = client.create_message(client.service, operation, **arguments)
    action = _operation(service, operation).soapaction
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8"), action


def parse_reply(service: str, operation: str, content: bytes) -> Any:
    """The operation's result from a 200 answer, as plain dicts and lists."""
    envelope = etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False, huge_tree=True))
    return plain(_operation(service, operation).process_reply(envelope))


def plain(value: Any) -> Any:
    """zeep objects as plain dicts/lists (None fields included, as the WSDL lists them)."""
    return serialize_object(value, dict)
