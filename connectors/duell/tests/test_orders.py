"""Orders reach DUELL exactly once in every unconfirmed mode: duplicates, error form, lost answers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flowhub_duell.models import CustomerOrder, SalesOrder

from flowhub.connector import ReadQuery
from flowhub.errors import RejectedError, WaitingError
from flowhub.sandboxes import FaultInjection, FaultKind, Faults

MODES = [(error, duplicates) for error in ("http", "status_false") for duplicates in ("accept", "reject")]
KINDS = [("sales_order", "sale", SalesOrder), ("customer_order", "logistics", CustomerOrder)]


def order(model: type[SalesOrder], reference: str) -> SalesOrder:
    return model.model_validate(
        {
            "reference_order_number": reference,
            "order_data": {
                "customer_id": 501,
                "order_date": "2026-11-22 10:00:00",
                "comments": f"Web order {reference}",
            },
            "product_data": [
                {
                    "line_id": "11",
                    "product_number": "FH-1001",
                    "quantity": 2,
                    "price_inc_vat": 299,
                    "vatrate_percent": 25,
                },
                {
                    "line_id": "12",
                    "product_id": 1009,
                    "quantity": 1,
                    "price_inc_vat": 189,
                    "vatrate_percent": 15,
                },
            ],
        }
    )


class FaultOnce:
    """flowhub's FaultInjection, applied to the first ``times`` requests to one path only."""

    def __init__(self, app: Any, suffix: str, kind: FaultKind, times: int = 1) -> None:
        self.app, self.suffix, self.left = app, suffix, times
        self.faulted = FaultInjection(app, Faults(rate=1.0, kinds=[kind]))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith(self.suffix) and self.left > 0:
            self.left -= 1
            await self.faulted(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def references(box: Any, kind: str) -> list[str]:
    return [o["reference_order_number"] for o in box.state.orders[kind].values()]


@pytest.mark.parametrize(("error_mode", "duplicates"), MODES)
@pytest.mark.parametrize(("entity", "kind", "model"), KINDS)
def test_creating_the_same_order_twice_leaves_one_order(
    duell_sandbox, error_mode, duplicates, entity, kind, model
) -> None:
    box = duell_sandbox(error_mode=error_mode, duplicate_orders=duplicates)
    with box.connector() as duell:
        first = duell.entity(entity).create(order(model, "9001"))
    with box.connector() as duell:  # a second run, with nothing remembered in between
        second = duell.entity(entity).create(order(model, "9001"))
    assert references(box, kind) == ["9001"]
    assert first.order_id == second.order_id


@pytest.mark.parametrize(("error_mode", "duplicates"), MODES)
@pytest.mark.parametrize(("entity", "kind", "model"), KINDS)
def test_an_answer_lost_after_duell_saved_the_order_is_not_sent_again(
    duell_sandbox, error_mode, duplicates, entity, kind, model
) -> None:
    path = "/v1/sale/orders/save" if kind == "sale" else "/v1/logistics/orders/save"
    box = duell_sandbox(
        wrap=lambda app: FaultOnce(app, path, "drop_after"),
        error_mode=error_mode,
        duplicate_orders=duplicates,
    )
    with box.connector() as duell:
        created = duell.entity(entity).create(order(model, "9002"))
        again = duell.entity(entity).create(order(model, "9002"))
    assert references(box, kind) == ["9002"]
    assert box.state.calls[f"POST {path}"] == 1  # saved once, its answer lost, found by reference
    assert created.order_id == again.order_id


@pytest.mark.parametrize(("error_mode", "duplicates"), MODES)
def test_a_connection_dropped_before_duell_saw_the_order_is_sent_again(
    duell_sandbox, error_mode, duplicates
) -> None:
    box = duell_sandbox(
        wrap=lambda app: FaultOnce(app, "/v1/sale/orders/save", "drop"),
        error_mode=error_mode,
        duplicate_orders=duplicates,
    )
    with box.connector() as duell:
        duell.entity("sales_order").create(order(SalesOrder, "9003"))
    assert references(box, "sale") == ["9003"]


def test_an_order_with_a_product_duell_lacks_waits_for_it(duell_sandbox) -> None:
    box = duell_sandbox()
    unknown = SalesOrder.model_validate(
        {
            "reference_order_number": "9004",
            "product_data": [{"line_id": "1", "product_number": "NO-SUCH", "quantity": 1}],
        }
    )
    with box.connector() as duell, pytest.raises(WaitingError, match="NO-SUCH"):
        duell.entity("sales_order").create(unknown)
    assert references(box, "sale") == []


@pytest.mark.parametrize("error_mode", ["http", "status_false"])
def test_an_order_duell_refuses_fails_with_duells_reason(duell_sandbox, error_mode) -> None:
    box = duell_sandbox(error_mode=error_mode)
    refused = pytest.raises(RejectedError, match="department_id is not a valid department token")
    with box.connector(department_token="not-a-department-token-xxxxxxxxxxxxx") as duell, refused:
        duell.entity("sales_order").create(order(SalesOrder, "9005"))
    assert references(box, "sale") == []


def test_a_customer_order_is_locked_with_status_1_and_its_status_can_be_read_back(duell_sandbox) -> None:
    box = duell_sandbox()
    with box.connector() as duell:
        created = duell.entity("customer_order").create(order(CustomerOrder, "9006"))
        box.state.set_order_status(created.order_id, 5)
        read = duell.entity("customer_order").get(str(created.order_id))
        done = list(duell.entity("customer_order").read(ReadQuery(where={"purchase_order_status_id": 5})))
    stored = box.state.orders["logistics"][created.order_id]["order_data"]
    assert stored["is_locked"] is True and stored["is_pos"] is False
    assert read is not None and read.status_id == 5 and read.status_name == "Fullført"
    assert [o.reference for o in done] == ["9006"]


def test_with_20_percent_faults_1000_orders_arrive_exactly_once(duell_sandbox) -> None:
    """Accept mode: the one where DUELL itself would let a second copy in."""
    kinds: list[FaultKind] = ["429", "500", "502", "503", "timeout", "drop", "drop_after"]
    faults = Faults(rate=0.2, kinds=kinds, retry_after=0.01, timeout_s=0.05, seed=20)
    box = duell_sandbox(faults=faults, duplicate_orders="accept")
    wanted = [str(100000 + n) for n in range(1000)]
    with box.connector(max_attempts=4) as duell:
        sales = duell.entity("sales_order")
        pending = wanted
        for _ in range(5):  # what later runs of the flow do with records that failed
            with ThreadPoolExecutor(8) as pool:
                outcomes = list(pool.map(lambda ref: _try(sales, ref), pending))
            pending = [ref for ref, ok in zip(pending, outcomes, strict=True) if not ok]
            if not pending:
                break
    stats = box.app.faults.stats()
    assert pending == []
    assert sorted(references(box, "sale")) == wanted  # each exactly once
    assert stats["by_kind"].get("drop_after", 0) > 0 and stats["faulted"] > 300


def _try(entity: Any, reference: str) -> bool:
    try:
        entity.create(order(SalesOrder, reference))
    except Exception:
        return False
    return True
