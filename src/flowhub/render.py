"""How runs, plans and connectors look in a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from flowhub.pipeline import Plan
from flowhub.redact import redact_text
from flowhub.runner import OUTCOMES, RunSummary

__all__ = ["connectors_table", "progress_printer", "render_plan", "render_summary"]


@contextmanager
def progress_printer(*, enabled: bool = True, every: int = 100) -> Iterator[Callable[[Plan], None] | None]:
    """A one-line progress counter on stderr for long runs (only on a terminal)."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    seen = {"n": 0}

    def tick(plan: Plan) -> None:
        seen["n"] += 1
        if seen["n"] % every == 0:
            click.echo(f"\r  {seen['n']} records...", err=True, nl=False)

    yield tick
    if seen["n"] >= every:
        click.echo("\r" + " " * 30 + "\r", err=True, nl=False)


def render_summary(summary: RunSummary) -> None:
    counts = summary.counts
    if summary.status == "disabled":
        click.echo(f"{summary.flow}: disabled (enabled: false in the flow file); nothing done")
        return
    parts = [f"read {counts['read']}"] + [f"{k} {counts[k]}" for k in OUTCOMES if counts[k] or k in
                                          ("created", "updated", "failed")]
    colour = "red" if summary.exit_code else "green"
    click.secho(f"{summary.flow} (run #{summary.run_id}, {summary.mode}): {', '.join(parts)}", fg=colour)
    if summary.error:
        click.secho(f"  stopped: {redact_text(summary.error)}", fg="red")
    for failure in summary.failures[:20]:
        click.echo(f"  failed {failure['record']} [{failure['stage']}]: {redact_text(str(failure['reason']))}")
    if len(summary.failures) > 20:
        click.echo(f"  ... and {len(summary.failures) - 20} more: flowhub log {summary.flow}")
    for name, cov in summary.coverage.items():
        misses = cov.get("misses") if isinstance(cov, dict) else None
        if misses:
            listed = ", ".join(f"{v!r} x{n}" for v, n in misses.items())
            policy = {"default": "the default was used", "keep": "kept as they are",
                      "skip": "records skipped", "fail": "records failed"}.get(str(cov.get("policy")), "")
            click.echo(f"  value map {name}: no rule for {listed}" + (f" ({policy})" if policy else ""))
    if counts["failed"]:
        click.echo(f"  fix the cause, then: flowhub retry {summary.flow}")


def render_plan(summary: RunSummary) -> None:
    for item in summary.planned:
        action = item["action"]
        if action in ("unchanged", "seen"):
            continue
        target = f" -> {item['target_key']}" if item.get("target_key") else ""
        reason = f" ({item['reason']})" if item.get("reason") else ""
        click.echo(f"{action:9} {item['record']}{target}{reason}")
        if item.get("diff"):
            for field, change in item["diff"].items():
                click.echo(f"    {field}: {redact_text(repr(change['old']))[:100]} -> "
                           f"{redact_text(repr(change['new']))[:100]}")
            continue
        for field, value in (item.get("payload") or {}).items():
            click.echo(f"    {field}: {redact_text(repr(value))[:200]}")
    render_summary(summary)


def connectors_table(data: dict[str, Any], broken: list[dict[str, str]]) -> None:
    if not data:
        click.echo("no connectors installed (install e.g. connectors/woocommerce with pip)")
    for name, info in data.items():
        click.secho(f"{name}  {info['title']}  ({info['distribution']} {info['version']})", bold=True)
        if info["dynamic_entities"]:
            click.echo("  entities: named by the data (files / tables)")
        for entity, caps in info["entities"].items():
            can = [k for k, v in caps.items() if v is True]
            if caps.get("find_by_key"):
                can.append("find by " + "/".join(caps["find_by_key"]))
            click.echo(f"  {entity}: {', '.join(can)}")
    for item in broken:
        click.secho(f"broken: {item['distribution']}: {item['problem']}", fg="red")
