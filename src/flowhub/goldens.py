"""Golden tests for mappings: example records next to a mapping, with the payload they must give."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from flowhub.errors import MappingError, MappingRecordError
from flowhub.mapping import FieldMapping, SkipRecord, load_mapping
from flowhub.yamlfile import field_path, load_yaml, validate

__all__ = ["GoldenCase", "GoldenResult", "case_paths", "jsonable", "run_goldens"]


class GoldenCase(BaseModel):
    """One case file: a source record and what the mapping must make of it."""

    model_config = ConfigDict(extra="forbid")

    description: str = ""
    source: dict[str, Any]
    refs: dict[str, Any] = {}
    flow: dict[str, Any] = {}
    now: datetime | None = None
    mode: Literal["create", "update"] = "create"
    target: dict[str, Any] | None = None
    expect: dict[str, Any] | None = None
    expect_skip: str | None = None
    expect_error: str | None = None

    @model_validator(mode="after")
    def _one_expectation(self) -> GoldenCase:
        given = [self.expect is not None, self.expect_skip is not None, self.expect_error is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of expect, expect_skip or expect_error")
        return self


@dataclass(frozen=True)
class GoldenResult:
    """The outcome of one case: ``diff`` says, field by field, what differed."""

    case: Path
    ok: bool
    diff: str = ""


def case_paths(mapping_path: Path) -> list[Path]:
    """The cases of ``mappings/NAME.yaml``: ``mappings/tests/NAME/*.yaml``, in name order."""
    folder = mapping_path.parent / "tests" / mapping_path.stem
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def run_goldens(mapping_paths: Iterable[Path],
                functions: Mapping[str, Callable[..., Any]] | None = None) -> list[GoldenResult]:
    """Run every case of every mapping; a broken mapping or case file fails its cases, not the run."""
    results: list[GoldenResult] = []
    for path in mapping_paths:
        cases = case_paths(path)
        if not cases:
            continue
        try:
            mapping = load_mapping(path, functions=functions)
        except MappingError as exc:
            results += [GoldenResult(case, False, str(exc)) for case in cases]
            continue
        results += [run_case(mapping, case) for case in cases]
    return results


def run_case(mapping: FieldMapping, path: Path) -> GoldenResult:
    try:
        case = _read_case(path)
    except MappingError as exc:
        return GoldenResult(path, False, str(exc))
    try:
        actual = mapping.apply(case.source, mode=case.mode, refs=case.refs, flow=case.flow,
                               record_id=path.stem, now=case.now, target=case.target)
    except SkipRecord as skip:
        return _judge(path, case, "skip", skip.reason)
    except MappingRecordError as exc:
        return _judge(path, case, "error", exc.reason)
    if case.expect is None:
        wanted = "skipped" if case.expect_skip is not None else "to fail"
        got = jsonable(actual)
        return GoldenResult(path, False, f"expected the record {wanted}, but it mapped to {got!r}")
    lines = diff(case.expect, actual)
    return GoldenResult(path, not lines, "\n".join(lines))


def _read_case(path: Path) -> GoldenCase:
    doc = load_yaml(path, error=MappingError)
    return validate(doc, GoldenCase, error=MappingError)


def _judge(path: Path, case: GoldenCase, outcome: Literal["skip", "error"], reason: str) -> GoldenResult:
    wanted = case.expect_skip if outcome == "skip" else case.expect_error
    if wanted is not None and wanted in reason:
        return GoldenResult(path, True)
    what = "skipped" if outcome == "skip" else "failed"
    if wanted is None:
        return GoldenResult(path, False, f"the record was {what}: {reason}")
    return GoldenResult(path, False, f"expected {wanted!r} in the reason, but the record was {what}: "
                                     f"{reason}")


def jsonable(value: Any) -> Any:
    """The value as JSON would carry it: Decimal as text (money keeps its places), dates as ISO."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(actual, Decimal) and isinstance(expected, int | float):
        return Decimal(repr(expected)) == actual  # `total: 10.5` in YAML matches Decimal("10.50")
    return bool(jsonable(expected) == jsonable(actual))


def diff(expected: Any, actual: Any, path: tuple[str | int, ...] = ()) -> list[str]:
    """One line per differing field: ``lines[0].quantity: expected 2, got 3``."""
    where = field_path(path) or "payload"
    if isinstance(expected, dict) and isinstance(actual, dict):
        out: list[str] = []
        for key in [*expected, *(k for k in actual if k not in expected)]:
            if key not in actual:
                out.append(f"{field_path((*path, key))}: expected {jsonable(expected[key])!r}, missing")
            elif key not in expected:
                out.append(f"{field_path((*path, key))}: not expected, got {jsonable(actual[key])!r}")
            else:
                out += diff(expected[key], actual[key], (*path, key))
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        out = []
        for index in range(max(len(expected), len(actual))):
            if index >= len(actual):
                out.append(f"{field_path((*path, index))}: expected {jsonable(expected[index])!r}, missing")
            elif index >= len(expected):
                out.append(f"{field_path((*path, index))}: not expected, got {jsonable(actual[index])!r}")
            else:
                out += diff(expected[index], actual[index], (*path, index))
        return out
    if _same(expected, actual):
        return []
    return [f"{where}: expected {jsonable(expected)!r}, got {jsonable(actual)!r}"]
