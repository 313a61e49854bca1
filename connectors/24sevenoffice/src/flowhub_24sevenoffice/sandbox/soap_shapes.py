"""Complete a sandbox answer to the WSDL's shape: every required element present, as ASP.NET sends it.

The real services always write required (minOccurs=1, not nillable) elements, with .NET's
defaults when nothing is set: false, 0, the first enumeration value, an empty GUID. The
sandbox's handlers only fill what they know, so this walks the answer's schema type and adds
the rest, reading enumerations straight from the shipped WSDL.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from lxml import etree
from zeep.xsd import ComplexType

from flowhub_24sevenoffice.soap.services import wsdl_client, wsdl_path

__all__ = ["complete"]

XS = "http://www.w3.org/2001/XMLSchema"
_DEFAULTS: dict[str, Any] = {
    "boolean": False,
    "int": 0,
    "long": 0,
    "short": 0,
    "decimal": 0,
    "double": 0.0,
    "float": 0.0,
    "dateTime": datetime(1, 1, 1),
    "guid": "00000000-0000-0000-0000-000000000000",
    "string": "",
}


def complete(service: str, operation: str, result: Any) -> Any:
    """``result`` with the operation's required-but-missing elements filled in (in place)."""
    op = wsdl_client(service).service._binding.get(operation)
    elements = list(op.output.body.type.elements)
    if len(elements) == 1 and result is not None:
        _fill(service, elements[0][1].type, result)
    return result


def _fill(service: str, xtype: Any, value: Any) -> None:
    if not isinstance(xtype, ComplexType) or not isinstance(value, dict):
        return
    for name, element in xtype.elements:
        current = value.get(name)
        if element.max_occurs != 1:
            for item in current if isinstance(current, list) else []:
                _fill(service, element.type, item)
        elif current is None and element.min_occurs >= 1 and not element.nillable:
            value[name] = _default(service, element.type)
        else:
            _fill(service, element.type, current)


def _default(service: str, xtype: Any) -> Any:
    if isinstance(xtype, ComplexType):
        filled: dict[str, Any] = {}
        _fill(service, xtype, filled)
        return filled
    name = xtype.qname.localname if xtype.qname is not None else "string"
    if name in _DEFAULTS:
        return _DEFAULTS[name]
    choices = _enumerations(service).get(name)
    return choices[0] if choices else ""


@functools.cache
def _enumerations(service: str) -> dict[str, list[str]]:
    """Every named simpleType's enumeration values in the service's WSDL."""
    root = etree.parse(wsdl_path(service), parser=etree.XMLParser(resolve_entities=False, no_network=True))
    found: dict[str, list[str]] = {}
    for simple in root.iter(f"{{{XS}}}simpleType"):
        values = [e.get("value") for e in simple.iter(f"{{{XS}}}enumeration")]
        if simple.get("name") and values:
            found[simple.get("name")] = [v for v in values if v is not None]
    return found
