"""Test setup: flowhub's connector test kit, a fresh token cache per test, shared helpers as fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flowhub_24sevenoffice.connector import TwentyFourSevenOffice
from flowhub_24sevenoffice.oauth import clear_token_cache
from flowhub_24sevenoffice.settings import TwentyFourSevenSettings

pytest_plugins = ["flowhub.testing"]

OpenConnector = Callable[..., TwentyFourSevenOffice]


@pytest.fixture(autouse=True)
def _fresh_tokens() -> Iterator[None]:
    """Tokens are cached process-wide per organisation; each test starts without one."""
    clear_token_cache()
    yield
    clear_token_cache()


@pytest.fixture
def open_connector() -> OpenConnector:
    """``open_connector(settings, **changes)``: the connector on those settings."""

    def make(settings: dict[str, Any], **changes: Any) -> TwentyFourSevenOffice:
        return TwentyFourSevenOffice(
            TwentyFourSevenSettings.model_validate({**settings, **changes}), connection_name="test"
        )

    return make


@pytest.fixture
def shared_apis() -> Path:
    """shared/apis/24sevenoffice, found by walking up from this file; the test skips without it."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "apis" / "24sevenoffice"
        if candidate.is_dir():
            return candidate
    pytest.skip("shared/apis/24sevenoffice is not beside this checkout")
