"""The legacy SOAP API: shipped WSDLs read by zeep, a session client, and its fault rules."""

from __future__ import annotations

from flowhub_24sevenoffice.soap.client import SoapApi, item_error
from flowhub_24sevenoffice.soap.faults import SoapFault

__all__ = ["SoapApi", "SoapFault", "item_error"]
