"""Pieces every WooCommerce resource shares: meta data, links, errors and batch answers."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import Discriminator, Tag

from flowhub_woocommerce.models.base import WooRecord

__all__ = [
    "Links",
    "WooBatch",
    "WooBatchItemError",
    "WooError",
    "WooErrorData",
    "WooMetaData",
    "WooSettingField",
]

Links = dict[str, Any]
"""The ``_links`` object (HAL-style: rel -> list of {href, ...}); kept as the API sent it."""


class WooMetaData(WooRecord):
    """One ``meta_data`` entry; on order lines it also carries ``display_key``/``display_value``."""

    id: int | None = None
    key: str | None = None
    value: Any = None
    display_key: str | None = None
    display_value: Any = None


class WooErrorData(WooRecord):
    """The ``data`` of an error: HTTP status, and for validation errors the bad params."""

    status: int | None = None
    params: dict[str, Any] | None = None
    details: dict[str, Any] | None = None
    resource_id: int | None = None
    unique_sku: str | None = None
    new_draft_order_id: int | None = None  # a failed order create left this draft behind


class WooError(WooRecord):
    """An error body ``{"code", "message", "data": {"status", ...}}``, also per item in batches."""

    code: str | None = None
    message: str | None = None
    data: WooErrorData | None = None


class WooBatchItemError(WooRecord):
    """One failed item of a batch answer: ``{"id": 0, "error": {...}}`` inside an HTTP 200."""

    id: int | None = None
    error: WooError


class WooSettingField(WooRecord):
    """One setting of a payment gateway or shipping method (``settings.<name>``)."""

    id: str | None = None
    label: str | None = None
    description: str | None = None
    type: str | None = None
    value: Any = None
    default: Any = None
    tip: str | None = None
    placeholder: str | None = None
    options: dict[str, Any] | None = None


R = TypeVar("R", bound=WooRecord)


def _batch_item_kind(item: Any) -> str:
    """A batch item is an error when it carries ``error``; otherwise it is the record itself."""
    if isinstance(item, dict):
        return "error" if "error" in item else "record"
    return "error" if isinstance(item, WooBatchItemError) else "record"


BatchItem = Annotated[
    Annotated[R, Tag("record")] | Annotated[WooBatchItemError, Tag("error")],
    Discriminator(_batch_item_kind),
]
"""One item of a batch answer: the record, or its error."""


class WooBatch(WooRecord, Generic[R]):
    """The answer of ``POST /<resource>/batch``: records or per-item errors under each verb.

    Use it parametrised, e.g. ``WooBatch[WooProduct]``; ``failed`` lists the items that failed.
    """

    create: list[BatchItem[R]] | None = None
    update: list[BatchItem[R]] | None = None
    delete: list[BatchItem[R]] | None = None

    def failed(self) -> list[tuple[str, int, WooBatchItemError]]:
        """Every failed item as (verb, position in that verb's list, error)."""
        return [
            (verb, index, item)
            for verb in ("create", "update", "delete")
            for index, item in enumerate(getattr(self, verb) or [])
            if isinstance(item, WooBatchItemError)
        ]


