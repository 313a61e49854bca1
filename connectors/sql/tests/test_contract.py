"""flowhub's standard connector contract, run against the sql connector on a SQLite file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flowhub_sql.connector import SqlConnector

from flowhub.testing import ContractSpec, connector_contract


def customer(number: int) -> dict[str, Any]:
    return {"id": number, "email": f"c{number}@example.com", "name": f"Customer {number}"}


SPEC = ContractSpec(connector=SqlConnector, entity="customers", new_record=customer, find_field="email")


class TestSqlContract(connector_contract(SPEC)):  # type: ignore[misc]
    @pytest.fixture
    def settings(self, tmp_path: Path) -> dict[str, Any]:
        return {"url": f"sqlite:///{tmp_path / 'contract.db'}"}
