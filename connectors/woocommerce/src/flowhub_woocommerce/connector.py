"""The WooCommerce connector: its entities, connection test, webhooks and webhook registration."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from flowhub.connector import CheckResult, Connector, Event
from flowhub_woocommerce.check import check_shop
from flowhub_woocommerce.client import WooClient
from flowhub_woocommerce.entities import ENTITIES
from flowhub_woocommerce.models import WooWebhook
from flowhub_woocommerce.settings import WooCommerceSettings
from flowhub_woocommerce.webhooks import parse_events

__all__ = ["WooCommerce"]


class WooCommerce(Connector):
    """A WooCommerce shop through its REST API (wc/v3 or wc/v2)."""

    name = "woocommerce"
    title = "WooCommerce"
    settings_model = WooCommerceSettings
    entities = ENTITIES

    def __init__(
        self,
        settings: WooCommerceSettings,
        *,
        connection_name: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(settings, connection_name=connection_name)
        self.settings: WooCommerceSettings = settings
        self._transport = transport
        self._client: WooClient | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> WooClient:
        """The shop's HTTP client, made on first use and shared by every entity and thread."""
        with self._lock:
            if self._client is None:
                self._client = WooClient(self.settings, transport=self._transport)
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    # -- connection test -----------------------------------------------------------------------
    def binding_key(self) -> str | None:
        """The shop, by host and path: http and https of one shop are one shop (G6)."""
        parts = urlsplit(self.settings.url)
        return f"{parts.netloc}{parts.path}".rstrip("/")

    def check(self, *, writes: bool = False) -> CheckResult:
        """Unreachable, not WordPress, permalinks off, no WooCommerce, bad key/secret, read-only key."""
        return check_shop(self.settings, writes=writes, transport=self._transport)

    # -- webhooks ------------------------------------------------------------------------------
    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[Event]:
        """Verify ``X-WC-Webhook-Signature`` with ``webhook_secret`` and parse the delivery.

        A product delivery about a variation (``type`` "variation") is an event of the
        ``variation`` entity. The unsigned creation ping is accepted (it carries no data).
        """
        secret = self.settings.webhook_secret.get_secret_value() if self.settings.webhook_secret else ""
        events = parse_events(headers, body, secret)
        return [_variation_event(e) for e in events]

    def list_webhooks(self) -> list[WooWebhook]:
        return [
            WooWebhook.model_validate(w)
            for w in self.client.iter_pages("webhooks", {"orderby": "id", "order": "asc"})
        ]

    def ensure_webhook(self, topic: str, delivery_url: str, *, name: str | None = None) -> WooWebhook:
        """The active webhook for ``topic`` -> ``delivery_url``; made (or re-activated) only when needed.

        Idempotent: a second call finds the first one's webhook. The connection's
        ``webhook_secret`` becomes the webhook's secret, so deliveries verify.
        """
        for hook in self.list_webhooks():
            if hook.topic == topic and hook.delivery_url == delivery_url:
                if hook.status == "active":
                    return hook
                return self._save_webhook(
                    f"webhooks/{hook.id}", "PUT", {"status": "active", **self._secret()}
                )
        body = {
            "name": name or f"flowhub {topic}",
            "topic": topic,
            "delivery_url": delivery_url,
            "status": "active",
            **self._secret(),
        }
        return self._save_webhook("webhooks", "POST", body)

    def delete_webhook(self, webhook_id: int) -> None:
        self.client.delete(f"webhooks/{int(webhook_id)}", params={"force": "true"}, ok={404})

    def _secret(self) -> dict[str, Any]:
        secret = self.settings.webhook_secret
        return {"secret": secret.get_secret_value()} if secret else {}

    def _save_webhook(self, path: str, method: str, body: Mapping[str, Any]) -> WooWebhook:
        return WooWebhook.model_validate(self.client.send_json(method, path, dict(body)))


def _variation_event(event: Event) -> Event:
    payload = event.payload or {}
    if event.entity == "product" and payload.get("type") == "variation":
        return Event(
            topic=event.topic,
            entity="variation",
            action=event.action,
            key=event.key,
            delivery_id=event.delivery_id,
            payload=payload,
        )
    return event
