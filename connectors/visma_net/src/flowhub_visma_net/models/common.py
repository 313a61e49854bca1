"""Building blocks shared by Visma.net records: references, addresses, contacts, list metadata."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flowhub.connector import ApiRecord

__all__ = [
    "Address",
    "Amount",
    "Attachment",
    "AttributeValue",
    "ContactInfo",
    "ListMetadata",
    "Ref",
    "RefOrId",
    "VismaRecord",
    "When",
]

Amount = Decimal | None
When = datetime | None


class ListMetadata(ApiRecord):
    """``metadata`` on every element of a v1 list page: how many there are, how many fit a page."""

    totalCount: int | None = None
    maxPageSize: int | None = None


class VismaRecord(ApiRecord):
    """Base of every Visma.net record: unknown fields are kept, list metadata and errors typed."""

    metadata: ListMetadata | None = None
    errorInfo: str | None = None


class Ref(ApiRecord):
    """A reference as GET answers it: ``{"id"|"number", "name"|"description"}``."""

    id: str | int | None = None
    number: str | None = None
    name: str | None = None
    description: str | None = None


RefOrId = Ref | str


class Address(ApiRecord):
    """An address; GET answers ``country: {id, name}``, a write may give ``countryId`` instead."""

    addressId: int | None = None
    addressLine1: str | None = None
    addressLine2: str | None = None
    addressLine3: str | None = None
    postalCode: str | None = None
    city: str | None = None
    country: RefOrId | None = None
    countryId: str | None = None
    county: RefOrId | None = None
    overrideAddress: bool | None = None


class ContactInfo(ApiRecord):
    """The contact block of a customer, branch or document (not a Contact record)."""

    contactId: int | None = None
    name: str | None = None
    attention: str | None = None
    email: str | None = None
    web: str | None = None
    phone1: str | None = None
    phone2: str | None = None
    fax: str | None = None
    overrideContact: bool | None = None


class AttributeValue(ApiRecord):
    """One attribute of a customer or item: ``{"id", "value", "description"}``."""

    id: str | None = None
    value: str | None = None
    description: str | None = None


class Attachment(ApiRecord):
    name: str | None = None
    id: str | None = None
    revision: int | None = None


def ref_id(value: Any) -> str | None:
    """The id a reference carries, whether given as a Ref, a mapping or a plain string."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Ref):
        found = value.id if value.id is not None else value.number
        return None if found is None else str(found)
    if isinstance(value, dict):
        found = value.get("id", value.get("number"))
        return None if found is None else str(found)
    return str(value)
