"""Customers, customer classes and contact persons."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from flowhub_visma_net.entities.base import VismaReader, VismaWriter
from flowhub_visma_net.models import Contact, Customer, CustomerClass

__all__ = ["Contacts", "CustomerClasses", "Customers"]

_EMAILS = ("mainContact.email", "invoiceContact.email", "deliveryContact.email")


class Customers(VismaWriter):
    """Customers (debtors) by ``number``; found by e-mail, org. no. (corporateId) or VAT no."""

    name = "customer"
    model = Customer
    key = "number"
    cursor = "lastModifiedDateTime"
    path = "/v1/customer"
    write_dto = "CustomerUpdateDto"
    filters: ClassVar[Mapping[str, str]] = {
        "status": "Active, OnHold, CreditHold, Inactive or OneTime",
        "name": "exact name",
        "corporateId": "organisation number",
        "vatRegistrationId": "VAT number",
    }
    find_params: ClassVar[Mapping[str, str]] = {
        "email": "email",
        "mainContact.email": "email",
        "corporateId": "corporateId",
        "vatRegistrationId": "vatRegistrationId",
        "name": "name",
        "phone": "phone",
    }
    match_paths: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "email": _EMAILS,
        "mainContact.email": _EMAILS,
        "phone": ("mainContact.phone1", "mainContact.phone2"),
    }
    recover_by = ("number", "corporateId", "mainContact.email")


class CustomerClasses(VismaReader):
    name = "customer_class"
    model = CustomerClass
    key = "id"
    path = "/v1/customer/customerClass"
    since_param = None
    paged = False


class Contacts(VismaWriter):
    """Contact persons; ``businessAccount`` is the customer number they belong to."""

    name = "contact"
    model = Contact
    key = "contactId"
    cursor = "lastModifiedDateTime"
    path = "/v1/contact"
    write_dto = "ContactUpdateDto"
    filters: ClassVar[Mapping[str, str]] = {"businessAccount": "customer number", "active": "true/false"}
    find_params: ClassVar[Mapping[str, str]] = {
        "email": "email",
        "businessAccount": "businessAccount",
        "displayName": "displayName",
    }
    recover_by = ("email",)
