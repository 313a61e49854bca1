"""What a connector is: the Connector and Entity base classes a plugin fills in.

A connector knows one API. Each of its entities is a small class whose attributes say *what*
it is (name, pydantic model, key, cursor) and whose methods say *how* to read and write it.
What an entity can do is derived from which methods it overrides, so `flowhub connectors`
and `flowhub validate` can never disagree with the code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from flowhub.errors import ConfigError, did_you_mean
from flowhub.settings import ConnectionSettings

if TYPE_CHECKING:
    from starlette.types import ASGIApp

__all__ = [
    "ApiRecord",
    "Capabilities",
    "CheckResult",
    "Connector",
    "Entity",
    "Event",
    "ReadQuery",
    "Sandbox",
    "WriteOp",
    "WriteResult",
]


class ApiRecord(BaseModel):
    """Base for a typed record of an API: its own field names, unknown fields kept."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


@dataclass(frozen=True)
class ReadQuery:
    """What the runner asks a reader for.

    ``where`` holds the flow's filters (only keys the entity declares in ``filters``);
    ``since`` is the cursor value to read from (already moved back by the look-back window),
    or None for a full read. ``snapshot`` says the flow changes the records it reads while it
    reads them (a write-back of the status): a reader that pages by offset must then page over
    a list of keys fixed before the first write, or the records behind a changed one shift
    to an earlier page and are never read.
    """

    where: Mapping[str, Any] = field(default_factory=dict)
    since: str | None = None
    snapshot: bool = False


@dataclass(frozen=True)
class WriteOp:
    """One write in a batch: create (key None) or update (key set)."""

    payload: BaseModel
    key: str | None = None
    ref: str = ""  # the runner's handle, echoed back in the result


@dataclass(frozen=True)
class WriteResult:
    """The answer to one WriteOp: the written record, or the error for that record only."""

    ref: str
    record: BaseModel | None = None
    error: Exception | None = None


@dataclass(frozen=True)
class Event:
    """One webhook delivery, parsed: which record of which entity changed, and how."""

    topic: str
    entity: str
    action: str  # created / updated / deleted / restored / ping
    key: str | None
    delivery_id: str | None = None
    payload: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class CheckResult:
    """The answer of a test connection: OK, or a reason a person can act on."""

    ok: bool
    message: str
    details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Capabilities:
    """What one entity of one connector can do; derived from the methods it overrides."""

    read: bool
    incremental: bool
    server_side_since: bool
    create: bool
    update: bool
    delete: bool
    soft_delete: bool
    batch: bool
    find_by_key: tuple[str, ...]
    writeback: bool
    webhooks: bool
    filters: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


class Entity:
    """One kind of record of one API. Subclass it, set the class attributes, override methods."""

    name: ClassVar[str]
    model: ClassVar[type[BaseModel]] = ApiRecord
    key: ClassVar[str] = "id"
    cursor: ClassVar[str | None] = None
    server_side_since: ClassVar[bool] = True  # False: the reader filters `since` itself
    filters: ClassVar[Mapping[str, str]] = {}  # where-key -> what it means
    find_fields: ClassVar[Sequence[str]] = ()  # fields `find` can search by
    soft_delete: ClassVar[bool] = False  # `delete(soft=True)` marks instead of removing
    batch_size: ClassVar[int] = 0  # > 0: `write_batch` takes up to this many ops
    webhooks: ClassVar[bool] = False

    def __init__(self, connector: Connector) -> None:
        self.connector = connector

    # -- reading ---------------------------------------------------------------------------
    def read(self, query: ReadQuery) -> Iterator[BaseModel]:
        """Stream records matching ``query``, oldest cursor first when the entity has one."""
        raise NotImplementedError

    def get(self, key: str) -> BaseModel | None:
        """One record by its key, or None when it does not exist."""
        raise NotImplementedError

    def key_of(self, record: BaseModel) -> str:
        return str(_field(record, self.key))

    def cursor_of(self, record: BaseModel) -> str | None:
        if self.cursor is None:
            return None
        value = _field(record, self.cursor)
        return None if value is None else _cursor_text(value)

    def is_deleted(self, record: BaseModel) -> bool:
        """True when the source says this record is gone (trashed, flagged deleted)."""
        return False

    # -- writing ---------------------------------------------------------------------------
    def find(self, field: str, value: Any) -> list[BaseModel]:
        """Records whose ``field`` equals ``value`` (for matching); only fields in find_fields."""
        raise NotImplementedError

    def create(self, payload: BaseModel) -> BaseModel:
        """Create a record; answer the record as the API now has it (with its key)."""
        raise NotImplementedError

    def update(self, key: str, payload: BaseModel) -> BaseModel:
        """Change only the fields set on ``payload``; answer the record as it now is."""
        raise NotImplementedError

    def delete(self, key: str, *, soft: bool) -> None:
        """Remove the record, or mark it deleted when ``soft``."""
        raise NotImplementedError

    def write_batch(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """Several creates/updates in one call; one failed item fails only its own result."""
        raise NotImplementedError

    def writeback(self, key: str, changes: Mapping[str, Any]) -> None:
        """Tell the source what happened (e.g. set an order's status after transfer)."""
        raise NotImplementedError

    # -- what it can do -------------------------------------------------------------------
    @classmethod
    def capabilities(cls) -> Capabilities:
        def overrides(method: str) -> bool:
            return getattr(cls, method) is not getattr(Entity, method)

        return Capabilities(
            read=overrides("read"),
            incremental=overrides("read") and cls.cursor is not None,
            server_side_since=cls.cursor is not None and cls.server_side_since,
            create=overrides("create"),
            update=overrides("update"),
            delete=overrides("delete"),
            soft_delete=overrides("delete") and cls.soft_delete,
            batch=overrides("write_batch") and cls.batch_size > 0,
            find_by_key=tuple(cls.find_fields) if overrides("find") else (),
            writeback=overrides("writeback"),
            webhooks=cls.webhooks,
            filters=tuple(cls.filters),
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.connector.connection_name}/{self.name}>"


class Connector:
    """One API. Subclass it: set ``name``, ``settings_model`` and ``entities``."""

    name: ClassVar[str]
    title: ClassVar[str] = ""
    settings_model: ClassVar[type[ConnectionSettings]] = ConnectionSettings
    entities: ClassVar[Sequence[type[Entity]]] = ()
    dynamic_entities: ClassVar[bool] = False  # entity names come from data (files, tables)

    def __init__(self, settings: ConnectionSettings, *, connection_name: str | None = None) -> None:
        self.settings = settings
        self.connection_name = connection_name or self.name
        self._entities: dict[str, Entity] = {}

    def entity(self, name: str) -> Entity:
        """The entity called ``name``; a ConfigError naming the known ones otherwise."""
        if name not in self._entities:
            self._entities[name] = self.entity_class(name)(self)
        return self._entities[name]

    @classmethod
    def entity_class(cls, name: str) -> type[Entity]:
        for entity in cls.entities:
            if entity.name == name:
                return entity
        known = [e.name for e in cls.entities]
        raise ConfigError(f"connector {cls.name} has no entity '{name}' ({did_you_mean(name, known)})")

    def binding_key(self) -> str | None:
        """The external account this connection reaches, when it may belong to one tenant only.

        None (the default): no such rule. A shop answers its address (G6).
        """
        return None

    def check(self, *, writes: bool = False) -> CheckResult:
        """Test the connection; ``writes`` also checks that writing is allowed."""
        return CheckResult(True, "no check implemented for this connector")

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[Event]:
        """Verify and parse one webhook delivery (connectors whose API pushes)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release connections; called once when the run ends."""

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.connection_name}>"


@dataclass(frozen=True)
class Sandbox:
    """A local fake of an API, served on loopback for tests, the demo and offline work.

    ``app`` builds the ASGI app from options (seed file, fault rates, latency, …);
    ``connection`` gives the connection settings that reach it at ``base_url``.
    """

    name: str
    app: Any  # Callable[..., ASGIApp]
    connection: Any  # Callable[[str], dict[str, Any]]: base_url -> connection settings


def _field(record: BaseModel, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else getattr(value, part, None)
        if value is None:
            return None
    return value


def _cursor_text(value: Any) -> str:
    from datetime import datetime

    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


if TYPE_CHECKING:
    _: ASGIApp
