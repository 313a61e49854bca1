"""CLI commands for operating flowhub: serve sandboxes, run the demo, set up a connection."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from flowhub.demo import run_demo
from flowhub.setup import connect_interactively

__all__ = ["OPERATIONS"]


@click.command()
@click.argument("name")
@click.option("--port", default=0, show_default=True, help="Port on 127.0.0.1 (0: a free one).")
@click.option("--seed", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Seed data file for the sandbox.")
@click.option("--latency-ms", default=0.0, help="Latency added to every request.")
@click.option("--fault-rate", default=0.0, help="Share of requests answered with a fault (0..1).")
@click.pass_context
def sandbox(ctx: click.Context, name: str, port: int, seed: Path | None, latency_ms: float,
            fault_rate: float) -> None:
    """Serve the local sandbox of API NAME on 127.0.0.1 until Ctrl-C.

    Prints the connection settings that reach it.

    Example: flowhub sandbox woocommerce --port 8801
    """
    from flowhub.errors import ConfigError, did_you_mean
    from flowhub.sandboxes import Faults, serve

    sandboxes = ctx.obj["workspace"].plugins.sandboxes()
    if name not in sandboxes:
        raise ConfigError(f"no sandbox '{name}' ({did_you_mean(name, sandboxes)})")
    box = sandboxes[name]
    faults = Faults(rate=fault_rate, latency_ms=latency_ms)
    app = box.app(seed=seed, faults=faults) if seed else box.app(faults=faults)
    with serve(app, port=port) as served:
        click.echo(f"{name} sandbox on {served.base_url}")
        for key, value in box.connection(served.base_url).items():
            click.echo(f"  {key}: {value}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            click.echo("stopped")


@click.command()
@click.argument("groups", nargs=-1)
@click.option("--dir", "workdir", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-output"),
              show_default=True, help="Where the demo keeps its state and target databases.")
@click.option("--fresh/--keep", default=True, help="Start from empty state (default) or keep the last one.")
@click.pass_context
def demo(ctx: click.Context, groups: tuple[str, ...], workdir: Path, fresh: bool) -> None:
    """Run the shipped flows between the local sandboxes, twice: the second run creates nothing.

    Flows are grouped by their first tag (GROUPS: only these groups); each group gets fresh
    sandboxes on loopback, runs its flows in order, and prints what happened and where to read
    the activity log. No accounts needed.

    Example: flowhub demo
    """
    ok = run_demo(workdir=workdir, fresh=fresh, flows_dir=ctx.obj["workspace"].flows_dir, only=groups)
    sys.exit(0 if ok else 1)


@click.command()
@click.argument("connector")
@click.option("--name", help="Connection name (default: the connector's name).")
@click.option("--set", "values", multiple=True, metavar="KEY=VALUE", help="A setting, non-interactively.")
@click.option("--file", "connections_file", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("connections.yaml"), show_default=True)
@click.option("--env-file", type=click.Path(dir_okay=False, path_type=Path), default=Path(".env"),
              show_default=True, help="Where secrets are written.")
@click.option("--no-check", is_flag=True, help="Write the connection without testing it.")
@click.option("--ask/--no-ask", default=None, help="Ask for missing settings (default: when on a terminal).")
@click.pass_context
def connect(ctx: click.Context, connector: str, name: str | None, values: tuple[str, ...],
            connections_file: Path, env_file: Path, no_check: bool, ask: bool | None) -> None:
    """Set up a connection step by step and test it; secrets go to .env, never into YAML.

    Asks for each setting of the connector (secrets with hidden input), or takes them from
    --set KEY=VALUE. Ends with a connection check (green or red, with the reason).

    Example: flowhub connect woocommerce --name shop
    """
    given = dict(v.split("=", 1) for v in values)
    interactive = ask if ask is not None else sys.stdin.isatty() and not os.environ.get("CI")
    result = connect_interactively(ctx.obj["workspace"], connector, name=name or connector, given=given,
                                   connections_file=connections_file, env_file=env_file,
                                   interactive=interactive, check=not no_check)
    sys.exit(0 if result else 1)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8700, show_default=True)
@click.option("--debounce", default=0.5, show_default=True, help="Seconds to gather deliveries before a run.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, debounce: float) -> None:
    """Run flows on webhooks and on their schedule until Ctrl-C.

    POST deliveries to /webhooks/CONNECTION: the connection's connector verifies and parses
    them, and every flow whose source is that connection and whose `schedule.triggers` name the
    event's topic runs for the records concerned. Flows with `schedule.every` also run at that
    interval (the reconciliation pass).

    Example: flowhub serve --port 8700
    """
    import uvicorn

    from flowhub.connections import find_connections_file
    from flowhub.errors import ConfigError
    from flowhub.render import render_summary
    from flowhub.service import FlowService

    ws = ctx.obj["workspace"]
    connections = ws.connections or find_connections_file(ws.flows_dir / "_")
    if connections is None:
        raise ConfigError("no connections.yaml found (give one with --connections)")
    service = FlowService(ws, connections, debounce=debounce, on_run=render_summary)
    service.start()
    click.echo(f"flowhub serves {len(service.flows)} flows; webhooks to http://{host}:{port}/webhooks/CONNECTION")
    try:
        uvicorn.run(service.app(), host=host, port=port, log_level="warning")
    finally:
        service.stop()


OPERATIONS = [sandbox, demo, connect, serve]
