"""Verify and parse WooCommerce webhook deliveries into typed records and flowhub Events.

WooCommerce signs each delivery with ``X-WC-Webhook-Signature`` = base64(HMAC-SHA256(secret,
raw body)). The one exception is the ping it sends when a webhook is created: a form-encoded
``webhook_id=<id>``, unsigned and without topic headers. An unsigned ping carries no data and
causes nothing but an acknowledgement, so accepting it unsigned is safe; anything else must be
signed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from pydantic import ValidationError

from flowhub.connector import Event
from flowhub.errors import AuthError, ConnectionConfigError, RejectedError
from flowhub_woocommerce.models import WooCoupon, WooCustomer, WooOrder, WooProduct, WooRecord

__all__ = [
    "MODEL_BY_RESOURCE",
    "WebhookDelivery",
    "delivery_to_event",
    "parse_delivery",
    "parse_events",
    "sign",
    "verify_signature",
]

SIGNATURE_HEADER = "x-wc-webhook-signature"

MODEL_BY_RESOURCE: Mapping[str, type[WooRecord]] = {
    "order": WooOrder,
    "product": WooProduct,
    "customer": WooCustomer,
    "coupon": WooCoupon,
}
"""Webhook resource -> the model its payload parses into (the resource as the REST API shows it)."""

# WooCommerce's events and the flowhub action each one means.
_ACTIONS = {
    "created": "created",
    "updated": "updated",
    "deleted": "deleted",
    "restored": "restored",
    "published": "updated",  # product.published: a draft went live, i.e. the record changed
}


@dataclass(frozen=True)
class WebhookDelivery:
    """One verified delivery: what its headers say and its body, raw and typed.

    ``record`` is the body parsed into the resource's model (WooOrder, WooProduct, ...), None
    for a ping or a resource without a model (``action.*`` topics). A ``*.deleted`` delivery
    carries only ``{"id": N}``, so its record has just ``id`` set.
    """

    topic: str  # "order.updated", ... or "ping"
    resource: str  # "order", "product", "customer", "coupon", ... or "webhook" for a ping
    event: str  # "created", "updated", "deleted", "restored", ... or "ping"
    webhook_id: int | None
    delivery_id: str | None
    source: str | None  # the shop's home URL (X-WC-Webhook-Source)
    payload: Mapping[str, Any] = field(repr=False)
    record: WooRecord | None = field(default=None, repr=False)

    @property
    def is_ping(self) -> bool:
        return self.topic == "ping"


def sign(body: bytes, secret: str) -> str:
    """The signature WooCommerce sends for ``body``: base64(HMAC-SHA256(secret, body))."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_signature(body: bytes, signature: str, secret: str) -> bool:
    """True when ``signature`` is WooCommerce's signature of the raw ``body`` under ``secret``.

    Compared in constant time. An empty secret never verifies: it would mean "not configured".
    """
    if not secret or not signature:
        return False
    expected = sign(body, secret).encode("ascii")
    try:
        given = signature.strip().encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(expected, given)


def parse_delivery(headers: Mapping[str, str], body: bytes, secret: str) -> WebhookDelivery:
    """Verify one delivery and parse it; headers are matched case-insensitively.

    Raises AuthError when the signature is missing or wrong (the message never holds the
    secret), ConnectionConfigError when no secret is configured, and RejectedError when a
    signed body is not a JSON object or does not fit the resource's model.
    """
    wanted = {key.lower(): value for key, value in headers.items()}
    signature = wanted.get(SIGNATURE_HEADER)
    if signature is None:
        webhook_id = _ping_webhook_id(wanted, body)
        if webhook_id is None:
            raise AuthError(
                "webhook delivery is not signed (no X-WC-Webhook-Signature header); only the "
                "ping WooCommerce sends when a webhook is created may come unsigned",
                status=401,
            )
        return _ping(wanted, webhook_id)
    _check_signature(body, signature, secret)
    webhook_id = _ping_webhook_id(wanted, body)
    if webhook_id is not None:
        return _ping(wanted, webhook_id)
    return _signed_delivery(wanted, body)


def delivery_to_event(d: WebhookDelivery) -> Event:
    """The flowhub Event for a delivery: entity = resource, action, key = the record's id."""
    if d.is_ping:
        key = None if d.webhook_id is None else str(d.webhook_id)
        return Event(topic="ping", entity="webhook", action="ping", key=key,
                     delivery_id=d.delivery_id, payload=d.payload)
    record_id = d.payload.get("id")
    return Event(
        topic=d.topic,
        entity=d.resource,
        action=_ACTIONS.get(d.event, d.event),
        key=None if record_id is None else str(record_id),
        delivery_id=d.delivery_id,
        payload=d.payload,
    )


def parse_events(headers: Mapping[str, str], body: bytes, secret: str) -> list[Event]:
    """``Connector.parse_webhook`` in one call: verify, parse, and answer the one Event."""
    return [delivery_to_event(parse_delivery(headers, body, secret))]


def _check_signature(body: bytes, signature: str, secret: str) -> None:
    if not secret:
        raise ConnectionConfigError(
            "no webhook secret is configured for this connection; set it to the secret the "
            "webhook was created with in WooCommerce (WooCommerce > Settings > Advanced > Webhooks)"
        )
    if not verify_signature(body, signature, secret):
        raise AuthError(
            "webhook signature does not match the body: the connection's webhook secret differs "
            "from the webhook's secret in WooCommerce, or the body was changed on the way",
            status=401,
        )


def _ping_webhook_id(headers: Mapping[str, str], body: bytes) -> int | None:
    """The webhook id when this is WooCommerce's creation ping (``webhook_id=<id>``), else None."""
    if "x-wc-webhook-topic" in headers or len(body) > 64:
        return None
    try:
        pairs = parse_qsl(body.decode("ascii"), strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return None
    if len(pairs) != 1 or pairs[0][0] != "webhook_id" or not pairs[0][1].isdigit():
        return None
    return int(pairs[0][1])


def _ping(headers: Mapping[str, str], webhook_id: int) -> WebhookDelivery:
    return WebhookDelivery(
        topic="ping",
        resource="webhook",
        event="ping",
        webhook_id=webhook_id,
        delivery_id=headers.get("x-wc-webhook-delivery-id"),
        source=headers.get("x-wc-webhook-source"),
        payload={"webhook_id": str(webhook_id)},
    )


def _signed_delivery(headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
    topic_resource, _, topic_event = headers.get("x-wc-webhook-topic", "").partition(".")
    resource = headers.get("x-wc-webhook-resource") or topic_resource
    event = headers.get("x-wc-webhook-event") or topic_event
    if not resource or not event:
        raise RejectedError(
            "webhook delivery names no topic (X-WC-Webhook-Topic, -Resource and -Event are "
            "missing or empty); cannot tell which record changed",
            status=400,
        )
    topic = headers.get("x-wc-webhook-topic") or f"{resource}.{event}"
    payload = _json_object(body, topic)
    return WebhookDelivery(
        topic=topic,
        resource=resource,
        event=event,
        webhook_id=_int_or_none(headers.get("x-wc-webhook-id")),
        delivery_id=headers.get("x-wc-webhook-delivery-id"),
        source=headers.get("x-wc-webhook-source"),
        payload=payload,
        record=_record(resource, payload, topic),
    )


def _json_object(body: bytes, topic: str) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise RejectedError(f"webhook {topic}: body is not JSON ({error})", status=400) from error
    if not isinstance(payload, dict):
        raise RejectedError(
            f"webhook {topic}: body is JSON {type(payload).__name__}, expected an object", status=400
        )
    return payload


def _record(resource: str, payload: Mapping[str, Any], topic: str) -> WooRecord | None:
    model = MODEL_BY_RESOURCE.get(resource)
    if model is None:
        return None
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise RejectedError(
            f"webhook {topic}: payload does not fit {model.__name__} "
            f"({error.error_count()} problem(s); first at {where}: {first['msg']})",
            status=400,
        ) from error


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text is not None and text.strip().isdigit() else None
