"""What every DUELL entity shares: the client, wire dumps, exact matching, and create-at-most-once."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel

from flowhub.connector import Entity
from flowhub.errors import RejectedError, RetryableError

if TYPE_CHECKING:
    from flowhub_duell.client import DuellClient

__all__ = ["DuellEntity", "create_once", "first", "wire"]

log = logging.getLogger("flowhub.duell")

T = TypeVar("T")


class DuellEntity(Entity):
    """An entity of the DUELL connector; ``client`` is the connection's shared DuellClient."""

    list_path: ClassVar[str] = ""  # the list endpoint, e.g. "product/list"
    rows_key: ClassVar[str] = ""  # where its answer keeps the rows, e.g. "products"

    def matching(self, params: Mapping[str, Any], keep: Callable[[Any], bool]) -> list[Any]:
        """Rows of a filtered list, checked here too: a filter DUELL ignores gives no false hits."""
        rows = self.client.rows(self.list_path, self.rows_key, params)
        return [record for record in (self.model.model_validate(row) for row in rows) if keep(record)]

    @property
    def client(self) -> DuellClient:
        return self.connector.client  # type: ignore[attr-defined, no-any-return]

    def create_once(
        self,
        send: Callable[[], T],
        lookup: Callable[[], T | None],
        *,
        what: str,
        rejected_means_maybe: bool = False,
    ) -> T:
        settings = self.client.settings
        return create_once(
            send,
            lookup,
            attempts=settings.max_attempts,
            what=what,
            rejected_means_maybe=rejected_means_maybe,
            pause=min(0.2, settings.max_wait),
        )

    def where_flag(self, where: Mapping[str, Any], name: str, default: bool) -> bool:
        value = where.get(name, default)
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)


def wire(model: BaseModel, *, drop: Iterable[str] = ()) -> dict[str, Any]:
    """The JSON body of ``model`` in DUELL's spelling, without unset values and ``drop`` fields."""
    data = model.model_dump(mode="json", exclude_none=True)
    for name in drop:
        data.pop(name, None)
    return data


def first(records: list[T]) -> T | None:
    return records[0] if records else None


def create_once(
    send: Callable[[], T],
    lookup: Callable[[], T | None],
    *,
    attempts: int,
    what: str,
    rejected_means_maybe: bool = False,
    pause: float = 0.2,
) -> T:
    """Create a record at most once, whatever happens on the wire.

    Looks the record up first (an earlier run may have created it). When the create fails in
    a way that leaves it unknown whether DUELL took it (timeout, dropped connection, 5xx),
    looks it up again and re-sends only when it is not there. With ``rejected_means_maybe`` a
    rejection is checked the same way, because DUELL may refuse a duplicate reference.
    """
    existing = lookup()
    if existing is not None:
        log.info("duell: %s exists already; not created again", what)
        return existing
    failure: Exception | None = None
    for attempt in range(attempts):
        try:
            return send()
        except RetryableError as error:
            failure = error
        except RejectedError:
            if not rejected_means_maybe:
                raise
            found = lookup()
            if found is not None:
                log.info("duell: %s was refused as a duplicate; it exists already", what)
                return found
            raise
        time.sleep(min(pause * 2**attempt, pause * 10))
        found = lookup()
        if found is not None:
            log.info("duell: %s: the answer was lost but DUELL has it; not sent again", what)
            return found
    assert failure is not None
    raise failure
