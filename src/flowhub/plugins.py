"""The only door to pluggy: load the `flowhub` entry points and build typed registries."""

from __future__ import annotations

import importlib.metadata
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pluggy

from flowhub import hookspecs
from flowhub.connector import Connector, Sandbox
from flowhub.errors import ConfigError, PluginError, did_you_mean

__all__ = ["ConnectorInfo", "Plugins", "get_plugins"]

log = logging.getLogger("flowhub.plugins")
ENTRY_POINT_GROUP = "flowhub"
BLOCK_ENV = "FLOWHUB_DISABLE_PLUGINS"  # comma-separated entry-point names to skip
TRACE_ENV = "FLOWHUB_TRACE_PLUGINS"


@dataclass(frozen=True)
class ConnectorInfo:
    """A registered connector and where it came from."""

    name: str
    cls: type[Connector]
    plugin: str
    distribution: str
    version: str


@dataclass
class _Registries:
    connectors: dict[str, ConnectorInfo] = field(default_factory=dict)
    functions: dict[str, Callable[..., Any]] = field(default_factory=dict)
    sandboxes: dict[str, Sandbox] = field(default_factory=dict)
    broken: list[PluginError] = field(default_factory=list)


class Plugins:
    """Loads plugins lazily (first use), once; one broken plugin never breaks the others."""

    def __init__(self, *, load_entry_points: bool = True) -> None:
        self._pm = pluggy.PluginManager("flowhub")
        self._pm.add_hookspecs(hookspecs)
        self._dist: dict[str, tuple[str, str]] = {}  # plugin name -> (distribution, version)
        self._load_entry_points = load_entry_points
        self._loaded = False
        self._registries: _Registries | None = None
        self._broken_early: list[PluginError] = []
        self._lock = threading.RLock()
        if os.environ.get(TRACE_ENV):
            self._pm.trace.root.setwriter(lambda msg: log.warning("plugin trace: %s", msg.rstrip()))
            self._pm.enable_tracing()

    # -- loading ---------------------------------------------------------------------------
    def add(self, plugin: object, name: str, *, distribution: str = "(registered in code)",
            version: str = "") -> None:
        """Register a plugin object directly (tests, embedding); same checks as entry points."""
        self._registries = None
        self._register(plugin, name, distribution, version)

    def _ensure_loaded(self) -> _Registries:
        with self._lock:  # runs on several threads (flowhub serve): load once, never half
            if not self._loaded:
                if self._load_entry_points:
                    self._load_from_entry_points()
                self._loaded = True
            if self._registries is None:
                self._registries = self._build()
            return self._registries

    def _load_from_entry_points(self) -> None:
        blocked = {n.strip() for n in os.environ.get(BLOCK_ENV, "").split(",") if n.strip()}
        for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            dist = ep.dist.name if ep.dist else "(unknown distribution)"
            version = ep.dist.version if ep.dist else ""
            if ep.name in blocked:
                continue
            try:
                plugin = ep.load()
            except Exception as exc:  # a plugin's import error must not take flowhub down
                self._broken_early.append(PluginError(dist, f"cannot import {ep.value}: {exc!r}"))
                continue
            self._register(plugin, ep.name, dist, version)

    def _register(self, plugin: object, name: str, dist: str, version: str) -> None:
        unknown = self._misspelt_hooks(plugin)
        if unknown:
            self._broken_early.append(PluginError(dist, f"unknown hook(s) {', '.join(unknown)} "
                                                        f"(known: {', '.join(self._hook_names())})"))
            return
        try:
            self._pm.register(plugin, name=name)
        except ValueError as exc:
            self._broken_early.append(PluginError(dist, str(exc)))
            return
        self._dist[name] = (dist, version)

    def _hook_names(self) -> list[str]:
        return sorted(n for n in dir(hookspecs) if n.startswith("register_") or n == "record_outcome")

    def _misspelt_hooks(self, plugin: object) -> list[str]:
        marker = "flowhub_impl"
        known = set(self._hook_names())
        return sorted(
            n for n in dir(plugin)
            if hasattr(getattr(plugin, n, None), marker) and n not in known
        )

    # -- registries ------------------------------------------------------------------------
    def _build(self) -> _Registries:
        reg = _Registries(broken=list(self._broken_early))
        for impl in self._pm.hook.register_connectors.get_hookimpls():
            self._call(impl, reg, lambda cls, impl=impl: self._add_connector(reg, impl.plugin_name, cls))
        for impl in self._pm.hook.register_functions.get_hookimpls():
            self._call(impl, reg, lambda fn, name=None, impl=impl: self._add_function(reg, impl.plugin_name,
                                                                                     fn, name))
        for impl in self._pm.hook.register_sandboxes.get_hookimpls():
            self._call(impl, reg, lambda sb, impl=impl: self._add_sandbox(reg, impl.plugin_name, sb))
        return reg

    def _call(self, impl: Any, reg: _Registries, register: Callable[..., None]) -> None:
        try:
            impl.function(register=register)
        except PluginError as exc:
            reg.broken.append(exc)
        except Exception as exc:
            reg.broken.append(PluginError(self._dist_of(impl.plugin_name), f"hook failed: {exc!r}"))

    def _dist_of(self, plugin_name: str) -> str:
        return self._dist.get(plugin_name, (plugin_name, ""))[0]

    def _add_connector(self, reg: _Registries, plugin: str, cls: Any) -> None:
        dist, version = self._dist.get(plugin, (plugin, ""))
        if not (isinstance(cls, type) and issubclass(cls, Connector)):
            raise PluginError(dist, f"register_connectors got {cls!r}, which is not a flowhub.Connector")
        name = getattr(cls, "name", None)
        if not isinstance(name, str) or not name:
            raise PluginError(dist, f"connector class {cls.__name__} has no `name`")
        if name in reg.connectors:
            other = reg.connectors[name].distribution
            raise PluginError(dist, f"connector name '{name}' is already registered by {other}")
        reg.connectors[name] = ConnectorInfo(name, cls, plugin, dist, version)

    def _add_function(self, reg: _Registries, plugin: str, fn: Any, name: str | None) -> None:
        dist = self._dist_of(plugin)
        if not callable(fn):
            raise PluginError(dist, f"register_functions got {fn!r}, which is not callable")
        from flowhub.functions import merge_functions

        fname = name or fn.__name__
        if fname in reg.functions:
            raise PluginError(dist, f"mapping function '{fname}' is already registered")
        try:
            merge_functions({fname: fn})
        except ValueError as exc:
            raise PluginError(dist, str(exc)) from None
        reg.functions[fname] = fn

    def _add_sandbox(self, reg: _Registries, plugin: str, sandbox: Any) -> None:
        if not isinstance(sandbox, Sandbox):
            raise PluginError(self._dist_of(plugin), f"register_sandboxes got {sandbox!r}, not a Sandbox")
        if sandbox.name in reg.sandboxes:
            raise PluginError(self._dist_of(plugin), f"sandbox name '{sandbox.name}' is already registered")
        reg.sandboxes[sandbox.name] = sandbox

    # -- typed access ----------------------------------------------------------------------
    def connectors(self) -> Mapping[str, ConnectorInfo]:
        return self._ensure_loaded().connectors

    def connector(self, name: str) -> type[Connector]:
        """The connector class called ``name``, or a ConfigError saying why not."""
        reg = self._ensure_loaded()
        if name in reg.connectors:
            return reg.connectors[name].cls
        for error in reg.broken:
            if error.distribution.replace("flowhub-", "").replace("-", "_") == name.replace("-", "_"):
                raise ConfigError(f"connector '{name}' is unavailable: {error}")
        raise ConfigError(f"unknown connector '{name}' ({did_you_mean(name, reg.connectors)})")

    def functions(self) -> Mapping[str, Callable[..., Any]]:
        return self._ensure_loaded().functions

    def sandboxes(self) -> Mapping[str, Sandbox]:
        return self._ensure_loaded().sandboxes

    def broken(self) -> list[PluginError]:
        return list(self._ensure_loaded().broken)

    def notify_outcome(self, flow: str, source_key: str, outcome: str, reason: str | None,
                       detail: dict[str, Any]) -> None:
        """Tell observing plugins about one record; their errors are logged, never raised."""
        given = {"flow": flow, "source_key": source_key, "outcome": outcome, "reason": reason, "detail": detail}
        for impl in self._pm.hook.record_outcome.get_hookimpls():  # one failing observer never silences others
            try:
                impl.function(**{name: given[name] for name in impl.argnames})
            except Exception:
                log.exception("record_outcome hook of %s failed (ignored)", impl.plugin_name)


_default: Plugins | None = None


def get_plugins() -> Plugins:
    """The process-wide plugin registry, loaded on first use."""
    global _default
    if _default is None:
        _default = Plugins()
    return _default
