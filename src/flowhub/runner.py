"""Run one flow: read since the cursor, plan and write in chunks, checkpoint, summarise.

The cursor only moves past a chunk once every record in it is durably done, failed or waiting,
so a crash at any point re-reads at most one chunk (plus the look-back window); records already
done at the same cursor value are recognised and passed over, and id links stop duplicates.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from flowhub.activity import ActivityLog
from flowhub.connector import ReadQuery, WriteOp
from flowhub.errors import AuthError
from flowhub.fingerprint import dumps
from flowhub.pipeline import KeyedLocks, Pipeline, Plan
from flowhub.plugins import Plugins
from flowhub.prepare import PreparedFlow
from flowhub.state import StateStore

__all__ = ["RunSummary", "Runner"]

log = logging.getLogger("flowhub.runner")
OUTCOMES = ("created", "updated", "unchanged", "skipped", "deleted", "failed", "waiting")


@dataclass
class RunSummary:
    """What one run did, for people (the CLI) and scripts (--json)."""

    flow: str
    run_id: int
    mode: str
    counts: Counter[str] = field(default_factory=Counter)
    failures: list[dict[str, Any]] = field(default_factory=list)
    planned: list[dict[str, Any]] = field(default_factory=list)
    coverage: dict[str, Any] = field(default_factory=dict)
    status: str = "ok"
    error: str | None = None

    @property
    def exit_code(self) -> int:
        return 1 if self.counts["failed"] or self.status == "failed" else 0

    def as_dict(self) -> dict[str, Any]:
        return {"flow": self.flow, "run_id": self.run_id, "mode": self.mode, "status": self.status,
                "counts": {k: self.counts[k] for k in ("read", *OUTCOMES)}, "failures": self.failures,
                "planned": self.planned, "coverage": self.coverage, "error": self.error}


class Runner:
    """Runs one prepared flow against the state store."""

    def __init__(self, prepared: PreparedFlow, store: StateStore, activity: ActivityLog, plugins: Plugins,
                 *, mode: str = "run", progress: Callable[[Plan], None] | None = None) -> None:
        self.p, self.store, self.activity, self.plugins = prepared, store, activity, plugins
        self.mode, self.progress = mode, progress
        self.pipeline = Pipeline(prepared, store, dry_run=mode == "dry-run")
        self.summary = RunSummary(prepared.name, 0, mode)
        # Records re-checked from the waiting queue at the start of this run, by done mark: the
        # read that follows meets them again in its look-back window and passes them over.
        self._rechecked: dict[str, str] | None = None
        self._rechecking = False
        self._record_locks = KeyedLocks()  # a key in two chunks in flight is planned one after the other

    # -- entry points ----------------------------------------------------------------------
    def run(self, *, full: bool = False, records: Iterable[BaseModel] | None = None) -> RunSummary:
        """Read the source (or take ``records``, e.g. from webhooks) and push it to the target."""
        if not self.p.flow.enabled:
            self.summary.status = "disabled"
            return self.summary
        return self._guarded(lambda: self._run(full, records))

    def retry(self, *, force: bool = False) -> RunSummary:
        """Re-run the records that failed or wait, by re-reading each from the source."""
        return self._guarded(lambda: self._retry(force))

    def _guarded(self, body: Callable[[], None]) -> RunSummary:
        self.summary.run_id = self.store.start_run(self.p.name, self.mode)
        try:
            body()
        except AuthError as error:
            self.summary.status, self.summary.error = "failed", str(error)
        except Exception as error:  # the source stream broke: what was done is kept, the run stops
            log.debug("run of %s stopped", self.p.name, exc_info=True)
            self.summary.status, self.summary.error = "failed", f"{type(error).__name__}: {error}"
        except BaseException as error:
            self.summary.status, self.summary.error = "interrupted", str(error) or repr(error)
            self._finish()
            raise
        self._finish()
        return self.summary

    def _finish(self) -> None:
        if self.summary.status == "ok" and self.summary.counts["failed"]:
            self.summary.status = "partial"
        self.summary.coverage = self.p.mapping.coverage()
        self.activity_flush()
        counts = {k: self.summary.counts[k] for k in ("read", *OUTCOMES)}
        self.store.finish_run(self.summary.run_id, status=self.summary.status, counts=counts,
                              error=self.summary.error)

    def activity_flush(self) -> None:
        flush = getattr(self.activity, "flush", None)
        if callable(flush):
            flush()

    # -- the loops -------------------------------------------------------------------------
    def _run(self, full: bool, records: Iterable[BaseModel] | None) -> None:
        if records is None and self.mode != "dry-run":
            self._rechecked, self._rechecking = {}, True
            try:
                self._retry_waiting()
            finally:
                self._rechecking = False
        stream = records if records is not None else self._read(full)
        dedupe = not full and records is None
        checkpoint = records is None and self.mode in ("run", "full")
        with ThreadPoolExecutor(self.p.flow.concurrency, thread_name_prefix="flowhub") as pool:
            if self._batches():
                for chunk in _chunks(stream, self.p.flow.chunk):
                    self._chunk(pool, chunk, dedupe=dedupe, full=full)
                    if checkpoint:
                        self._checkpoint(chunk)
            else:
                self._overlapped(pool, stream, dedupe=dedupe, full=full, checkpoint=checkpoint)

    def _overlapped(self, pool: ThreadPoolExecutor, stream: Iterable[BaseModel], *, dedupe: bool,
                    full: bool, checkpoint: bool) -> None:
        """Two chunks in flight: the next is read and started while the last one's stragglers finish.

        Waiting for a whole chunk before reading on left the workers idle at every chunk's end
        and during every page read. Chunks are still settled and checkpointed strictly in
        order, so the cursor only passes records that are durably done; a key met again in the
        next chunk waits for the one in flight (`_through` holds the record's lock).
        """
        window: deque[tuple[list[BaseModel], list[Future[Plan]]]] = deque()
        try:
            for chunk in _chunks(stream, self.p.flow.chunk):
                if len(window) == 2:
                    self._settle_chunk(*window.popleft(), checkpoint=checkpoint)
                records, seen = self._admit(chunk, dedupe)
                window.append((chunk, [pool.submit(self._through, r, seen, full) for r in records]))
                while len(window) > 1 and all(f.done() for f in window[0][1]):
                    self._settle_chunk(*window.popleft(), checkpoint=checkpoint)
            while window:
                self._settle_chunk(*window.popleft(), checkpoint=checkpoint)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)  # what is not started yet is re-read next run
            raise

    def _settle_chunk(self, chunk: list[BaseModel], futures: list[Future[Plan]], *, checkpoint: bool) -> None:
        plans = [f.result() for f in futures]
        self._settle_all(plans)
        if checkpoint:
            self._checkpoint(chunk)

    def _read(self, full: bool) -> Iterator[BaseModel]:
        src = self.p.flow.source
        since = None if full or not src.incremental else (self.store.get_cursor(self.p.name) or src.since)
        since = _look_back(since, src.lookback) if since else None
        flow = self.p.flow
        changes_source = flow.writeback is not None or (
            flow.target.connection == src.connection and flow.target.entity == src.entity)
        yield from self.p.source.read(ReadQuery(where=dict(src.where), since=since, snapshot=changes_source))

    def _retry_waiting(self) -> None:
        waiting = [s.source_key for s in self.store.problems(self.p.name, status="waiting")]
        if waiting:
            self._rerun(waiting, force=False)

    def _retry(self, force: bool) -> None:
        keys = [s.source_key for s in self.store.problems(self.p.name)]
        self._rerun(keys, force=force)

    def _rerun(self, keys: list[str], *, force: bool) -> None:
        with ThreadPoolExecutor(self.p.flow.concurrency, thread_name_prefix="flowhub") as pool:
            for chunk in _chunks(iter(keys), self.p.flow.chunk):
                records = list(pool.map(self._refetch, chunk))
                if force:
                    self.pipeline.forced = True  # the person checked the target: unconfirmed creates may go again
                    for key in chunk:
                        self.store.clear_intent(self.p.scope, key)
                for key, record in zip(chunk, records, strict=True):
                    if record is None:  # gone from the source: nothing left to send
                        self.store.mark_done(self.p.name, key, None, "skipped")
                        self.summary.counts["skipped"] += 1
                self._chunk(pool, [r for r in records if isinstance(r, BaseModel)], dedupe=False, full=True)

    def _refetch(self, key: str) -> BaseModel | None | Exception:
        """The record as the source has it now (None: gone); the stored snapshot when it cannot say."""
        if self.p.source.capabilities().read:
            try:
                return self.p.source.get(key)
            except NotImplementedError:
                pass
            except AuthError:
                raise
            except Exception as error:  # unreachable now: the record stays in the queue for later
                log.warning("could not re-read %s of %s: %s", key, self.p.name, error)
                return error
        state = self.store.record_state(self.p.name, key)
        return self.p.source.model.model_validate(state.source) if state and state.source else None

    # -- one chunk -------------------------------------------------------------------------
    def _admit(self, records: list[BaseModel], dedupe: bool) -> tuple[list[BaseModel], dict[str, str]]:
        """The chunk's records to plan (one per key, none just re-checked) and those already done."""
        records = _last_per_key(records, self._safe_key)
        if dedupe and self._rechecked:
            records = [r for r in records if not self._rechecked_as_is(r)]
        self.summary.counts["read"] += len(records)
        return records, self._already_done(records) if dedupe else {}

    def _chunk(self, pool: ThreadPoolExecutor, records: list[BaseModel], *, dedupe: bool, full: bool) -> None:
        records, seen = self._admit(records, dedupe)
        if self._batches():
            plans = list(pool.map(lambda r: self._plan(r, seen, full), records))
            self._write(pool, plans)
            list(pool.map(self.pipeline.writeback, plans))
            for plan in plans:
                self.pipeline.finish(plan)
        else:  # each record straight through, so no worker waits for the slowest of a phase
            plans = list(pool.map(lambda r: self._through(r, seen, full), records))
        self._settle_all(plans)

    def _rechecked_as_is(self, record: BaseModel) -> bool:
        """Re-checked from the waiting queue earlier in this run, and unchanged since."""
        assert self._rechecked is not None
        mark = self._rechecked.get(self._safe_key(record))
        if mark is None:
            return False
        return mark == done_mark(self.p.source.cursor_of(record), record.model_dump(by_alias=True))

    def _batches(self) -> bool:
        return self.p.target.capabilities().batch and self.mode != "dry-run"

    def _through(self, record: BaseModel, seen: dict[str, str], full: bool) -> Plan:
        with self._record_locks.hold(self._safe_key(record)):
            plan = self._plan(record, seen, full)
            self.pipeline.write(plan)
            self.pipeline.writeback(plan)
            self.pipeline.finish(plan)  # the link is committed before the next record of this key starts
        plan.entry = self._activity_entry(plan)  # here, in parallel, not under the settle's write lock
        return plan

    def _safe_key(self, record: BaseModel) -> str:
        try:
            return self.p.source.key_of(record)
        except Exception:
            return f"unkeyed-{id(record)}"

    def _plan(self, record: BaseModel, seen: dict[str, str], full: bool) -> Plan:
        """A record re-read in the look-back overlap, exactly as it went through, is not planned again.

        "Exactly": same cursor and same content. A cursor has a resolution (WooCommerce keeps
        seconds), so a change within the second of the last one has the same cursor; only its
        content tells it apart.
        """
        src = self.p.source
        key = self._safe_key(record)
        if seen.get(key) is not None and seen[key].split("|", 1)[0] == str(src.cursor_of(record)):
            if seen[key] == done_mark(src.cursor_of(record), record.model_dump(by_alias=True)):
                plan = Plan(src.key_of(record), src.cursor_of(record), {})
                plan.action = "seen"
                return plan
        return self.pipeline.plan(record, full=full)

    def _already_done(self, records: list[BaseModel]) -> dict[str, str]:
        src = self.p.source
        if src.cursor is None:
            return {}
        states = self.store.record_states(self.p.name, [self._safe_key(r) for r in records])
        return {k: s.cursor for k, s in states.items() if s.status == "done" and s.cursor is not None}

    def _write(self, pool: ThreadPoolExecutor, plans: list[Plan]) -> None:
        target = self.p.target
        batchable = [p for p in plans if p.outcome is None and p.action in ("create", "update")]
        if len(batchable) > 1:
            size = target.batch_size
            for start in range(0, len(batchable), size):
                self._write_batch(batchable[start:start + size])
        list(pool.map(self.pipeline.write, plans))

    def _write_batch(self, plans: list[Plan]) -> None:
        ops = []
        for i, plan in enumerate(plans):
            assert plan.model is not None
            if plan.action == "create":
                self.pipeline.intend(plan)
            ops.append(WriteOp(plan.model, plan.target_key if plan.action == "update" else None, str(i)))
        try:
            results = {r.ref: r for r in self.p.target.write_batch(ops)}
        except AuthError:
            raise
        except Exception as error:
            for plan in plans:
                plan.fail(error)
            return
        for i, plan in enumerate(plans):
            result = results.get(str(i))
            if result is None:
                plan.fail(RuntimeError("the batch answer left this record out"))
            elif result.error is not None:
                self.pipeline.after_failed_write(plan, result.error)
            else:
                self.pipeline.confirm(plan, result.record)

    def _settle_all(self, plans: list[Plan]) -> None:
        """Settle a chunk's records in one transaction, their activity entries in one insert."""
        with self.store.batch():
            entries = [self._settle(plan) for plan in plans]
            self.activity.record_many([e for e in entries if e is not None])

    def _settle(self, plan: Plan) -> dict[str, Any] | None:
        """Make the record's outcome durable, count it, tell observers; answer its activity entry."""
        outcome = plan.outcome or "failed"
        self.summary.counts[outcome] += 1
        if self._rechecking and self._rechecked is not None and plan.cursor is not None and plan.source:
            self._rechecked[plan.key] = done_mark(plan.cursor, plan.source)
        if self.mode == "dry-run":
            self._remember_plan(plan)
        elif outcome in ("failed", "waiting"):
            self.store.mark_problem(self.p.name, plan.key, status=outcome, stage=plan.stage or "write",
                                    reason=plan.reason or "", cursor=plan.cursor, source=plan.source,
                                    payload=plan.payload, run_id=self.summary.run_id)
        else:
            mark = done_mark(plan.cursor, plan.source) if plan.cursor is not None and plan.source else plan.cursor
            self.store.mark_done(self.p.name, plan.key, mark, outcome)
        if outcome == "failed" and len(self.summary.failures) < 100:
            self.summary.failures.append({"record": plan.key, "stage": plan.stage, "reason": plan.reason})
        if self.progress:
            self.progress(plan)
        self.plugins.notify_outcome(self.p.name, plan.key, outcome, plan.reason,
                                    {"target_key": plan.target_key, "stage": plan.stage})
        return plan.entry if plan.entry is not None else self._activity_entry(plan)

    def _activity_entry(self, plan: Plan) -> dict[str, Any] | None:
        if plan.action == "seen" or self.mode == "dry-run":
            return None
        return self.activity.entry(run_id=self.summary.run_id, flow=self.p.name, source_key=plan.key,
                                   outcome=plan.outcome or "failed", reason=plan.reason, source=plan.source,
                                   payload=plan.payload, request=None, response=plan.response,
                                   started_at=plan.started, duration_ms=(time.perf_counter() - plan.t0) * 1000)

    def _remember_plan(self, plan: Plan) -> None:
        from flowhub.fingerprint import jsonable

        self.summary.planned.append({"record": plan.key, "action": plan.action, "outcome": plan.outcome,
                                     "target_key": plan.target_key, "reason": plan.reason,
                                     "payload": jsonable(plan.payload), "diff": plan.diff})

    def _checkpoint(self, chunk: list[BaseModel]) -> None:
        cursors = [c for c in (self.p.source.cursor_of(r) for r in chunk) if c is not None]
        if cursors:
            current = self.store.get_cursor(self.p.name)
            newest = max(cursors, key=_cursor_order)
            if current is None or _cursor_order(newest) > _cursor_order(current):
                self.store.set_cursor(self.p.name, newest)


def done_mark(cursor: Any, source: Mapping[str, Any]) -> str:
    """What a done record is remembered by: its cursor and a digest of its content."""
    digest = hashlib.blake2b(dumps(source).encode(), digest_size=8).hexdigest()
    return f"{cursor}|{digest}"


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _last_per_key(records: list[BaseModel], key_of: Callable[[BaseModel], str]) -> list[BaseModel]:
    """One record per key (the newest seen), keeping stream order."""
    last = {key_of(r): r for r in records}
    return list(last.values()) if len(last) != len(records) else records


def _cursor_order(value: str) -> tuple[int, float, str]:
    """Numbers compare as numbers, everything else (ISO timestamps) as text."""
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value)


def _look_back(since: str, seconds: float) -> str:
    """Move an ISO timestamp cursor back by the look-back window; other cursors stay."""
    if not seconds:
        return since
    try:
        moment = datetime.fromisoformat(since)
    except ValueError:
        return since
    return (moment - timedelta(seconds=seconds)).isoformat()
