"""Stock adjustments under both sign conventions, customers by phone, groups, products by barcode."""

from __future__ import annotations

import pytest
from flowhub_duell.entities.customers import normal_phone
from flowhub_duell.models import DuellCategory, DuellCustomer, DuellProduct, StockAdjustment

from flowhub.connector import ReadQuery
from flowhub.errors import RejectedError


def _stock(duell, number: str, **where) -> float:
    return next(
        s.quantity for s in duell.entity("stock").read(ReadQuery(where=where)) if s.product_number == number
    )


@pytest.mark.parametrize("sign", ["deduct", "add"])
def test_a_sale_takes_stock_off_whichever_sign_duell_uses(duell_sandbox, sign: str) -> None:
    box = duell_sandbox(adjust_stock_sign=sign)
    with box.connector(adjust_stock_sign=sign) as duell:
        before = _stock(duell, "FH-1001")
        duell.entity("stock_adjustment").create(StockAdjustment(product_number="FH-1001", quantity=2))
        duell.entity("stock_adjustment").create(
            StockAdjustment(product_number="FH-1001", quantity=-1)
        )  # a return
        after = _stock(duell, "FH-1001")
    assert after == before - 1


def test_an_adjustment_of_an_unknown_product_fails_with_duells_reason(duell_sandbox) -> None:
    box = duell_sandbox()
    with box.connector() as duell, pytest.raises(RejectedError, match="NO-SUCH not found"):
        duell.entity("stock_adjustment").create(StockAdjustment(product_number="NO-SUCH", quantity=1))


def test_stock_of_another_department_and_one_location(duell_sandbox) -> None:
    box = duell_sandbox()
    with box.connector() as duell:
        store = {
            s.product_number: s
            for s in duell.entity("stock").read(ReadQuery(where={"department": "Butikk Sentrum"}))
        }
        back_room = _stock(duell, "FH-1003", department="Butikk Sentrum", location="Bakrom")
    assert store["FH-1003"].quantity == 3 and store["FH-1003"].department == "Butikk Sentrum"
    assert back_room == 1


def test_customers_are_found_by_phone_in_any_spelling_but_never_by_the_placeholder(duell_sandbox) -> None:
    box = duell_sandbox()
    with box.connector() as duell:
        customers = duell.entity("customer")
        by_phone = [c.customer_id for c in customers.find("phone", "+47 912 34 567")]
        by_mail = [c.customer_id for c in customers.find("email", "OLA.Nordmann@example.test")]
        placeholder = customers.create(DuellCustomer(customer_name="Uten telefon", phone="99999999"))
        nobody = customers.find("phone", "99999999")
        customers.update(str(placeholder.customer_id), DuellCustomer(city="Bergen"))
    assert by_phone == by_mail == [501]
    assert nobody == []
    assert box.state.customers[placeholder.customer_id]["city"] == "Bergen"
    assert normal_phone("0047 41 23 45 67") == normal_phone("+4741234567") == "41234567"


def test_a_product_group_is_created_once_and_found_by_name(duell_sandbox) -> None:
    box = duell_sandbox()
    with box.connector() as duell:
        groups = duell.entity("product_category")
        made = groups.create(DuellCategory(category_name="Votter"))
        again = groups.create(DuellCategory(category_name="votter"))
    assert made.category_id == again.category_id
    assert [c["category_name"] for c in box.state.categories.values()].count("Votter") == 1


def test_a_barcode_matches_with_or_without_the_gtin14_zero(duell_sandbox) -> None:
    box = duell_sandbox()
    with box.connector() as duell:
        stored_with_zero = [
            p.product_number for p in duell.entity("product").find("barcode", "7090000010058")
        ]
        asked_with_zero = [
            p.product_number for p in duell.entity("product").find("barcode", "07090000010010")
        ]
    assert stored_with_zero == ["FH-1005"] and asked_with_zero == ["FH-1001"]


def test_product_fields_read_with_their_wire_names_and_unknown_ones_kept() -> None:
    row = {
        "product_id": "12",
        "product_number": 1001,
        "price_inc_vat": "299,50",
        "special_price": 249.9,
        "special_price_start_date": "2026-11-01 00:00:00",
        "special_price_end_date": "0000-00-00 00:00:00",
        "is_parent": 0,
        "parent_variant": "",
        "barcode": 7090000010010,
        "mystery_field": {"a": 1},
    }
    product = DuellProduct.model_validate(row)
    dumped = product.model_dump(mode="json", exclude_none=True)
    assert product.product_number == "1001" and str(product.price_inc_vat) == "299.50"
    assert dumped["special_price"] == 249.9 and dumped["special_price_start_date"] == "2026-11-01 00:00:00"
    assert product.special_price_end_date is None and product.parent_variant is None
    assert dumped["mystery_field"] == {"a": 1}
    from datetime import datetime

    assert product.campaign_active(datetime(2026, 11, 5)) and not product.campaign_active(
        datetime(2026, 10, 5)
    )
