"""Wire types of the WooCommerce REST API: money, dates, and the record base class.

WooCommerce sends money as strings ("199.00"), one money field as a JSON number
(``line_items[].price``), dates as naive ISO text, and uses ``""`` for "no value" where it
means null. These types read all of that into Python values (Decimal, datetime, None) and
write it back exactly as the API spelled it, so a record read from WooCommerce and dumped
again is the same JSON.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    SecretStr,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    model_serializer,
)

from flowhub.connector import ApiRecord

__all__ = [
    "DecimalNumber",
    "Money",
    "MoneyNumber",
    "Percent",
    "WooDateTime",
    "WooRecord",
    "WriteOnlySecret",
    "money_text",
    "number_json",
]


_BLANKS_KEY = "__woo_blank_fields__"
_NO_BLANKS: frozenset[str] = frozenset()


def _remember_blank(info: ValidationInfo) -> None:
    """Note on the record being built that this field came as ``""`` (see `WooRecord`).

    ``info.data`` is the dict pydantic fills with the record's fields and then uses as its
    ``__dict__``, so the note ends up beside the field values without a model-level validator
    (one on every nested record made reading a page of orders about twice as slow).
    """
    data, name = info.data, info.field_name
    if isinstance(data, dict) and name is not None:
        data[_BLANKS_KEY] = data.get(_BLANKS_KEY, _NO_BLANKS) | {name}


def _blank_to_none(value: Any, info: ValidationInfo) -> Any:
    """WooCommerce writes "" where it means "no value"; read it as None."""
    if isinstance(value, str) and value.strip() == "":
        if value == "":
            _remember_blank(info)
        return None
    return value


def _money_in(value: Any, info: ValidationInfo) -> Any:
    """"" -> None, float -> Decimal through its shortest repr; one call per value (reads are hot)."""
    if isinstance(value, str):
        if value.strip() == "":
            if value == "":
                _remember_blank(info)
            return None
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, bool):
        raise ValueError("a money value cannot be a boolean")
    return value


def money_text(value: Decimal) -> str:
    """A Decimal as WooCommerce writes money: plain notation, trailing zeros kept ("199.00")."""
    return format(value, "f")


def number_json(value: Decimal) -> int | float:
    """A Decimal as a JSON number: an int when it was integral on the wire (100), else a float."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return int(value)
    return float(value)


def _datetime_text(value: datetime) -> str:
    """A date as WooCommerce writes it: YYYY-MM-DDTHH:MM:SS (no microseconds)."""
    return value.isoformat(timespec="seconds")


Money = Annotated[
    Decimal | None,
    BeforeValidator(_money_in),
    PlainSerializer(money_text, return_type=str, when_used="json-unless-none"),
]
"""Money sent as a JSON string ("199.00"); read as Decimal, "" as None, written back as the same text."""

Percent = Money
"""A rate sent as a JSON string ("25.0000"); same handling as Money."""

DecimalNumber = Annotated[
    Decimal | None,
    BeforeValidator(_money_in),
    PlainSerializer(number_json, return_type=int | float, when_used="json-unless-none"),
]
"""A number sent as a JSON number (709.2, 25); read as Decimal, written back as a number."""

MoneyNumber = DecimalNumber
"""Money sent as a JSON number (``line_items[].price``, ``coupon_lines[].nominal_amount``)."""

WooDateTime = Annotated[
    datetime | None,
    BeforeValidator(_blank_to_none),
    PlainSerializer(_datetime_text, return_type=str, when_used="json-unless-none"),
]
"""A date as the API sends it: naive, site-local or GMT depending on the field's ``_gmt`` suffix."""

WriteOnlySecret = Annotated[
    SecretStr | None,
    PlainSerializer(SecretStr.get_secret_value, return_type=str, when_used="json-unless-none"),
]
"""A secret the API takes but never returns (webhook secret, customer password).

Masked in repr and in Python-mode dumps; a JSON-mode dump reveals it, because that dump is
the request body sent to WooCommerce. Never log a JSON dump of a record that holds one.
"""


_FIELD_NAMES: dict[type[BaseModel], dict[str, str]] = {}


def _field_names(model: type[BaseModel]) -> dict[str, str]:
    """Input key -> field name, for fields and their aliases (``_links`` -> ``links``)."""
    if model not in _FIELD_NAMES:
        names = {name: name for name in model.model_fields}
        names |= {f.alias: name for name, f in model.model_fields.items() if f.alias is not None}
        _FIELD_NAMES[model] = names
    return _FIELD_NAMES[model]


class WooRecord(ApiRecord):
    """Base of every WooCommerce model: aliases on output, and "" remembered where it meant None.

    A field typed Money or WooDateTime reads ``""`` as None. To write the record back exactly
    as received, the record remembers which fields came as ``""`` and a JSON-mode dump writes
    ``""`` for them again while they are still None (a Python-mode dump keeps None). The same
    trick lets a writer clear a value the way WooCommerce wants it cleared:
    ``WooProduct(sale_price="")`` dumps ``{"sale_price": ""}``.
    """

    model_config = ConfigDict(serialize_by_alias=True)

    @property
    def _blank_fields(self) -> frozenset[str]:
        return self.__dict__.get(_BLANKS_KEY, _NO_BLANKS)  # type: ignore[no-any-return]

    @model_serializer(mode="wrap")
    def _restore_blanks(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        data = handler(self)
        if not self._blank_fields or not info.mode_is_json() or not isinstance(data, dict):
            return data
        for name in self._blank_fields:
            if getattr(self, name, "") is not None:
                continue
            for key in (name, type(self).model_fields[name].alias):
                if key is not None and key in data and data[key] is None:
                    data[key] = ""
        return data
