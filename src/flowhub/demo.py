"""The demo: for each group of shipped flows, fresh sandboxes; run every flow twice; say what happened."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path

import click

from flowhub.connections import find_connections_file, load_connections
from flowhub.flowfile import Flow, flow_order, load_flow
from flowhub.render import render_summary
from flowhub.settings import FlowhubSettings
from flowhub.workspace import Workspace

__all__ = ["groups", "run_demo", "sandbox_env"]


def sandbox_env(name: str, connection: dict[str, object]) -> dict[str, str]:
    """Environment variables the shipped connections.yaml reads: <CONNECTION>_<SETTING>.

    The same names `flowhub connect` writes into .env, so a real account drops in the same way.
    """
    return {f"{name}_{key}".upper(): str(value) for key, value in connection.items()}


def groups(flows_dir: Path) -> dict[str, list[tuple[Path, Flow]]]:
    """Flows by their first tag ("shop" when untagged): each group is one demo scenario."""
    found: dict[str, list[tuple[Path, Flow]]] = {}
    for path in sorted(flows_dir.glob("*.yaml")):
        if path.name == "connections.yaml":
            continue
        flow = load_flow(path)[0]
        found.setdefault(flow.tags[0] if flow.tags else "shop", []).append((path, flow))
    return found


def run_demo(*, workdir: Path, fresh: bool, flows_dir: Path, only: Iterable[str] = ()) -> bool:
    """Run every group (or ``only`` these); True when every record of every flow went through."""
    if fresh and workdir.exists():
        shutil.rmtree(workdir)
    ok = True
    for name, members in groups(flows_dir).items():
        if only and name not in only:
            continue
        ok = _run_group(name, members, workdir / name, flows_dir) and ok
    return ok


def _run_group(name: str, members: list[tuple[Path, Flow]], workdir: Path, flows_dir: Path) -> bool:
    from flowhub.plugins import get_plugins
    from flowhub.sandboxes import serve

    workdir.mkdir(parents=True, exist_ok=True)
    plugins = get_plugins()
    paths = [p for p, _ in members]
    connections_file = find_connections_file(paths[0])
    defs = load_connections(connections_file) if connections_file else {}
    used = {f.source.connection for _, f in members} | {f.target.connection for _, f in members} \
        | {r.target.connection for _, f in members for r in f.requires if r.target}
    by_connector: dict[str, list[str]] = {}
    for connection in sorted(used & set(defs)):
        by_connector.setdefault(defs[connection].connector, []).append(connection)
    os.environ["FLOWHUB_DEMO_DIR"] = str(workdir.resolve())
    click.secho(f"\n#### {name}: {len(paths)} flows", bold=True)
    ok = True
    with ExitStack() as stack:
        for box_name, box in sorted(plugins.sandboxes().items()):
            if box_name in by_connector:
                served = stack.enter_context(serve(box.app()))
                for connection in by_connector[box_name]:
                    os.environ.update(sandbox_env(connection, box.connection(served.base_url)))
                click.echo(f"sandbox {box_name} on {served.base_url} (connections: "
                           f"{', '.join(by_connector[box_name])})")
        ws = Workspace(settings=FlowhubSettings(home=workdir), plugins=plugins, connections=connections_file,
                       flows_dir=flows_dir)
        try:
            for attempt in ("first run", "second run (nothing new: creates nothing)"):
                click.secho(f"== {attempt}", bold=True)
                for path in flow_order(paths):
                    summary = ws.run(str(path))
                    render_summary(summary)
                    ok = ok and summary.exit_code == 0
        finally:
            ws.close()
    click.echo(f"state and activity log: {workdir / 'state.db'}  "
               f"(read it with: FLOWHUB_HOME={workdir} flowhub log <flow>)")
    return ok
