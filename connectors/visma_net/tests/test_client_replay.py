"""The client's paging, Location following and error texts, replayed from cassettes.

The cassettes were recorded once from the sandbox (``pytest --record-mode=once`` re-records a
missing one); replay never touches the network. Request bodies and answers are scrubbed of
secrets (see test_cassettes_hold_no_secrets).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flowhub_visma_net import models as m
from flowhub_visma_net.connector import VismaNet
from flowhub_visma_net.sandbox import SANDBOX, create_app
from flowhub_visma_net.settings import VismaNetSettings

from flowhub.connector import ReadQuery
from flowhub.errors import RejectedError
from flowhub.sandboxes import serve

CASSETTES = Path(__file__).parent / "cassettes"


@pytest.fixture
def connector() -> Iterator[VismaNet]:
    """A connector on a fresh sandbox (only reached while recording; replay answers from the cassette)."""
    with serve(create_app(max_page_size=3)) as served:
        settings = VismaNetSettings.model_validate(SANDBOX.connection(served.base_url))
        with VismaNet(settings, connection_name="replay") as opened:
            yield opened


@pytest.mark.vcr
def test_replayed_pages_shrink_to_max_page_size_and_stop_on_a_short_page(connector: VismaNet) -> None:
    numbers = [c.number for c in connector.entity("customer").read(ReadQuery(since="2000-01-01T00:00:00"))]
    assert numbers == ["10000", "10001", "10002", "10003", "10004", "10005", "10006"]


@pytest.mark.vcr
def test_replayed_create_learns_its_key_from_the_location(connector: VismaNet) -> None:
    created = connector.entity("customer").create(
        m.Customer.model_validate(
            {
                "name": "Kassett AS",
                "corporateId": "955555555",
                "customerClassId": "BEDRIFT",
                "mainAddress": {
                    "addressLine1": "Kaien 1",
                    "postalCode": "5003",
                    "city": "Bergen",
                    "countryId": "NO",
                },
            }
        )
    )
    assert created.number == "10007"
    assert created.mainAddress is not None and created.mainAddress.country is not None
    assert created.mainAddress.country.name == "Norge"  # type: ignore[union-attr]


@pytest.mark.vcr
def test_replayed_ippexception_is_quoted_word_for_word(connector: VismaNet) -> None:
    with pytest.raises(
        RejectedError,
        match=r"^visma_net: POST /v1/inventory -> 400 10004: IPPException: "
        r"'VAT' cannot be found in the system: '99'\.$",
    ):
        connector.entity("inventory_item").create(
            m.InventoryItem.model_validate(
                {"inventoryNumber": "KASSETT-1", "description": "Kassettvare", "vatCode": "99"}
            )
        )


@pytest.mark.vcr
def test_replayed_stock_level_adds_up_the_warehouses(connector: VismaNet) -> None:
    level = connector.entity("stock").get("FH-1001")
    assert level is not None
    assert [w.warehouse.id for w in level.warehouses] == ["BUTIKK", "MAIN"]  # type: ignore[union-attr]
    assert level.onHand == sum(w.onHand for w in level.warehouses)  # type: ignore[misc]


def test_cassettes_hold_no_secrets() -> None:
    from flowhub_visma_net.sandbox.seed import load_seed

    texts = [p.read_text(encoding="utf-8") for p in CASSETTES.rglob("*.yaml")]
    assert len(texts) >= 4, "the replay tests' cassettes are missing"
    secrets = [c["client_secret"] for c in load_seed()["clients"]]
    for text in texts:
        for secret in secrets:
            assert secret not in text
        assert "Bearer " not in text.replace("Bearer ***", "")
        for line in text.splitlines():
            if "access_token" in line:
                assert '"access_token": "***"' in line, line
