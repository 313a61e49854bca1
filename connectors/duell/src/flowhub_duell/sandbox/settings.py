"""The sandbox's settings: DUELL's unconfirmed behaviour, made choosable."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["CLIENT_NUMBER", "CLIENT_TOKEN", "SandboxSettings"]

CLIENT_NUMBER = "123456"
CLIENT_TOKEN = "sandbox-client-token-4c1d8e7f2a9b6c3d0e5f8a1b"  # > 30 characters, as DUELL requires


class SandboxSettings(BaseModel):
    """Each field is a fact about DUELL nobody has confirmed; the sandbox can play either way."""

    model_config = ConfigDict(extra="forbid")

    error_mode: Literal["http", "status_false"] = Field(
        "http",
        description="'http': failures answer with their 4xx status; 'status_false': HTTP 200 "
        "with {status: false, code, message}. Rate limiting is a real 429 either way (observed).",
    )
    token_ttl: float | None = Field(3600.0, description="Seconds a token lives (None: until revoked).")
    rate_limit: int | None = Field(None, description="Requests per window per client (None: no limit).")
    rate_window: float = Field(1.0, gt=0, description="Length of the rate-limit window in seconds.")
    retry_after_header: bool = Field(
        True, description="Send Retry-After with a 429 (else only the x-duell headers)."
    )
    duplicate_orders: Literal["accept", "reject"] = Field(
        "accept", description="A second order with a known reference_order_number: saved again, or refused."
    )
    adjust_stock_sign: Literal["deduct", "add"] = Field(
        "deduct", description="product/adjust-stock: a positive quantity is taken off stock, or added."
    )
    max_page_size: int = Field(100, ge=1, description="Rows per page at most, whatever 'length' asks for.")
    default_page_size: int = Field(20, ge=1, description="Rows per page when 'length' is not given.")
    demo: bool = Field(True, description="Start with the demo catalogue (product numbers = shop SKUs).")
    generated_products: int = Field(0, ge=0, description="Add this many generated products (benchmarks).")
    client_number: str = CLIENT_NUMBER
    client_token: str = CLIENT_TOKEN
