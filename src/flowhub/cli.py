"""The `flowhub` command: a thin shell over the Workspace API.

Exit codes: 0 everything went through; 1 some records failed (or a connection check failed);
2 the configuration is wrong (nothing was touched). Tracebacks only with --debug.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import click

from flowhub.errors import ConfigError, FlowhubError
from flowhub.fingerprint import jsonable
from flowhub.redact import install_log_redaction, redact_text
from flowhub.workspace import Workspace

__all__ = ["cli", "main"]


class FlowhubGroup(click.Group):
    """Turns FlowhubErrors into one readable line and the documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"error: {redact_text(str(error))}", err=True)
            sys.exit(2)
        except FlowhubError as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"error: {redact_text(str(error))}", err=True)
            sys.exit(1)


@click.group(cls=FlowhubGroup)
@click.option("--connections", type=click.Path(dir_okay=False, path_type=Path),
              help="connections.yaml to use (default: next to the flow, its parent, or the cwd).")
@click.option("--flows", "flows_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("flows"),
              show_default=True, help="Folder where flows are looked up by name.")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.pass_context
def cli(ctx: click.Context, connections: Path | None, flows_dir: Path, debug: bool) -> None:
    """flowhub: source -> mapper -> target flows between WooCommerce and business systems.

    A flow (YAML in flows/) reads records from a source connection, maps them with a mapping
    (YAML in mappings/), matches them against the target, and creates, updates or skips.

    Example: flowhub run flows/woocommerce-orders-to-sql.yaml
    """
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    install_log_redaction()
    ctx.obj = {"debug": debug, "workspace": Workspace(connections=connections, flows_dir=flows_dir)}
    ctx.call_on_close(ctx.obj["workspace"].close)


def _ws(ctx: click.Context) -> Workspace:
    return ctx.obj["workspace"]  # type: ignore[no-any-return]


def _emit_json(data: Any) -> None:
    click.echo(redact_text(json.dumps(jsonable(data), indent=2, default=str)))


# -- run / plan / retry -----------------------------------------------------------------------
@cli.command()
@click.argument("flows", nargs=-1)
@click.option("--tag", "tags", multiple=True, help="Also run every flow carrying this tag, in `after` order.")
@click.option("--full", is_flag=True, help="Re-import everything from the start (no duplicates).")
@click.option("--dry-run", is_flag=True, help="Read, map and match, but write nothing (same as `plan`).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def run(ctx: click.Context, flows: tuple[str, ...], tags: tuple[str, ...], full: bool, dry_run: bool,
        as_json: bool) -> None:
    """Run FLOWS once and report what was created, updated, skipped and failed.

    FLOW is a file path or a flow name in the flows folder. Exit code 1 when a record failed.

    Example: flowhub run woocommerce-orders-to-sql --full
    """
    refs = list(flows) + [str(p) for p in _tagged(ctx, tags)]
    if not refs:
        raise click.UsageError("name at least one flow, or --tag")
    summaries = [_run_one(ctx, ref, full=full, dry_run=dry_run, as_json=as_json) for ref in refs]
    if as_json:
        _emit_json([s.as_dict() for s in summaries] if len(summaries) > 1 else summaries[0].as_dict())
    sys.exit(max(s.exit_code for s in summaries))


def _tagged(ctx: click.Context, tags: tuple[str, ...]) -> list[Path]:
    from flowhub.flowfile import flow_order, load_flow

    if not tags:
        return []
    chosen = [p for p in _ws(ctx).flow_files() if set(load_flow(p)[0].tags) & set(tags)]
    if not chosen:
        raise ConfigError(f"no flow in {_ws(ctx).flows_dir} has the tag {', '.join(tags)}")
    return flow_order(chosen)


def _run_one(ctx: click.Context, ref: str, *, full: bool, dry_run: bool, as_json: bool) -> Any:
    from flowhub.render import progress_printer, render_summary

    with progress_printer(enabled=not as_json) as progress:
        summary = _ws(ctx).run(ref, full=full, dry_run=dry_run, progress=progress)
    if not as_json:
        render_summary(summary)
    return summary


@cli.command()
@click.argument("flow")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.pass_context
def plan(ctx: click.Context, flow: str, as_json: bool) -> None:
    """Show what running FLOW would create, update and skip, with the fields; writes nothing.

    Example: flowhub plan woocommerce-products-to-sql
    """
    from flowhub.render import render_plan

    summary = _ws(ctx).run(flow, dry_run=True)
    if as_json:
        _emit_json(summary.as_dict())
    else:
        render_plan(summary)
    sys.exit(summary.exit_code)


@cli.command()
@click.argument("flow")
@click.option("--force", is_flag=True, help="Also retry records whose earlier create was unconfirmed.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def retry(ctx: click.Context, flow: str, force: bool, as_json: bool) -> None:
    """Re-run the records of FLOW that failed or are waiting (after you fixed the cause).

    Example: flowhub retry woocommerce-orders-to-sql
    """
    from flowhub.render import render_summary

    summary = _ws(ctx).retry(flow, force=force)
    if as_json:
        _emit_json(summary.as_dict())
    else:
        render_summary(summary)
    sys.exit(summary.exit_code)


# -- checking -----------------------------------------------------------------------------------
@cli.command()
@click.argument("flows", nargs=-1)
@click.pass_context
def validate(ctx: click.Context, flows: tuple[str, ...]) -> None:
    """Check flow files (all in the flows folder when none given) without touching any API.

    Checks keys and types, connections, connectors, entities, filters, match keys, what the
    target can do, mappings and templates. Errors name file:line and field; exit code 2.

    Example: flowhub validate flows/woocommerce-orders-to-sql.yaml
    """
    ws = _ws(ctx)
    refs = list(flows) or [str(p) for p in ws.flow_files()]
    for ref in refs:
        flow = ws.validate(ref)
        click.echo(f"ok: {flow.name} ({flow.flow.source.connection}/{flow.flow.source.entity} -> "
                   f"{flow.flow.target.connection}/{flow.flow.target.entity})")


@cli.command()
@click.argument("mappings", nargs=-1, type=click.Path(path_type=Path))
@click.pass_context
def test(ctx: click.Context, mappings: tuple[Path, ...]) -> None:
    """Run the golden tests of mappings (mappings/tests/<name>/*.yaml); all when none given.

    Example: flowhub test mappings/woocommerce-order-to-sql-order.yaml
    """
    from flowhub.goldens import run_goldens

    paths = list(mappings) or sorted(Path("mappings").glob("*.yaml"))
    results = run_goldens(paths, functions=dict(_ws(ctx).plugins.functions()))
    failed = [r for r in results if not r.ok]
    for result in results:
        click.echo(f"{'ok  ' if result.ok else 'FAIL'} {result.case}")
        if not result.ok:
            click.echo(result.diff)
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


@cli.command()
@click.argument("connection")
@click.option("--writes", is_flag=True, help="Also check that the credentials may write.")
@click.pass_context
def check(ctx: click.Context, connection: str, writes: bool) -> None:
    """Test CONNECTION: green with the versions found, or red with the reason.

    Example: flowhub check shop
    """
    from flowhub.connectivity import check_connection

    result = check_connection(_ws(ctx), connection, writes=writes)
    colour = "green" if result.ok else "red"
    click.secho(f"{'OK' if result.ok else 'FAILED'}: {redact_text(result.message)}", fg=colour)
    for key, value in result.details.items():
        click.echo(f"  {key}: {redact_text(str(value))}")
    sys.exit(0 if result.ok else 1)


# -- looking around -----------------------------------------------------------------------------
@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def connectors(ctx: click.Context, as_json: bool) -> None:
    """List installed connectors, their entities and what each can do, and broken plugins.

    Example: flowhub connectors --json
    """
    from flowhub.render import connectors_table

    plugins = _ws(ctx).plugins
    data = {name: _connector_info(info) for name, info in sorted(plugins.connectors().items())}
    broken = [{"distribution": b.distribution, "problem": b.problem} for b in plugins.broken()]
    if as_json:
        _emit_json({**data, **({"_broken": broken} if broken else {})})
        return
    connectors_table(data, broken)


def _connector_info(info: Any) -> dict[str, Any]:
    cls = info.cls
    return {
        "distribution": info.distribution,
        "version": info.version,
        "title": cls.title or cls.name,
        "dynamic_entities": cls.dynamic_entities,
        "entities": {e.name: e.capabilities().as_dict() for e in cls.entities},
    }


@cli.command()
@click.argument("flow", required=False)
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def runs(ctx: click.Context, flow: str | None, limit: int, as_json: bool) -> None:
    """Show the history of runs (all flows, or FLOW) with their counts.

    Example: flowhub runs woocommerce-orders-to-sql
    """
    history = _ws(ctx).store.runs(flow, limit=limit)
    rows = [asdict(r) if is_dataclass(r) else dict(r) for r in history]  # type: ignore[arg-type]
    if as_json:
        _emit_json(rows)
        return
    for row in rows:
        counts = ", ".join(f"{k} {v}" for k, v in (row.get("counts") or {}).items() if v)
        click.echo(f"#{row['id']} {row['flow']} {row['mode']} {row['status']} {row['started_at']}: {counts}")


@cli.command(name="log")
@click.argument("flow")
@click.argument("record", required=False)
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def log_(ctx: click.Context, flow: str, record: str | None, limit: int, as_json: bool) -> None:
    """Show the activity log of FLOW (or one RECORD): what came in, what was sent, the answer.

    Example: flowhub log woocommerce-orders-to-sql 1042
    """
    entries = _ws(ctx).log(flow, record, limit=limit)
    rows = [asdict(e) if is_dataclass(e) else dict(e) for e in entries]  # type: ignore[arg-type]
    if as_json:
        _emit_json(rows)
        return
    for row in rows:
        reason = f" - {row['reason']}" if row.get("reason") else ""
        click.echo(f"{row['started_at']} run #{row['run_id']} record {row['source_key']}: {row['outcome']}{reason}")
        if record:
            for part in ("source", "payload", "response"):
                if row.get(part) is not None:
                    click.echo(f"  {part}: {json.dumps(jsonable(row[part]), default=str)[:2000]}")


@cli.command()
@click.argument("kind", type=click.Choice(["flow", "mapping"]))
def schema(kind: str) -> None:
    """Print the JSON Schema of flow or mapping files (for editors).

    Example: flowhub schema flow > flow.schema.json
    """
    from flowhub.schemas import json_schema

    click.echo(json.dumps(json_schema(kind), indent=2))


def main() -> None:
    cli(prog_name="flowhub")


def _add_operations() -> None:
    from flowhub.cli_ops import OPERATIONS

    for command in OPERATIONS:
        cli.add_command(command)


_add_operations()
