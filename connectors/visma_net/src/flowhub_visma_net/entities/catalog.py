"""What a shop's catalogue adds to an item: its images (attachments) and its sales categories.

Facts (shared/apis/README.md §2, visma_net/endpoints-derived.json, dtos-derived.json):

- Files are attached with ``POST /v1/inventory/{inventoryNumber}/attachment`` (multipart, 201).
  The item lists them as ``attachments: [{name, id, revision}]`` (``expandAttachment=true`` in
  lists). There is no endpoint to list or delete an item's attachments besides that, so an
  attachment is found by its file name on the item, and never uploaded twice.
- Sales categories are read-only (``GET /v1/salescategory[/{id}[/item]]``), and the item's write
  DTO (``InventoryUpdateDto``) has no ``salesCategories``: the API can neither create a sales
  category nor put an item into one. People do both in Visma.net (Item sales categories,
  IN204060). ``item_sales_categories`` therefore reads which categories an item is in and, asked
  to put it into others, says precisely which ones a person must add (the record waits, and
  goes through by itself once they have); it never pretends to have written them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar
from urllib.parse import quote

from pydantic import BaseModel

from flowhub.connector import ReadQuery
from flowhub.errors import ConfigError, RejectedError, RetryableError, WaitingError
from flowhub_visma_net.entities.base import VismaReader
from flowhub_visma_net.models import InventoryAttachment, ItemSalesCategories

__all__ = ["InventoryAttachments", "ItemSalesCategoryChecks", "category_name", "file_name_of"]


def category_name(text: Any) -> str:
    """A sales category's description as flows compare it: trimmed, lower-cased."""
    return str(text or "").strip().lower()


def file_name_of(name: str | None) -> str:
    """The bare file name of an attachment (✘ Visma.net may prefix it with a screen and path)."""
    return str(name or "").replace("\\", "/").rsplit("/", 1)[-1]


def _split_key(key: str) -> tuple[str, str]:
    number, _, name = str(key).rpartition("/")
    if not number or not name:
        raise RejectedError(f"visma_net/inventory_attachment: '{key}' is not an 'inventoryNumber/fileName' key")
    return number, name


class _ItemPart(VismaReader):
    """Something read off inventory items through the list filter ``inventoryNumber``."""

    path = "/v1/inventory"
    since_param = None
    by_key = False

    def item(self, number: str) -> dict[str, Any] | None:
        """The item ``number`` with the parts this entity asks to expand, or None."""
        params = {**self.list_params, "inventoryNumber": number}
        wanted = str(number).strip().lower()
        return next(
            (i for i in self.client.pages(self.api, self.path, params)
             if str(i.get("inventoryNumber") or "").strip().lower() == wanted),
            None,
        )


class InventoryAttachments(_ItemPart):
    """Files attached to inventory items (product images), one record per file.

    Create downloads ``src`` (with the connector's HTTP client, no Visma.net credentials sent
    there) and POSTs it as multipart to ``/v1/inventory/{inventoryNumber}/attachment``. An item
    has a file of a name once: create and update only upload a file the item does not have
    yet, so a re-run (or a lost answer) never uploads an image twice.
    """

    name = "inventory_attachment"
    model = InventoryAttachment
    key = "attachmentKey"
    list_params: ClassVar[Mapping[str, Any]] = {"expandAttachment": "true"}
    find_fields = ("attachmentKey", "inventoryNumber")

    def items(self, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        for item in self.client.pages(self.api, self.path, params):
            yield from _attachments(item)

    def read(self, query: ReadQuery) -> Iterator[BaseModel]:
        yield from map(self.parse, self.items({**self.list_params, **dict(query.where)}))

    def parse(self, item: Mapping[str, Any]) -> BaseModel:
        return self.model.model_validate(item)

    def get(self, key: str) -> BaseModel | None:
        number, name = _split_key(key)
        found = self.item(number)
        return next((a for a in self._of(found) if a.fileName == name), None) if found else None

    def find(self, field: str, value: Any) -> list[BaseModel]:
        if field == "attachmentKey":
            found = self.get(str(value))
            return [found] if found is not None else []
        if field == "inventoryNumber":
            item = self.item(str(value))
            return self._of(item) if item else []
        raise ConfigError(f"visma_net/{self.name}: cannot find by '{field}' (known: {', '.join(self.find_fields)})")

    def _of(self, item: Mapping[str, Any]) -> list[BaseModel]:
        return [self.parse(a) for a in _attachments(item)]

    def create(self, payload: BaseModel) -> BaseModel:
        return self.attach(payload, None)

    def update(self, key: str, payload: BaseModel) -> BaseModel:
        """The file the payload names, attached if the item does not have it yet (never twice)."""
        return self.attach(payload, key)

    def attach(self, payload: BaseModel, key: str | None) -> BaseModel:
        number, name = self._names(payload, key)
        wanted = f"{number}/{name}"
        if (found := self.get(wanted)) is not None:
            return found
        src = getattr(payload, "src", None)
        if not src:
            raise RejectedError(f"visma_net/{self.name} {wanted}: no `src` to download the file from")
        content, content_type = self.client.download(str(src))
        path = f"{self.path}/{quote(number, safe='')}/attachment"
        last: RetryableError | None = None
        for _ in range(max(1, self.connector.settings.max_attempts)):
            if last is not None and (found := self.get(wanted)) is not None:
                return found  # the earlier POST landed; its answer was lost
            try:
                self.client.upload(self.api, path, name, content, content_type)
            except RetryableError as error:
                last = error
                continue
            break
        else:
            assert last is not None
            raise last
        found = self.get(wanted)
        if found is None:
            raise RejectedError(f"visma_net: POST {path} answered, but {number} does not list '{name}'")
        return found

    def _names(self, payload: BaseModel, key: str | None) -> tuple[str, str]:
        number = getattr(payload, "inventoryNumber", None)
        name = getattr(payload, "fileName", None)
        given = getattr(payload, "attachmentKey", None) or key
        if (not number or not name) and given:
            number, name = number or _split_key(given)[0], name or _split_key(given)[1]
        if not number or not name:
            raise RejectedError(f"visma_net/{self.name}: an attachment needs `inventoryNumber` and `fileName`")
        return str(number), file_name_of(str(name))


def _attachments(item: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    number = str(item.get("inventoryNumber") or "")
    for attachment in item.get("attachments") or []:
        name = file_name_of(attachment.get("name"))
        yield {
            "attachmentKey": f"{number}/{name}",
            "inventoryNumber": number,
            "fileName": name,
            "name": attachment.get("name"),
            "id": attachment.get("id"),
            "revision": attachment.get("revision"),
        }


class ItemSalesCategoryChecks(_ItemPart):
    """The sales categories each item is in; `update` checks, it cannot assign (see module doc).

    ``memberOf`` maps category description (trimmed, lower-cased) to ``categoryId``. A flow
    sends the categories the item should be in (``compare: target``, so nothing is called
    when the item is in them already, whatever else it is in). Asked for categories it is not
    in, the record waits with a message that names them and where to add them in Visma.net;
    it is checked again at the start of every run and goes through once a person did it.
    """

    name = "item_sales_categories"
    model = ItemSalesCategories
    key = "inventoryNumber"
    cursor = "lastModifiedDateTime"
    since_param = "lastModifiedDateTime"
    list_params: ClassVar[Mapping[str, Any]] = {"expandSalesCategories": "true"}
    filters: ClassVar[Mapping[str, str]] = {"salesCategory": "category id"}
    find_fields = ("inventoryNumber",)

    def items(self, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        yield from self.client.pages(self.api, self.path, params)

    def parse(self, item: Mapping[str, Any]) -> BaseModel:
        lines = item.get("salesCategories") or []
        return self.model.model_validate({
            "inventoryNumber": item.get("inventoryNumber"),
            "salesCategories": lines,
            "memberOf": {category_name(c.get("description")): c.get("categoryId") for c in lines},
            "lastModifiedDateTime": item.get("lastModifiedDateTime"),
        })

    def get(self, key: str) -> BaseModel | None:
        found = self.item(str(key))
        return None if found is None else self.parse(found)

    def find(self, field: str, value: Any) -> list[BaseModel]:
        if field != "inventoryNumber":
            raise ConfigError(f"visma_net/{self.name}: cannot find by '{field}' (known: inventoryNumber)")
        found = self.get(str(value))
        return [found] if found is not None else []

    def update(self, key: str, payload: BaseModel) -> BaseModel:
        """The item as it is, when it is in every category asked for; else the record waits."""
        current = self.get(key)
        if current is None:
            raise RejectedError(f"visma_net: inventory item {key} is not in Visma.net (any more)")
        wanted: Mapping[str, Any] = getattr(payload, "memberOf", None) or {}
        have = {str(v) for v in (getattr(current, "memberOf", None) or {}).values()}
        missing = [(name, cid) for name, cid in wanted.items() if str(cid) not in have]
        if not missing:
            return current
        named = ", ".join(f"'{name}' ({cid})" for name, cid in missing)
        raise WaitingError(
            f"waiting: item {key} is not in sales categor{'y' if len(missing) == 1 else 'ies'} {named} in "
            "Visma.net. The Visma.net API cannot put an item into a sales category (InventoryUpdateDto "
            "has no salesCategories; /v1/salescategory is read-only): add it in Visma.net under "
            "Inventory > Item sales categories (IN204060). Checked again at every run."
        )
