"""`flowhub serve`: run flows when webhooks arrive and on their schedule, one run of a flow at a time.

A delivery is verified and parsed by the source connector (``Connector.parse_webhook``); each
event queues the record's key for every flow whose source is that connection and whose
``schedule.triggers`` name the event's topic. A worker thread gathers keys for a moment, then runs
each flow for exactly those records, fetched fresh from the source. Flows with
``schedule.every`` also get a full incremental run at that interval: the reconciliation pass
that catches whatever a lost delivery missed.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from flowhub.connections import environment, load_connections, open_connector
from flowhub.connector import Connector, Event
from flowhub.errors import AuthError, ConfigError, ConnectorError, FlowhubError
from flowhub.flowfile import Flow, load_flow
from flowhub.runner import RunSummary
from flowhub.workspace import Workspace

__all__ = ["FlowService"]

log = logging.getLogger("flowhub.service")


@dataclass
class _Job:
    flow: str
    keys: list[str] | None  # None: a scheduled incremental run


@dataclass
class FlowService:
    """Webhook receiver, scheduler and the worker that runs the flows."""

    ws: Workspace
    connections_file: Path
    debounce: float = 0.5
    on_run: Callable[[RunSummary], None] | None = None
    flows: dict[str, tuple[Path, Flow]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for path in self.ws.flow_files():
            flow = load_flow(path)[0]
            if flow.enabled:
                self.flows[flow.name] = (path, flow)
        self._defs = load_connections(self.connections_file)
        self._env = environment([self.connections_file.parent])
        self._connectors: dict[str, Connector] = {}
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._last: dict[str, float] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # -- receiving -------------------------------------------------------------------------
    def app(self) -> Starlette:
        return Starlette(routes=[Route("/webhooks/{connection}", self._receive, methods=["POST"])])

    async def _receive(self, request: Request) -> JSONResponse:
        name = request.path_params["connection"]
        body = await request.body()
        try:
            events = self.connector(name).parse_webhook(dict(request.headers), body)
        except ConfigError as error:
            return JSONResponse({"error": str(error)}, status_code=404)
        except AuthError as error:
            log.warning("webhook for %s refused: %s", name, error)
            return JSONResponse({"error": "signature does not verify"}, status_code=401)
        except (ConnectorError, NotImplementedError) as error:
            return JSONResponse({"error": str(error) or "this connector takes no webhooks"}, status_code=400)
        queued = sum(self.dispatch(name, event) for event in events)
        return JSONResponse({"events": len(events), "queued": queued})

    def connector(self, name: str) -> Connector:
        """The connector of a connection, opened once, for parsing deliveries."""
        with self._lock:
            if name not in self._connectors:
                if name not in self._defs:
                    raise ConfigError(f"no connection '{name}' in {self.connections_file}")
                defn = self._defs[name]
                self._connectors[name] = open_connector(defn, self.ws.plugins.connector(defn.connector),
                                                        self._env)
            return self._connectors[name]

    def dispatch(self, connection: str, event: Event) -> int:
        """Queue the event's record for every flow it triggers; how many flows that is."""
        if event.key is None or event.action == "ping":
            return 0
        count = 0
        for name, (_, flow) in self.flows.items():
            if flow.source.connection == connection and event.topic in flow.schedule.triggers:
                self._jobs.put(_Job(name, [event.key]))
                count += 1
        return count

    # -- running ---------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._work, name="flowhub-service", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
        for connector in self._connectors.values():
            connector.close()

    def due(self, now: float) -> list[str]:
        """Flows whose `schedule.every` has passed since their last scheduled run."""
        names = []
        for name, (_, flow) in self.flows.items():
            every = flow.schedule.every
            if every and now - self._last.get(name, 0.0) >= every:
                self._last[name] = now
                names.append(name)
        return names

    def _work(self) -> None:
        while not self._stop.is_set():
            for name in self.due(time.monotonic()):
                self._jobs.put(_Job(name, None))
            batch = self._gather()
            for name, keys in batch.items():
                self._run(name, keys)

    def _gather(self) -> dict[str, list[str] | None]:
        """Jobs of the next moment, merged per flow (a scheduled run covers any keys)."""
        merged: dict[str, list[str] | None] = {}
        deadline = time.monotonic() + self.debounce
        while (left := deadline - time.monotonic()) > 0:
            try:
                job = self._jobs.get(timeout=left)
            except queue.Empty:
                break
            if job.keys is None or merged.get(job.flow, []) is None:
                merged[job.flow] = None
            else:
                merged[job.flow] = [*(merged.get(job.flow) or []), *job.keys]
        return merged

    def _run(self, name: str, keys: list[str] | None) -> None:
        path = str(self.flows[name][0])
        try:
            summary = self.ws.run(path) if keys is None else self.ws.run_keys(path, keys)
        except FlowhubError as error:
            log.error("flow %s could not run: %s", name, error)
            return
        if self.on_run is not None:
            self.on_run(summary)
