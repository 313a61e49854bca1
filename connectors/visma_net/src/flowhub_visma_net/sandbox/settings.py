"""How the Visma.net sandbox behaves where the public material is silent (the ✘ rows of the facts).

Every field that encodes an unconfirmed fact says so; docs/connectors/visma_net.md lists them.
The rest are scenario switches for tests (licence, scopes, tenants, rate budget).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["SandboxSettings"]


class SandboxSettings(BaseModel):
    """Options of ``create_app(**options)``."""

    model_config = ConfigDict(extra="forbid")

    # -- paging (maxPageSize is only visible in live answers) ------------------------------
    max_page_size: int = Field(1000, ge=1, description="✘ maxPageSize of v1 lists (docs example: 10).")
    inventory_max_page_size: int = Field(5000, ge=1, description="✔ /v1/inventory since April 2022.")
    default_page_size: int = Field(100, ge=1, description="✘ page size applied when pageSize is missing.")
    v3_max_page_size: int = Field(1000, ge=1, description="✘ SalesOrders v3 page size without expand.")
    v3_expand_max_page_size: int = Field(100, ge=1, description="✔ v3 page size with any expand.")
    v3_first_page_index: int = Field(1, ge=0, description="✘ number of the first v3 page (pageIndex).")
    v3_list_shape: Literal["value", "array"] = Field("value", description="✘ v3 list answer shape.")
    v3_create_answer: Literal["location", "body"] = Field(
        "location", description="✘ v3 POST: 201 + Location (like v1), or 201 with the order as body."
    )
    # -- auth and limits -------------------------------------------------------------------
    token_lifetime_s: float = Field(3600.0, gt=0, description="◐ expires_in of a token (set per app).")
    rate_limit: int = Field(100_000, ge=1, description="✘ calls per window per company+client.")
    rate_window_s: float = Field(3600.0, gt=0, description="✔ fixed window of one hour (policy 4).")
    licensed: bool = Field(True, description="False: every ERP call answers the IPPException 12027.")
    no_licence_status: int = Field(500, description="✘ HTTP status of the 'No license' IPPException.")
    missing_scope_status: int = Field(403, description="✘ status of a call whose token lacks the scope.")
    # -- data semantics --------------------------------------------------------------------
    timezone: str = Field("UTC", description="✘ zone of lastModifiedDateTime (sent without offset).")
    business_error_status: int = Field(400, description="✘ status of a business-rule IPPException.")
    reject_unknown_fields: bool = Field(True, description="✘ a write naming an unknown field is refused.")
    available_deducts_so_booked: bool = Field(
        False, description="✘ whether 'available' already subtracts sales-order bookings."
    )
    price_class_path: str = Field("/v1/customerpriceclass", description="✘ no public price-class endpoint.")
    etag_quoted: bool = Field(True, description="✘ ETag header quoted (timeStamp in the body never is).")
