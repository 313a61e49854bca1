"""Flow files: the pydantic models of a flow and the loader that names file, line and field."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from flowhub.errors import FlowFileError
from flowhub.yamlfile import YamlDoc, load_yaml, validate

__all__ = [
    "Flow",
    "LinkRule",
    "MatchRule",
    "Requirement",
    "SourceSpec",
    "TargetSpec",
    "WriteBack",
    "flow_order",
    "load_flow",
    "parse_duration",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_duration(value: str | int | float) -> float:
    """``90``, ``"90s"``, ``"10m"``, ``"2h"``, ``"1d"`` -> seconds."""
    if isinstance(value, int | float):
        return float(value)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", value)
    if not match:
        raise ValueError(f"'{value}' is not a duration (use e.g. 30s, 10m, 2h, 1d)")
    number, unit = float(match.group(1)), match.group(2) or "s"
    return number * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]


class SourceSpec(_Strict):
    """Where records come from."""

    connection: str
    entity: str
    where: dict[str, Any] = Field(default_factory=dict, description="Filters the source entity declares.")
    since: str | None = Field(None, description="Start of the first incremental read (a date or cursor).")
    incremental: bool = Field(True, description="Read only what changed since the stored cursor.")
    lookback: float = Field(0.0, description="Re-read this far behind the cursor (e.g. 10m).")

    @field_validator("lookback", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> float:
        return parse_duration(value)


class TargetSpec(_Strict):
    """Where records go."""

    connection: str
    entity: str


class MatchRule(_Strict):
    """Find an existing target record whose ``field`` equals ``value`` (a template)."""

    field: str
    value: str | None = Field(
        None, description="Template for the value to look for; default: the mapped payload's field."
    )


LinkRule = Literal["link"]


class Requirement(_Strict):
    """A record that must exist in the target before this one (e.g. the order's customer)."""

    name: str = Field(description="Reachable in the mapping as refs.<name>.")
    key: str = Field(description="Template: the dependency's key in the source, e.g. {{ source.customer_id }}.")
    each: str | None = Field(None, description="Template giving a list: one dependency per item (as `item`).")
    source_entity: str | None = Field(None, description="Namespace of the id link; default: name.")
    target: TargetSpec | None = None
    entity: str | None = Field(None, description="Target entity when the connection is the flow's target.")
    mapping: str | None = None
    match: list[LinkRule | MatchRule] = Field(default_factory=lambda: ["link"])
    existing: Literal["update", "skip", "fail"] = "skip"
    missing: Literal["create", "wait", "fail", "skip"] = Field(
        "create", description="Not found: create it, wait, fail the record, or skip: a look-up only, "
        "refs.<name> is none (a mapping's when: can then decide, e.g. skip SKUs the shop has as variations).")
    once: bool = Field(False, description="Create once, never update (e.g. guest buyers, G9).")
    when: str | None = Field(None, description="Template; false -> this dependency is not needed.")
    after: list[str] = Field(default_factory=list, description="Other requirements resolved first.")
    on: Literal["always", "create"] = Field(
        "always", description="create: only needed when the record itself is created (e.g. a product "
        "group for new products only, D4); refs.<name> is none on updates.")
    enabled: bool = True

    @model_validator(mode="after")
    def _needs_mapping_to_create(self) -> Requirement:
        if self.missing == "create" and not self.mapping:
            raise ValueError("a requirement that creates missing records needs a mapping")
        if self.target is None and self.entity is None:
            raise ValueError("give the requirement's target entity (entity: NAME or target: {...})")
        return self


class WriteBack(_Strict):
    """What to tell the source after a record went through (e.g. set the order's status)."""

    set: dict[str, Any]
    when: str | None = None
    on: list[Literal["created", "updated", "unchanged"]] = Field(
        default_factory=lambda: ["created", "updated"]
    )


class Schedule(_Strict):
    every: float | None = None
    triggers: list[str] = Field(default_factory=list, description="Webhook topics that run this flow.")

    @field_validator("every", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> float | None:
        return None if value is None else parse_duration(value)


class Flow(_Strict):
    """One flow: source -> mapping -> target, with matching and write rules."""

    name: str
    description: str = ""
    enabled: bool = Field(True, description="Per-entity switch: a disabled flow does nothing.")
    after: list[str] = Field(default_factory=list, description="Flows that should run before this one.")
    tags: list[str] = Field(default_factory=list, description="Groups: `flowhub run --tag T`; the demo runs "
                                                              "each group against fresh sandboxes.")
    connections: dict[str, dict[str, Any]] = Field(default_factory=dict)
    source: SourceSpec
    target: TargetSpec
    mapping: str
    match: list[LinkRule | MatchRule] = Field(default_factory=lambda: ["link"])
    existing: Literal["update", "skip", "fail"] = "update"
    missing: Literal["create", "skip", "wait", "fail"] = Field(
        "create", description="A record not in the target: create it, skip it (update-only flows), wait, fail."
    )
    compare: Literal["written", "target"] = Field(
        "written", description="What an update is compared with: what this flow last wrote (no read), or "
        "the target record as it is now (one read per update; two-way flows use it so a change the "
        "other direction wrote is not written back, S1/S10).")
    unique: MatchRule | None = Field(
        None, description="A key the source must not share between records (e.g. a product number): "
        "records that share it are reported and none of them is synced (S11).")
    deleted: Literal["soft", "hard", "ignore"] = "ignore"
    requires: list[Requirement] = Field(default_factory=list)
    writeback: WriteBack | None = None
    schedule: Schedule = Field(default_factory=Schedule)
    concurrency: int = Field(4, ge=1, le=64)
    chunk: int = Field(100, ge=1, le=10_000, description="Records per checkpoint.")
    settings: dict[str, Any] = Field(default_factory=dict, description="Values mappings read as flow.settings.")

    path: Path = Field(Path("."), exclude=True)

    @model_validator(mode="after")
    def _unique_requirements(self) -> Flow:
        names = [r.name for r in self.requires]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"requirement names must be unique: {', '.join(sorted(dupes))}")
        return self

    def resolve(self, relative: str) -> Path:
        """A path written in the flow, relative to the flow file."""
        return (self.path.parent / relative).resolve()


def load_flow(path: Path) -> tuple[Flow, YamlDoc]:
    """Parse and validate one flow file (structure only; connectors are checked by `checks`)."""
    doc = load_yaml(path, error=FlowFileError)
    if not isinstance(doc.data, dict):
        raise FlowFileError(doc.name, 1, None, "a flow file must be a mapping of keys")
    data = {"name": path.stem, **doc.data}
    flow = validate(doc, Flow, error=FlowFileError, data=data)
    return flow.model_copy(update={"path": path}), doc


def flow_order(paths: Iterable[Path]) -> list[Path]:
    """Flows sorted so that each comes after the flows named in its `after:`."""
    flows = {load_flow(p)[0].name: p for p in paths}
    afters = {name: load_flow(p)[0].after for name, p in flows.items()}
    ordered: list[str] = []

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in ordered or name not in flows or name in trail:
            return
        for other in afters[name]:
            visit(other, (*trail, name))
        ordered.append(name)

    for name in sorted(flows):
        visit(name, ())
    return [flows[n] for n in ordered]
