"""What a route handler gets (the request, parsed) and gives back (a reply to render)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from flowhub_woocommerce.sandbox.errors import WooError
from flowhub_woocommerce.sandbox.query import Page, Params, link_header, paging
from flowhub_woocommerce.sandbox.render import with_links
from flowhub_woocommerce.sandbox.store import Record, Store

__all__ = ["BATCH_LIMIT", "Ctx", "Reply", "batch"]

BATCH_LIMIT = 100


@dataclass
class Reply:
    """A handler's answer: payload (public records, `_links` included), status, extra headers."""

    payload: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Ctx:
    """One request as handlers see it."""

    store: Store
    method: str
    params: Params
    body: Any
    namespace: str  # "wc/v3" or "wc/v2"
    pairs: list[tuple[str, str]]  # decoded query pairs in request order, for Link headers
    path: str  # the route path after the namespace, e.g. "/products"
    user_id: int = 1

    @property
    def data(self) -> Mapping[str, Any]:
        """The JSON body as an object (an empty one when absent or not an object)."""
        return self.body if isinstance(self.body, Mapping) else {}

    def render(self, kind: str | None, record: Record) -> Record:
        return with_links(kind, record, self.namespace)

    def page(self) -> tuple[int, int, int | None]:
        return paging(self.params)

    def listing(
        self,
        kind: str | None,
        page: Page,
        *,
        defaults: Sequence[tuple[str, str]] = (),
        view: Callable[[Record], Record] | None = None,
    ) -> Reply:
        """A list reply: the page's records, X-WP-Total(-Pages), and Link with prev/next."""
        items = [self.render(kind, view(r) if view else r) for r in page.items]
        headers = {"X-WP-Total": str(page.total), "X-WP-TotalPages": str(page.pages)}
        pairs = self.link_pairs(defaults)
        link = link_header(f"{{site}}/wp-json/{self.namespace}{self.path}", pairs, page.page, page.pages)
        if link:
            headers["Link"] = link
        return Reply(items, headers=headers)

    def everything(self, kind: str | None, items: list[Record]) -> Reply:
        """An unpaged list that still carries X-WP-Total and X-WP-TotalPages (zones, gateways...)."""
        return self.listing(kind, Page(items, len(items), 1 if items else 0, 1))

    def link_pairs(self, defaults: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        """Query pairs as WordPress echoes them: booleans as 1/"", defaults appended."""
        out = []
        for key, value in self.pairs:
            if key in ("dates_are_gmt", "force") and value.lower() in ("true", "false"):
                value = "1" if value.lower() == "true" else ""
            out.append((key, value))
        present = {k.split("[")[0] for k, _ in self.pairs}
        out.extend((k, v) for k, v in defaults if k.split("[")[0] not in present)
        return out


def batch(
    ctx: Ctx,
    create: Callable[[Mapping[str, Any]], Record],
    update: Callable[[int, Mapping[str, Any]], Record],
    delete: Callable[[int], Record],
) -> Reply:
    """``{"create": [...], "update": [...], "delete": [ids]}``: HTTP 200 with per-item errors.

    More than 100 items in total is refused with 413 before anything is written. Deletes in a
    batch are permanent (WooCommerce sets force=true on them).
    """
    data = ctx.data
    groups = {name: data.get(name) or [] for name in ("create", "update", "delete")}
    if sum(len(items) for items in groups.values() if isinstance(items, list)) > BATCH_LIMIT:
        raise WooError(
            413,
            "woocommerce_rest_request_entity_too_large",
            f"Unable to accept more than {BATCH_LIMIT} items for this request.",
        )
    answer: dict[str, list[Record]] = {}
    if groups["create"]:
        answer["create"] = [_item(partial(create, item), 0) for item in groups["create"]]
    if groups["update"]:
        answer["update"] = [
            _item(partial(update, _id_of(item), item), _id_of(item)) for item in groups["update"]
        ]
    if groups["delete"]:
        answer["delete"] = [_item(partial(delete, _id_of(item)), _id_of(item)) for item in groups["delete"]]
    return Reply(answer)


def _id_of(item: Any) -> int:
    raw = item.get("id") if isinstance(item, Mapping) else item
    try:
        return int(str(raw))
    except ValueError:
        return 0


def _item(work: Callable[[], Record], item_id: int) -> Record:
    try:
        return work()
    except WooError as error:
        return {
            "id": item_id,
            "error": {
                "code": error.code,
                "message": error.message,
                "data": {"status": error.status, **error.data},
            },
        }
