"""Connection settings of a DUELL account: API client credentials, department tokens, paging."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from flowhub.settings import ConnectionSettings

__all__ = ["DuellSettings"]

DEFAULT_BASE_URL = "https://api.kasseservice.no/v1/"


class DuellSettings(ConnectionSettings):
    """How to reach one DUELL client (from Duell Manager > API-oppsett)."""

    base_url: str = Field(DEFAULT_BASE_URL, description="API root; the local sandbox prints its own.")
    client_number: str = Field(description="The DUELL client number (6 digits).")
    client_token: SecretStr = Field(description="The API client token (longer than 30 characters).")
    department_token: str | None = Field(
        None,
        description="Token of the department (store/warehouse) that stock and orders belong to. "
        "An identifier, not a credential: it works only together with a logged-in client.",
    )
    departments: dict[str, str] = Field(
        default_factory=dict,
        description="More departments by a name of your choice, for stock reads: {name: token}.",
    )
    page_size: int = Field(100, ge=1, le=100, description="Rows asked for per page (DUELL caps at 100).")
    max_logins: int = Field(3, ge=1, le=10, description="Log-ins tried for one call before an auth failure.")
    max_wait: float = Field(30.0, gt=0, description="Longest pause in seconds between two retries.")
    rate_limit_wait: float = Field(
        10.0, gt=0, description="Pause after a 429 that names no reset time (seconds)."
    )
    adjust_stock_sign: Literal["deduct", "add"] = Field(
        "deduct",
        description="How this DUELL reads product/adjust-stock quantities: 'deduct' (a positive "
        "quantity is sold and taken off stock, as DUELL's own plugin sends it) or 'add'.",
    )
    timezone: str = Field("Europe/Oslo", description="Time zone of DUELL's 'Y-m-d H:i:s' dates.")
