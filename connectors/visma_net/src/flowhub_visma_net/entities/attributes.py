"""Attribute definitions on ``/v1/attribute``: an item's characteristics need theirs first (A10)."""

from __future__ import annotations

from flowhub_visma_net.entities.base import VismaWriter
from flowhub_visma_net.models import Attribute

__all__ = ["Attributes"]


class Attributes(VismaWriter):
    """Attribute definitions by ``attributeID``, the id an item's ``attributes`` name.

    The list has no changed-since filter in the catalogue; it is short (a company defines a
    handful), so it is read whole.
    """

    name = "attribute"
    model = Attribute
    key = "attributeID"
    path = "/v1/attribute"
    write_dto = "AttributeUpdateDto"
    since_param = None
    recover_by = ("attributeID",)
