"""Which tenant an external account belongs to: a shop bound to one tenant is refused to another (G6).

A tenant is an agency (or any owner of flowhub installations); its sub-accounts share the
tenant id and may connect the same shop. The registry is a database table that every
installation of a hosting service points at (``FLOWHUB_REGISTRY_URL``); by default it is the
installation's own state database, where only one tenant ever binds.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, MetaData, String, Table, create_engine, insert, select
from sqlalchemy.exc import IntegrityError

from flowhub.connector import Connector
from flowhub.errors import ConfigError

__all__ = ["BindingError", "Registry"]

_metadata = MetaData()
bindings = Table(
    "tenant_bindings",
    _metadata,
    Column("connector", String(100), primary_key=True),
    Column("resource", String(500), primary_key=True),
    Column("tenant", String(200), nullable=False),
    Column("bound_at", DateTime(timezone=True), nullable=False),
)


class BindingError(ConfigError):
    """The external account is bound to another tenant."""


class Registry:
    """The tenant bindings table; ``bind`` is atomic, so two tenants racing cannot both win."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        _metadata.create_all(self.engine, checkfirst=True)

    def close(self) -> None:
        self.engine.dispose()

    def owner(self, connector: str, resource: str) -> str | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(bindings.c.tenant).where(
                bindings.c.connector == connector, bindings.c.resource == resource)).first()
        return None if row is None else str(row[0])

    def bind(self, connection: Connector, tenant: str) -> None:
        """Bind the account ``connection`` reaches to ``tenant``, or refuse if another tenant has it."""
        resource = connection.binding_key()
        if resource is None:
            return
        owner = self.owner(connection.name, resource)
        if owner is None:
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(bindings).values(connector=connection.name, resource=resource,
                                                         tenant=tenant, bound_at=datetime.now(UTC)))
                return
            except IntegrityError:  # another tenant bound it a moment ago
                owner = self.owner(connection.name, resource)
        if owner != tenant:
            raise BindingError(
                f"connection '{connection.connection_name}': {resource} is already connected to another "
                f"account (tenant {owner!r}); one {connection.title or connection.name} account belongs to "
                f"one tenant only. Disconnect it there first (flowhub disconnect), or use that tenant.")

    def unbind(self, connection: Connector, tenant: str) -> bool:
        """Release the binding this tenant holds; True when there was one."""
        resource = connection.binding_key()
        if resource is None:
            return False
        with self.engine.begin() as conn:
            done = conn.execute(bindings.delete().where(
                bindings.c.connector == connection.name, bindings.c.resource == resource,
                bindings.c.tenant == tenant))
        return bool(done.rowcount)
