"""Every example of the REST spec (shared/apis/24sevenoffice/examples) parses into its model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flowhub_24sevenoffice.models import rest
from pydantic import BaseModel

MODELS: dict[str, type[BaseModel]] = {
    "AccountBalancesReadAllResponseExample": rest.AccountBalance,
    "AccountReadAllResponseExample": rest.Account,
    "BankAccountExample": rest.BankAccount,
    "BankAccountWithBalanceExample": rest.BankAccount,
    "BankAccountsReadAllResponseExample": rest.BankAccount,
    "BankTransactionExampleFull": rest.BankTransaction,
    "BankTransactionExampleMinimal": rest.BankTransaction,
    "BankTransactionsExample": rest.BankTransaction,
    "CurrenciesReadAllResponseExample": rest.Currency,
    "CustomerCreateRequestExample": rest.Customer,
    "CustomerReadAllResponseExample": rest.Customer,
    "PeopleReadAllExample": rest.Person,
    "PeopleReadOneExample": rest.Person,
    "ProductCategoryReadAllResponseExample": rest.Category,
    "ProductReadAllResponseExample": rest.Product,
    "SalesOrderLinesReadAllExample": rest.SalesOrderLine,
    "SalesOrdersReadAllResponseExample": rest.SalesOrder,
    "SalesTypeListExample": rest.SalesType,
    "TaxReadAllResponseExample": rest.Tax,
    "TransactionLinesReadAllResponseExample": rest.TransactionLine,
    "TransactionTypesReadAllResponseExample": rest.TransactionType,
    "Units": rest.Unit,
}


def _records(path: Path) -> list[dict[str, object]]:
    """The example's objects; the spec puts "<!-- … -->" comment strings between them."""
    body = json.loads(path.read_text(encoding="utf-8"))
    items = body if isinstance(body, list) else [body]
    return [item for item in items if isinstance(item, dict)]


def test_every_example_has_a_model(shared_apis: Path) -> None:
    names = sorted(p.stem for p in (shared_apis / "examples").glob("*.json"))
    assert names == sorted(MODELS)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_example_parses_into_its_model(shared_apis: Path, name: str) -> None:
    records = _records(shared_apis / "examples" / f"{name}.json")
    parsed = [MODELS[name].model_validate(record) for record in records]
    assert parsed, f"{name} holds no record"
    for model, record in zip(parsed, records, strict=True):
        typed = set(type(model).model_fields) & set(record)
        assert typed, f"{name}: none of {sorted(record)} is a typed field of {MODELS[name].__name__}"


def test_the_examples_typed_values_come_through(shared_apis: Path) -> None:
    examples = shared_apis / "examples"
    customers = [
        rest.Customer.model_validate(r) for r in _records(examples / "CustomerReadAllResponseExample.json")
    ]
    orders = [
        rest.SalesOrder.model_validate(r)
        for r in _records(examples / "SalesOrdersReadAllResponseExample.json")
    ]
    products = [
        rest.Product.model_validate(r) for r in _records(examples / "ProductReadAllResponseExample.json")
    ]
    assert [(c.isCompany, c.organizationNumber) for c in customers] == [
        (True, "123456789"),
        (False, None),
        (True, "987654321"),
    ]
    assert customers[0].address and customers[0].address.postal is None  # the spec's "{...}" placeholder
    assert customers[0].modifiedAt is not None and customers[0].modifiedAt.year == 2023
    assert [o.status for o in orders] == ["Invoice", "Draft", "AdvanceInvoice"]
    assert orders[0].invoice and orders[0].invoice.paymentTerms and orders[0].invoice.paymentTerms.value == 14
    assert next((p.number, p.stock.quantity if p.stock else None) for p in products) == ("SH-1234567", 146)
