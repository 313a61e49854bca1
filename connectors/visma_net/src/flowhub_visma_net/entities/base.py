"""How a Visma.net entity reads, finds and writes; the concrete entities only declare their paths.

``VismaReader`` reads list endpoints page by page (``pageNumber``/``pageSize`` always sent)
and incrementally by ``lastModifiedDateTime`` + ``lastModifiedDateTimeCondition=>=`` (the
runner de-duplicates the overlap), finds by natural keys, and gets one record by its key.
``VismaWriter`` adds create (POST, 201 + Location followed) and partial update (PUT by
natural key, If-Match when an ETag is known). Capabilities follow from which of the two an
entity inherits.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from flowhub.connector import Entity, ReadQuery
from flowhub.errors import ConflictError, RetryableError
from flowhub_visma_net.wire import Mode, to_wire, unwrap

if TYPE_CHECKING:
    from flowhub.http import ApiClient
    from flowhub_visma_net.client import VismaNetClient
    from flowhub_visma_net.connector import VismaNet

__all__ = ["VismaReader", "VismaWriter", "format_since"]


def format_since(since: str, zone: str) -> str:
    """A cursor as Visma.net's filters want it: ``yyyy-MM-ddTHH:mm:ss.FFF`` in the API's zone."""
    try:
        moment = datetime.fromisoformat(since)
    except ValueError:
        return since
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


class VismaReader(Entity):
    """A readable Visma.net list resource."""

    path: ClassVar[str]  # e.g. /v1/customer
    api_name: ClassVar[str] = "erp"  # or "salesorders"
    since_param: ClassVar[str | None] = "lastModifiedDateTime"
    since_condition: ClassVar[bool] = True
    list_params: ClassVar[Mapping[str, Any]] = {}
    find_params: ClassVar[Mapping[str, str]] = {}  # find field -> query parameter
    match_paths: ClassVar[Mapping[str, tuple[str, ...]]] = {}  # find field -> where its value sits
    by_key: ClassVar[bool] = True  # GET {path}/{key} exists
    paged: ClassVar[bool] = True

    connector: VismaNet

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "find_fields" not in cls.__dict__:
            cls.find_fields = tuple(dict.fromkeys([*([cls.key] if cls.by_key else []), *cls.find_params]))

    @property
    def client(self) -> VismaNetClient:
        return self.connector.client

    @property
    def api(self) -> ApiClient:
        return self.client.salesorders if self.api_name == "salesorders" else self.client.erp

    def item_path(self, key: str) -> str:
        return f"{self.path}/{quote(str(key), safe='')}"

    # -- reading ---------------------------------------------------------------------------
    def read(self, query: ReadQuery) -> Iterator[BaseModel]:
        """Records matching ``query``; oldest change first when the entity has a cursor.

        Visma.net lists in key order, not by change time, so an incremental read is collected
        and sorted by the cursor before it is handed on: the runner may then move its cursor
        past each finished chunk without skipping an older change that came later in the list.
        """
        params = {**self.list_params, **dict(query.where)}
        if query.since and self.since_param:
            params[self.since_param] = format_since(query.since, self.connector.settings.timezone)
            if self.since_condition:
                params[f"{self.since_param}Condition"] = ">="
        records = (self.parse(item) for item in self.items(params))
        if self.cursor is None:
            yield from records
            return
        yield from sorted(records, key=lambda r: self.cursor_of(r) or "")

    def items(self, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        if not self.paged:
            body = self.client.get_json(self.api, self.path, params)
            yield from body if isinstance(body, list) else [body]
            return
        yield from self.client.pages(self.api, self.path, params)

    def parse(self, item: Mapping[str, Any]) -> BaseModel:
        record = self.model.model_validate(item)
        if self.by_key:
            stamp = item.get("timeStamp") or item.get("timestamp")
            key = self.key_of(record)
            if key not in ("", "None"):
                self.client.remember(self.api, self.item_path(key), stamp)
        return record

    def get(self, key: str) -> BaseModel | None:
        if not self.by_key:
            params = (
                {**self.list_params, self.find_params[self.key]: key} if self.key in self.find_params else {}
            )
            records = map(self.parse, self.items(params))
            return next((r for r in records if self.key_of(r) == str(key)), None)
        found = self.client.get(self.api, self.item_path(key))
        return None if found is None else self.model.model_validate(found[0])

    def cursor_of(self, record: BaseModel) -> str | None:
        """The change time as ISO text with the API's zone attached (its values come without one)."""
        value = getattr(record, self.cursor, None) if self.cursor else None
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=ZoneInfo(self.connector.settings.timezone))
            return value.isoformat()
        return super().cursor_of(record)

    # -- finding ---------------------------------------------------------------------------
    def find(self, field: str, value: Any) -> list[BaseModel]:
        """Records whose ``field`` is ``value``: by key with one GET, else with the list filter."""
        if field == self.key and self.by_key:
            found = self.get(str(value))
            return [found] if found is not None else []
        if field not in self.find_params:
            from flowhub.errors import ConfigError, did_you_mean

            raise ConfigError(
                f"visma_net/{self.name}: cannot find by '{field}' ({did_you_mean(field, self.find_fields)})"
            )
        params = {**self.list_params, self.find_params[field]: value}
        paths = self.match_paths.get(field, (field,))
        return [
            r
            for r in map(self.parse, self.items(params))
            if any(_same(found, value) for path in paths for found in _values_at(r, path))
        ]


class VismaWriter(VismaReader):
    """A Visma.net resource that can also be created and updated."""

    write_dto: ClassVar[str]
    recover_by: ClassVar[tuple[str, ...]] = ()  # fields to look a possibly-created record up by

    @property
    def create_path(self) -> str:
        return self.path

    def body(self, payload: BaseModel, mode: Mode) -> dict[str, Any]:
        return to_wire(payload, self.write_dto, mode=mode, what=f"{self.name}")

    def create(self, payload: BaseModel) -> BaseModel:
        """POST the record and answer it as stored (the 201's Location is followed).

        A POST that failed in a way that leaves it unknown whether Visma.net acted on it
        (timeout, dropped connection, 5xx) is never simply sent again: the record is first
        looked up by its natural key (``recover_by``), and only re-sent when it is not there.
        """
        body = self.body(payload, "create")
        last: RetryableError | None = None
        for _ in range(max(1, self.connector.settings.max_attempts)):
            if last is not None and (found := self.recover(payload)) is not None:
                return found
            try:
                record, _etag = self.client.create(self.api, self.create_path, body)
            except RetryableError as error:
                if not self.recoverable(payload):
                    raise
                last = error
                continue
            return self.parse(record)
        assert last is not None
        raise last

    def recoverable(self, payload: BaseModel) -> bool:
        return any(_recovery_values(payload, f) for f in self.recover_by)

    def recover(self, payload: BaseModel) -> BaseModel | None:
        """The record an earlier, unanswered POST of ``payload`` created, if it did.

        A ``recover_by`` path may lead through a list (``lines.referenceNumber``): each distinct
        value found there is tried in turn.
        """
        for field in self.recover_by:
            for value in _recovery_values(payload, field):
                found = self.find(field, value)
                if len(found) == 1:
                    return found[0]
        return None

    def update(self, key: str, payload: BaseModel) -> BaseModel:
        """PUT only the fields set on ``payload``; a 412 is a conflict for this record."""
        body = self.body(payload, "update")
        path = self.item_path(key)
        try:
            record, _etag = self.client.put(self.api, path, body)
        except ConflictError as error:
            current = self.client.get(self.api, path)
            if current is not None and _contains(current[0], unwrap(body)):
                return self.parse(current[0])  # our own earlier try landed; its answer was lost
            raise ConflictError(
                f"visma_net/{self.name} {key}: changed in Visma.net since it was read "
                f"(412 on If-Match); not overwritten: {error}",
                status=error.status,
                code=error.code,
                detail=error.detail,
            ) from error
        return self.parse(record)


def _value_at(record: Any, path: str) -> Any:
    value = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else getattr(value, part, None)
        if value is None:
            return None
    return value


def _recovery_values(payload: Any, path: str) -> list[Any]:
    """The distinct non-empty values at ``path`` of a payload (one for a plain field)."""
    values = [_value_at(payload, path)] if "." not in path else _values_at(payload, path)
    distinct: list[Any] = []
    for value in values:
        if value not in (None, "") and value not in distinct:
            distinct.append(value)
    return distinct


def _values_at(record: Any, path: str) -> list[Any]:
    """Every value at ``path``, looking into lists on the way (``crossReferences.alternateID``)."""
    values = [record]
    for part in path.split("."):
        step: list[Any] = []
        for value in values:
            for item in value if isinstance(value, list) else [value]:
                found = item.get(part) if isinstance(item, Mapping) else getattr(item, part, None)
                if found is not None:
                    step.append(found)
        values = step
    return [v for value in values for v in (value if isinstance(value, list) else [value])]


def _same(found: Any, wanted: Any) -> bool:
    if isinstance(found, str) and isinstance(wanted, str):
        return found.strip().lower() == wanted.strip().lower()
    return found == wanted or str(found) == str(wanted)


def _contains(record: Any, sent: Any) -> bool:
    """True when every scalar ``sent`` is already in ``record`` (lists and renamed refs ignored)."""
    if isinstance(sent, Mapping):
        if not isinstance(record, Mapping):
            return False
        return all(_contains(record.get(k), v) for k, v in sent.items() if k in record)
    if isinstance(sent, list):
        return True
    return _same(record, sent) or (isinstance(sent, int | float) and _numeric_equal(record, sent))


def _numeric_equal(a: Any, b: Any) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return False
