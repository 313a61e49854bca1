"""The plain, frozen values the state store hands out: runs, links, intents, record states."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = [
    "PROBLEM_STATUSES",
    "RUN_MODES",
    "RUN_STATUSES",
    "Intent",
    "Link",
    "ProblemStatus",
    "RecordState",
    "RunInfo",
]

RUN_MODES = frozenset({"run", "retry", "full", "dry-run", "webhook"})
RUN_STATUSES = frozenset({"ok", "partial", "failed", "interrupted"})
ProblemStatus = Literal["failed", "waiting"]
PROBLEM_STATUSES: frozenset[str] = frozenset({"failed", "waiting"})


@dataclass(frozen=True)
class RunInfo:
    """One run of a flow; ``status`` is ``running`` until ``finish_run`` (or a crash) ends it."""

    id: int
    flow: str
    mode: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    counts: Mapping[str, int]
    error: str | None


@dataclass(frozen=True)
class Link:
    """A source record and the target record it became, within one scope."""

    scope: str
    source_key: str
    target_key: str
    payload_hash: str
    once: bool
    updated_at: datetime


@dataclass(frozen=True)
class Intent:
    """A create that was about to be sent; still here after a crash means "look before resending"."""

    scope: str
    source_key: str
    payload_hash: str
    created_at: datetime


@dataclass(frozen=True)
class RecordState:
    """What the last run did with one source record: done, failed or waiting (and why)."""

    flow: str
    source_key: str
    status: str
    cursor: str | None
    outcome: str | None
    stage: str | None
    reason: str | None
    attempts: int
    source: Any
    payload: Any
    updated_at: datetime
    first_failed_at: datetime | None = None
    last_failed_at: datetime | None = None
    run_id: int | None = field(default=None)
