"""Connection settings of 24SevenOffice: REST client credentials, SOAP login, hosts and pacing."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from flowhub import ConnectionSettings, SecretStr
from flowhub.errors import ConnectionConfigError

__all__ = ["TwentyFourSevenSettings"]

REST_URL = "https://rest.api.24sevenoffice.com/v1"
TOKEN_URL = "https://login.24sevenoffice.com/oauth/token"
AUDIENCE = "https://api.24sevenoffice.com"
SOAP_API_URL = "https://api.24sevenoffice.com"
SOAP_WEBSERVICES_URL = "https://webservices.24sevenoffice.com"


class TwentyFourSevenSettings(ConnectionSettings):
    """One 24SevenOffice client (company). Two credentials, because the APIs differ:

    * REST (products, categories, sales orders, lookups): an OAuth2 application's
      ``client_id``/``client_secret`` and the ``organization_id`` the token is for. One token
      reaches one organisation, so a second company is a second connection (S14).
    * SOAP (customers, contacts, invoice orders): an integration user's ``username``/
      ``password`` and the integration's ``application_id``; ``identity_id`` picks the client
      when the user reaches several (otherwise the user's default client is used).
    """

    client_id: str | None = Field(None, description="REST: OAuth2 client id of the application.")
    client_secret: SecretStr | None = Field(None, description="REST: OAuth2 client secret; use ${ENV}.")
    organization_id: str | None = Field(
        None, description="REST: the organisation (client) the token is for (login_organization)."
    )
    username: str | None = Field(None, description="SOAP: the integration user's user name.")
    password: SecretStr | None = Field(None, description="SOAP: the integration user's password; use ${ENV}.")
    application_id: SecretStr | None = Field(
        None, description="SOAP: the integration's ApplicationId (a GUID)."
    )
    identity_id: str | None = Field(
        None,
        description="SOAP: IdentityId (GUID) of the client to work in; default: the user's default client.",
    )
    base_url: str | None = Field(
        None,
        description="One host serving everything (the sandbox, a proxy): REST at {base_url}/v1, the token "
        "at {base_url}/oauth/token, both SOAP hosts at {base_url}. Overrides the four URLs below.",
    )
    rest_url: str = Field(REST_URL, description="REST API base, version included.")
    token_url: str = Field(TOKEN_URL, description="OAuth2 token endpoint.")
    audience: str = Field(AUDIENCE, description="OAuth2 audience of the token.")
    soap_url: str = Field(
        SOAP_API_URL, description="SOAP host of authenticate, company, invoice, client services."
    )
    soap_webservices_url: str = Field(SOAP_WEBSERVICES_URL, description="SOAP host of the person service.")
    soap_requests_per_hour: float = Field(
        7200, gt=0, description="SOAP calls per hour (24SevenOffice's quota); paced across both SOAP hosts."
    )
    soap_max_quota_wait: float = Field(
        3900,
        ge=0,
        description="Longest wait (s) for a SOAP quarantine to end before the call fails as retryable.",
    )
    department_dimension: int | None = Field(
        None,
        description="Dimension type id of departments; default: the dimension named Department/Avdeling.",
    )
    project_dimension: int | None = Field(
        None, description="Dimension type id of projects; default: the dimension named Project/Prosjekt."
    )
    page_size: int = Field(100, ge=1, le=100, description="REST page size (limit); the API's maximum is 100.")

    @field_validator("base_url", "rest_url", "token_url", "soap_url", "soap_webservices_url")
    @classmethod
    def _no_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _one_host(self) -> TwentyFourSevenSettings:
        if self.base_url:
            for name, value in (
                ("rest_url", f"{self.base_url}/v1"),
                ("token_url", f"{self.base_url}/oauth/token"),
                ("soap_url", self.base_url),
                ("soap_webservices_url", self.base_url),
            ):
                object.__setattr__(self, name, value)
        return self

    # -- which API is configured ---------------------------------------------------------
    @property
    def has_rest(self) -> bool:
        return bool(self.client_id and self.client_secret and self.organization_id)

    @property
    def has_soap(self) -> bool:
        return bool(self.username and self.password and self.application_id)

    def require_rest(self, what: str) -> None:
        """ConnectionConfigError naming the missing REST settings, for ``what`` (an entity)."""
        missing = [n for n in ("client_id", "client_secret", "organization_id") if not getattr(self, n)]
        if missing:
            raise ConnectionConfigError(
                f"24sevenoffice: {what} uses the REST API; set {', '.join(missing)} on this connection"
            )

    def require_soap(self, what: str) -> None:
        """ConnectionConfigError naming the missing SOAP settings, for ``what`` (an entity)."""
        missing = [n for n in ("username", "password", "application_id") if not getattr(self, n)]
        if missing:
            raise ConnectionConfigError(
                f"24sevenoffice: {what} uses the SOAP API; set {', '.join(missing)} on this connection"
            )
