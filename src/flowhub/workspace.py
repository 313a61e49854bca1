"""The Python API behind the CLI: find flows, open the state store, run, retry, validate."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from flowhub.activity import ActivityLog
from flowhub.bindings import Registry
from flowhub.errors import ConfigError, did_you_mean
from flowhub.pipeline import Plan
from flowhub.plugins import Plugins, get_plugins
from flowhub.prepare import PreparedFlow, prepare
from flowhub.runner import Runner, RunSummary
from flowhub.settings import FlowhubSettings
from flowhub.state import StateStore

__all__ = ["Workspace"]


class Workspace:
    """Flows, connections, plugins and the state store of one project folder."""

    def __init__(self, *, settings: FlowhubSettings | None = None, plugins: Plugins | None = None,
                 connections: Path | None = None, flows_dir: Path | None = None) -> None:
        self.settings = settings or FlowhubSettings()
        self.plugins = plugins or get_plugins()
        self.connections = connections
        self.flows_dir = flows_dir or Path("flows")
        self._store: StateStore | None = None
        self._registry: Registry | None = None

    @property
    def registry(self) -> Registry:
        """The tenant bindings (G6)."""
        if self._registry is None:
            url = self.settings.registry_url or self.settings.state_url
            if url.startswith("sqlite:///") and not self.settings.registry_url:
                self.settings.home.mkdir(parents=True, exist_ok=True)
            self._registry = Registry(url)
        return self._registry

    @property
    def store(self) -> StateStore:
        if self._store is None:
            if self.settings.state_url.startswith("sqlite:///"):
                self.settings.home.mkdir(parents=True, exist_ok=True)
            self._store = StateStore(self.settings.state_url)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._registry is not None:
            self._registry.close()
            self._registry = None

    def find_flow(self, ref: str) -> Path:
        """A flow file by path, or by name in the flows folder."""
        path = Path(ref)
        if path.is_file():
            return path
        for candidate in (self.flows_dir / f"{ref}.yaml", self.flows_dir / f"{ref}.yml"):
            if candidate.is_file():
                return candidate
        known = [p.stem for p in sorted(self.flows_dir.glob("*.y*ml"))] if self.flows_dir.is_dir() else []
        raise ConfigError(f"no flow file '{ref}' ({did_you_mean(ref, known)})")

    def flow_files(self) -> list[Path]:
        return sorted(p for p in self.flows_dir.glob("*.y*ml") if p.name != "connections.yaml")

    @contextmanager
    def prepared(self, ref: str) -> Iterator[PreparedFlow]:
        flow = prepare(self.find_flow(ref), plugins=self.plugins, connections_file=self.connections)
        try:
            for connection in flow.connectors:  # a shop bound to another tenant is refused (G6)
                self.registry.bind(connection, self.settings.tenant)
            yield flow
        finally:
            flow.close()

    def validate(self, ref: str) -> PreparedFlow:
        with self.prepared(ref) as flow:
            return flow

    def run(self, ref: str, *, full: bool = False, dry_run: bool = False,
            progress: Callable[[Plan], None] | None = None,
            records: list[BaseModel] | None = None) -> RunSummary:
        mode = "dry-run" if dry_run else ("full" if full else "run")
        with self.prepared(ref) as flow:
            runner = Runner(flow, self.store, ActivityLog(self.store), self.plugins, mode=mode, progress=progress)
            return runner.run(full=full, records=records)

    def run_keys(self, ref: str, keys: list[str]) -> RunSummary:
        """Run a flow for these source records only (webhook deliveries), fetched fresh by key."""
        with self.prepared(ref) as flow:
            records = [r for r in (flow.source.get(k) for k in dict.fromkeys(keys)) if r is not None]
            runner = Runner(flow, self.store, ActivityLog(self.store), self.plugins, mode="webhook")
            return runner.run(records=records)

    def retry(self, ref: str, *, force: bool = False, progress: Callable[[Plan], None] | None = None) -> RunSummary:
        with self.prepared(ref) as flow:
            runner = Runner(flow, self.store, ActivityLog(self.store), self.plugins, mode="retry", progress=progress)
            return runner.retry(force=force)

    def purge_activity(self) -> int:
        return ActivityLog(self.store).purge(older_than_days=self.settings.activity_retention_days)

    def log(self, flow: str, record: str | None = None, limit: int = 50) -> list[Any]:
        return ActivityLog(self.store).entries(flow, record, limit=limit)
