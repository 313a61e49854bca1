"""Connection settings of a Visma.net company: Visma Connect credentials, URLs, paging and pacing."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from flowhub.settings import ConnectionSettings

__all__ = [
    "ALL_SCOPES",
    "DEFAULT_BASE_URL",
    "DEFAULT_SALESORDER_BASE_URL",
    "DEFAULT_TOKEN_URL",
    "VismaNetSettings",
]

DEFAULT_TOKEN_URL = "https://connect.visma.com/connect/token"
DEFAULT_BASE_URL = "https://api.finance.visma.net/v1"
DEFAULT_SALESORDER_BASE_URL = "https://salesorder.visma.net/api/v3"
ALL_SCOPES = (
    "vismanet_erp_service_api:read",
    "vismanet_erp_service_api:create",
    "vismanet_erp_service_api:update",
    "vismanet_erp_service_api:delete",
)


class VismaNetSettings(ConnectionSettings):
    """One Visma.net company, reached with a Visma Connect service (client-credentials) client."""

    client_id: str = Field(description="Visma Connect client id of the integration (Developer Portal).")
    client_secret: SecretStr = Field(description="Visma Connect client secret.")
    tenant_id: str = Field(
        description="The COMPANY tenant id (GUID). The customer tenant id gets a token too, "
        "but every API call then answers 401."
    )
    token_url: str = Field(DEFAULT_TOKEN_URL, description="Visma Connect token endpoint.")
    scopes: tuple[str, ...] = Field(ALL_SCOPES, description="Scopes asked for in the token request.")
    base_url: str = Field(DEFAULT_BASE_URL, description="Visma.net ERP API, with its /v1 (v2 is derived).")
    salesorder_base_url: str = Field(
        DEFAULT_SALESORDER_BASE_URL, description="The SalesOrders v3 service, with its /api/v3."
    )
    salesorder_type: str = Field("SO", description="Order type used when a sales order key has none.")
    salesorder_first_page_index: int = Field(
        1, ge=0, description="Number of the first SalesOrders v3 page (pageIndex; unconfirmed)."
    )
    page_size: int = Field(
        1000, ge=1, description="Page size asked for first; the server's metadata.maxPageSize then rules."
    )
    timezone: str = Field(
        "UTC", description="Zone of the API's lastModifiedDateTime values (unconfirmed; see the docs)."
    )
    token_renew_margin: float = Field(
        120.0, ge=0, description="Seconds before expiry at which a token is renewed."
    )
    rate_limit_reserve: int = Field(
        3, ge=0, description="Pause until X-RateLimit-Reset once X-RateLimit-Remaining is this low."
    )
    max_retry_wait: float = Field(30.0, gt=0, description="Longest single wait between retries, in seconds.")
    price_class_path: str = Field(
        "/v1/customerpriceclass",
        description="Where customer price classes are listed (no public endpoint is documented).",
    )
    create_invoices_with_v2: bool = Field(False, description="POST customer invoices to /v2/customerinvoice.")
    journal_lookup_days: int = Field(
        400,
        ge=0,
        description="How many days back GL batches (changed within them) are searched when a journal "
        "batch is found by a line's referenceNumber; 0: all of them. Cover the oldest order a flow "
        "may still post, or a fresh installation posts such an order again.",
    )

    @field_validator("base_url", "salesorder_base_url", "token_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("scopes", mode="before")
    @classmethod
    def _scopes_from_text(cls, value: object) -> object:
        """``"a b"`` or ``"a,b"`` (from an environment variable) as a list of scopes."""
        return value.replace(",", " ").split() if isinstance(value, str) else value

    @property
    def api_root(self) -> str:
        """``https://api.finance.visma.net``: the base URL without its version segment."""
        root, _, version = self.base_url.rpartition("/")
        return root if version.lower() in ("v1", "v2") else self.base_url
