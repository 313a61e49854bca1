"""Webhook deliveries are verified with their real secrets and parsed into records and Events."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from flowhub_woocommerce.models import WooOrder, WooProduct
from flowhub_woocommerce.webhooks import (
    MODEL_BY_RESOURCE,
    delivery_to_event,
    parse_delivery,
    parse_events,
    sign,
    verify_signature,
)

from flowhub.errors import AuthError, ConnectionConfigError, RejectedError


def _find_realwoo() -> Path | None:
    """shared/realwoo sits beside the clone (/work/main -> /work/shared); walk up to find it."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "realwoo"
        if candidate.is_dir():
            return candidate
    return None


_FOUND = _find_realwoo()
if _FOUND is None:
    pytest.skip("shared/realwoo (real WooCommerce webhook deliveries) not found beside the repository",
                allow_module_level=True)
REALWOO: Path = _FOUND

WEBHOOKS = REALWOO / "webhooks"


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _deliveries() -> list[tuple[str, dict[str, Any]]]:
    found = [(path.name, _load(path)) for path in sorted(WEBHOOKS.glob("webhook-delivery-*.json"))]
    every = _load(WEBHOOKS / "webhook-deliveries-all.json")["deliveries"]
    return found + [(f"webhook-deliveries-all.json#{i:02d}", d) for i, d in enumerate(every)]


ALL = _deliveries()
SIGNED = [(n, d) for n, d in ALL if d["verification"]["match"] is True]
PINGS = [(n, d) for n, d in ALL if d["request"]["body_json"] is None]


def _headers(delivery: dict[str, Any]) -> dict[str, str]:
    """The headers as a receiver sees them (wire names, one value each)."""
    return dict(delivery["request"]["headers"])


def _body(delivery: dict[str, Any]) -> bytes:
    return base64.b64decode(delivery["request"]["body_base64"])


def _secret(delivery: dict[str, Any]) -> str:
    return delivery["webhook"]["secret"]


def _one(name: str) -> dict[str, Any]:
    return _load(WEBHOOKS / name)


def test_the_captures_hold_signed_deliveries_and_pings() -> None:
    assert len(ALL) == 41 and len(SIGNED) == 35 and len(PINGS) == 6
    assert len(SIGNED) + len(PINGS) == len(ALL)


@pytest.mark.parametrize(("name", "delivery"), SIGNED, ids=[n for n, _ in SIGNED])
def test_real_delivery_verifies_with_its_real_secret(name: str, delivery: dict[str, Any]) -> None:
    body, signature = _body(delivery), _headers(delivery)["X-WC-Webhook-Signature"]
    assert sign(body, _secret(delivery)) == delivery["verification"]["computed"] == signature
    assert verify_signature(body, signature, _secret(delivery)) is True


@pytest.mark.parametrize(("name", "delivery"), SIGNED, ids=[n for n, _ in SIGNED])
def test_real_delivery_parses_into_its_resource_model(name: str, delivery: dict[str, Any]) -> None:
    headers = _headers(delivery)
    parsed = parse_delivery(headers, _body(delivery), _secret(delivery))
    resource = headers["X-WC-Webhook-Resource"]
    assert (parsed.topic, parsed.resource, parsed.event) == (
        headers["X-WC-Webhook-Topic"], resource, headers["X-WC-Webhook-Event"])
    assert isinstance(parsed.record, MODEL_BY_RESOURCE[resource])
    assert parsed.record.model_dump(mode="json", exclude_unset=True) == delivery["request"]["body_json"]
    assert parsed.webhook_id == int(headers["X-WC-Webhook-ID"]) == delivery["webhook"]["id"]
    assert parsed.delivery_id == headers["X-WC-Webhook-Delivery-ID"]
    assert parsed.source == headers["X-WC-Webhook-Source"]


@pytest.mark.parametrize(("name", "delivery"), SIGNED, ids=[n for n, _ in SIGNED])
def test_real_delivery_becomes_an_event_keyed_by_record_id(name: str, delivery: dict[str, Any]) -> None:
    headers = _headers(delivery)
    [event] = parse_events(headers, _body(delivery), _secret(delivery))
    assert event.topic == headers["X-WC-Webhook-Topic"]
    assert event.entity == headers["X-WC-Webhook-Resource"]
    assert event.action == headers["X-WC-Webhook-Event"]
    assert event.key == str(delivery["request"]["body_json"]["id"])
    assert event.delivery_id == headers["X-WC-Webhook-Delivery-ID"]
    assert event.payload == delivery["request"]["body_json"]


@pytest.mark.parametrize(("name", "delivery"), PINGS, ids=[n for n, _ in PINGS])
def test_unsigned_creation_ping_is_accepted(name: str, delivery: dict[str, Any]) -> None:
    parsed = parse_delivery(_headers(delivery), _body(delivery), _secret(delivery))
    assert parsed.is_ping and parsed.record is None
    assert parsed.webhook_id == delivery["webhook"]["id"]
    event = delivery_to_event(parsed)
    assert (event.topic, event.entity, event.action, event.key) == (
        "ping", "webhook", "ping", str(delivery["webhook"]["id"]))


@pytest.mark.parametrize(("name", "delivery"), SIGNED, ids=[n for n, _ in SIGNED])
def test_one_changed_byte_fails_the_signature(name: str, delivery: dict[str, Any]) -> None:
    body = bytearray(_body(delivery))
    body[len(body) // 2] ^= 0x01
    signature = _headers(delivery)["X-WC-Webhook-Signature"]
    assert verify_signature(bytes(body), signature, _secret(delivery)) is False
    with pytest.raises(AuthError) as raised:
        parse_delivery(_headers(delivery), bytes(body), _secret(delivery))
    assert _secret(delivery) not in str(raised.value)
    assert signature not in str(raised.value)


def test_wrong_secret_fails_without_naming_either_secret() -> None:
    delivery = _one("webhook-delivery-order-updated.json")
    signature = _headers(delivery)["X-WC-Webhook-Signature"]
    other = _secret(_one("webhook-delivery-order-created.json"))
    assert verify_signature(_body(delivery), signature, other) is False
    with pytest.raises(AuthError, match=r"^webhook signature does not match the body: ") as raised:
        parse_delivery(_headers(delivery), _body(delivery), other)
    assert other not in str(raised.value) and _secret(delivery) not in str(raised.value)
    assert raised.value.status == 401


def test_signature_checks_reject_empty_and_garbled_input() -> None:
    delivery = _one("webhook-delivery-order-updated.json")
    body, signature = _body(delivery), _headers(delivery)["X-WC-Webhook-Signature"]
    assert verify_signature(body, signature, "") is False
    assert verify_signature(body, "", _secret(delivery)) is False
    assert verify_signature(body, "ø" + signature[1:], _secret(delivery)) is False
    assert verify_signature(body, f" {signature}\n", _secret(delivery)) is True


def test_headers_are_matched_whatever_their_case() -> None:
    delivery = _one("webhook-delivery-product-updated.json")
    for transform in (str.lower, str.upper):
        headers = {transform(k): v for k, v in _headers(delivery).items()}
        parsed = parse_delivery(headers, _body(delivery), _secret(delivery))
        assert isinstance(parsed.record, WooProduct) and parsed.topic == "product.updated"


def test_unsigned_json_delivery_is_refused() -> None:
    delivery = _one("webhook-delivery-order-created.json")
    headers = {k: v for k, v in _headers(delivery).items() if k != "X-WC-Webhook-Signature"}
    with pytest.raises(AuthError, match=r"^webhook delivery is not signed \(no X-WC-Webhook-Signature"):
        parse_delivery(headers, _body(delivery), _secret(delivery))


def test_ping_shaped_body_with_topic_headers_must_be_signed() -> None:
    delivery = _one("webhook-delivery-order-updated.json")
    headers = {k: v for k, v in _headers(delivery).items() if k != "X-WC-Webhook-Signature"}
    with pytest.raises(AuthError):
        parse_delivery(headers, b"webhook_id=6", _secret(delivery))


def test_form_body_other_than_a_ping_is_not_a_ping() -> None:
    with pytest.raises(AuthError):
        parse_delivery({"Content-Type": "application/x-www-form-urlencoded"}, b"webhook_id=6&x=1", "s")


def test_missing_secret_is_a_configuration_error() -> None:
    delivery = _one("webhook-delivery-customer-created.json")
    with pytest.raises(ConnectionConfigError, match=r"^no webhook secret is configured"):
        parse_delivery(_headers(delivery), _body(delivery), "")


def test_signed_body_that_is_not_json_is_rejected() -> None:
    delivery = _one("webhook-delivery-order-updated.json")
    body = b"<html>oops</html>"
    headers = _headers(delivery) | {"X-WC-Webhook-Signature": sign(body, _secret(delivery))}
    with pytest.raises(RejectedError, match=r"^webhook order\.updated: body is not JSON"):
        parse_delivery(headers, body, _secret(delivery))


def test_signed_json_that_does_not_fit_the_model_is_rejected() -> None:
    delivery = _one("webhook-delivery-order-updated.json")
    body = json.dumps({"id": 78, "total": {"not": "money"}}).encode()
    headers = _headers(delivery) | {"X-WC-Webhook-Signature": sign(body, _secret(delivery))}
    with pytest.raises(RejectedError, match=r"^webhook order\.updated: payload does not fit WooOrder"):
        parse_delivery(headers, body, _secret(delivery))


def test_deleted_delivery_carries_only_the_id() -> None:
    delivery = _one("webhook-delivery-product-deleted.json")
    parsed = parse_delivery(_headers(delivery), _body(delivery), _secret(delivery))
    assert isinstance(parsed.record, WooProduct) and parsed.record.id == 47
    event = delivery_to_event(parsed)
    assert (event.entity, event.action, event.key) == ("product", "deleted", "47")


def test_order_delivery_money_is_decimal() -> None:
    delivery = _one("webhook-delivery-order-updated.json")
    parsed = parse_delivery(_headers(delivery), _body(delivery), _secret(delivery))
    assert isinstance(parsed.record, WooOrder)
    assert str(parsed.record.total) == delivery["request"]["body_json"]["total"]


def test_delivery_repr_holds_neither_secret_nor_body() -> None:
    delivery = _one("webhook-delivery-customer-created.json")
    parsed = parse_delivery(_headers(delivery), _body(delivery), _secret(delivery))
    text = repr(parsed)
    assert _secret(delivery) not in text and "customer.created" in text
    assert delivery["request"]["body_json"]["email"] not in text
