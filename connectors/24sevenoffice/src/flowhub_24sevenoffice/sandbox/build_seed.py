"""Build the sandbox's demo organisations from the WooCommerce sandbox's shop (shared SKUs).

Run once when the shop seed changes; the result is shipped as data/organisation.json:

    python -m flowhub_24sevenoffice.sandbox.build_seed path/to/shop.json

Product numbers are the shop's SKUs (variations included: 24SevenOffice has no variants),
a few prices and stocks differ on purpose so a product sync has work to do, a few products
exist only in 24SevenOffice (new products for the shop, S9) and one number is used twice
(S11). The CRM holds matches for the shop's buyers by organisation number, name and invoice
e-mail, a second "Kaffebaren Sentrum AS" (same name, other number) and a company the shop
knows without its number (S4). A second client, Fjordvik Engros AS, is there for S14.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["build", "main"]

WOO_TO_CATEGORY = {
    "Klær": 101,
    "T-skjorter": 102,
    "Gensere og hettegensere": 103,
    "Kaffe og te": 104,
    "Kjøkken": 105,
    "Friluft": 106,
    "Tilbehør": 107,
}
STOCK_DIFFERS = {"FH-1001": 40, "FH-2001": 100, "FH-TEE-M": 30}
PRICE_DIFFERS = {"FH-3003": 229.0, "FH-4003": 379.0}
ONLY_IN_ERP = [
    ("FH-5001", "Kaffe Lungo 1 kg", 329.0, 40, 104),
    ("FH-5002", "Kaffefilter nr. 4 (100 stk)", 39.0, 300, 105),
    ("FH-5003", "Gavekort 500 kr", 500.0, None, 107),
    ("FH-5004", "Termokopp 500 ml", 279.0, 12, 105),
    ("FH-5004", "Termokopp 500 ml sort", 279.0, 6, 105),
    ("FRAKT", "Frakt", 0.0, None, 107),  # shipping, as an order row; not a web-shop product
]
T0 = "2025-01-15T09:00:00Z"


def _ean(n: int) -> str:
    body = f"70{n:010d}"
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10) % 10
    return body + str(check)


def _stamp(day: int) -> str:
    return f"2025-{1 + day // 28:02d}-{1 + day % 28:02d}T10:{day % 60:02d}:00Z"


def _products(shop: dict[str, Any]) -> list[dict[str, Any]]:
    parents = {p["id"]: p for p in shop["products"]}
    rows: list[tuple[str, str, float, Any, int]] = []
    for p in shop["products"]:
        if p["type"] == "variable" or not p.get("sku"):
            continue
        rows.append(
            (
                p["sku"],
                p["name"],
                float(p["regular_price"] or 0),
                p.get("stock_quantity"),
                WOO_TO_CATEGORY.get(p["categories"][0]["name"], 107),
            )
        )
    for v in shop["variations"]:
        parent = parents[v["parent_id"]]
        label = " ".join(a.get("option", "") for a in v.get("attributes", [])) or v["sku"]
        rows.append(
            (
                v["sku"],
                f"{parent['name']} {label}".strip(),
                float(v["regular_price"] or 0),
                v.get("stock_quantity"),
                WOO_TO_CATEGORY.get(parent["categories"][0]["name"], 107),
            )
        )
    rows.extend(ONLY_IN_ERP)
    return [_product(1000 + i, row, i) for i, row in enumerate(rows, 1)]


def _product(pid: int, row: tuple[str, str, float, Any, int], day: int) -> dict[str, Any]:
    number, name, price, stock, category = row
    price = PRICE_DIFFERS.get(number, price)
    stock = STOCK_DIFFERS.get(number, stock)
    return {
        "id": pid,
        "name": name,
        "number": number,
        "type": "default",
        "status": "inactive" if number.startswith("FH-9") else "active",
        "description": None,
        "costPrice": round(price * 0.4, 2),
        "salesPrice": price,
        "indirectCost": 0,
        "webshopEnabled": number.startswith("FH-") and not number.startswith("FH-9"),
        "stock": {"isManaged": stock is not None, "quantity": stock or 0, "location": None},
        "ean": _ean(pid),
        "units": {"id": 13, "name": "Stykk", "symbol": "stk"},
        "category": {"id": category},
        "createdAt": T0,
        "modifiedAt": _stamp(day),
    }


def _address(street: str, code: str, area: str, country: str = "NO") -> dict[str, Any]:
    return {"street": street, "postalCode": code, "postalArea": area, "countryCode": country}


def _company(
    cid: int,
    name: str,
    orgnr: str | None,
    billing: str | None,
    contact: str | None,
    street: str,
    code: str,
    area: str,
    day: int,
    **extra: Any,
) -> dict[str, Any]:
    addr = _address(street, code, area, extra.pop("country", "NO"))
    return {
        "id": cid,
        "name": name,
        "isCompany": True,
        "isSupplier": extra.pop("isSupplier", False),
        "organizationNumber": orgnr,
        "externalReference": extra.pop("externalReference", None),
        "address": {"visit": addr, "postal": addr, "billing": addr, "delivery": addr},
        "email": {"contact": contact, "billing": billing},
        "phone": extra.pop("phone", None),
        "mobilePhone": None,
        "createdAt": T0,
        "modifiedAt": _stamp(day),
        "_type": extra.pop("_type", "Business"),
        "_distribution": extra.pop("_distribution", "EMail"),
        "_paymentTime": 14,
        **extra,
    }


def _person(
    cid: int,
    first: str,
    last: str,
    email: str,
    street: str,
    code: str,
    area: str,
    day: int,
    country: str = "NO",
    **extra: Any,
) -> dict[str, Any]:
    addr = _address(street, code, area, country)
    return {
        "id": cid,
        "name": f"{first} {last}",
        "isCompany": False,
        "isSupplier": False,
        "person": {"firstName": first, "lastName": last},
        "organizationNumber": None,
        "externalReference": extra.pop("externalReference", None),
        "address": {"visit": addr, "postal": addr, "billing": addr, "delivery": addr},
        "email": {"contact": email, "billing": email},
        "phone": None,
        "mobilePhone": extra.pop("mobile", None),
        "createdAt": T0,
        "modifiedAt": _stamp(day),
        "_type": "Consumer",
        "_distribution": "EMail",
        "_paymentTime": 14,
    }


def _customers_a() -> list[dict[str, Any]]:
    return [
        _company(
            10001,
            "Fjellbygg AS",
            "912345678",
            "innkjop@fjellbygg.example.test",
            "post@fjellbygg.example.test",
            "Bryggen 12",
            "5003",
            "Bergen",
            3,
        ),
        _company(
            10002,
            "Kaffebaren Sentrum AS",
            "923456789",
            "faktura@kaffebaren.example.test",
            None,
            "Torgallmenningen 4",
            "5014",
            "Bergen",
            4,
        ),
        _company(
            10003,
            "Nordlys Turer ENK",
            "934567890",
            "post@nordlysturer.example.test",
            None,
            "Storgata 88",
            "9008",
            "Tromsø",
            5,
        ),
        _person(10004, "Kari", "Hansen", "kari.hansen@example.test", "Kirkeveien 3", "0368", "Oslo", 6),
        _person(
            10005,
            "Ola",
            "Nordmann",
            "ola.nordmann@example.test",
            "Dronningens gate 1",
            "7011",
            "Trondheim",
            7,
        ),
        _company(
            10006,
            "Berg Eiendom AS",
            "945678901",
            "faktura@bergeiendom.example.test",
            "ingrid.berg@example.test",
            "Strandkaien 2",
            "5013",
            "Bergen",
            8,
        ),
        _person(
            10007,
            "Erik",
            "Larsen",
            "erik.larsen@example.test",
            "Skippergata 9",
            "4611",
            "Kristiansand",
            9,
            externalReference="woo:erik.larsen@example.test",
        ),
        _company(
            10008,
            "Kaffebaren Sentrum AS",
            "956789012",
            "regnskap@kaffebaren-stavanger.example.test",
            None,
            "Kirkegata 20",
            "4006",
            "Stavanger",
            10,
        ),
        _company(
            10009,
            "Kaffeimport Norge AS",
            "967890123",
            "ar@kaffeimport.example.test",
            None,
            "Havnegata 5",
            "3015",
            "Drammen",
            11,
            isSupplier=True,
            _type="Supplier",
        ),
        _person(10010, "Sofie", "Dahl", "sofie.dahl@example.test", "Elvegata 14", "2317", "Hamar", 12),
        _person(
            10011,
            "Anna",
            "Svensson",
            "anna.svensson@example.test",
            "Drottninggatan 50",
            "11121",
            "Stockholm",
            13,
            country="SE",
        ),
        _company(
            10012,
            "Hytteservice Vest AS",
            "978901234",
            "faktura@hytteservice.example.test",
            None,
            "Fjordveien 1",
            "5700",
            "Voss",
            14,
            _distribution="ElectronicInvoice",
        ),
    ]


def _orders_a(products: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_number = {p["number"]: p for p in products}

    def line(lid: int, number: str, qty: float) -> dict[str, Any]:
        p = by_number[number]
        return {
            "id": lid,
            "type": "product",
            "product": {"id": p["id"], "number": number},
            "description": p["name"],
            "quantity": qty,
            "price": p["salesPrice"],
            "discountRate": 0,
            "tax": {"id": 1, "number": 3, "rate": 25},
        }

    def order(
        oid: int,
        customer: dict[str, Any],
        status: str,
        day: int,
        lines: list[dict[str, Any]],
        invoice_number: int | None = None,
        reference: str | None = None,
    ) -> dict[str, Any]:
        visit = customer["address"]["visit"]
        return {
            "id": oid,
            "customer": {
                "id": customer["id"],
                "name": customer["name"],
                "organizationNumber": customer.get("organizationNumber"),
                "invoiceEmailAddresses": [customer["email"]["billing"]],
                "street": visit["street"],
                "postalCode": visit["postalCode"],
                "postalArea": visit["postalArea"],
                "countryCode": visit["countryCode"],
            },
            "status": status,
            "date": _stamp(day)[:10],
            "invoice": (
                {
                    "number": invoice_number,
                    "date": _stamp(day + 1)[:10],
                    "paymentTerms": {"type": "NumberOfDays", "value": 14},
                }
                if invoice_number
                else {"paymentTerms": {"type": "NumberOfDays", "value": 14}}
            ),
            "currency": {"code": "NOK", "rate": 1},
            "paymentMethod": {"id": 1},
            "salesType": {"id": 1},
            "referenceNumber": reference,
            "dimensions": [{"dimensionType": 2, "value": "1", "name": "Nettbutikk"}],
            "createdAt": _stamp(day),
            "modifiedAt": _stamp(day + 2),
            "lines": lines,
            **_amounts(lines),
        }

    customers = {c["id"]: c for c in _customers_a()}
    return [
        order(50001, customers[10001], "Invoice", 20, [line(1, "FH-1001", 2), line(2, "FH-3002", 1)], 10001),
        order(50002, customers[10001], "Confirmed", 30, [line(3, "FH-4006", 1)]),
        order(50003, customers[10004], "Invoice", 32, [line(4, "FH-2001", 3)], 10002),
        order(50004, customers[10002], "Draft", 35, [line(5, "FH-2002", 10), line(6, "FH-2003", 5)]),
        order(50005, customers[10005], "Web", 40, [line(7, "FH-TEE-M", 2)], reference="woo-1001"),
    ]


def _amounts(lines: list[dict[str, Any]]) -> dict[str, float]:
    net = sum(x["quantity"] * x["price"] for x in lines)
    tax = sum(x["quantity"] * x["price"] * x["tax"]["rate"] / 100 for x in lines)
    return {"netAmount": round(net, 2), "taxAmount": round(tax, 2), "grossAmount": round(net + tax, 2)}


LOOKUPS_A: dict[str, Any] = {
    "paymentMethods": [
        {"id": 1, "name": "Faktura", "account": {"id": 1500}},
        {"id": 2, "name": "Kort (Nets)", "account": {"id": 1570}},
        {"id": 3, "name": "Klarna", "account": {"id": 1571}},
        {"id": 4, "name": "Vipps", "account": {"id": 1572}},
    ],
    "salesTypes": [
        {"id": 1, "name": "Kredittsalg", "account": {"id": 3000}},
        {"id": 2, "name": "Kontantsalg", "account": {"id": 3001}},
        {"id": 3, "name": "Salg utland", "account": {"id": 3100}},
    ],
    "taxes": [
        {"id": 1, "number": 3, "name": "Utgående mva, høy sats", "rate": 25},
        {"id": 2, "number": 31, "name": "Utgående mva, middels sats", "rate": 15},
        {"id": 3, "number": 5, "name": "Ingen utgående mva", "rate": 0},
        {"id": 4, "number": 52, "name": "Utførsel av varer og tjenester", "rate": 0},
    ],
    "dimensions": [
        {
            "id": 1,
            "name": "Project",
            "elements": [
                {"value": "100", "name": "Nettbutikk 2025"},
                {"value": "101", "name": "Julekampanje"},
            ],
        },
        {
            "id": 2,
            "name": "Department",
            "elements": [
                {"value": "1", "name": "Nettbutikk"},
                {"value": "2", "name": "Butikk Bergen"},
                {"value": "3", "name": "Engros"},
            ],
        },
    ],
}

CATEGORIES_A = [
    {"id": 101, "name": "Klær", "parentId": 0, "alternativeReference": "klaer"},
    {"id": 102, "name": "T-skjorter", "parentId": 101, "alternativeReference": "t-skjorter"},
    {"id": 103, "name": "Gensere og hettegensere", "parentId": 101, "alternativeReference": "gensere"},
    {"id": 104, "name": "Kaffe og te", "parentId": 0, "alternativeReference": "kaffe-og-te"},
    {"id": 105, "name": "Kjøkken", "parentId": 0, "alternativeReference": "kjokken"},
    {"id": 106, "name": "Friluft", "parentId": 0, "alternativeReference": "friluft"},
    {"id": 107, "name": "Tilbehør", "parentId": 0, "alternativeReference": "tilbehor"},
    {"id": 108, "name": "Nettbutikk", "parentId": 0, "alternativeReference": "nettbutikk"},
]
for _category in CATEGORIES_A:
    _category["modifiedAt"] = T0


def _organisation_b(products_a: list[dict[str, Any]]) -> dict[str, Any]:
    picked = [
        dict(p, id=p["id"] + 1000, salesPrice=round(p["salesPrice"] * 0.8, 2))
        for p in products_a
        if p["number"] in ("FH-2001", "FH-2002", "FH-2003", "FH-3004")
    ]
    return {
        "id": 1002,
        "name": "Fjordvik Engros AS",
        "organizationNumber": "998877666",
        "info": {
            "email": "post@fjordvik-engros.example.test",
            "invoiceEmail": "faktura@fjordvik-engros.example.test",
            "address": _address("Lagerveien 7", "5258", "Blomsterdalen"),
            "currency": "NOK",
        },
        "customers": [
            _company(
                20001,
                "Hotell Fjordgløtt AS",
                "989012345",
                "faktura@fjordglott.example.test",
                None,
                "Fjordgata 2",
                "6200",
                "Stranda",
                2,
            ),
            _company(
                20002,
                "Fjellbygg AS",
                "912345678",
                "innkjop@fjellbygg.example.test",
                None,
                "Bryggen 12",
                "5003",
                "Bergen",
                3,
            ),
        ],
        "categories": [
            {"id": 104, "name": "Kaffe og te", "parentId": 0},
            {"id": 105, "name": "Kjøkken", "parentId": 0},
        ],
        "products": picked,
        "salesOrders": [],
        **LOOKUPS_A,
    }


def build(shop: dict[str, Any]) -> dict[str, Any]:
    """The seed document for ``shop`` (the WooCommerce sandbox's shop.json)."""
    products = _products(shop)
    org_a = {
        "id": 1001,
        "name": "Fjordvik Handel AS",
        "organizationNumber": "998877665",
        "info": {
            "email": "post@fjordvik.example.test",
            "invoiceEmail": "faktura@fjordvik.example.test",
            "address": _address("Fjordvikveien 1", "5035", "Bergen"),
            "currency": "NOK",
        },
        "customers": _customers_a(),
        "categories": CATEGORIES_A,
        "products": products,
        "salesOrders": _orders_a(products),
        "persons": [
            {
                "Id": 30001,
                "FirstName": "Per",
                "LastName": "Fjell",
                "CustomerId": 10001,
                "EmailAddresses": [{"Type": "Primary", "Value": "per.fjell@fjellbygg.example.test"}],
                "DateRegistered": T0,
                "DateChanged": _stamp(3),
            },
            {
                "Id": 30002,
                "FirstName": "Lise",
                "LastName": "Brygg",
                "CustomerId": 10002,
                "EmailAddresses": [{"Type": "Primary", "Value": "lise@kaffebaren.example.test"}],
                "DateRegistered": T0,
                "DateChanged": _stamp(4),
            },
        ],
        **LOOKUPS_A,
    }
    return {
        "format": "flowhub-24sevenoffice-sandbox/1",
        "applications": [
            {
                "client_id": "flowhub-sandbox",
                "client_secret": "sandbox-client-secret",
                "organizations": [1001, 1002],
            }
        ],
        "soap_applications": ["5f0c1e2a-0000-4000-8000-000000000024"],
        "users": [
            {
                "username": "integrasjon@fjordvik.example.test",
                "password": "sandbox-password",
                "name": "Integrasjon Fjordvik",
                "contactId": 9001,
                "identities": [
                    {"id": "a1a1a1a1-0000-4000-8000-000000001001", "organization": 1001, "default": True},
                    {"id": "b2b2b2b2-0000-4000-8000-000000001002", "organization": 1002, "default": False},
                ],
            }
        ],
        "organizations": [org_a, _organisation_b(products)],
    }


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    shop = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    out = Path(__file__).resolve().parent.parent / "data" / "organisation.json"
    out.write_text(json.dumps(build(shop), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
