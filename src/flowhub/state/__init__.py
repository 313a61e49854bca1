"""flowhub's state store: cursors, id links, write intents, record states and runs, in one database.

``from flowhub.state import StateStore`` is the way in; the sub-modules are its parts:
``engine`` (SQLite/PostgreSQL set-up and the durability trade-offs), ``schema`` (tables),
``migrations`` (versioned schema changes), ``codec`` (redacted JSON), ``models`` (the values
handed out) and ``store`` (the ``StateStore`` itself).
"""

from __future__ import annotations

from flowhub.state.codec import dumps_redacted, to_plain
from flowhub.state.migrations import LATEST_VERSION
from flowhub.state.models import Intent, Link, ProblemStatus, RecordState, RunInfo
from flowhub.state.store import StateStore

__all__ = [
    "LATEST_VERSION",
    "Intent",
    "Link",
    "ProblemStatus",
    "RecordState",
    "RunInfo",
    "StateStore",
    "dumps_redacted",
    "to_plain",
]
