"""The state store keeps cursors, links, intents, record states and runs, safely and for good."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

import flowhub.state.migrations as migrations
import flowhub.state.queries as queries
from flowhub.errors import ConfigError
from flowhub.redact import MASK
from flowhub.state import LATEST_VERSION, StateStore
from flowhub.state.schema import metadata

SCOPE = "shop/order->db/orders"
FLOW = "orders-to-db"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "state.db"


@pytest.fixture
def url(db_path: Path) -> str:
    return f"sqlite:///{db_path}"


@pytest.fixture
def store(url: str) -> Iterator[StateStore]:
    opened = StateStore(url)
    yield opened
    opened.close()


def raw(db_path: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    """Read the file with the plain sqlite3 module: what is really on disk."""
    with closing(sqlite3.connect(db_path)) as conn:
        rows = conn.execute(sql, params).fetchall()
        conn.commit()
        return rows


def fail(
    store: StateStore, key: str, *, status: str = "failed", source: object = None, run_id: int | None = None
) -> None:
    store.mark_problem(
        FLOW,
        key,
        status=status,
        stage="write",
        reason=f"{key} was refused",  # type: ignore[arg-type]
        cursor="c1",
        source=source,
        payload={"n": key},  # type: ignore[arg-type]
        run_id=run_id or store.start_run(FLOW, "run"),
    )


# -- schema and migrations --------------------------------------------------------------------


def test_migrations_create_the_schema_the_queries_use(store: StateStore, db_path: Path) -> None:
    assert store.schema_version == LATEST_VERSION
    with store.reading() as conn:
        found = inspect(conn)
        for table in metadata.sorted_tables:
            columns = {column["name"] for column in found.get_columns(table.name)}
            assert columns == set(table.columns.keys()), table.name
            indexes = {index["name"] for index in found.get_indexes(table.name)}
            assert indexes == {index.name for index in table.indexes}, table.name
    assert raw(db_path, "SELECT value FROM meta WHERE key = 'schema_version'") == [(str(LATEST_VERSION),)]


def test_creates_the_parent_directories_of_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "state.db"
    with StateStore(f"sqlite:///{path}"):
        pass
    assert path.is_file()


def test_reopening_an_up_to_date_database_runs_no_migration(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with StateStore(url) as first:
        first.put_link(SCOPE, "1", "T1", "h")

    def must_not_run(conn: object) -> None:
        raise AssertionError("a migration ran on an up-to-date database")

    monkeypatch.setattr(migrations, "MIGRATIONS", (must_not_run,) * LATEST_VERSION)
    with StateStore(url) as again:
        assert again.schema_version == LATEST_VERSION
        assert again.get_link(SCOPE, "1") is not None


def test_an_older_database_gets_only_the_pending_migrations(
    url: str, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with StateStore(url) as first:
        first.put_link(SCOPE, "1", "T1", "h")

    def v2_add_notes(conn: object) -> None:
        conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))  # type: ignore[attr-defined]

    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, v2_add_notes))
    monkeypatch.setattr(migrations, "LATEST_VERSION", LATEST_VERSION + 1)
    with StateStore(url) as upgraded:
        assert upgraded.schema_version == LATEST_VERSION + 1
        assert upgraded.get_link(SCOPE, "1") is not None
    assert raw(db_path, "SELECT count(*) FROM notes") == [(0,)]


def test_a_database_written_by_a_newer_flowhub_is_refused_with_a_clear_message(
    url: str, db_path: Path
) -> None:
    StateStore(url).close()
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        conn.commit()
    with pytest.raises(ConfigError) as refused:
        StateStore(url)
    message = str(refused.value)
    assert "schema version 99" in message
    assert f"up to {LATEST_VERSION}" in message
    assert "Upgrade flowhub" in message


@pytest.mark.parametrize(
    ("bad_url", "expected"),
    [
        ("sqlite://", "in-memory"),
        ("sqlite:///:memory:", "in-memory"),
        ("mysql://user:hunter22@db/flowhub", "SQLite or PostgreSQL"),
        ("not a url", "not valid"),
    ],
)
def test_unusable_database_urls_are_config_errors(bad_url: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected) as refused:
        StateStore(bad_url)
    assert "hunter22" not in str(refused.value)


def test_a_database_folder_that_cannot_be_created_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file where the folder should be")
    with pytest.raises(ConfigError, match="cannot create"):
        StateStore(f"sqlite:///{tmp_path / 'taken' / 'state.db'}")


def test_a_file_that_is_not_a_database_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"this is not an SQLite database, just some text" * 100)
    with pytest.raises(ConfigError, match="cannot open state database"):
        StateStore(f"sqlite:///{path}")


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(store: StateStore) -> None:
    with store.reading() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
        }
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 1, "busy_timeout": 30000}


# -- runs and cursors -------------------------------------------------------------------------


def test_runs_are_listed_newest_first_with_their_counts(store: StateStore) -> None:
    first = store.start_run(FLOW, "run")
    other = store.start_run("customers", "full")
    second = store.start_run(FLOW, "retry")
    store.finish_run(first, status="ok", counts={"created": 3, "updated": 1})
    store.finish_run(
        second, status="failed", counts={"failed": 2}, error="auth refused for consumer_secret=cs_abcdef123"
    )

    runs = store.runs(FLOW)
    assert [run.id for run in runs] == [second, first]
    assert runs[1].counts == {"created": 3, "updated": 1}
    assert runs[1].status == "ok"
    assert runs[1].finished_at is not None
    assert runs[1].finished_at >= runs[1].started_at
    assert runs[0].error == f"auth refused for consumer_secret={MASK}"
    assert [run.id for run in store.runs()] == [second, other, first]
    assert store.runs(limit=1)[0].id == second
    assert store.runs("customers")[0].status == "running"


def test_unfinished_runs_can_be_marked_interrupted(store: StateStore) -> None:
    killed = store.start_run(FLOW, "run")
    done = store.start_run(FLOW, "run")
    store.finish_run(done, status="ok", counts={})
    assert store.interrupt_unfinished_runs(FLOW) == 1
    statuses = {run.id: run.status for run in store.runs(FLOW)}
    assert statuses == {killed: "interrupted", done: "ok"}


def test_unknown_run_modes_and_statuses_are_refused(store: StateStore) -> None:
    with pytest.raises(ValueError, match="run mode"):
        store.start_run(FLOW, "sometimes")
    run_id = store.start_run(FLOW, "dry-run")
    with pytest.raises(ValueError, match="run status"):
        store.finish_run(run_id, status="fine", counts={})


def test_a_cursor_is_kept_per_flow_until_cleared(store: StateStore) -> None:
    assert store.get_cursor(FLOW) is None
    store.set_cursor(FLOW, "2024-01-01T00:00:00")
    store.set_cursor(FLOW, "2024-02-01T00:00:00")
    store.set_cursor("customers", "7")
    assert store.get_cursor(FLOW) == "2024-02-01T00:00:00"
    store.clear_cursor(FLOW)
    assert store.get_cursor(FLOW) is None
    assert store.get_cursor("customers") == "7"


# -- links and intents ------------------------------------------------------------------------


def test_a_link_is_upserted_and_found_from_both_ends(store: StateStore) -> None:
    store.put_link(SCOPE, "1", "T1", "h1")
    store.put_link(SCOPE, "1", "T9", "h2", once=True)
    store.put_link("other", "1", "X1", "h1")

    link = store.get_link(SCOPE, "1")
    assert link is not None
    assert (link.target_key, link.payload_hash, link.once) == ("T9", "h2", True)
    assert store.find_link_by_target(SCOPE, "T9") == link
    assert store.find_link_by_target(SCOPE, "T1") is None
    assert store.count_links(SCOPE) == 1
    store.delete_link(SCOPE, "1")
    assert store.get_link(SCOPE, "1") is None
    assert store.get_link("other", "1") is not None


def test_get_links_answers_a_chunk_larger_than_one_query(store: StateStore) -> None:
    keys = [str(number) for number in range(1_203)]
    for key in keys[::2]:
        store.put_link(SCOPE, key, f"T{key}", "h")
    found = store.get_links(SCOPE, keys)
    assert set(found) == set(keys[::2])
    assert found["1202"].target_key == "T1202"
    assert store.get_links(SCOPE, []) == {}


def test_put_link_clears_the_write_intent(store: StateStore) -> None:
    store.put_intent(SCOPE, "1", "h1")
    store.put_intent(SCOPE, "2", "h2")
    intent = store.get_intent(SCOPE, "1")
    assert intent is not None
    assert intent.payload_hash == "h1"

    store.put_link(SCOPE, "1", "T1", "h1")
    assert store.get_intent(SCOPE, "1") is None
    assert [left.source_key for left in store.intents(SCOPE)] == ["2"]
    store.clear_intent(SCOPE, "2")
    assert store.intents(SCOPE) == []


def test_put_link_and_the_intent_clearing_commit_or_fail_together(store: StateStore, db_path: Path) -> None:
    store.put_intent(SCOPE, "1", "h1")
    raw(
        db_path,
        "CREATE TRIGGER no_clearing BEFORE DELETE ON intents "
        "BEGIN SELECT RAISE(ABORT, 'clearing refused'); END",
    )
    with pytest.raises(Exception, match="clearing refused"):
        store.put_link(SCOPE, "1", "T1", "h1")
    assert store.get_link(SCOPE, "1") is None  # rolled back with the failed clearing
    assert store.get_intent(SCOPE, "1") is not None


# -- record states ----------------------------------------------------------------------------


def test_a_problem_counts_attempts_and_keeps_the_first_failure_time(store: StateStore) -> None:
    fail(store, "7")
    first = store.record_state(FLOW, "7")
    fail(store, "7", status="waiting")
    again = store.record_state(FLOW, "7")

    assert first is not None
    assert again is not None
    assert (again.status, again.stage, again.attempts) == ("waiting", "write", 2)
    assert again.first_failed_at == first.first_failed_at
    assert again.last_failed_at is not None
    assert first.last_failed_at is not None
    assert again.last_failed_at >= first.last_failed_at
    assert again.reason == "7 was refused"
    assert again.payload == {"n": "7"}


def test_problem_snapshots_are_stored_redacted(store: StateStore, db_path: Path) -> None:
    source = {"id": 7, "billing": {"email": "a@b.no"}, "consumer_secret": "cs_live_0123456789"}
    fail(store, "7", source=source)
    state = store.record_state(FLOW, "7")
    assert state is not None
    assert state.source == {"id": 7, "billing": {"email": "a@b.no"}, "consumer_secret": MASK}
    assert "cs_live_0123456789" not in str(raw(db_path, "SELECT source FROM record_states"))


def test_mark_done_deletes_the_stored_failure_and_its_snapshots(store: StateStore, db_path: Path) -> None:
    fail(store, "7", source={"name": "Kari Nordmann"})
    store.mark_done(FLOW, "7", "2024-05-01T10:00:00", "created")

    state = store.record_state(FLOW, "7")
    assert state is not None
    assert (state.status, state.cursor, state.outcome) == ("done", "2024-05-01T10:00:00", "created")
    assert (state.stage, state.reason, state.attempts, state.first_failed_at) == (None, None, 0, None)
    assert raw(db_path, "SELECT source, payload FROM record_states") == [(None, None)]
    assert store.count_problems(FLOW) == {"failed": 0, "waiting": 0}


def test_record_states_are_looked_up_for_a_whole_chunk(store: StateStore) -> None:
    keys = [str(number) for number in range(1_100)]
    for key in keys[:600]:
        store.mark_done(FLOW, key, None, "updated")
    fail(store, "1099")
    found = store.record_states(FLOW, keys)
    assert len(found) == 601
    assert found["1099"].status == "failed"
    assert found["599"].outcome == "updated"
    assert store.record_states("another-flow", keys) == {}


def test_problems_stream_oldest_first_in_pages_and_survive_reopening(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "PAGE", 3)  # several pages from a few rows
    keys = [f"k{number:02d}" for number in range(8)]
    with StateStore(url) as store:
        run_id = store.start_run(FLOW, "run")
        for key in keys:
            fail(store, key, status="waiting" if key in ("k02", "k05") else "failed", run_id=run_id)
        store.mark_done(FLOW, "k03", None, "created")
        store.mark_done(FLOW, "done-one", None, "created")
        fail(store, "k00", run_id=run_id)  # a second failure keeps its place in the queue

    with StateStore(url) as reopened:
        assert [state.source_key for state in reopened.problems(FLOW)] == [
            "k00",
            "k01",
            "k02",
            "k04",
            "k05",
            "k06",
            "k07",
        ]
        assert [state.source_key for state in reopened.problems(FLOW, "waiting")] == ["k02", "k05"]
        assert reopened.count_problems(FLOW) == {"failed": 5, "waiting": 2}
        with pytest.raises(ValueError, match="problem status"):
            reopened.problems(FLOW, "done")


def test_records_can_be_marked_done_while_the_problems_are_streamed(
    store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "PAGE", 2)
    run_id = store.start_run(FLOW, "retry")
    for number in range(5):
        fail(store, f"k{number}", run_id=run_id)
    seen = []
    for state in store.problems(FLOW):
        seen.append(state.source_key)
        store.mark_done(FLOW, state.source_key, None, "created")
    assert seen == ["k0", "k1", "k2", "k3", "k4"]
    assert list(store.problems(FLOW)) == []


def test_forget_flow_drops_cursor_and_states_but_keeps_links(store: StateStore) -> None:
    store.set_cursor(FLOW, "5")
    store.mark_done(FLOW, "1", "5", "created")
    fail(store, "2")
    store.put_link(SCOPE, "1", "T1", "h")
    store.forget_flow(FLOW)
    assert store.get_cursor(FLOW) is None
    assert store.record_states(FLOW, ["1", "2"]) == {}
    assert store.get_link(SCOPE, "1") is not None


# -- concurrency and crashes ------------------------------------------------------------------


def run_in_threads(count: int, work: object) -> None:
    errors: list[BaseException] = []

    def guarded(number: int) -> None:
        try:
            work(number)  # type: ignore[operator]
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_eight_threads_writing_links_at_once_lose_nothing(store: StateStore) -> None:
    def write_links(thread: int) -> None:
        for number in range(125):
            key = f"{thread}-{number}"
            store.put_intent(SCOPE, key, "h")
            assert store.get_link(SCOPE, key) is None
            store.put_link(SCOPE, key, f"T{key}", "h")

    run_in_threads(8, write_links)
    assert store.count_links(SCOPE) == 1_000
    links = store.get_links(SCOPE, [f"{t}-{n}" for t in range(8) for n in range(125)])
    assert all(link.target_key == f"T{key}" for key, link in links.items())
    assert store.intents(SCOPE) == []


def test_concurrent_failures_of_one_record_count_every_attempt(store: StateStore) -> None:
    run_id = store.start_run(FLOW, "run")

    def fail_often(_thread: int) -> None:
        for _ in range(25):
            fail(store, "same", run_id=run_id)

    run_in_threads(8, fail_often)
    state = store.record_state(FLOW, "same")
    assert state is not None
    assert state.attempts == 200


CHILD = textwrap.dedent(
    """
    import sys
    from flowhub.state import StateStore

    store = StateStore(sys.argv[1])
    number = 0
    while True:
        key = f"s{number:06d}"
        store.put_intent("scope", key, "h")
        store.put_link("scope", key, f"t{number}", "h")
        sys.stdout.write(f"{number}\\n")  # only after put_link returned: committed
        sys.stdout.flush()
        number += 1
    """
)


@pytest.mark.parametrize("kill_after", [1, 57, 400])
def test_a_process_killed_while_writing_leaves_exactly_the_committed_links(
    tmp_path: Path, url: str, db_path: Path, kill_after: int
) -> None:
    script = tmp_path / "writer.py"
    script.write_text(CHILD)
    child = subprocess.Popen(
        [sys.executable, str(script), url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    reported = 0
    while reported < kill_after:
        line = child.stdout.readline()
        assert line, f"the writer stopped by itself: {child.communicate()[1]}"
        reported += 1
    os.kill(child.pid, signal.SIGKILL)
    rest, _ = child.communicate()
    reported += len(rest.splitlines())  # lines written before the kill, still in the pipe
    assert child.returncode == -signal.SIGKILL

    with StateStore(url) as store:
        with store.reading() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        links = store.count_links("scope")
        # every reported link is there; at most one more committed before it could be reported
        assert links in (reported, reported + 1)
        expected = [f"s{number:06d}" for number in range(links)]
        assert set(store.get_links("scope", expected)) == set(expected)
        # a create cut short leaves its intent behind, for the key right after the last link
        assert {intent.source_key for intent in store.intents("scope")} <= {f"s{links:06d}"}


def test_links_written_by_many_threads_at_once_are_all_committed(store: StateStore) -> None:
    def write(worker: int) -> None:
        for i in range(50):
            store.put_intent("orders", f"{worker}-{i}", "")
            store.put_link("orders", f"{worker}-{i}", f"T{worker}-{i}", "{}")

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.count_links("orders") == 400
    assert store.intents("orders") == []  # each link cleared its intent in the same transaction
    assert store.get_link("orders", "7-49").target_key == "T7-49"


def test_a_write_that_fails_fails_only_its_own_caller(store: StateStore) -> None:
    import time

    from flowhub.state.engine import _WRITERS
    from flowhub.state.writer import GroupCommit

    group = GroupCommit(store._engine)  # a writer of its own, to queue a bad write among good ones

    def good(i: int) -> Future[None]:
        return group.submit([(text("INSERT INTO meta (key, value) VALUES (:k, 'x')"), {"k": f"group-{i}"})])

    with _WRITERS[store._engine]:  # the writer waits at its first write while the rest queue up behind it
        first = good(0)
        while not group._queue.empty():
            time.sleep(0.01)
        failing = group.submit([(text("INSERT INTO no_such_table VALUES (1)"), None)])  # next to a good one
        rest = [good(i) for i in range(1, 20)]
    for done in [first, *rest]:
        assert done.result(timeout=30) is None
    with pytest.raises(Exception, match="no_such_table"):
        failing.result(timeout=30)
    group.close()
    with store.reading() as conn:
        assert conn.execute(text("SELECT count(*) FROM meta WHERE key LIKE 'group-%'")).scalar() == 20


def test_the_writer_thread_ends_when_idle_and_starts_again_on_the_next_write(store: StateStore) -> None:
    from flowhub.state.writer import GroupCommit

    group = GroupCommit(store._engine, idle_seconds=0.05)
    group.submit([(text("INSERT INTO meta (key, value) VALUES ('idle-1', 'x')"), None)]).result()
    writer = group._thread
    assert writer is not None
    writer.join(timeout=10)
    assert not writer.is_alive() and group._thread is None
    group.submit([(text("INSERT INTO meta (key, value) VALUES ('idle-2', 'x')"), None)]).result()
    with store.reading() as conn:
        assert conn.execute(text("SELECT count(*) FROM meta WHERE key LIKE 'idle-%'")).scalar() == 2
    group.close()
