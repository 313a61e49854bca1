"""The Visma.net connector: one company reached through Visma Connect, and its entities."""

from __future__ import annotations

import threading
from typing import ClassVar

from flowhub.connector import CheckResult, Connector, Entity
from flowhub.errors import AuthError, ConnectorError, RetryableError
from flowhub_visma_net.auth import Token
from flowhub_visma_net.client import VismaNetClient
from flowhub_visma_net.entities import ENTITIES
from flowhub_visma_net.settings import VismaNetSettings

__all__ = ["VismaNet"]


class VismaNet(Connector):
    """Visma.net ERP (Visma Net Financials API v1/v2 and the SalesOrders v3 service)."""

    name = "visma_net"
    title = "Visma.net ERP"
    settings_model = VismaNetSettings
    entities: ClassVar[tuple[type[Entity], ...]] = ENTITIES

    settings: VismaNetSettings

    def __init__(self, settings: VismaNetSettings, *, connection_name: str | None = None) -> None:
        super().__init__(settings, connection_name=connection_name)
        self._client: VismaNetClient | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> VismaNetClient:
        """The HTTP client, built on first use (so listing entities never opens a socket)."""
        with self._lock:
            if self._client is None:
                self._client = VismaNetClient(self.settings)
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    # -- test connection -------------------------------------------------------------------
    def check(self, *, writes: bool = False) -> CheckResult:
        """Tell apart: bad client id/secret, missing scope, wrong tenant, no licence, unreachable."""
        details = {"tenant_id": self.settings.tenant_id, "base_url": self.settings.base_url}
        try:
            token = self.client.auth.token()
        except AuthError as error:
            problem = "scope" if error.code == "invalid_scope" else "credentials"
            return CheckResult(False, str(error), {**details, "problem": problem})
        except RetryableError as error:
            return CheckResult(
                False, f"Visma Connect unreachable: {error}", {**details, "problem": "unreachable"}
            )
        try:
            branches = self.client.get_json(self.client.erp, "/v1/branch", {"pageNumber": 1, "pageSize": 1})
        except ConnectorError as error:
            return CheckResult(False, str(error), {**details, "problem": _api_problem(error)})
        details["company"] = _company(branches)
        missing = _missing_scopes(token, writes=writes)
        if missing:
            return CheckResult(
                False,
                f"visma_net: the token lacks {', '.join(missing)}: grant it to the "
                "integration in the Visma Developer Portal and list it in `scopes`",
                {**details, "problem": "scope"},
            )
        window = self.client.pacers[0].window
        if window.remaining is not None:
            details["rate_limit"] = f"{window.remaining} of {window.limit} left in this window"
        return CheckResult(
            True, f"connected to Visma.net company {details['company'] or self.settings.tenant_id}", details
        )


def _api_problem(error: ConnectorError) -> str:
    if isinstance(error, RetryableError):
        return "unreachable" if error.status is None else "unavailable"
    if isinstance(error, AuthError):
        if "licence" in str(error) or "license" in str(error).lower():
            return "licence"
        return "tenant" if error.status == 401 else "scope" if error.status == 403 else "auth"
    return "api"


def _company(branches: object) -> str:
    if isinstance(branches, list) and branches and isinstance(branches[0], dict):
        return str(branches[0].get("name") or "")
    return ""


def _missing_scopes(token: Token, *, writes: bool) -> list[str]:
    needed = ["vismanet_erp_service_api:read"]
    if writes:
        needed += ["vismanet_erp_service_api:create", "vismanet_erp_service_api:update"]
    return [s for s in needed if token.scopes and s not in token.scopes]
