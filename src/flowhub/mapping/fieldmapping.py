"""A compiled mapping: turns one source record into a target payload, and explains failures."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from flowhub.errors import MappingRecordError
from flowhub.mapping.environment import OMIT
from flowhub.mapping.expressions import Evaluator
from flowhub.mapping.runtime import FieldFailure, describe
from flowhub.mapping.tables import SkipSignal, ValueMap
from flowhub.yamlfile import field_path

__all__ = ["FieldMapping", "Mode", "SkipRecord"]

Mode = Literal["create", "update"]
M = TypeVar("M", bound=BaseModel)
_EMPTY: Mapping[str, Any] = {}


class SkipRecord(Exception):
    """The mapping decided this record is not for the target (``when`` false, ``unmapped: skip``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(eq=False)
class FieldMapping:
    """One mapping file, compiled once per run; ``apply`` is called once per record."""

    path: Path
    name: str  # the file as shown in messages
    builders: dict[str, Evaluator]  # mode -> payload builder
    written: dict[str, frozenset[str]]  # mode -> top-level target fields
    lines: dict[tuple[str, ...], int]  # payload path (no indices) -> line of its key
    value_maps: dict[str, ValueMap] = field(default_factory=dict)
    when: Evaluator | None = None
    when_text: str = ""
    when_line: int | None = None
    now: datetime = field(default_factory=lambda: datetime.now().astimezone())

    def apply(self, source: Mapping[str, Any], *, mode: Mode, refs: Mapping[str, Any] | None = None,
              flow: Mapping[str, Any] | None = None, record_id: str = "?",
              now: datetime | None = None, target: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The payload for ``source``: ``fields`` plus the ``create`` or ``update`` section.

        ``target`` is the record as the target has it now (updates only; none on create), so a
        field can be written only when the target lacks it, e.g. an image never replaced (D4).

        Raises MappingRecordError naming file, line and field path, or SkipRecord with the reason.
        """
        build = self.builders.get(mode)
        if build is None:
            raise ValueError(f"mode must be 'create' or 'update', not {mode!r}")
        scope = {"source": source, "refs": _EMPTY if refs is None else refs,
                 "flow": _EMPTY if flow is None else flow, "now": now or self.now, "omit": OMIT,
                 "target": target}
        try:
            if self.when is not None:
                self._check_when(scope)
            payload: dict[str, Any] = build(scope)
        except FieldFailure as failure:
            raise MappingRecordError(self._where(failure.path, failure.reason), record_id=record_id) from None
        except SkipSignal as signal:
            raise SkipRecord(self._where(signal.path, signal.reason)) from None
        return payload

    def _check_when(self, scope: dict[str, Any]) -> None:
        try:
            keep = self.when(scope)  # type: ignore[misc]
            if not keep:
                raise SkipRecord(f"{self._at(self.when_line)}: when: condition is false ({self.when_text})")
        except (SkipRecord, SkipSignal):
            raise
        except Exception as exc:
            raise FieldFailure(describe(exc), ["when"]) from exc

    def fields_for(self, mode: Mode) -> set[str]:
        """The top-level target fields written in ``mode`` (what an update may overwrite)."""
        return set(self.written[mode])

    def coverage(self) -> dict[str, dict[str, Any]]:
        """Per value map, how often each source value was found (hits) or not (misses) this run."""
        return {name: table.coverage() for name, table in self.value_maps.items()}

    def validate_payload(self, payload: dict[str, Any], model: type[M], *, record_id: str) -> M:
        """``model.model_validate(payload)``; a failure names this file, the line and the field."""
        try:
            return model.model_validate(payload)
        except ValidationError as exc:
            raise MappingRecordError(self._validation_reason(exc), record_id=record_id) from None

    def _validation_reason(self, exc: ValidationError) -> str:
        errors = exc.errors(include_url=False)
        first = errors[0]
        loc = tuple(first["loc"])
        got = first.get("input")
        shown = "" if isinstance(got, dict | list) or first["type"] == "missing" else f" (got {got!r:.60})"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        problem = f"{first['msg'][0].lower()}{first['msg'][1:]}{shown}{more}"
        return self._where(list(loc), problem)

    def _where(self, path: list[Any], reason: str) -> str:
        keys = tuple(part for part in path if isinstance(part, str))
        line = None
        while keys and line is None:
            line, keys = self.lines.get(keys), keys[:-1]
        if path == ["when"]:
            line = self.when_line
        return f"{self._at(line)}: {field_path(path)}: {reason}" if path else f"{self._at(line)}: {reason}"

    def _at(self, line: int | None) -> str:
        return f"{self.name}:{line}" if line else self.name
