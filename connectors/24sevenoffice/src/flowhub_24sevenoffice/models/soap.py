"""Typed records of the SOAP services (company, person, invoice, client), named as in the WSDLs.

SOAP arrays arrive wrapped (``InvoiceRows: {InvoiceRow: [...]}``); a record holds them as plain
lists, and ``to_soap()`` wraps them again, so flows and mappings never see the wrapper.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, model_validator

from flowhub import ApiRecord

__all__ = [
    "APIException",
    "Company",
    "CompanyMap",
    "CompanyType",
    "DistributionMethod",
    "InvoiceOrder",
    "InvoiceRow",
    "OrderSlipStateType",
    "PersonAddress",
    "PersonEmail",
    "PersonItem",
    "PersonPhone",
    "SoapRecord",
]

CompanyType = Literal["None", "Lead", "Consumer", "Business", "Supplier"]
DistributionMethod = Literal["Unchanged", "Print", "EMail", "ElectronicInvoice", "Default"]
OrderSlipStateType = Literal[
    "None",
    "Offer",
    "Pack",
    "Invoiced",
    "Web",
    "Repeating",
    "CollectingOrder",
    "Return",
    "Distribution",
    "Rest",
    "ForInvoicing",
    "OvertimeRent",
    "Confirmed",
    "OrderState_Sent",
    "Production",
    "PaymentReminder",
    "OnAccount",
    "Lending",
    "InvoicedCashAccount",
    "InvoicedPack",
    "Inactive",
    "Hours",
    "OrderState_SuperStore",
    "Draft",
]


class SoapRecord(ApiRecord):
    """Base of SOAP records: ``soap_arrays`` maps a list field to its XML item element."""

    soap_arrays: ClassVar[dict[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _unwrap_arrays(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = {k: v for k, v in data.items() if v is not None}
        for field, item in cls.soap_arrays.items():
            value = data.get(field)
            if isinstance(value, dict) and set(value) <= {item}:
                data[field] = list(value.get(item) or [])
        return data

    def to_soap(self) -> dict[str, Any]:
        """The record as zeep takes it: None left out, lists wrapped in their item element."""
        out: dict[str, Any] = {}
        for name, value in self:
            if value is None:
                continue
            value = _soap_value(value)
            out[name] = {self.soap_arrays[name]: value} if name in self.soap_arrays else value
        for name, value in (self.model_extra or {}).items():
            if value is not None:
                out[name] = value
        return out


def _soap_value(value: Any) -> Any:
    if isinstance(value, SoapRecord):
        return value.to_soap()
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_none=True)
    if isinstance(value, list):
        return [_soap_value(v) for v in value]
    return value


class APIException(SoapRecord):
    """The per-item error of a SOAP save: HTTP 200 overall, this one item failed."""

    Type: str | None = None
    Message: str | None = None
    StackTrace: str | None = None


class Address(SoapRecord):
    Street: str | None = None
    State: str | None = None
    PostalCode: str | None = None
    PostalArea: str | None = None
    Name: str | None = None
    City: str | None = None
    Country: str | None = None


class Addresses(SoapRecord):
    Post: Address | None = None
    Delivery: Address | None = None
    Visit: Address | None = None
    Invoice: Address | None = None


class EmailAddress(SoapRecord):
    Description: str | None = None
    Name: str | None = None
    Value: str | None = None


class EmailAddresses(SoapRecord):
    Home: EmailAddress | None = None
    Invoice: EmailAddress | None = None
    Primary: EmailAddress | None = None
    Work: EmailAddress | None = None
    Alternative: EmailAddress | None = None


class PhoneNumber(SoapRecord):
    Description: str | None = None
    Value: str | None = None


class PhoneNumbers(SoapRecord):
    Home: PhoneNumber | None = None
    Fax: PhoneNumber | None = None
    Mobile: PhoneNumber | None = None
    Primary: PhoneNumber | None = None
    Work: PhoneNumber | None = None


class CompanyMap(SoapRecord):
    """A link from the company to an id in another system (``MapType`` says which)."""

    MapType: int | None = None
    ExternalId: str | None = None
    CompanyId: int | None = None


class Company(SoapRecord):
    """A CRM customer over SOAP: a company (``Type`` Business) or a person (``Type`` Consumer)."""

    soap_arrays: ClassVar[dict[str, str]] = {"Maps": "CompanyMap", "Relations": "Relation"}

    APIException: _APIException | None = None
    Id: int | None = None
    ExternalId: str | None = None
    OrganizationNumber: str | None = None
    Name: str | None = None
    FirstName: str | None = None
    NickName: str | None = None
    Type: CompanyType | None = None
    Addresses: _Addresses | None = None
    PhoneNumbers: _PhoneNumbers | None = None
    EmailAddresses: _EmailAddresses | None = None
    Url: str | None = None
    Country: str | None = None
    Note: str | None = None
    InvoiceLanguage: str | None = None
    Status: int | None = None
    PriceList: int | None = None
    Owner: int | None = None
    TypeGroup: int | None = None
    Discount: float | None = None
    BlockInvoice: bool | None = None
    DistributionMethod: _DistributionMethod | None = None
    CurrencyId: str | None = None
    PaymentTime: int | None = None
    GlnNumber: str | None = None
    VatNumber: str | None = None
    Private: bool | None = None
    Maps: list[CompanyMap] | None = None
    Relations: list[dict[str, Any]] | None = None
    DateCreated: dt.datetime | None = None
    DateChanged: dt.datetime | None = None


class PersonEmail(SoapRecord):
    """A contact's e-mail address; ``Type`` is required by PersonService."""

    Type: Literal["Home", "Primary", "Alternative"] = "Primary"
    Value: str | None = None
    Description: str | None = None


class PersonPhone(SoapRecord):
    Type: Literal["Primary", "Mobile"] = "Primary"
    Value: str | None = None
    Description: str | None = None


class PersonAddress(SoapRecord):
    Type: Literal["Post"] = "Post"
    Street: str | None = None
    PostalCode: str | None = None
    PostalArea: str | None = None
    City: str | None = None
    State: str | None = None
    County: str | None = None
    Country: str | None = None
    Description: str | None = None


class PersonItem(SoapRecord):
    """A CRM contact person (PersonService); ``CustomerId`` is the company it belongs to."""

    soap_arrays: ClassVar[dict[str, str]] = {
        "EmailAddresses": "EmailAddress",
        "PhoneNumbers": "PhoneNumber",
        "RelationData": "RelationData",
    }

    Id: int | None = None
    FirstName: str | None = None
    LastName: str | None = None
    Nickname: str | None = None
    CustomerId: int | None = None
    EmailAddresses: list[PersonEmail] | None = None
    PhoneNumbers: list[PersonPhone] | None = None
    PostAddress: PersonAddress | None = None
    Country: str | None = None
    Comment: str | None = None
    Department: str | None = None
    Workplace: str | None = None
    WorkPosition: str | None = None
    IsPrivate: bool | None = None
    RelationData: list[dict[str, Any]] | None = None
    DateRegistered: dt.datetime | None = None
    DateChanged: dt.datetime | None = None


class TaxSettings(SoapRecord):
    TaxAccount: int | None = None
    TaxCode: int | None = None
    TaxRate: float | None = None


class UserDefinedDimension(SoapRecord):
    TypeId: int | None = None
    Name: str | None = None
    Value: str | None = None


class InvoiceRow(SoapRecord):
    """One order row; ``Type`` Normal (a product) or Text/TextBold; ``ChangeState`` on update."""

    soap_arrays: ClassVar[dict[str, str]] = {"UserDefinedDimensions": "UserDefinedDimension"}

    RowId: int | None = None
    ProductId: int | None = None
    ProductNo: str | None = None
    Name: str | None = None
    Price: float | None = None
    Quantity: float | None = None
    DiscountRate: float | None = None
    VatRate: float | None = None
    Cost: float | None = None
    InPrice: float | None = None
    Type: Literal["Normal", "Text", "TextBold"] | None = None
    ChangeState: Literal["None", "Add", "Edit", "Delete"] | None = None
    SequenceNumber: int | None = None
    Hidden: bool | None = None
    ProjectId: int | None = None
    DepartmentId: int | None = None
    TaxSettings: _TaxSettings | None = None
    UserDefinedDimensions: list[UserDefinedDimension] | None = None


class Currency(SoapRecord):
    Rate: float | None = None
    Unit: int | None = None
    Symbol: str | None = None


class InvoiceOrder(SoapRecord):
    """An order (the legacy "invoice order"): status, payment, sales type, dimensions, distribution."""

    soap_arrays: ClassVar[dict[str, str]] = {
        "InvoiceRows": "InvoiceRow",
        "UserDefinedDimensions": "UserDefinedDimension",
    }

    APIException: _APIException | None = None
    OrderId: int | None = None
    InvoiceId: int | None = None
    CustomerId: int | None = None
    CustomerName: str | None = None
    CustomerOrgNo: str | None = None
    InvoiceEmailAddress: str | None = None
    Addresses: _Addresses | None = None
    OrderStatus: OrderSlipStateType | None = None
    ExternalStatus: int | None = None
    PaymentMethodId: int | None = None
    PaymentAmount: float | None = None
    TypeOfSaleId: int | None = None
    DepartmentId: int | None = None
    ProjectId: int | None = None
    DistributionMethod: Literal["Unchanged", "Print", "EMail", "ElectronicInvoice"] | None = None
    DateOrdered: dt.datetime | None = None
    DateInvoiced: dt.datetime | None = None
    DateChanged: dt.datetime | None = None
    DeliveryDate: dt.datetime | None = None
    PaymentTime: int | None = None
    YourReference: str | None = None
    OurReference: int | None = None
    CustomerReferenceNo: str | None = None
    ReferenceNumber: str | None = None
    InvoiceTitle: str | None = None
    InvoiceText: str | None = None
    IncludeVAT: bool | None = None
    OrderTotalIncVat: float | None = None
    OrderTotalVat: float | None = None
    Currency: _Currency | None = None
    OCR: str | None = None
    InvoiceRows: list[InvoiceRow] | None = None
    UserDefinedDimensions: list[UserDefinedDimension] | None = None


_APIException = APIException
_Addresses = Addresses
_PhoneNumbers = PhoneNumbers
_EmailAddresses = EmailAddresses
_TaxSettings = TaxSettings
_Currency = Currency
_DistributionMethod = DistributionMethod


class ClientInformation(SoapRecord):
    """``ClientService.GetClientInformation``: the client (company) the session works in."""

    Name: str | None = None
    OrganizationNumber: str | None = None
    Country: str | None = None
    DefaultCurrency: str | None = None


for _model in (Company, InvoiceRow, InvoiceOrder):
    _model.model_rebuild()
