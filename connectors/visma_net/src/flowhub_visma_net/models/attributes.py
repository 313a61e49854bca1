"""Attribute definitions: the extra information fields items and customers carry (A10)."""

from __future__ import annotations

from typing import Any

from flowhub_visma_net.models.common import VismaRecord, When

__all__ = ["Attribute"]


class Attribute(VismaRecord):
    """An attribute (``AttributeDto``): its id, label and kind; a Combo lists its values in ``details``."""

    attributeID: str | None = None
    description: str | None = None
    controlType: str | None = None  # Text, Combo, MultiSelectCombo, Lookup, Checkbox, Datetime
    internal: bool | None = None
    entryMask: str | None = None
    regExp: str | None = None
    details: list[dict[str, Any]] | None = None
    createdDateTime: When = None
    lastModifiedDateTime: When = None
