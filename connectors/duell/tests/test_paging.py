"""Offset paging advances by the rows actually received, and changed-since stays inclusive."""

from __future__ import annotations

from flowhub.connector import ReadQuery


def test_paging_advances_by_rows_received_when_the_server_caps_the_page(duell_sandbox) -> None:
    box = duell_sandbox(max_page_size=7, generated_products=250)
    with box.connector(page_size=100) as duell:  # asks 100 a page, gets 7
        products = list(duell.entity("product").read(ReadQuery(where={"include_deleted": False})))
    ids = [p.product_id for p in products]
    assert len(ids) == len(set(ids)) == len([p for p in box.state.products.values() if not p["is_deleted"]])
    pages = box.state.calls["GET /v1/product/list"]
    assert pages == -(-len(ids) // 7)  # every page used, and no extra request after the last


def test_stock_is_read_in_full_across_capped_pages(duell_sandbox) -> None:
    box = duell_sandbox(max_page_size=10)
    with box.connector() as duell:
        levels = {s.product_number: s.quantity for s in duell.entity("stock").read(ReadQuery())}
    assert len(levels) == 43 and levels["FH-1001"] == 42 and levels["FH-1007"] == -5


def test_changed_since_is_inclusive_and_oldest_first(duell_sandbox) -> None:
    box = duell_sandbox()
    box.state.touch_product(1003, {"product_name": "Vimpel ny", "last_update_date": "2026-11-21 08:00:00"})
    with box.connector() as duell:
        changed = list(duell.entity("product").read(ReadQuery(since="2026-11-21T08:00:00")))
    numbers = [p.product_number for p in changed]
    assert set(numbers) == {"FH-1003", "FH-5001", "FH-5002", "FH-5003"}  # FH-5003 is deleted, and says so
    assert [p.product_number for p in changed if duell.entity("product").is_deleted(p)] == ["FH-5003"]
    dates = [p.last_update_date for p in changed]
    assert dates == sorted(dates)


def test_a_since_with_a_time_zone_is_read_in_duells_local_time(duell_sandbox) -> None:
    box = duell_sandbox()
    with box.connector() as duell:
        changed = list(duell.entity("product").read(ReadQuery(since="2026-11-21T07:00:00+00:00")))
    assert {p.product_number for p in changed} == {"FH-5001", "FH-5002", "FH-5003"}  # 08:00 in Oslo
