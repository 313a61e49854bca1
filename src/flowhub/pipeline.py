"""One record's way through a flow: dependencies, mapping, matching, the write, the id link.

Planning (map + match) and writing are separate steps so the runner can send a chunk's writes
one by one or as batches. Crash safety: a write intent is stored before every create, the id
link (with per-field fingerprints) right after; a create that finds an intent but no way to look
the record up again fails instead of risking a duplicate.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from flowhub.connector import Entity
from flowhub.errors import NotFoundError, RecordError, RejectedError, RetryableError, WaitingError
from flowhub.compare import differing_fields
from flowhub.fingerprint import changed_fields, fingerprint, jsonable
from flowhub.prepare import Dependency, PreparedFlow, Rule
from flowhub.state import StateStore
from flowhub.state.models import Link

__all__ = ["KeyedLocks", "Pipeline", "Plan"]

@dataclass
class Plan:
    """What will happen (or happened) to one source record."""

    key: str
    cursor: str | None
    source: dict[str, Any]
    action: str = "skip"
    reason: str | None = None
    payload: dict[str, Any] | None = None  # what is sent
    model: BaseModel | None = None
    target_key: str | None = None
    last: dict[str, str] | None = None  # fingerprints of what was last written
    outcome: str | None = None  # created / updated / unchanged / skipped / deleted / failed / waiting
    stage: str | None = None
    response: Any = None
    diff: dict[str, Any] | None = None
    entry: dict[str, Any] | None = None  # the activity log entry, rendered once the record is through
    storing: Future[None] | None = None  # the link write still in the state store's queue (`finish`)
    intent: Future[None] | None = None  # the write intent queued while the match looked (`intend`)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    t0: float = field(default_factory=time.perf_counter)

    def fail(self, error: Exception) -> None:
        """Failed (a person must look), or waiting: retried by itself at the start of the next run.

        Waiting are records whose dependency is not there yet, and records that met a passing
        fault (5xx, timeout, 429) which outlasted the HTTP client's retries: not the record's
        fault, so the next run tries again without anyone running `flowhub retry`.
        """
        passing = isinstance(error, RetryableError)
        self.outcome = "waiting" if isinstance(error, WaitingError) or passing else "failed"
        self.stage = getattr(error, "stage", None) or self.stage or "write"
        self.reason = getattr(error, "reason", None) or str(error) or repr(error)
        if passing:
            self.reason += "; a passing fault: tried again at the next run"


class CurrentRecord(Mapping[str, Any]):
    """The target's record as it is now, fetched only if a mapping looks at ``target``.

    Most mappings never do, so most updates cost no extra read.
    """

    def __init__(self, fetch: Callable[[], Any]) -> None:
        self._fetch = fetch
        self._data: Mapping[str, Any] | None = None

    def _record(self) -> Mapping[str, Any]:
        if self._data is None:
            current = self._fetch()
            self._data = jsonable(current) if current is not None else {}
        return self._data

    def __getitem__(self, name: str) -> Any:
        return self._record()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._record())

    def __len__(self) -> int:
        return len(self._record())


def _gone(error: RejectedError) -> bool:
    return isinstance(error, NotFoundError) or getattr(error, "status", None) in (404, 410)


def _key(entity: Entity, record: BaseModel) -> str:
    key = entity.key_of(record)
    if key in ("", "None"):
        raise ValueError(f"it has no key ({entity.key!r} is empty)")
    return key


class Pipeline:
    """The per-record steps of one prepared flow; thread-safe."""

    def __init__(self, prepared: PreparedFlow, store: StateStore, *, dry_run: bool = False) -> None:
        self.p, self.store, self.dry_run = prepared, store, dry_run
        self.forced = False  # retry --force: requirements' unconfirmed creates may be sent again
        flow = prepared.flow
        self.flow_ctx = {"name": flow.name, "settings": flow.settings,
                         "source": {"connection": flow.source.connection, "entity": flow.source.entity},
                         "target": {"connection": flow.target.connection, "entity": flow.target.entity}}
        self._locks = KeyedLocks()
        self._dep_links = _LinkMemo()

    # -- planning --------------------------------------------------------------------------
    def plan(self, record: BaseModel, *, full: bool) -> Plan:
        """Map and match one record; dependencies are resolved (and created) here."""
        src = self.p.source
        try:
            plan = Plan(_key(src, record), src.cursor_of(record), record.model_dump(by_alias=True))
        except Exception as error:
            plan = Plan(f"unkeyed-{id(record)}", None, {})
            plan.fail(RecordError(f"malformed record from the source: {error}", stage="read"))
            return plan
        try:
            if src.is_deleted(record):
                self._plan_delete(plan)
            else:
                self._plan_write(plan, full=full)
        except Exception as error:  # an early intent stays: it only makes a later create look first
            plan.fail(error)
            return plan
        if plan.intent is not None and plan.action != "create":  # found after all: nothing will be sent
            self.store.clear_intent(self.p.scope, plan.key, wait=False)
            plan.intent = None
        return plan

    def _plan_delete(self, plan: Plan) -> None:
        link = self.store.get_link(self.p.scope, plan.key)
        policy = self.p.flow.deleted
        if link is None or policy == "ignore":
            plan.action, plan.reason = "skip", "deleted in the source" + ("" if link else "; never synced")
            return
        plan.action, plan.target_key = "delete", link.target_key

    def _plan_write(self, plan: Plan, *, full: bool) -> None:
        """Map and match; a full run rewrites every mapped field (the source is the truth, K3/D3)."""
        mapping, flow = self.p.mapping, self.p.flow
        self._check_unique(plan)
        refs = self.resolve_dependencies(plan.source, plan.key, creating=False)
        from flowhub.mapping import SkipRecord

        try:
            created = mapping.apply(plan.source, mode="create", refs=refs, flow=self.flow_ctx, record_id=plan.key)
        except SkipRecord as skip:
            plan.action, plan.reason = "skip", str(skip)
            return
        link = self.store.get_link(self.p.scope, plan.key)
        if link is None:
            plan.intent = self._intend_early(plan)
        target_key = link.target_key if link else self.match(self.p.rules, self.p.target, plan.source,
                                                             created, refs)
        plan.target_key = target_key
        if target_key is None:
            if self.p.flow.missing != "create":
                self._when_missing(plan)
                return
            self._check_intent(plan)
            if any(dep.spec.on == "create" for dep in self.p.deps):
                refs = self.resolve_dependencies(plan.source, plan.key, creating=True, known=refs)
                try:
                    created = mapping.apply(plan.source, mode="create", refs=refs, flow=self.flow_ctx,
                                            record_id=plan.key)
                except SkipRecord as skip:  # what the create-only requirements found says: not this one
                    plan.action, plan.reason = "skip", str(skip)
                    return
            plan.action, plan.payload = "create", created
            plan.model = mapping.validate_payload(created, self.p.target.model, record_id=plan.key)
            return
        if flow.existing == "fail":
            raise RecordError(f"already exists in the target as {target_key} (existing: fail)", stage="match")
        if flow.existing == "skip":
            plan.action, plan.reason = "skip", f"exists in the target as {target_key} (existing: skip)"
            return
        current = CurrentRecord(lambda: self.p.target.get(target_key))
        update = mapping.apply(plan.source, mode="update", refs=refs, flow=self.flow_ctx, record_id=plan.key,
                               target=current)
        if flow.compare == "target":  # what the target has now, whoever wrote it: no echo (S1/S10)
            changed = differing_fields(update, current)
        else:
            plan.last = json.loads(link.payload_hash) if link and link.payload_hash and not full else None
            changed = changed_fields(update, plan.last)
        if not changed:
            plan.action = "unchanged"
            return
        plan.action, plan.payload = "update", changed
        plan.model = mapping.validate_payload(changed, self.p.target.model, record_id=plan.key)
        if self.dry_run:
            plan.diff = self._diff(target_key, changed)

    def _check_unique(self, plan: Plan) -> None:
        """``unique:``: records of the source that share the key are reported, none is synced (S11)."""
        rule = self.p.unique
        if rule is None or rule.field is None or rule.value is None:
            return
        value = rule.value({"source": plan.source, "refs": {}, "flow": self.flow_ctx, "payload": {}})
        if value in (None, ""):
            return
        found = self.p.source.find(rule.field, value)
        if len(found) > 1:
            keys = ", ".join(self.p.source.key_of(f) for f in found[:5])
            where = f"{self.p.source.connector.connection_name}/{self.p.source.name}"
            raise RecordError(f"{len(found)} records in {where} share {rule.field} {value!r} ({keys}); it must "
                              "be unique, so none of them is synced until it is", stage="match")

    def _when_missing(self, plan: Plan) -> None:
        """The flow's `missing:` rule for a record the target does not have."""
        missing = self.p.flow.missing
        where = f"{self.p.target.connector.connection_name}/{self.p.target.name}"
        if missing == "skip":
            plan.action, plan.reason = "skip", f"not in {where} (missing: skip)"
        elif missing == "wait":
            raise WaitingError(f"waiting: not in {where} yet (missing: wait)")
        elif missing == "fail":
            raise RecordError(f"not in {where} (missing: fail)", stage="match")

    def _diff(self, target_key: str, changed: Mapping[str, Any]) -> dict[str, Any]:
        """Old and new value of each field an update would send (plan / dry-run only)."""
        try:
            current = self.p.target.get(target_key)
        except NotImplementedError:
            current = None
        old = jsonable(current) if current is not None else {}
        return {field: {"old": old.get(field), "new": jsonable(value)} for field, value in changed.items()}

    def _intend_early(self, plan: Plan) -> Future[None] | None:
        """Queue the write intent while the match rules look, so its commit costs no wait later.

        Only where a field rule will look (with a link alone there is no request to hide it
        behind) and a miss would create. Such a flow never reads its own intents (the match
        rules decide), so one left behind by a failed look-up is harmless.
        """
        flow = self.p.flow
        if self.dry_run or flow.missing != "create" or not any(rule.field for rule in self.p.rules):
            return None
        return self.store.put_intent(self.p.scope, plan.key, "", wait=False)

    def intend(self, plan: Plan) -> None:
        """Commit the write intent before a create goes out (or wait for the one queued early)."""
        early, plan.intent = plan.intent, None
        if early is not None:
            early.result()
        else:
            self.store.put_intent(self.p.scope, plan.key, "")

    def _check_intent(self, plan: Plan) -> None:
        if self.store.get_intent(self.p.scope, plan.key) is None:
            return
        if any(rule.field for rule in self.p.rules):
            return  # the match rules looked and found nothing: the earlier create did not land
        raise RecordError("an earlier create of this record may have reached the target but was not "
                          "confirmed, and the flow has no match rule to look it up; check the target, "
                          "then run `flowhub retry --force`", stage="match")

    # -- matching --------------------------------------------------------------------------
    def match(self, rules: list[Rule], entity: Entity, source: Mapping[str, Any],
              payload: Mapping[str, Any], refs: Mapping[str, Any],
              extra: Mapping[str, Any] | None = None) -> str | None:
        """The target key of the existing record, by the first match rule that finds exactly one."""
        ctx = {"source": source, "payload": payload, "refs": refs, "flow": self.flow_ctx, **(extra or {})}
        for rule in rules:
            if rule.field is None or rule.value is None:
                continue
            value = rule.value(ctx)
            if value is None or value == "":
                continue
            found = entity.find(rule.field, value)
            if len(found) == 1:
                return entity.key_of(found[0])
            if len(found) > 1:
                keys = ", ".join(entity.key_of(f) for f in found[:5])
                raise RecordError(f"{len(found)} records in {entity.connector.connection_name}/{entity.name} "
                                  f"match {rule.field}={value!r} ({keys}); make the match rule stricter",
                                  stage="match")
        return None

    # -- dependencies ----------------------------------------------------------------------
    def resolve_dependencies(self, source: Mapping[str, Any], key: str, *, creating: bool,
                             known: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """refs.<name> for each requirement; those needed only on create wait until ``creating``.

        ``known`` are refs resolved before the record was known to be new: kept, not resolved again.
        """
        refs: dict[str, Any] = {}
        for dep in self.p.deps:
            if known is not None and dep.spec.on != "create":
                refs[dep.spec.name] = known.get(dep.spec.name)
                continue
            ctx = {"source": source, "refs": refs, "flow": self.flow_ctx}
            if (dep.spec.on == "create" and not creating) or (dep.when is not None and not dep.when(ctx)):
                refs[dep.spec.name] = None
                continue
            if dep.spec.each:
                items = self._each(dep, ctx)
                refs[dep.spec.name] = {k: self._ensure(dep, source, refs, k, item) for k, item in items}
            else:
                refs[dep.spec.name] = self._ensure(dep, source, refs, self._dep_key(dep, ctx), None)
        return refs

    def _each(self, dep: Dependency, ctx: dict[str, Any]) -> list[tuple[str, Any]]:
        assert dep.each is not None
        items = dep.each(ctx) or []
        return [(self._dep_key(dep, {**ctx, "item": item}), item) for item in items]

    def _dep_key(self, dep: Dependency, ctx: Mapping[str, Any]) -> str:
        value = dep.key(ctx)
        if value is None or value == "":
            raise RecordError(f"requirement {dep.spec.name}: its key is empty for this record", stage="dependency")
        return str(value)

    def _ensure(self, dep: Dependency, source: Mapping[str, Any], refs: dict[str, Any], dkey: str,
                item: Any) -> str | None:
        """The target key of dependency ``dkey``: linked, matched, or created (once)."""
        with self._locks.hold((dep.scope, dkey)):
            link = self._dep_links.get(dep.scope, dkey) or self._dep_links.remember(
                self.store.get_link(dep.scope, dkey))
            if link is not None and not dep.spec.once and dep.spec.existing == "update" and dep.mapping:
                self._update_dependency(dep, source, refs, item, dkey, link.target_key, link.payload_hash)
            if link is not None:
                return link.target_key
            payload = self._dep_payload(dep, source, refs, item, "create")
            found = self.match(dep.rules, dep.target, source, payload, refs, {"item": item, "key": dkey})
            if found is not None:
                if not self.dry_run:
                    self._put_dep_link(dep.scope, dkey, found, "{}", once=dep.spec.once)
                return found
            return self._create_dependency(dep, dkey, payload)

    def _put_dep_link(self, scope: str, dkey: str, target_key: str, payload_hash: str, *, once: bool = False) -> None:
        self.store.put_link(scope, dkey, target_key, payload_hash, once=once)
        self._dep_links.remember(Link(scope, dkey, target_key, payload_hash, once, datetime.now(UTC)))

    def _create_dependency(self, dep: Dependency, dkey: str, payload: dict[str, Any]) -> str | None:
        name, where = dep.spec.name, f"{dep.target.connector.connection_name}/{dep.target.name}"
        if dep.spec.missing == "skip":
            return None
        if dep.spec.missing == "wait":
            raise WaitingError(f"waiting for {name} {dkey}: not found in {where} yet")
        if dep.spec.missing == "fail":
            raise RecordError(f"{name} {dkey} not found in {where}", stage="dependency")
        assert dep.mapping is not None
        model = dep.mapping.validate_payload(payload, dep.target.model, record_id=f"{name} {dkey}")
        if self.dry_run:
            return None
        if (not self.forced and self.store.get_intent(dep.scope, dkey) is not None
                and not any(rule.field for rule in dep.rules)):
            raise RecordError(f"an earlier create of {name} {dkey} may have reached {where} but was not "
                              "confirmed, and the requirement has no match rule to look it up; check the "
                              "target, then run `flowhub retry --force`", stage="dependency")
        self.store.put_intent(dep.scope, dkey, "")
        created = dep.target.create(model)
        target_key = dep.target.key_of(created)
        self._put_dep_link(dep.scope, dkey, target_key, json.dumps(fingerprint(payload)), once=dep.spec.once)
        return target_key

    def _update_dependency(self, dep: Dependency, source: Mapping[str, Any], refs: dict[str, Any], item: Any,
                           dkey: str, target_key: str, last_hash: str) -> None:
        payload = self._dep_payload(dep, source, refs, item, "update")
        last = json.loads(last_hash) if last_hash else None
        changed = changed_fields(payload, last)
        if not changed or self.dry_run:
            return
        assert dep.mapping is not None
        dep.target.update(target_key, dep.mapping.validate_payload(changed, dep.target.model,
                                                                    record_id=f"{dep.spec.name} {dkey}"))
        merged = {**(last or {}), **fingerprint(changed)}
        self._put_dep_link(dep.scope, dkey, target_key, json.dumps(merged))

    def _dep_payload(self, dep: Dependency, source: Mapping[str, Any], refs: dict[str, Any], item: Any,
                     mode: str) -> dict[str, Any]:
        if dep.mapping is None:
            return {}
        src = {**source, "item": item} if item is not None else source
        return dep.mapping.apply(src, mode=mode, refs=refs, flow=self.flow_ctx,  # type: ignore[arg-type]
                                 record_id=dep.spec.name)

    # -- writing ---------------------------------------------------------------------------
    def write(self, plan: Plan) -> None:
        """Carry out a planned create/update/delete, one record at a time."""
        if plan.outcome is not None:
            return
        try:
            self._write(plan)
        except Exception as error:
            plan.fail(error)

    def _write(self, plan: Plan) -> None:
        target, scope = self.p.target, self.p.scope
        if plan.action in ("skip", "unchanged", "seen"):
            plan.outcome = {"skip": "skipped", "seen": "unchanged"}.get(plan.action, plan.action)
            if plan.action == "skip" and plan.target_key and not self.dry_run:
                if self.store.get_link(scope, plan.key) is None:
                    self.store.put_link(scope, plan.key, plan.target_key, "{}")
                    self._dep_links.forget(scope, plan.key)
            return
        if self.dry_run:
            plan.outcome = {"create": "created", "update": "updated", "delete": "deleted"}[plan.action]
            return
        assert plan.target_key is not None or plan.action == "create"
        if plan.action == "delete":
            target.delete(str(plan.target_key), soft=self.p.flow.deleted == "soft")
            plan.outcome = "deleted"
            return
        assert plan.model is not None and plan.payload is not None
        if plan.action == "create":
            self.intend(plan)
            written = target.create(plan.model)
            self.confirm(plan, written)
        else:
            try:
                written = target.update(str(plan.target_key), plan.model)
            except RejectedError as error:
                if not _gone(error):
                    raise
                self._recreate(plan)
                return
            self.confirm(plan, written)

    def after_failed_write(self, plan: Plan, error: Exception) -> None:
        """A batch item failed: re-create a linked record that is gone, otherwise fail the record."""
        if plan.action == "update" and isinstance(error, RejectedError) and _gone(error):
            try:
                self._recreate(plan)
            except Exception as again:
                plan.fail(again)
            return
        plan.fail(error)

    def _recreate(self, plan: Plan) -> None:
        """The linked target record is gone (deleted there): forget the link and create it anew."""
        self.store.delete_link(self.p.scope, plan.key)
        self._dep_links.forget(self.p.scope, plan.key)
        refs = self.resolve_dependencies(plan.source, plan.key, creating=True)
        payload = self.p.mapping.apply(plan.source, mode="create", refs=refs, flow=self.flow_ctx,
                                       record_id=plan.key)
        plan.action, plan.payload, plan.last = "create", payload, None
        plan.model = self.p.mapping.validate_payload(payload, self.p.target.model, record_id=plan.key)
        self.store.put_intent(self.p.scope, plan.key, "")
        self.confirm(plan, self.p.target.create(plan.model))

    def confirm(self, plan: Plan, written: BaseModel | None) -> None:
        """The target took the write: store the id link and the fingerprints of what was sent."""
        assert plan.payload is not None
        if plan.action == "create":
            assert written is not None
            plan.target_key = self.p.target.key_of(written)
            prints = fingerprint(plan.payload)
            plan.outcome = "created"
        else:
            prints = {**(plan.last or {}), **fingerprint(plan.payload)}
            plan.outcome = "updated"
        plan.response = jsonable(written) if written is not None else None
        hashed = json.dumps(prints)
        plan.storing = self.store.put_link(self.p.scope, plan.key, str(plan.target_key), hashed, wait=False)
        # a requirement of another record may share the scope: it sees the link before it is committed
        self._dep_links.remember(Link(self.p.scope, plan.key, str(plan.target_key), hashed, False,
                                      datetime.now(UTC)))

    def finish(self, plan: Plan) -> None:
        """Wait until the record's link is committed (queued by `confirm`, so the write-back went
        out meanwhile). A link that could not be stored fails the record; its write intent stays,
        so the next run finds the target record by the match rules instead of creating it again."""
        storing, plan.storing = plan.storing, None
        if storing is None:
            return
        try:
            storing.result()
        except Exception as error:
            plan.fail(RecordError(f"{plan.action}d in the target as {plan.target_key}, but its link could "
                                  f"not be stored: {error}", stage="link"))

    def writeback(self, plan: Plan) -> None:
        """Tell the source what happened, when the flow asks for it; a failure fails the record."""
        wb = self.p.flow.writeback
        if wb is None or self.p.writeback is None or plan.outcome not in wb.on or self.dry_run:
            return
        ctx = {"source": plan.source, "payload": plan.payload or {}, "refs": {}, "flow": self.flow_ctx,
               "target_key": plan.target_key, "outcome": plan.outcome}
        if self.p.writeback_when is not None and not self.p.writeback_when(ctx):
            return
        rendered = {k: t(ctx) for k, t in self.p.writeback.items()}
        changes = {k: v for k, v in rendered.items() if v is not None and v != ""}  # empty: a switch left off
        if not changes:
            return
        try:
            self.p.source.writeback(plan.key, changes)
        except Exception as error:
            plan.stage = "writeback"
            plan.fail(error)


class _LinkMemo:
    """The requirement links this run has read or written, so the many orders of one customer
    or one item ask the database once; bounded, oldest forgotten first.

    Only links that exist are remembered: a missing one is looked up again (another flow or
    process may have made it meanwhile). Every change this run makes goes through `remember`
    under the requirement's key lock, so the memo never disagrees with what this run wrote.
    """

    def __init__(self, size: int = 20_000) -> None:
        self._size = size
        self._guard = threading.Lock()
        self._links: OrderedDict[tuple[str, str], Link] = OrderedDict()

    def get(self, scope: str, key: str) -> Link | None:
        with self._guard:
            link = self._links.get((scope, key))
            if link is not None:
                self._links.move_to_end((scope, key))
            return link

    def remember(self, link: Link | None) -> Link | None:
        if link is not None:
            with self._guard:
                self._links[(link.scope, link.source_key)] = link
                self._links.move_to_end((link.scope, link.source_key))
                if len(self._links) > self._size:
                    self._links.popitem(last=False)
        return link

    def forget(self, scope: str, key: str) -> None:
        with self._guard:
            self._links.pop((scope, key), None)


class KeyedLocks:
    """One lock per key, kept only while a thread holds or waits for it.

    Requirements are made once per key (the same customer for two orders in flight); a lock
    per key ever seen would grow with the shop, so a key's lock goes once nobody uses it.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held: dict[Hashable, tuple[threading.Lock, list[int]]] = {}

    @contextmanager
    def hold(self, key: Hashable) -> Iterator[None]:
        with self._guard:
            lock, users = self._held.setdefault(key, (threading.Lock(), [0]))
            users[0] += 1
        try:
            with lock:
                yield
        finally:
            with self._guard:
                users[0] -= 1
                if users[0] == 0:
                    del self._held[key]

    def __len__(self) -> int:
        return len(self._held)
