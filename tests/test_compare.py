"""compare: target — a value the target already has is not sent again."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flowhub.compare import differing_fields, same_value


@pytest.mark.parametrize(("sent", "current"), [
    (Decimal("299"), "299.00"), (299, 299.0), ("", None), (None, ""), ({"quantity": 7}, {"quantity": 7.0, "isManaged": True}),
    ([{"id": 1}], [{"id": 1, "name": "x"}]), (True, True), ("Kaffe", "Kaffe")])
def test_values_the_target_stores_differently_count_as_the_same(sent: object, current: object) -> None:
    assert same_value(sent, current)


@pytest.mark.parametrize(("sent", "current"), [
    (Decimal("299"), "299.50"), ("007", "7"), ("x", None), ({"quantity": 7}, {"quantity": 8}), ([1, 2], [1]),
    (True, 1), (1, "one")])
def test_real_differences_are_found(sent: object, current: object) -> None:
    assert not same_value(sent, current)


def test_only_the_differing_fields_are_kept() -> None:
    assert differing_fields({"name": "A", "price": Decimal("10")}, {"name": "A", "price": "12.00"}) == {
        "price": Decimal("10")}
