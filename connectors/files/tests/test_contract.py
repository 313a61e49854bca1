"""flowhub's standard connector contract, run against the files connector in tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flowhub_files.connector import FilesConnector

from flowhub.testing import ContractSpec, connector_contract


def customer(number: int) -> dict[str, Any]:
    return {"id": number, "email": f"c{number}@example.com", "name": f"Customer {number}"}


SPEC = ContractSpec(connector=FilesConnector, entity="customers", new_record=customer, find_field="email")


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
class TestFilesContract(connector_contract(SPEC)):  # type: ignore[misc]
    @pytest.fixture
    def settings(self, tmp_path: Path, fmt: str) -> dict[str, Any]:
        return {"directory": str(tmp_path), "format": fmt}
