"""Customers (debtors), their classes, and contact persons, with Visma.net's wire names."""

from __future__ import annotations

from typing import Any

from flowhub_visma_net.models.common import (
    Address,
    Amount,
    AttributeValue,
    ContactInfo,
    Ref,
    VismaRecord,
    When,
)

__all__ = ["Contact", "Customer", "CustomerClass"]


class Customer(VismaRecord):
    """A customer (``CustomerDto`` on GET; ``CustomerUpdateDto`` names are accepted for writes).

    Visma.net has no company/person flag: a company is told by ``corporateId`` (org. no.) and
    its customer class. ``number`` is the natural key (auto-numbered when left out).
    """

    internalId: int | None = None
    number: str | None = None
    name: str | None = None
    status: str | None = None  # Active, OnHold, CreditHold, Inactive, OneTime
    mainAddress: Address | None = None
    mainContact: ContactInfo | None = None
    invoiceAddress: Address | None = None
    invoiceContact: ContactInfo | None = None
    deliveryAddress: Address | None = None
    deliveryContact: ContactInfo | None = None
    accountReference: str | None = None
    parentRecord: Ref | None = None
    customerClass: Ref | None = None
    creditTerms: Ref | None = None
    currencyId: str | None = None
    creditVerification: str | None = None
    creditLimit: Amount = None
    creditDaysPastDue: int | None = None
    printInvoices: bool | None = None
    acceptAutoInvoices: bool | None = None
    sendInvoicesByEmail: bool | None = None
    sendDunningLettersViaEMail: bool | None = None
    printDunningLetters: bool | None = None
    printStatements: bool | None = None
    sendStatementsByEmail: bool | None = None
    printMultiCurrencyStatements: bool | None = None
    statementType: str | None = None
    vatRegistrationId: str | None = None
    corporateId: str | None = None
    gln: str | None = None
    vatZone: Ref | None = None
    location: Ref | None = None
    priceClass: Ref | None = None
    attributes: list[AttributeValue] | None = None
    paymentMethods: list[dict[str, Any]] | None = None
    defaultPaymentMethodId: str | None = None
    invoiceToDefaultLocation: bool | None = None
    numberOfEmployees: int | None = None
    excludeDebtCollection: bool | None = None
    lastModifiedDateTime: When = None
    createdDateTime: When = None
    timeStamp: str | None = None
    # write-side names (CustomerUpdateDto)
    overrideWithClassValues: bool | None = None
    customerClassId: str | None = None
    creditTermsId: str | None = None
    vatZoneId: str | None = None
    priceClassId: str | None = None
    parentRecordNumber: str | None = None
    defaultPaymentMethod: dict[str, Any] | None = None
    attributeLines: list[dict[str, Any]] | None = None
    note: str | None = None
    overrideNumberSeries: bool | None = None


class CustomerClass(VismaRecord):
    id: str | None = None
    description: str | None = None
    taxZoneId: str | None = None
    requiredTaxzoneId: bool | None = None
    paymentMethodId: str | None = None
    attributes: list[dict[str, Any]] | None = None


class Contact(VismaRecord):
    """A contact person; ``businessAccount`` is the customer (or supplier) number it belongs to."""

    contactId: int | None = None
    displayName: str | None = None
    active: bool | None = None
    title: str | None = None
    firstName: str | None = None
    lastName: str | None = None
    position: str | None = None
    businessAccount: str | None = None
    businessAccountType: str | None = None
    sameAsAccount: bool | None = None
    address: Address | None = None
    email: str | None = None
    web: str | None = None
    phone1: str | None = None
    phone2: str | None = None
    phone3: str | None = None
    fax: str | None = None
    contactMethod: str | None = None
    doNotCall: bool | None = None
    doNotFax: bool | None = None
    doNotEmail: bool | None = None
    doNotMail: bool | None = None
    noMassMail: bool | None = None
    noMarketing: bool | None = None
    lastModifiedDateTime: When = None
    timeStamp: str | None = None
