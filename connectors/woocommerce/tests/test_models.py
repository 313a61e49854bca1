"""The WooCommerce models read every real capture and write it back unchanged."""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flowhub_woocommerce.models import (
    MODEL_BY_ENDPOINT,
    WooBatch,
    WooBatchItemError,
    WooCoupon,
    WooCustomer,
    WooError,
    WooLineItem,
    WooOrder,
    WooProduct,
    WooRecord,
    WooSettingOption,
    WooTaxClass,
    WooTaxRate,
    WooVariation,
    WooWebhook,
    WpSiteIndex,
    is_error_body,
    model_for,
    money_text,
    number_json,
)
from flowhub_woocommerce.webhooks import MODEL_BY_RESOURCE
from pydantic import BaseModel, PlainSerializer

from flowhub.connector import ApiRecord


def _find_realwoo() -> Path | None:
    """shared/realwoo sits beside the clone (/work/main -> /work/shared); walk up to find it."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "realwoo"
        if candidate.is_dir():
            return candidate
    return None


_FOUND = _find_realwoo()
if _FOUND is None:
    pytest.skip("shared/realwoo (real WooCommerce captures) not found beside the repository",
                allow_module_level=True)
REALWOO: Path = _FOUND


# -- what the captures hold --------------------------------------------------------------------

def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _captures() -> list[Path]:
    """Every REST exchange whose answer is a WooCommerce object, a list of them, or an error."""
    return sorted(
        path for path in REALWOO.glob("*.json")
        if isinstance(_load(path)["response"]["body"], dict | list)
    )


def _seed_captures() -> list[Path]:
    """Seeding exchanges on wc/v3 (the Store API checkout calls have no model)."""
    return sorted(
        path for path in (REALWOO / "seed").glob("*.json")
        if model_for(_load(path)["request"]["method"], _load(path)["request"]["url"]) is not None
        or is_error_body(_load(path)["response"]["body"])
    )


def _deliveries() -> list[tuple[str, dict[str, Any]]]:
    """Every webhook delivery: the single files, then each of webhook-deliveries-all.json."""
    singles = sorted((REALWOO / "webhooks").glob("webhook-delivery-*.json"))
    found = [(path.name, _load(path)) for path in singles]
    every = _load(REALWOO / "webhooks" / "webhook-deliveries-all.json")["deliveries"]
    found += [(f"webhook-deliveries-all.json#{i:02d}", d) for i, d in enumerate(every)]
    return found


def _json_deliveries() -> list[tuple[str, dict[str, Any]]]:
    return [(name, d) for name, d in _deliveries() if d["request"]["body_json"] is not None]


CAPTURES = _captures()
SEED = _seed_captures()
DELIVERIES = _json_deliveries()


# -- how to compare and walk -------------------------------------------------------------------

def _first_difference(got: Any, want: Any, path: str = "$") -> str | None:
    """Where two JSON values first differ; types must match too (199 is not "199", 1 not 1.0)."""
    if type(got) is not type(want):
        return f"{path}: got {got!r} ({type(got).__name__}), want {want!r} ({type(want).__name__})"
    if isinstance(want, dict):
        for key in sorted(got.keys() | want.keys()):
            if key not in got or key not in want:
                return f"{path}.{key}: {'missing' if key not in got else 'unexpected'}"
            found = _first_difference(got[key], want[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(want, list):
        if len(got) != len(want):
            return f"{path}: {len(got)} items, want {len(want)}"
        for index, (g, w) in enumerate(zip(got, want, strict=True)):
            found = _first_difference(g, w, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if got == want else f"{path}: got {got!r}, want {want!r}"


def _dump(parsed: BaseModel | list[BaseModel]) -> Any:
    if isinstance(parsed, list):
        return [_dump(item) for item in parsed]
    return parsed.model_dump(mode="json", by_alias=True, exclude_unset=True)


def _parse(method: str, url: str, body: Any) -> BaseModel | list[BaseModel]:
    if is_error_body(body):
        return WooError.model_validate(body)
    model = model_for(method, url)
    assert model is not None, f"no model for {method} {url}"
    if isinstance(body, list):
        return [model.model_validate(item) for item in body]
    return model.model_validate(body)


def _wire_kind(model: type[BaseModel], name: str) -> str | None:
    """'money' (JSON string), 'number' (JSON number Decimal) or 'date', read off the field's type."""
    for meta in model.model_fields[name].metadata:
        if isinstance(meta, PlainSerializer):
            if meta.func is money_text:
                return "money"
            if meta.func is number_json:
                return "number"
            if meta.return_type is str:
                return "date"
    return None


def _fields(value: Any, raw: Any) -> Iterator[tuple[BaseModel, str, Any]]:
    """(record, field name, raw JSON value) for every typed field present in the raw JSON."""
    if isinstance(value, BaseModel) and isinstance(raw, dict):
        model = type(value)
        by_key = {(f.alias or n): n for n, f in model.model_fields.items()}
        for key, raw_value in raw.items():
            name = by_key.get(key)
            if name is not None:
                yield value, name, raw_value
                yield from _fields(getattr(value, name), raw_value)
    elif isinstance(value, list) and isinstance(raw, list):
        for item, raw_item in zip(value, raw, strict=True):
            yield from _fields(item, raw_item)
    elif isinstance(value, dict) and isinstance(raw, dict):
        for key, raw_value in raw.items():
            yield from _fields(value.get(key), raw_value)


def _check_types(parsed: Any, raw: Any) -> int:
    """Money is Decimal, dates (local and _gmt) are the datetimes sent; answers how many checked."""
    checked = 0
    for record, name, raw_value in _fields(parsed, raw):
        kind = _wire_kind(type(record), name)
        value = getattr(record, name)
        if kind is None or raw_value in (None, ""):
            continue
        if kind in ("money", "number"):
            assert isinstance(value, Decimal), f"{type(record).__name__}.{name} = {value!r}"
            assert value == Decimal(str(raw_value))
        else:
            assert isinstance(value, datetime), f"{type(record).__name__}.{name} = {value!r}"
            assert value == datetime.fromisoformat(raw_value) and value.tzinfo is None
        checked += 1
    return checked


def _assert_round_trip(parsed: Any, body: Any) -> None:
    difference = _first_difference(_dump(parsed), body)
    assert difference is None, difference


# -- every capture -----------------------------------------------------------------------------

@pytest.mark.parametrize("path", CAPTURES, ids=[p.name for p in CAPTURES])
def test_capture_body_round_trips_losslessly(path: Path) -> None:
    exchange = _load(path)
    body = exchange["response"]["body"]
    parsed = _parse(exchange["request"]["method"], exchange["request"]["url"], body)
    _assert_round_trip(parsed, body)
    _check_types(parsed, body)


@pytest.mark.parametrize("path", SEED, ids=[f"seed/{p.name}" for p in SEED])
def test_seed_body_round_trips_losslessly(path: Path) -> None:
    exchange = _load(path)
    body = exchange["response"]["body"]
    parsed = _parse(exchange["request"]["method"], exchange["request"]["url"], body)
    _assert_round_trip(parsed, body)
    _check_types(parsed, body)


@pytest.mark.parametrize(("name", "delivery"), DELIVERIES, ids=[n for n, _ in DELIVERIES])
def test_webhook_body_round_trips_losslessly(name: str, delivery: dict[str, Any]) -> None:
    headers = {k.lower(): v for k, v in delivery["request"]["headers"]}
    model = MODEL_BY_RESOURCE[headers["x-wc-webhook-resource"]]
    raw = base64.b64decode(delivery["request"]["body_base64"])
    parsed = model.model_validate_json(raw)
    _assert_round_trip(parsed, delivery["request"]["body_json"])
    _check_types(parsed, delivery["request"]["body_json"])


def test_captures_really_exercise_money_and_dates() -> None:
    """Guards the checks above against passing on nothing: the captures hold thousands of values."""
    checked = 0
    for path in CAPTURES:
        exchange = _load(path)
        body = exchange["response"]["body"]
        checked += _check_types(_parse(exchange["request"]["method"], exchange["request"]["url"], body), body)
    assert checked > 5000
    assert len(CAPTURES) >= 128 and len(DELIVERIES) >= 35


def test_every_capture_route_has_a_model() -> None:
    unknown = [p.name for p in CAPTURES
               if model_for(_load(p)["request"]["method"], _load(p)["request"]["url"]) is None]
    assert unknown == []


# -- specific values from the captures ---------------------------------------------------------

def _body(name: str) -> Any:
    return _load(REALWOO / name)["response"]["body"]


def test_order_money_is_decimal_and_line_price_stays_a_json_number() -> None:
    order = WooOrder.model_validate(_body("070-order-single-coupon-shipping.json"))
    assert order.total == Decimal("6141.00")
    assert order.line_items is not None and order.line_items[0].price == Decimal("709.2")
    assert order.coupon_lines is not None and order.coupon_lines[0].nominal_amount == Decimal(100)
    dumped = order.model_dump(mode="json")
    assert dumped["total"] == "6141.00"
    assert dumped["line_items"][0]["price"] == 709.2
    assert dumped["line_items"][2]["price"] == 869.1999999999999
    assert dumped["coupon_lines"][0]["nominal_amount"] == 100
    assert dumped["shipping_lines"][0]["taxes"][0]["subtotal"] == ""


def test_order_keeps_local_and_gmt_dates_apart() -> None:
    order = WooOrder.model_validate(_body("070-order-single-coupon-shipping.json"))
    assert order.date_created == datetime(2026, 11, 22, 12, 34, 18)
    assert order.date_created_gmt == datetime(2026, 11, 22, 11, 34, 18)


def test_product_sale_dates_and_blank_sale_price() -> None:
    product = WooProduct.model_validate(_body("033-product-single-simple.json"))
    assert product.date_on_sale_to_gmt == datetime(2026, 12, 31, 23, 59, 59)
    assert product.sale_price == Decimal("559.00")
    variation = WooVariation.model_validate(_body("037-product-variation-single.json"))
    assert variation.sale_price is None
    assert variation.model_dump(mode="json")["sale_price"] == ""
    assert variation.model_dump()["sale_price"] is None  # Python mode keeps None


def test_batch_answer_keeps_per_item_errors_apart_from_records() -> None:
    batch = WooBatch[WooProduct].model_validate(_body("085-products-batch-partial-error.json"))
    assert [(verb, index, item.error.code) for verb, index, item in batch.failed()] == [
        ("create", 0, "product_invalid_sku"),
        ("update", 1, "woocommerce_rest_product_invalid_id"),
    ]
    assert batch.update is not None
    assert isinstance(batch.update[0], WooProduct) and batch.update[0].id == 25
    assert isinstance(batch.update[1], WooBatchItemError) and batch.update[1].id == 999999


def test_error_body_reads_status_and_details() -> None:
    error = WooError.model_validate(_body("078-product-create-duplicate-sku-400.json"))
    assert error.code == "product_invalid_sku"
    assert error.data is not None and error.data.status == 400 and error.data.unique_sku


# -- the types on their own ---------------------------------------------------------------------

@pytest.mark.parametrize("text", ["199.00", "0.00", "-6141.00", "0", "100", "25.0000", "0.05"])
def test_money_text_comes_back_as_sent(text: str) -> None:
    product = WooProduct.model_validate({"regular_price": text})
    assert product.regular_price == Decimal(text)
    assert product.model_dump(mode="json", exclude_unset=True) == {"regular_price": text}


def test_any_two_decimal_money_survives_a_round_trip() -> None:
    rng = random.Random(20261122)
    cents = [0, 1, -1, 5, 10, 99, 100, 10**11] + [rng.randint(-10**11, 10**11) for _ in range(500)]
    for cent in cents:
        text = money_text(Decimal(cent).scaleb(-2))
        back = WooCoupon.model_validate({"amount": text}).model_dump(mode="json")["amount"]
        assert back == text and Decimal(back) == Decimal(cent) / 100


@pytest.mark.parametrize(("sent", "kind"), [(709.2, float), (100, int), (869.1999999999999, float), (0, int)])
def test_number_money_stays_a_number_of_the_same_kind(sent: float | int, kind: type) -> None:
    line = WooLineItem.model_validate({"price": sent})
    assert isinstance(line.price, Decimal)
    back = line.model_dump(mode="json")["price"]
    assert type(back) is kind and back == sent


def test_blank_and_null_are_kept_apart() -> None:
    product = WooProduct.model_validate({"sale_price": "", "date_on_sale_from": None, "regular_price": None})
    assert product.sale_price is None and product.regular_price is None
    assert product.model_dump(mode="json", exclude_unset=True) == {
        "sale_price": "", "date_on_sale_from": None, "regular_price": None}


def test_a_writer_clears_a_price_with_a_blank() -> None:
    assert WooProduct(sale_price="").model_dump(mode="json", exclude_unset=True) == {"sale_price": ""}
    assert WooProduct(sale_price=None).model_dump(mode="json", exclude_unset=True) == {"sale_price": None}


def test_a_blank_that_got_a_value_is_written_as_the_value() -> None:
    product = WooProduct.model_validate({"sale_price": ""})
    product.sale_price = Decimal("99.00")
    assert product.model_dump(mode="json", exclude_unset=True) == {"sale_price": "99.00"}


def test_partial_payload_dumps_exactly_what_was_set() -> None:
    payload = WooProduct(sku="FH-1", regular_price=Decimal("10.00"), manage_stock=True, stock_quantity=3)
    assert payload.model_dump(mode="json", exclude_unset=True) == {
        "sku": "FH-1", "regular_price": "10.00", "manage_stock": True, "stock_quantity": 3}


def test_aliased_fields_dump_under_the_api_name_without_asking() -> None:
    assert WooTaxRate(tax_class="reduced-rate").model_dump(mode="json", exclude_unset=True) == {
        "class": "reduced-rate"}
    assert WooTaxRate.model_validate({"class": "zero-rate"}).tax_class == "zero-rate"
    assert "_links" in WooProduct.model_validate({"_links": {}}).model_dump(exclude_unset=True)


def test_dates_are_written_without_microseconds_or_zone() -> None:
    order = WooOrder(date_paid=datetime(2026, 11, 22, 12, 0, 1, 123456))
    assert order.model_dump(mode="json", exclude_unset=True) == {"date_paid": "2026-11-22T12:00:01"}


def test_variation_manage_stock_may_be_parent() -> None:
    assert WooVariation.model_validate({"manage_stock": "parent"}).manage_stock == "parent"
    assert WooProduct.model_validate({"manage_stock": False}).manage_stock is False


def test_unknown_fields_are_kept() -> None:
    customer = WooCustomer.model_validate({"id": 3, "loyalty_tier": {"level": "gold"}})
    assert customer.model_dump(mode="json", exclude_unset=True) == {
        "id": 3, "loyalty_tier": {"level": "gold"}}


def test_webhook_secret_is_masked_except_in_the_request_body() -> None:
    hook = WooWebhook(topic="order.updated", secret="s3cr3t-value")
    assert "s3cr3t-value" not in repr(hook)
    assert "s3cr3t-value" not in str(hook.model_dump())
    assert hook.model_dump(mode="json", exclude_unset=True)["secret"] == "s3cr3t-value"


def test_every_model_is_an_api_record() -> None:
    for model in MODEL_BY_ENDPOINT.values():
        assert issubclass(model, ApiRecord) and issubclass(model, WooRecord)


@pytest.mark.parametrize(
    ("method", "path", "model"),
    [
        ("GET", "https://shop.test/wp-json/wc/v3/orders?per_page=1", WooOrder),
        ("GET", "/wp-json/wc/v2/products", WooProduct),
        ("PUT", "/wp-json/wc/v3/products/57/variations/60", WooVariation),
        ("POST", "/products/batch", WooBatch[WooProduct]),
        ("POST", "/wp-json/wc/v3/settings/general/batch", WooBatch[WooSettingOption]),
        ("GET", "/wp-json/wc/v3/settings/general/woocommerce_currency", WooSettingOption),
        ("GET", "/wp-json/wc/v3/taxes/classes", WooTaxClass),
        ("GET", "https://shop.test/wp-json/?_fields=name", WpSiteIndex),
        ("GET", "/wp-json/wc/store/v1/cart", None),
        ("GET", "/wp-json/wp/v2/posts", None),
        ("GET", "/wp-json/wc/v3/nonsense", None),
    ],
)
def test_model_for_routes(method: str, path: str, model: type | None) -> None:
    assert model_for(method, path) is model
