"""Test-only connectors, registered in code: a typed in-memory store and a deliberately hostile one."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, SecretStr

from flowhub import ApiRecord, ConnectionSettings, Connector, Entity, ReadQuery, RejectedError, hookimpl

DATA: dict[str, dict[str, dict[str, Any]]] = {}  # entity -> key -> record; tests reset it


class Contact(ApiRecord):
    id: str | None = None
    email: str | None = None
    name: str | None = None
    status: str | None = None
    modified: str | None = None


class MemorySettings(ConnectionSettings):
    token: SecretStr | None = None
    reject_email: str | None = None  # a create with this e-mail is refused (one bad record)
    slow_ms: float = 0.0


class Contacts(Entity):
    name = "contacts"
    model = Contact
    cursor = "modified"
    filters: ClassVar[Mapping[str, str]] = {"status": "only these statuses"}
    find_fields = ("id", "email")

    @property
    def rows(self) -> dict[str, dict[str, Any]]:
        return DATA.setdefault(self.name, {})

    def read(self, query: ReadQuery) -> Iterator[BaseModel]:
        for row in sorted(self.rows.values(), key=lambda r: (r.get("modified") or "", r["id"])):
            if query.since and (row.get("modified") or "") < query.since:
                continue
            if "status" in query.where and row.get("status") not in query.where["status"]:
                continue
            yield Contact.model_validate(row)

    def get(self, key: str) -> BaseModel | None:
        row = self.rows.get(key)
        return Contact.model_validate(row) if row else None

    def find(self, field: str, value: Any) -> list[BaseModel]:
        return [Contact.model_validate(r) for r in self.rows.values() if r.get(field) == value]

    def create(self, payload: BaseModel) -> BaseModel:
        settings = self.connector.settings
        assert isinstance(settings, MemorySettings)
        time.sleep(settings.slow_ms / 1000)
        data = payload.model_dump(exclude_unset=True)
        if settings.reject_email and data.get("email") == settings.reject_email:
            token = settings.token.get_secret_value() if settings.token else ""
            raise RejectedError(f"memory: 422 invalid email (the API echoed {token})", status=422)
        key = str(data.get("id") or f"m{len(self.rows) + 1}")
        self.rows[key] = {**data, "id": key}
        return Contact.model_validate(self.rows[key])

    def update(self, key: str, payload: BaseModel) -> BaseModel:
        self.rows[key].update(payload.model_dump(exclude_unset=True))
        return Contact.model_validate(self.rows[key])

    def writeback(self, key: str, changes: Mapping[str, Any]) -> None:
        self.rows[key].update(changes)


class HostileContacts(Contacts):
    """Raises mid-stream after five records, yields malformed ones, answers slowly."""

    name = "hostile"

    def read(self, query: ReadQuery) -> Iterator[BaseModel]:
        for i, row in enumerate(sorted(self.rows.values(), key=lambda r: r["id"])):
            if i == 5 and not DATA.get("_hostile_calm"):
                raise RuntimeError("hostile: the stream broke")
            if row.get("malformed"):
                yield ApiRecord.model_validate({"nonsense": True})  # no key, wrong shape
                continue
            time.sleep(0.01)
            yield Contact.model_validate(row)


class Memory(Connector):
    name = "memory"
    title = "In-memory test store"
    settings_model = MemorySettings
    entities = (Contacts, HostileContacts)


class MemoryPlugin:
    @hookimpl
    def register_connectors(self, register: Any) -> None:
        register(Memory)

    @hookimpl
    def register_functions(self, register: Any) -> None:
        register(lambda value: str(value)[::-1], name="reverse_text")
