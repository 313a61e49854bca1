"""CLI commands for operating flowhub: serve sandboxes, run the demo, set up a connection."""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import click

from flowhub.demo import run_demo
from flowhub.errors import ConfigError, did_you_mean
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
@click.argument("connection")
@click.option("--file", "connections_file", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("connections.yaml"), show_default=True)
@click.pass_context
def disconnect(ctx: click.Context, connection: str, connections_file: Path) -> None:
    """Release the account a connection reaches, so another tenant may connect it (G6).

    The connection stays in the file; flows that use it bind it again when they run.

    Example: flowhub disconnect shop
    """
    from flowhub.connections import environment, load_connections, open_connector

    ws = ctx.obj["workspace"]
    defs = load_connections(connections_file)
    if connection not in defs:
        raise ConfigError(f"no connection '{connection}' in {connections_file} ({did_you_mean(connection, defs)})")
    defn = defs[connection]
    with open_connector(defn, ws.plugins.connector(defn.connector), environment([connections_file.parent])) as conn:
        released = ws.registry.unbind(conn, ws.settings.tenant)
    click.echo(f"{connection}: {'released' if released else 'was not bound to this tenant'}")


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


@click.command()
@click.argument("flows", nargs=-1)
@click.option("--since", default="24h", show_default=True, help="Window: failures this far back (e.g. 24h, 7d).")
@click.option("--failed-only", is_flag=True, help="Leave out records that wait for a dependency.")
@click.option("--mail-to", multiple=True, help="Send the report to this address (repeatable).")
@click.option("--smtp", default="localhost:25", show_default=True, help="SMTP server host:port.")
@click.option("--sender", default="flowhub@localhost", show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def report(ctx: click.Context, flows: tuple[str, ...], since: str, failed_only: bool, mail_to: tuple[str, ...],
           smtp: str, sender: str, as_json: bool) -> None:
    """Report the records that failed (or wait) in a window, e.g. daily by mail (S8, A11).

    FLOWS default to every flow in the flows folder. With --mail-to the report is mailed
    (nothing is sent when nothing failed); the SMTP password, if any, comes from
    FLOWHUB_SMTP_USER / FLOWHUB_SMTP_PASSWORD. Exit code 1 when the report lists a failure.

    Example: flowhub report --since 24h --mail-to accounts@shop.example --smtp mail.shop.example:587
    """
    import json as jsonlib

    from flowhub.flowfile import load_flow, parse_duration
    from flowhub.report import MailSettings, failure_report, send_report

    ws = ctx.obj["workspace"]
    names = list(flows) or [load_flow(p)[0].name for p in ws.flow_files()]
    window = timedelta(seconds=parse_duration(since))
    found = failure_report(ws.store, names, since=window, include_waiting=not failed_only)
    if as_json:
        click.echo(jsonlib.dumps(found.as_dict(), indent=2))
    else:
        click.echo(found.text())
    if mail_to and not found.empty:
        host, _, port = smtp.partition(":")
        send_report(found, MailSettings(host=host, port=int(port or 25), sender=sender, to=list(mail_to),
                                        username=os.environ.get("FLOWHUB_SMTP_USER"),
                                        password=os.environ.get("FLOWHUB_SMTP_PASSWORD")))
        click.echo(f"mailed to {', '.join(mail_to)}")
    sys.exit(1 if any(i.status == "failed" for i in found.items) else 0)


OPERATIONS = [sandbox, demo, connect, disconnect, serve, report]
