"""What every 24SevenOffice entity shares: its API handle, cursor times, matching, batch errors."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from flowhub import Entity, WriteOp, WriteResult
from flowhub.errors import AuthError, ConfigError, ConnectorError, RejectedError, did_you_mean

if TYPE_CHECKING:
    from flowhub_24sevenoffice.connector import TwentyFourSevenOffice
    from flowhub_24sevenoffice.rest import RestApi
    from flowhub_24sevenoffice.soap import SoapApi

__all__ = [
    "RestEntity",
    "SoapEntity",
    "as_utc",
    "chunks",
    "same_text",
    "since_datetime",
    "sorted_by_time",
]

T = TypeVar("T")
_EPOCH = datetime(1900, 1, 1, tzinfo=UTC)


class _ApiEntity(Entity):
    @property
    def owner(self) -> TwentyFourSevenOffice:
        return self.connector  # type: ignore[return-value]

    def _check_find_field(self, field: str) -> None:
        if field not in self.find_fields:
            raise ConfigError(
                f"24sevenoffice/{self.name} cannot find records by '{field}' "
                f"({did_you_mean(field, self.find_fields)})"
            )


class RestEntity(_ApiEntity):
    """An entity served by the REST API."""

    @property
    def rest(self) -> RestApi:
        return self.owner.rest_api(self.name)


class SoapEntity(_ApiEntity):
    """An entity served by the SOAP API."""

    @property
    def soap(self) -> SoapApi:
        return self.owner.soap_api(self.name)

    def _batch(
        self,
        ops: Sequence[WriteOp],
        save: Callable[[list[BaseModel]], list[Any]],
        payload_of: Callable[[WriteOp], BaseModel],
    ) -> list[WriteResult]:
        """One SOAP save for many ops: an item's APIException fails that op only.

        A fault for the whole call (nothing saved) fails every op with it; a refused login
        stops the flow as it would for a single write.
        """
        payloads = [payload_of(op) for op in ops]
        try:
            results = save(payloads)
        except AuthError:
            raise
        except ConnectorError as error:
            return [WriteResult(op.ref, error=error) for op in ops]
        out: list[WriteResult] = []
        for index, op in enumerate(ops):
            if index >= len(results):
                out.append(
                    WriteResult(
                        op.ref,
                        error=RejectedError(
                            f"24sevenoffice/{self.name}: the save answered {len(results)} items "
                            f"for {len(ops)}; item {index + 1} has no answer"
                        ),
                    )
                )
            elif isinstance(results[index], Exception):
                out.append(WriteResult(op.ref, error=results[index]))
            else:
                out.append(WriteResult(op.ref, record=results[index]))
        return out


def since_datetime(since: str | None, *, back: timedelta = timedelta(0)) -> datetime | None:
    """The cursor text as an aware UTC datetime, moved back by ``back`` (None stays None)."""
    if not since:
        return None
    return as_utc(datetime.fromisoformat(since.replace("Z", "+00:00"))) - back


def as_utc(value: datetime | None) -> datetime:
    """Naive datetimes are UTC (the APIs answer UTC); None sorts first."""
    if value is None:
        return _EPOCH
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def sorted_by_time(records: Iterable[T], field: str) -> list[T]:
    """Oldest first by ``field`` (records without it first), so a cursor only moves forward."""
    return sorted(records, key=lambda r: as_utc(getattr(r, field, None)))


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def same_text(a: Any, b: Any) -> bool:
    """Equal after trimming, folding case and collapsing spaces (how people type names)."""
    if a is None or b is None:
        return False
    return " ".join(str(a).split()).casefold() == " ".join(str(b).split()).casefold()


def digits(value: Any) -> str:
    """An organisation number as its digits only (``NO 912 345 678 MVA`` -> ``912345678``)."""
    return "".join(ch for ch in str(value or "") if ch.isdigit())
