"""Read-only lookups over REST: payment methods, sales types, tax codes, dimensions.

Flows use them to turn a setting ("Klarna", "Salg utland", department "Nettbutikk") into the
id an order needs. They are short lists, so each is read once per run and matched locally.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from pydantic import BaseModel

from flowhub import ReadQuery
from flowhub.errors import ConfigError
from flowhub_24sevenoffice.entities.base import RestEntity, same_text
from flowhub_24sevenoffice.models.rest import Dimension, DimensionElement, PaymentMethod, SalesType, Tax

__all__ = [
    "DepartmentEntity",
    "DimensionEntity",
    "PaymentMethodEntity",
    "ProjectEntity",
    "SalesTypeEntity",
    "TaxCodeEntity",
]


class _Lookup(RestEntity):
    """A short read-only list at ``path``; ``find`` compares text fields ignoring case."""

    path: ClassVar[str]
    key = "id"

    def __init__(self, connector: Any) -> None:
        super().__init__(connector)
        self._cache: list[BaseModel] | None = None

    def _all(self) -> list[BaseModel]:
        if self._cache is None:
            self._cache = [self.model.model_validate(i) for i in self._fetch()]
        return self._cache

    def _fetch(self) -> list[dict[str, Any]]:
        return list(self.rest.walk(self.path))

    def read(self, query: ReadQuery) -> Iterator[BaseModel]:
        yield from self._all()

    def get(self, key: str) -> BaseModel | None:
        return next((r for r in self._all() if self.key_of(r) == str(key)), None)

    def find(self, field: str, value: Any) -> list[BaseModel]:
        self._check_find_field(field)
        if value is None or str(value).strip() == "":
            return []
        return [r for r in self._all() if _equal(getattr(r, field, None), value)]


def _equal(have: Any, want: Any) -> bool:
    if isinstance(have, int | float) and not isinstance(have, bool):
        try:
            return float(have) == float(want)
        except (TypeError, ValueError):
            return False
    return same_text(have, want)


class PaymentMethodEntity(_Lookup):
    """Payment methods; ``account.id`` is the ledger account a paid-in-shop order closes on (S5)."""

    name = "payment_method"
    model = PaymentMethod
    path = "paymentmethods"
    find_fields = ("id", "name")


class SalesTypeEntity(_Lookup):
    """Sales types (types of sale), e.g. domestic credit sale or "Salg utland" (S7)."""

    name = "sales_type"
    model = SalesType
    path = "salestypes"
    find_fields = ("id", "name")


class TaxCodeEntity(_Lookup):
    """Tax codes: ``id`` goes on order lines, ``number`` is the code accountants know."""

    name = "tax_code"
    model = Tax
    path = "taxes"
    find_fields = ("id", "number", "name", "rate")


class DimensionEntity(_Lookup):
    """Every element of every dimension type; the key is ``<dimensionType>:<value>``."""

    name = "dimension"
    model = DimensionElement
    key = "value"
    path = "dimensions"
    filters: ClassVar[dict[str, str]] = {"dimensionType": "only elements of this dimension type id"}
    find_fields = ("value", "name")

    def key_of(self, record: BaseModel) -> str:
        return f"{getattr(record, 'dimensionType', '')}:{getattr(record, 'value', '')}"

    def read(self, query: ReadQuery) -> Iterator[BaseModel]:
        wanted = query.where.get("dimensionType")
        for record in self._all():
            if wanted is None or str(getattr(record, "dimensionType", "")) == str(wanted):
                yield record

    def _fetch(self) -> list[dict[str, Any]]:
        elements: list[dict[str, Any]] = []
        for kind in self._types():
            elements.extend(
                {"dimensionType": kind.id, **e} for e in self.rest.walk(f"dimensions/{kind.id}/elements")
            )
        return elements

    def _types(self) -> list[Dimension]:
        return [Dimension.model_validate(i) for i in self.rest.get("dimensions") or []]


class _OneDimension(DimensionEntity):
    """The elements of one dimension type, found by ``setting`` or else by its name."""

    setting: ClassVar[str]
    names: ClassVar[tuple[str, ...]]
    key = "value"
    filters: ClassVar[dict[str, str]] = {}

    def key_of(self, record: BaseModel) -> str:
        return str(getattr(record, "value", ""))

    def _types(self) -> list[Dimension]:
        configured = getattr(self.owner.settings, self.setting, None)
        kinds = super()._types()
        if configured is not None:
            return [k for k in kinds if k.id == int(configured)] or [Dimension(id=int(configured))]
        named = [k for k in kinds if any(same_text(k.name, n) for n in self.names)]
        if not named:
            known = ", ".join(f"{k.id} {k.name}" for k in kinds) or "none"
            raise ConfigError(
                f"24sevenoffice: no {self.name} dimension found by name (dimensions: {known}); "
                f"set {self.setting} on the connection"
            )
        return named[:1]


class DepartmentEntity(_OneDimension):
    """Departments (avdeling), for the order header (S6)."""

    name = "department"
    setting = "department_dimension"
    names = ("Department", "Avdeling", "Avdelning", "Afdeling")


class ProjectEntity(_OneDimension):
    """Projects (prosjekt), for the order header (S6)."""

    name = "project"
    setting = "project_dimension"
    names = ("Project", "Prosjekt", "Projekt")
