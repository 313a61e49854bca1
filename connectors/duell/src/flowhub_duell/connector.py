"""The DUELL connector: one DUELL client (account), its entities, and the connection check."""

from __future__ import annotations

import threading
from typing import ClassVar

from flowhub.connector import CheckResult, Connector, Entity
from flowhub.errors import ConfigError, ConnectorError
from flowhub.settings import ConnectionSettings
from flowhub_duell.client import DuellClient
from flowhub_duell.entities import ENTITIES
from flowhub_duell.settings import DuellSettings

__all__ = ["Duell"]


class Duell(Connector):
    """DUELL (Kasseservice) POS: products, stock and orders of one client."""

    name = "duell"
    title = "DUELL (Kasseservice) POS"
    settings_model = DuellSettings
    entities: ClassVar[tuple[type[Entity], ...]] = ENTITIES

    def __init__(self, settings: ConnectionSettings, *, connection_name: str | None = None) -> None:
        super().__init__(settings, connection_name=connection_name)
        self._client: DuellClient | None = None
        self._client_lock = threading.Lock()

    @property
    def client(self) -> DuellClient:
        """The shared client, made on first use (so listing connectors opens no connection).

        Made under a lock: worker threads asking at once must share one client (one token,
        one connection pool), not each open their own.
        """
        with self._client_lock:
            if self._client is None:
                assert isinstance(self.settings, DuellSettings)
                self._client = DuellClient(self.settings)
            return self._client

    def check(self, *, writes: bool = False) -> CheckResult:
        """Log in, read one product and, with a department token, one stock row."""
        settings = self.settings
        assert isinstance(settings, DuellSettings)
        try:
            self.client.token()
            products = self.client.call("GET", "product/list", params={"start": 0, "length": 1})
            details = {
                "client_number": settings.client_number,
                "products": str(products.get("total_count", "?")),
            }
            if settings.department_token:
                stock = self.client.call(
                    "GET",
                    "all/product/stock",
                    params={"department": settings.department_token, "start": 0, "length": 1},
                )
                details["stock_rows"] = str(stock.get("total_count", "?"))
        except (ConnectorError, ConfigError) as error:
            return CheckResult(False, str(error))
        message = f"logged in to DUELL as client {settings.client_number}; {details['products']} products"
        if "stock_rows" in details:
            message += "; department token accepted"
        else:
            message += "; no department_token, so stock and orders cannot be used"
        if writes:
            message += " (DUELL has no dry run, so write access was not tried)"
        return CheckResult(True, message, details)

    def close(self) -> None:
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None
