"""The demo: serve the sandboxes the shipped flows need, run every flow twice, say what happened."""

from __future__ import annotations

import os
import shutil
from contextlib import ExitStack
from pathlib import Path

import click

from flowhub.connections import find_connections_file, load_connections
from flowhub.flowfile import load_flow
from flowhub.render import render_summary
from flowhub.settings import FlowhubSettings
from flowhub.workspace import Workspace

__all__ = ["flow_order", "run_demo", "sandbox_env"]


def sandbox_env(name: str, connection: dict[str, object]) -> dict[str, str]:
    """Environment variables the shipped connections.yaml reads: <SANDBOX>_<SETTING>."""
    return {f"{name}_{key}".upper(): str(value) for key, value in connection.items()}


def flow_order(paths: list[Path]) -> list[Path]:
    """Flows sorted so that each comes after the flows named in its `after:`."""
    flows = {load_flow(p)[0].name: p for p in paths}
    afters = {name: load_flow(p)[0].after for name, p in flows.items()}
    ordered: list[str] = []

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in ordered or name not in flows or name in trail:
            return
        for other in afters[name]:
            visit(other, (*trail, name))
        ordered.append(name)

    for name in sorted(flows):
        visit(name, ())
    return [flows[n] for n in ordered]


def run_demo(*, workdir: Path, fresh: bool, flows_dir: Path) -> bool:
    """Run the demo; True when every record of every flow went through."""
    from flowhub.plugins import get_plugins
    from flowhub.sandboxes import serve

    if fresh and workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    plugins = get_plugins()
    paths = [p for p in sorted(flows_dir.glob("*.yaml")) if p.name != "connections.yaml"]
    connections_file = find_connections_file(paths[0]) if paths else None
    needed = {d.connector for d in load_connections(connections_file).values()} if connections_file else set()
    os.environ["FLOWHUB_DEMO_DIR"] = str(workdir.resolve())
    ok = True
    with ExitStack() as stack:
        for name, box in sorted(plugins.sandboxes().items()):
            if name not in needed:
                continue
            served = stack.enter_context(serve(box.app()))
            os.environ.update(sandbox_env(name, box.connection(served.base_url)))
            click.echo(f"sandbox {name} on {served.base_url}")
        settings = FlowhubSettings(home=workdir)
        ws = Workspace(settings=settings, plugins=plugins, connections=connections_file, flows_dir=flows_dir)
        try:
            for attempt in ("first run", "second run (nothing new: creates nothing)"):
                click.secho(f"\n== {attempt}", bold=True)
                for path in flow_order(paths):
                    summary = ws.run(str(path))
                    render_summary(summary)
                    ok = ok and summary.exit_code == 0
        finally:
            ws.close()
    click.echo(f"\nstate and activity log: {workdir / 'state.db'}  "
               f"(read it with: FLOWHUB_HOME={workdir} flowhub log <flow>)")
    return ok
