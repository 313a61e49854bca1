"""The activity log keeps what came in, what went out and the answer, redacted and not for ever."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import BaseModel, SecretStr

from flowhub.activity import ActivityLog
from flowhub.redact import MASK, register_secret
from flowhub.state import StateStore

FLOW = "orders-to-db"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[StateStore]:
    opened = StateStore(f"sqlite:///{db_path}")
    yield opened
    opened.close()


@pytest.fixture
def log(store: StateStore) -> ActivityLog:
    return ActivityLog(store)


def entry(log: ActivityLog, run_id: int, key: str, *, started_at: datetime = NOW, **fields: object) -> None:
    log.record(
        run_id=run_id,
        flow=FLOW,
        source_key=key,
        outcome=str(fields.pop("outcome", "created")),
        started_at=started_at,
        duration_ms=12.5,
        **fields,
    )  # type: ignore[arg-type]


def database_bytes(db_path: Path) -> bytes:
    """The database file and its write-ahead log: everything SQLite has put on disk."""
    return b"".join(path.read_bytes() for path in (db_path, Path(f"{db_path}-wal")) if path.exists())


def test_an_entry_keeps_source_payload_request_and_answer(store: StateStore, log: ActivityLog) -> None:
    run_id = store.start_run(FLOW, "run")
    entry(
        log,
        run_id,
        "1001",
        source={"id": 1001},
        payload={"orderNumber": "1001"},
        request={"method": "POST", "url": "/orders"},
        response={"status": 201, "id": "T1"},
    )

    [stored] = log.entries(FLOW, "1001")
    assert (stored.run_id, stored.flow, stored.outcome, stored.duration_ms) == (run_id, FLOW, "created", 12.5)
    assert stored.source == {"id": 1001}
    assert stored.payload == {"orderNumber": "1001"}
    assert stored.request == {"method": "POST", "url": "/orders"}
    assert stored.response == {"status": 201, "id": "T1"}
    assert stored.started_at == NOW
    assert stored.reason is None


class Customer(BaseModel):
    name: str
    balance: Decimal
    born: date
    api_token: SecretStr


def test_models_decimals_and_dates_are_stored_as_readable_json(store: StateStore, log: ActivityLog) -> None:
    run_id = store.start_run(FLOW, "run")
    customer = Customer(
        name="Kari",
        balance=Decimal("149.50"),
        born=date(1990, 5, 17),
        api_token=SecretStr("tok-never-stored"),
    )
    entry(
        log,
        run_id,
        "c1",
        source=customer,
        payload={"amount": Decimal("10.10"), "at": NOW, "tags": ("a", "b")},
    )

    [stored] = log.entries(FLOW, "c1")
    assert stored.source["name"] == "Kari"
    assert stored.source["balance"] == "149.50"
    assert stored.source["born"] == "1990-05-17"
    assert "tok-never-stored" not in str(stored.source)
    assert stored.payload == {"amount": "10.10", "at": "2024-06-01T12:00:00+00:00", "tags": ["a", "b"]}


def test_secrets_never_reach_the_database_file(store: StateStore, log: ActivityLog, db_path: Path) -> None:
    secret = "cs_1f2e3d4c5b6a79880123456789abcdef"
    register_secret(secret)
    run_id = store.start_run(FLOW, "run")
    entry(
        log,
        run_id,
        "1001",
        outcome="failed",
        reason=f"401 for consumer_secret={secret}",
        source={"note": f"pasted {secret} by mistake"},
        request={
            "url": f"https://shop.example/wp-json/wc/v3/orders?consumer_secret={secret}",
            "headers": {"Authorization": "Basic dXNlcjpwYXNzd29yZDEyMw=="},
        },
        response={"client_secret": "anything", "echo": secret},
    )

    [stored] = log.entries(FLOW, "1001")
    assert stored.reason == f"401 for consumer_secret={MASK}"
    assert stored.source == {"note": f"pasted {MASK} by mistake"}
    assert stored.request["headers"] == {"Authorization": MASK}
    assert stored.response == {"client_secret": MASK, "echo": MASK}
    on_disk = database_bytes(db_path)
    assert secret.encode() not in on_disk
    assert b"dXNlcjpwYXNzd29yZDEyMw" not in on_disk


def test_entries_are_newest_first_and_filtered_by_record_and_run(store: StateStore, log: ActivityLog) -> None:
    first_run = store.start_run(FLOW, "run")
    second_run = store.start_run(FLOW, "retry")
    entry(log, first_run, "1", outcome="failed", reason="timeout")
    entry(log, first_run, "2")
    entry(log, second_run, "1", outcome="created")
    log.record(
        run_id=second_run,
        flow="customers",
        source_key="1",
        outcome="updated",
        started_at=NOW,
        duration_ms=1.0,
    )

    assert [(e.source_key, e.run_id) for e in log.entries(FLOW)] == [
        ("1", second_run),
        ("2", first_run),
        ("1", first_run),
    ]
    assert [e.outcome for e in log.entries(FLOW, "1")] == ["created", "failed"]
    assert [e.source_key for e in log.entries(FLOW, run_id=first_run)] == ["2", "1"]
    assert [e.reason for e in log.entries(FLOW, "1", run_id=first_run)] == ["timeout"]
    assert len(log.entries(FLOW, limit=1)) == 1


def test_purge_deletes_entries_past_retention_and_keeps_the_rest(store: StateStore, log: ActivityLog) -> None:
    run_id = store.start_run(FLOW, "run")
    for days_ago in (40, 31, 29, 1):
        entry(log, run_id, f"{days_ago}-days", started_at=NOW - timedelta(days=days_ago))
    store.mark_problem(
        FLOW,
        "40-days",
        status="failed",
        stage="write",
        reason="refused",
        cursor=None,
        source={"id": 40},
        payload=None,
        run_id=run_id,
    )

    assert log.purge(older_than_days=30, now=NOW) == 2
    assert sorted(e.source_key for e in log.entries(FLOW)) == ["1-days", "29-days"]
    assert log.purge(older_than_days=30, now=NOW) == 0
    state = store.record_state(FLOW, "40-days")  # the retry queue keeps its snapshot
    assert state is not None
    assert state.source == {"id": 40}


def test_entries_survive_reopening_the_store(db_path: Path) -> None:
    with StateStore(f"sqlite:///{db_path}") as store:
        run_id = store.start_run(FLOW, "run")
        entry(ActivityLog(store), run_id, "1")
    with StateStore(f"sqlite:///{db_path}") as reopened:
        assert [e.source_key for e in ActivityLog(reopened).entries(FLOW)] == ["1"]
