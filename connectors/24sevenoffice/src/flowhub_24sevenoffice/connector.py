"""The 24SevenOffice connector: its entities, its two APIs (opened on first use), and `check`."""

from __future__ import annotations

import threading
from typing import ClassVar

from flowhub import CheckResult, Connector
from flowhub.errors import ConnectorError
from flowhub.settings import ConnectionSettings
from flowhub_24sevenoffice.entities import ENTITIES
from flowhub_24sevenoffice.models.rest import OrganizationInformation
from flowhub_24sevenoffice.rest import RestApi
from flowhub_24sevenoffice.settings import TwentyFourSevenSettings
from flowhub_24sevenoffice.soap import SoapApi

__all__ = ["TwentyFourSevenOffice"]

WRITE_SCOPES = ("api.crm.customer:write", "api.invoicing.salesorder:write", "api.product.product:write")


class TwentyFourSevenOffice(Connector):
    """24SevenOffice (Finago Office): REST for the catalogue, sales orders and lookups; SOAP for
    customers, contacts and invoice orders. See docs/connectors/24sevenoffice.md for why."""

    name = "24sevenoffice"
    title = "24SevenOffice (Finago Office)"
    settings_model: ClassVar[type[ConnectionSettings]] = TwentyFourSevenSettings
    entities = ENTITIES

    def __init__(self, settings: ConnectionSettings, *, connection_name: str | None = None) -> None:
        super().__init__(settings, connection_name=connection_name)
        self._lock = threading.Lock()
        self._rest: RestApi | None = None
        self._soap: SoapApi | None = None

    @property
    def config(self) -> TwentyFourSevenSettings:
        assert isinstance(self.settings, TwentyFourSevenSettings)
        return self.settings

    def rest_api(self, what: str = "this entity") -> RestApi:
        """The REST client, opened on first use; ConnectionConfigError when REST is not set up."""
        self.config.require_rest(what)
        with self._lock:
            if self._rest is None:
                self._rest = RestApi(self.config)
            return self._rest

    def soap_api(self, what: str = "this entity") -> SoapApi:
        """The SOAP client, opened on first use; ConnectionConfigError when SOAP is not set up."""
        self.config.require_soap(what)
        with self._lock:
            if self._soap is None:
                self._soap = SoapApi(self.config)
            return self._soap

    def close(self) -> None:
        with self._lock:
            for api in (self._rest, self._soap):
                if api is not None:
                    api.close()
            self._rest = self._soap = None

    # -- check ----------------------------------------------------------------------------
    def check(self, *, writes: bool = False) -> CheckResult:
        """Which organisation the REST token reaches and which client the SOAP login works in.

        Both must be the same company: a REST token for one client and a SOAP user whose
        default client is another would split one flow's records over two companies.
        """
        cfg = self.config
        if not cfg.has_rest and not cfg.has_soap:
            return CheckResult(
                False,
                "24sevenoffice: set the REST credentials (client_id, client_secret, "
                "organization_id) and/or the SOAP login (username, password, application_id)",
            )
        details: dict[str, str] = {}
        try:
            if cfg.has_rest:
                details.update(self._check_rest(writes))
            if cfg.has_soap:
                details.update(self._check_soap())
        except ConnectorError as error:
            return CheckResult(False, str(error), details)
        return _verdict(details)

    def _check_rest(self, writes: bool) -> dict[str, str]:
        rest = self.rest_api("check")
        info = OrganizationInformation.model_validate(rest.get("organization/information"))
        found = {"rest_organization": f"{info.name} (id {info.id})"}
        scope = rest.auth.scope
        if scope is not None:
            found["rest_scope"] = scope
            if writes:
                missing = [s for s in WRITE_SCOPES if s not in scope.split()]
                if missing:
                    found["rest_missing_write_scopes"] = ", ".join(missing)
        return found

    def _check_soap(self) -> dict[str, str]:
        soap = self.soap_api("check")
        client = soap.call("client", "GetClientInformation") or {}
        identity = soap.call("auth", "GetIdentity") or {}
        client_id = (identity.get("Client") or {}).get("Id")
        number = client.get("OrganizationNumber") or "no organisation number"
        return {
            "soap_client": f"{client.get('Name')} (client {client_id}, {number})",
            "soap_user": str(self.config.username),
        }


def _verdict(details: dict[str, str]) -> CheckResult:
    reached = "; ".join(
        f"{k.replace('_', ' ')}: {v}" for k, v in details.items() if k in ("rest_organization", "soap_client")
    )
    if "rest_missing_write_scopes" in details:
        return CheckResult(
            False,
            f"24sevenoffice: reached {reached}, but the token lacks the write scopes "
            f"{details['rest_missing_write_scopes']}",
            details,
        )
    rest_name = details.get("rest_organization", "").split(" (id ")[0]
    soap_name = details.get("soap_client", "").split(" (client ")[0]
    if rest_name and soap_name and rest_name != soap_name:
        return CheckResult(
            False,
            f"24sevenoffice: REST reaches {rest_name!r} but SOAP works in {soap_name!r}; "
            f"point both at the same client (organization_id / identity_id)",
            details,
        )
    return CheckResult(True, f"24sevenoffice: reached {reached}", details)
