"""The client against recorded DUELL answers: paging, re-login in both error forms, an order.

Replayed from tests/cassettes/test_cassettes/ (no server runs). To record them again against
the sandbox: ``pytest connectors/duell/tests/test_cassettes.py --record-mode=rewrite``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flowhub_duell import Duell, DuellSettings, SalesOrder
from flowhub_duell.sandbox import CLIENT_TOKEN, connection, demo_data

from flowhub.connector import ReadQuery

CASSETTES = Path(__file__).parent / "cassettes"
FAST = {"max_wait": 0.02, "timeout": 5.0}


@pytest.fixture
def recorded(
    request: pytest.FixtureRequest, duell_sandbox: Callable[..., Any]
) -> Callable[..., tuple[Duell, Any]]:
    """(connector, sandbox state): a live sandbox when recording; when replaying, no server and no state."""
    recording = (request.config.getoption("--record-mode") or "none") != "none"

    def open_(**options: Any) -> tuple[Duell, Any]:
        if recording:
            box = duell_sandbox(**options)
            return box.connector(), box.state
        settings = {**connection("http://127.0.0.1:9"), **FAST}  # nothing listens there
        return Duell(DuellSettings.model_validate(settings), connection_name="replay"), None

    return open_


@pytest.mark.vcr
def test_products_are_read_across_pages_the_server_capped(recorded) -> None:
    duell, _ = recorded(max_page_size=10)
    with duell:
        products = list(duell.entity("product").read(ReadQuery(where={"include_deleted": False})))
        sent = duell.client.api.stats.snapshot()["sent"]
    assert len(products) == len({p.product_id for p in products}) == 43
    assert sent == 1 + 5  # the log-in, then 43 rows in pages of 10
    hood = [p for p in products if p.parent_variant == 1031]
    assert len(hood) == 6 and all(p.custom_fields for p in hood)


@pytest.mark.vcr
@pytest.mark.parametrize("mode", ["http", "status_false"])
def test_a_refused_token_is_replaced_by_logging_in_again(recorded, mode: str) -> None:
    duell, state = recorded(error_mode=mode)
    with duell:
        before = [c.customer_id for c in duell.entity("customer").read(ReadQuery())]
        if state is not None:
            state.expire_tokens()
        after = [c.customer_id for c in duell.entity("customer").read(ReadQuery())]
        logins = duell.client.logins
    assert before == after and len(before) == 5
    assert logins == 2


@pytest.mark.vcr
def test_an_order_is_looked_up_then_saved_once(recorded) -> None:
    duell, _ = recorded()
    order = SalesOrder.model_validate(
        {
            "reference_order_number": "4711",
            "order_data": {"customer_id": 501},
            "product_data": [
                {
                    "line_id": "1",
                    "product_id": 1001,
                    "quantity": 1,
                    "price_inc_vat": 299,
                    "vatrate_percent": 25,
                }
            ],
        }
    )
    with duell:
        created = duell.entity("sales_order").create(order)
        found = duell.entity("sales_order").find("reference_order_number", "4711")
    assert created.order_id == 7001 and created.order_number == "20001"
    assert [o.order_id for o in found] == [7001]


def test_cassettes_hold_no_secret() -> None:
    files = sorted(CASSETTES.rglob("*.yaml"))
    assert len(files) >= 4, "record the cassettes first (see the module docstring)"
    secrets = [CLIENT_TOKEN, *(d["token"] for d in demo_data()["departments"]), "eyJ"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        leaked = [s[:12] + "…" for s in secrets if s in text]
        assert not leaked, f"{path.name} holds {leaked}"
        assert "REDACTED-TOKEN" in text or "getaccesstokens" not in text
