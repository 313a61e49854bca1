"""Group commit: the small writes of many worker threads, committed together by one thread.

Every record costs a few tiny writes (a write intent before the create, the id link after
it), each of which must be committed before anything relies on it. Committed one by one, the
workers queue for the database's single write lock, and a thread holding it gives up the GIL
at every SQLite call and waits to get it back, so the others wait on a waiter. Here a worker
hands its statements to the one writer thread and gets a future that is done once they are
committed; the writer commits whatever has queued up meanwhile in one transaction. Durability
is unchanged: every write is waited for before anything relies on it (the store waits at once;
a record's link is waited for by the pipeline before the record is settled).

A group that fails is written again one submission at a time, so one bad write fails only its
own caller. The thread ends after a few idle seconds and starts again on the next write, so a
store nobody closes leaves no thread behind.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from typing import Any

from sqlalchemy import Engine

from flowhub.state.engine import write_transaction

__all__ = ["GroupCommit", "Statements"]

Statements = Sequence[tuple[Any, Mapping[str, Any] | None]]
_Submission = tuple[Statements, "Future[None]"]
_STOP = None


class GroupCommit:
    """One writer thread per state store, started on first use and stopped by `close`."""

    def __init__(self, engine: Engine, *, max_group: int = 128, idle_seconds: float = 5.0) -> None:
        self._engine, self._max_group, self._idle = engine, max_group, idle_seconds
        self._queue: queue.SimpleQueue[_Submission | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    def submit(self, statements: Statements) -> Future[None]:
        """Queue ``statements`` to be committed in one transaction with others' queued ones; the
        answer is done once they are committed (or failed)."""
        done: Future[None] = Future()
        with self._guard:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="flowhub-state-writer", daemon=True)
                self._thread.start()
            self._queue.put((statements, done))
        return done

    def close(self) -> None:
        """Finish what is queued, then stop the thread."""
        with self._guard:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._queue.put(_STOP)
        if thread is not None:
            thread.join()

    def _loop(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self._idle)
            except queue.Empty:
                with self._guard:  # submit() queues under the guard: empty here means nobody waits
                    if self._queue.empty():
                        if self._thread is threading.current_thread():
                            self._thread = None
                        return
                continue
            if first is _STOP:
                return
            group, stop = [first], False
            while len(group) < self._max_group:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stop = True
                    break
                group.append(more)
            self._write(group)
            if stop:
                return

    def _write(self, group: list[_Submission]) -> None:
        try:
            with write_transaction(self._engine) as conn:
                for statements, _done in group:
                    for statement, values in statements:
                        conn.execute(statement, values)
        except BaseException as error:
            if len(group) == 1:
                group[0][1].set_exception(error)
            else:
                for submission in group:
                    self._write([submission])
            return
        for _statements, done in group:
            done.set_result(None)
