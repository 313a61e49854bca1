"""SOAP faults of 24SevenOffice: read the faultstring, tell a quota or a lost session from the rest.

Over 7,200 calls an hour the API answers "Limit exceeded by 1. Request is blocked. Quarantine
ends at …"; the connector waits until then. The exact date format after "at" is not
documented, so several are tried, all read as UTC (the API's DateTimes are UTC); failing
that, the wait runs to the next full hour, as the FAQ says.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from lxml import etree

from flowhub.errors import RejectedError
from flowhub.http import make_error

__all__ = ["SoapFault", "classify_soap", "fault_string", "is_session_fault", "quarantine_seconds"]

_QUOTA = re.compile(r"limit exceeded", re.IGNORECASE)
_QUARANTINE = re.compile(r"quarantine ends at\s*(?P<when>.+?)\s*\.?\s*$", re.IGNORECASE | re.DOTALL)
_SESSION = re.compile(
    r"not (?:logged in|authenticated)|session (?:has )?(?:expired|is not valid|not found)"
    r"|no (?:valid )?session|authentication (?:failed|required)",
    re.IGNORECASE,
)
_FORMATS = (
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H.%M.%S",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
)


class SoapFault(RejectedError):
    """The service answered a SOAP Fault; ``fault`` is its faultstring (never retried as is)."""

    def __init__(self, message: str, *, fault: str, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.fault = fault

    @property
    def is_quota(self) -> bool:
        return bool(_QUOTA.search(self.fault))


def fault_string(content: bytes) -> str | None:
    """The faultstring (SOAP 1.1) or Reason text (1.2) of a Fault envelope; None otherwise."""
    try:
        root = etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:
        return None
    fault = next(iter(root.iter("{*}Fault")), None)
    if fault is None:
        return None
    for tag in ("faultstring", "{*}faultstring", "{*}Reason/{*}Text"):
        found = fault.find(tag)
        if found is not None and found.text:
            return " ".join(found.text.split())
    return "SOAP Fault without a faultstring"


def classify_soap(response: httpx.Response) -> SoapFault | None:
    """A ``classify`` hook for SOAP hosts: a Fault becomes a SoapFault; other answers the default."""
    if response.status_code < 400 or b"Fault" not in response.content[:4000]:
        return None
    text = fault_string(response.content)
    if text is None:
        return None
    error = make_error(RejectedError, response, name="24sevenoffice SOAP", code="Fault", message=text)
    return SoapFault(str(error), fault=text, status=response.status_code, code="Fault", detail=error.detail)


def is_session_fault(text: str) -> bool:
    """True when a fault says the session is gone (log in again and repeat the call)."""
    return bool(_SESSION.search(text))


def quarantine_seconds(text: str, *, now: datetime | None = None) -> float:
    """Seconds until the quarantine in a "Limit exceeded" fault ends (at least 1)."""
    now = now or datetime.now(UTC)
    found = _QUARANTINE.search(text)
    ends = _parse_when(found.group("when")) if found else None
    if ends is None:
        ends = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return max(1.0, (ends - now).total_seconds())


def _parse_when(text: str) -> datetime | None:
    text = text.strip().rstrip(".").replace("Z", "").strip()
    text = re.sub(r"\s*(UTC|GMT)$", "", text, flags=re.IGNORECASE)
    try:
        parsed = datetime.fromisoformat(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except ValueError:
        pass
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None
