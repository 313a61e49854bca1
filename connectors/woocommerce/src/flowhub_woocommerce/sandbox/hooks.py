"""Webhooks: the /webhooks resource, and deliveries signed and sent the way WooCommerce sends them.

Deliveries leave from one background thread, best effort, with a short timeout. Like WooCommerce
(Action Scheduler), they are asynchronous, the payload is the resource as the API shows it at
delivery time, and several changes to one record still waiting in the queue fold into one
delivery. There are no retries; a non-2xx answer counts as a failure, and a webhook whose
failure count is already above 5 is disabled on the next failure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import queue
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from flowhub_woocommerce.sandbox.context import Ctx, Reply, batch
from flowhub_woocommerce.sandbox.errors import WooError, enum_message, invalid_params
from flowhub_woocommerce.sandbox.query import paginate
from flowhub_woocommerce.sandbox.render import encode, with_links
from flowhub_woocommerce.sandbox.store import Record, Store
from flowhub_woocommerce.sandbox.templates import variation_as_product

__all__ = ["Delivery", "Dispatcher", "signature", "webhook_routes"]

USER_AGENT = "WooCommerce/11.0.1 Hookshot (WordPress/7.0.4)"
MAX_FAILURES = 5
HOOKS = {
    "coupon.created": ["woocommerce_process_shop_coupon_meta", "woocommerce_new_coupon"],
    "coupon.updated": ["woocommerce_process_shop_coupon_meta", "woocommerce_update_coupon"],
    "coupon.deleted": ["wp_trash_post"],
    "coupon.restored": ["untrashed_post"],
    "customer.created": ["user_register", "woocommerce_created_customer", "woocommerce_new_customer"],
    "customer.updated": ["profile_update", "woocommerce_update_customer"],
    "customer.deleted": ["delete_user"],
    "order.created": ["woocommerce_new_order"],
    "order.updated": ["woocommerce_update_order", "woocommerce_order_refunded"],
    "order.deleted": ["wp_trash_post", "woocommerce_trash_order"],
    "order.restored": ["untrashed_post", "woocommerce_untrash_order"],
    "product.created": [
        "woocommerce_process_product_meta",
        "woocommerce_new_product",
        "woocommerce_new_product_variation",
    ],
    "product.updated": [
        "woocommerce_process_product_meta",
        "woocommerce_update_product",
        "woocommerce_update_product_variation",
    ],
    "product.deleted": ["wp_trash_post"],
    "product.restored": ["untrashed_post"],
}
STATUSES = ("active", "paused", "disabled")


def signature(secret: str, body: bytes) -> str:
    """base64(HMAC-SHA256(secret, raw body)): the X-WC-Webhook-Signature header."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class Delivery:
    """One delivery attempt as the sandbox made it (kept for tests and the demo)."""

    webhook_id: int
    topic: str
    url: str
    status: int | None
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class Dispatcher:
    """Listens to store events and delivers matching webhooks from a background thread."""

    def __init__(self, store: Store, *, timeout: float = 5.0, default_secret: str | None = None) -> None:
        self.store = store
        self.timeout = timeout
        self.default_secret = default_secret
        self.deliveries: list[Delivery] = []
        self._queue: queue.Queue[tuple[str, int, str, int, Record | None]] = queue.Queue()
        self._pending: set[tuple[int, str, int]] = set()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()
        store.listeners.append(self.on_event)

    # -- producing ---------------------------------------------------------------------------
    def on_event(self, resource: str, event: str, record_id: int, payload: Record | None) -> None:
        topic = f"{resource}.{event}"
        for hook in list(self.store.webhooks.values()):
            if hook["status"] == "active" and hook["topic"] == topic:
                self._enqueue(("event", hook["id"], topic, record_id, payload))

    def ping(self, hook: Record) -> None:
        self._enqueue(("ping", hook["id"], "", 0, None))

    def _enqueue(self, item: tuple[str, int, str, int, Record | None]) -> None:
        key = (item[1], item[2], item[3])
        with self._guard:
            if item[0] == "event" and key in self._pending:
                return  # folds into the delivery already waiting, as Action Scheduler does
            self._pending.add(key)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="woo-webhooks", daemon=True)
                self._thread.start()
        self._queue.put(item)

    # -- delivering --------------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=30)
            except queue.Empty:
                with self._guard:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            with self._guard:
                self._pending.discard((item[1], item[2], item[3]))
            try:
                self._deliver(*item)
            finally:
                self._queue.task_done()

    def wait(self, timeout: float = 10.0) -> bool:
        """Block until the queue is empty (True) or ``timeout`` passes (False); for tests and demos."""
        done = threading.Event()

        def drain() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=drain, daemon=True).start()
        return done.wait(timeout)

    def _deliver(self, kind: str, hook_id: int, topic: str, record_id: int, payload: Record | None) -> None:
        with self.store.lock:
            hook = self.store.webhooks.get(hook_id)
            if hook is None:
                return
            if kind == "ping":
                body, headers = (
                    f"webhook_id={hook_id}".encode(),
                    {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": USER_AGENT},
                )
                self.store.touch(hook)  # WooCommerce saves the webhook once the ping went out
            else:
                rendered = payload if payload is not None else self._render(topic, record_id)
                if rendered is None:
                    return
                body = encode(rendered, self.store.site_url)
                headers = self._headers(hook, topic, body)
            url = hook["delivery_url"]
        status, error = self._post(url, body, headers)
        self.deliveries.append(Delivery(hook_id, topic or "ping", url, status, error, headers, body))
        if kind == "event":
            self._count(hook_id, status)

    def _render(self, topic: str, record_id: int) -> Record | None:
        resource = topic.split(".")[0]
        store = self.store
        if resource == "product":
            if record_id in store.products:
                return with_links("product", store.products[record_id])
            if record_id in store.variations:
                return with_links("product", variation_as_product(store, store.variations[record_id]))
            return None
        source = {"order": store.orders, "customer": store.customers, "coupon": store.coupons}[resource]
        return with_links(resource, source[record_id]) if record_id in source else None

    def _headers(self, hook: Record, topic: str, body: bytes) -> dict[str, str]:
        resource, event = topic.split(".", 1)
        return {
            "User-Agent": USER_AGENT,
            "Content-Type": "application/json",
            "X-WC-Webhook-Source": f"{self.store.site_url}/",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-Signature": signature(hook["_secret"], body),
            "X-WC-Webhook-ID": str(hook["id"]),
            "X-WC-Webhook-Delivery-ID": secrets.token_hex(16),
        }

    def _post(self, url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int | None, str | None]:
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
                answer = client.post(url, content=body, headers={**headers, "Connection": "close"})
            return answer.status_code, None
        except httpx.HTTPError as error:
            return None, f"{type(error).__name__}: {error}"

    def _count(self, hook_id: int, status: int | None) -> None:
        with self.store.lock:
            hook = self.store.webhooks.get(hook_id)
            if hook is None:
                return
            if status is not None and 200 <= status < 300:
                hook["_failure_count"] = 0
                return
            if hook.get("_failure_count", 0) > MAX_FAILURES:
                hook["status"] = "disabled"
            hook["_failure_count"] = hook.get("_failure_count", 0) + 1


# -- the /webhooks resource ------------------------------------------------------------------------
def _find(store: Store, hook_id: int) -> Record:
    if hook_id not in store.webhooks:
        raise WooError(404, "woocommerce_rest_webhook_invalid_id", "Invalid ID.")
    return store.webhooks[hook_id]


def _save(ctx: Ctx, dispatcher: Dispatcher, data: Mapping[str, Any], hook_id: int | None = None) -> Record:
    store = ctx.store
    topic = data.get("topic")
    if hook_id is None:
        missing = [name for name in ("topic", "delivery_url") if not data.get(name)]
        if missing:
            raise WooError(
                400,
                "rest_missing_callback_param",
                f"Missing parameter(s): {', '.join(missing)}",
                params=missing,
            )
    if topic is not None and topic not in HOOKS and not str(topic).startswith("action."):
        raise WooError(
            400, "woocommerce_rest_webhook_invalid_topic", "Webhook topic is required and must be valid."
        )
    if "status" in data and data["status"] not in STATUSES:
        raise invalid_params({"status": ("rest_not_in_enum", enum_message("status", STATUSES))})
    with store.lock:
        hook = _find(store, hook_id) if hook_id is not None else _new(store, dispatcher.default_secret)
        for name in ("name", "status", "delivery_url"):
            if name in data:
                hook[name] = data[name]
        if "secret" in data:
            hook["_secret"] = str(data["secret"])
        if topic:
            hook["topic"] = str(topic)
            hook["resource"], hook["event"] = str(topic).split(".", 1)
            hook["hooks"] = HOOKS.get(str(topic), [str(topic).removeprefix("action.")])
        if hook_id is not None:
            store.touch(hook)
        store.webhooks[hook["id"]] = hook
    if hook_id is None and hook["status"] == "active":
        dispatcher.ping(hook)
    return ctx.render("webhook", hook)


def _new(store: Store, default_secret: str | None) -> Record:
    """A webhook with WooCommerce's defaults; without a secret of its own it gets ``default_secret``."""
    local, gmt = store.stamp()
    return {
        "id": store.next_id("webhook"),
        "name": f"Webhook created on {local}",
        "status": "active",
        "topic": "",
        "resource": "",
        "event": "",
        "hooks": [],
        "delivery_url": "",
        "date_created": local,
        "date_created_gmt": gmt,
        "date_modified": None,
        "date_modified_gmt": None,
        "_secret": default_secret or secrets.token_urlsafe(24),
        "_failure_count": 0,
    }


def _delete(ctx: Ctx, hook_id: int, force: bool) -> Record:
    if not force:
        raise WooError(501, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.")
    with ctx.store.lock:
        hook = _find(ctx.store, hook_id)
        del ctx.store.webhooks[hook_id]
    return ctx.render("webhook", hook)


def _list(ctx: Ctx) -> Reply:
    status = ctx.params.enum("status", ("all", *STATUSES), "all")
    page, per_page, offset = ctx.page()
    ctx.params.check()
    items = sorted(
        (h for h in ctx.store.webhooks.values() if status == "all" or h["status"] == status),
        key=lambda h: h["id"],
    )
    items.sort(
        key=lambda h: h["date_created_gmt"], reverse=True
    )  # newest first, ties by id as MySQL gives them
    return ctx.listing("webhook", paginate(items, page, per_page, offset))


def webhook_routes(dispatcher: Dispatcher) -> list[tuple[str, str, str, Any]]:
    item = r"/webhooks/(?P<id>\d+)"
    return [
        ("GET", r"/webhooks", "list", _list),
        ("POST", r"/webhooks", "create", lambda ctx: Reply(_save(ctx, dispatcher, ctx.data), 201)),
        (
            "POST",
            r"/webhooks/batch",
            "batch",
            lambda ctx: batch(
                ctx,
                lambda d: _save(ctx, dispatcher, d),
                lambda i, d: _save(ctx, dispatcher, d, i),
                lambda i: _delete(ctx, i, True),
            ),
        ),
        ("GET", item, "view", lambda ctx, id: Reply(ctx.render("webhook", _find(ctx.store, int(id))))),
        ("PUT", item, "edit", lambda ctx, id: Reply(_save(ctx, dispatcher, ctx.data, int(id)))),
        ("DELETE", item, "delete", lambda ctx, id: Reply(_delete(ctx, int(id), ctx.params.boolean("force")))),
    ]
