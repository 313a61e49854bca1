"""CRM over SOAP: customers (CompanyService) and their contact persons (PersonService).

Customers use SOAP because only CompanyService can search by name, invoice e-mail and
ExternalId (REST 0.56 filters customers by organisation number alone), and because its
SaveCompanies takes many customers in one call with an error per item.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from pydantic import BaseModel

from flowhub import ReadQuery, WriteOp, WriteResult
from flowhub.errors import RejectedError
from flowhub_24sevenoffice.entities.base import (
    SoapEntity,
    chunks,
    digits,
    same_text,
    since_datetime,
    sorted_by_time,
)
from flowhub_24sevenoffice.models.soap import Company, PersonItem
from flowhub_24sevenoffice.soap import item_error

__all__ = ["CustomerEntity", "PersonEntity"]

COMPANY_PROPERTIES = [
    "Id",
    "ExternalId",
    "OrganizationNumber",
    "Name",
    "FirstName",
    "NickName",
    "Type",
    "Addresses",
    "PhoneNumbers",
    "EmailAddresses",
    "Url",
    "Country",
    "Note",
    "InvoiceLanguage",
    "Status",
    "PriceList",
    "Owner",
    "TypeGroup",
    "Discount",
    "BlockInvoice",
    "DistributionMethod",
    "CurrencyId",
    "PaymentTime",
    "GlnNumber",
    "VatNumber",
    "Private",
    "Maps",
    "DateCreated",
    "DateChanged",
]
CHANGED_AFTER_SLACK = timedelta(seconds=1)  # ChangedAfter may be strict; since is inclusive
DETAILS_PER_CALL = 100
_SEARCH = {
    "Id": "CompanyId",
    "OrganizationNumber": "OrganizationNumber",
    "ExternalId": "ExternalId",
    "Name": "CompanyName",
    "NameWithoutOrganizationNumber": "CompanyName",
    "InvoiceEmail": "CompanyEmail",
    "InvoiceEmailWithoutOrganizationNumber": "CompanyEmail",
}


class CustomerEntity(SoapEntity):
    """Customers (companies and private persons, told apart by ``Type``) of the client.

    Matching (``find``): ``OrganizationNumber`` (digits compared), ``Name`` (company name, or
    "first last" of a person), ``InvoiceEmail`` (the invoice address), ``ExternalId``, ``Id``.
    The ``…WithoutOrganizationNumber`` variants only match customers that have no
    organisation number, for shops whose buyers may not give one (S4 switched off).
    """

    name = "customer"
    model = Company
    key = "Id"
    cursor = "DateChanged"
    filters: ClassVar[dict[str, str]] = {"active": "true: only active customers; false: only inactive ones"}
    find_fields = tuple(_SEARCH)
    batch_size = 50

    # -- reading --------------------------------------------------------------------------
    def read(self, query: ReadQuery) -> Iterator[Company]:
        since = since_datetime(query.since, back=CHANGED_AFTER_SLACK)
        ids = self._changed_ids(since, query.where.get("active"))
        for chunk in chunks(ids, DETAILS_PER_CALL):
            yield from sorted_by_time(self._details({"CompanyIds": {"int": list(chunk)}}), "DateChanged")

    def _changed_ids(self, since: datetime | None, active: bool | None) -> list[int]:
        """Company ids from GetCompanySyncList, oldest change first.

        Whether pages count from 0 or 1 is not documented, so pages 0..TotalPages are all
        asked for and ids are de-duplicated: one call more than needed, none missed.
        """
        params: dict[str, Any] = {"ChangedAfter": since, "Active": active}
        seen: dict[int, datetime] = {}
        page, total = 0, 0
        while page <= total:
            answer = (
                self.soap.call("company", "GetCompanySyncList", syncSearchParameters={**params, "Page": page})
                or {}
            )
            total = int(answer.get("TotalPages") or 0)
            for item in (answer.get("Items") or {}).get("SyncCompany") or []:
                seen.setdefault(int(item["CompanyId"]), item.get("DateChanged") or datetime.min)
            page += 1
        return sorted(seen, key=lambda i: (_utc(seen[i]), i))

    def _details(self, search: dict[str, Any]) -> list[Company]:
        found = (
            self.soap.call(
                "company",
                "GetCompanies",
                searchParams=search,
                returnProperties={"string": COMPANY_PROPERTIES},
            )
            or []
        )
        return [Company.model_validate(item) for item in found]

    def get(self, key: str) -> Company | None:
        found = self._details({"CompanyId": int(key)})
        return found[0] if found else None

    def find(self, field: str, value: Any) -> list[BaseModel]:
        self._check_find_field(field)
        if value is None or str(value).strip() == "":
            return []
        if field == "Id":
            record = self.get(str(value))
            return [record] if record else []
        term = digits(value) if field == "OrganizationNumber" else " ".join(str(value).split())
        candidates = self._details({_SEARCH[field]: term})
        return [c for c in candidates if _matches(field, c, value)]

    # -- writing --------------------------------------------------------------------------
    def create(self, payload: BaseModel) -> Company:
        return _raise_or_record(self._save([_company(payload, None)])[0])

    def update(self, key: str, payload: BaseModel) -> Company:
        return _raise_or_record(self._save([_company(payload, key)])[0])

    def write_batch(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        return self._batch(ops, self._save, lambda op: _company(op.payload, op.key))

    def _save(self, companies: list[Any]) -> list[Company | RejectedError]:
        answer = self.soap.call(
            "company", "SaveCompanies", companies={"Company": [c.to_soap() for c in companies]}
        )
        return [_saved(sent, got, "customer") for sent, got in zip(companies, answer or [], strict=False)]


def _matches(field: str, company: Company, value: Any) -> bool:
    if field.endswith("WithoutOrganizationNumber") and digits(company.OrganizationNumber):
        return False
    if field == "OrganizationNumber":
        return bool(digits(value)) and digits(company.OrganizationNumber) == digits(value)
    if field == "ExternalId":
        return company.ExternalId == str(value).strip()
    if field.startswith("Name"):
        full = " ".join(p for p in (company.FirstName, company.Name) if p)
        return same_text(company.Name, value) or same_text(full, value)
    invoice = company.EmailAddresses.Invoice if company.EmailAddresses else None
    return same_text(invoice.Value if invoice else None, value)


def _company(payload: BaseModel, key: str | None) -> Company:
    company = payload if isinstance(payload, Company) else Company.model_validate(payload.model_dump())
    return company.model_copy(update={"Id": int(key) if key is not None else None, "APIException": None})


def _saved(sent: Company, got: dict[str, Any], what: str) -> Company | RejectedError:
    """The saved company (what was sent, updated by the answer), or the item's error."""
    problem = item_error(got)
    if problem:
        who = f" {sent.Id}" if sent.Id else (f" {sent.Name!r}" if sent.Name else "")
        return RejectedError(
            f"24sevenoffice: the {what}{who} was not saved: {problem}",
            code="APIException",
            detail=got.get("APIException"),
        )
    merged = {**sent.model_dump(exclude_none=True), **{k: v for k, v in got.items() if v is not None}}
    merged.pop("APIException", None)
    return Company.model_validate(merged)


def _raise_or_record(result: Company | RejectedError) -> Company:
    if isinstance(result, Exception):
        raise result
    return result


def _utc(value: datetime) -> datetime:
    if value == datetime.min:
        return datetime(1900, 1, 1, tzinfo=UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# -- contact persons -------------------------------------------------------------------------
_PERSON_SEARCH = {"Id": "Id", "Email": "Email", "Name": "Name", "CustomerId": "CustomerId"}
_FULL_READ_FROM = datetime(1900, 1, 1, tzinfo=UTC)


class PersonEntity(SoapEntity):
    """Contact persons in the CRM; ``CustomerId`` links one to its customer (company)."""

    name = "person"
    model = PersonItem
    key = "Id"
    cursor = "DateChanged"
    filters: ClassVar[dict[str, str]] = {"CustomerId": "only the contacts of this customer"}
    find_fields = tuple(_PERSON_SEARCH)

    def read(self, query: ReadQuery) -> Iterator[PersonItem]:
        search: dict[str, Any] = {
            "ChangedAfter": since_datetime(query.since, back=CHANGED_AFTER_SLACK) or _FULL_READ_FROM
        }
        if query.where.get("CustomerId") is not None:
            search["CustomerId"] = int(query.where["CustomerId"])
        yield from sorted_by_time(self._search(search), "DateChanged")

    def _search(self, search: dict[str, Any]) -> list[PersonItem]:
        found = self.soap.call("person", "GetPersonsDetailed", personSearch=search) or []
        return [PersonItem.model_validate(item) for item in found]

    def get(self, key: str) -> PersonItem | None:
        found = self._search({"Id": int(key)})
        return found[0] if found else None

    def find(self, field: str, value: Any) -> list[BaseModel]:
        self._check_find_field(field)
        if value is None or str(value).strip() == "":
            return []
        term: Any = int(value) if field in ("Id", "CustomerId") else str(value).strip()
        return [p for p in self._search({_PERSON_SEARCH[field]: term}) if _person_matches(field, p, value)]

    def create(self, payload: BaseModel) -> PersonItem:
        return self._save(_person(payload, None))

    def update(self, key: str, payload: BaseModel) -> PersonItem:
        return self._save(_person(payload, key))

    def _save(self, person: PersonItem) -> PersonItem:
        """SavePerson answers the id only; the record is read back (one call more, exact data)."""
        new_id = self.soap.call("person", "SavePerson", personItem=person.to_soap())
        if not new_id:
            raise RejectedError(
                f"24sevenoffice: the contact {person.FirstName} {person.LastName} was not saved "
                f"(SavePerson answered no id)"
            )
        return self.get(str(new_id)) or person.model_copy(update={"Id": int(new_id)})


def _person_matches(field: str, person: PersonItem, value: Any) -> bool:
    if field == "Email":
        return any(same_text(e.Value, value) for e in person.EmailAddresses or [])
    if field == "Name":
        full = " ".join(p for p in (person.FirstName, person.LastName) if p)
        return same_text(full, value)
    return str(getattr(person, field)) == str(value).strip()


def _person(payload: BaseModel, key: str | None) -> PersonItem:
    person = payload if isinstance(payload, PersonItem) else PersonItem.model_validate(payload.model_dump())
    return person.model_copy(update={"Id": int(key) if key is not None else None})
