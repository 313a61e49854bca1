"""A files -> sql flow killed with SIGKILL at several points resumes with no duplicate and no loss."""

from __future__ import annotations

import ast
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import pytest

from tests.conftest import Project, order

# Runs the flow in a child process that kills itself at a chosen point:
#   outcome N  -> after the N-th record outcome was stored
#   write N    -> right after the N-th write call reached the target, before the id link is stored
#   none 0     -> never (a plain run)
CHILD = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from flowhub import hookimpl
    from flowhub.activity import ActivityLog
    from flowhub.plugins import Plugins
    from flowhub.prepare import prepare
    from flowhub.runner import Runner
    from flowhub.state import StateStore

    point, n = sys.argv[1], int(sys.argv[2])
    seen = {"outcome": 0, "write": 0}

    def tick(kind):
        seen[kind] += 1
        if kind == point and seen[kind] >= n:
            os.kill(os.getpid(), signal.SIGKILL)

    class Killer:
        @hookimpl
        def record_outcome(self, flow, source_key, outcome, reason, detail):
            tick("outcome")

    plugins = Plugins()
    plugins.add(Killer(), "killer")
    flow = prepare(Path("flows/orders.yaml"), plugins=plugins, connections_file=Path("connections.yaml"))
    for name in ("create", "update", "write_batch"):
        original = getattr(flow.target, name)
        def wrapped(*args, _original=original, **kwargs):
            answer = _original(*args, **kwargs)
            tick("write")
            return answer
        setattr(flow.target, name, wrapped)
    store = StateStore("sqlite:///" + str(Path(".flowhub/state.db").resolve()))
    summary = Runner(flow, store, ActivityLog(store), plugins).run()
    flow.close()
    print(dict(summary.counts))
""")


def _child(project: Project, point: str, n: int) -> subprocess.CompletedProcess[str]:
    (project.root / ".flowhub").mkdir(exist_ok=True)
    script = project.root / "child.py"
    script.write_text(CHILD)
    return subprocess.run([sys.executable, str(script), point, str(n)], cwd=project.root, capture_output=True,
                          text=True, timeout=120)


def _reset(project: Project) -> None:
    shutil.rmtree(project.root / ".flowhub", ignore_errors=True)
    project.db.unlink(missing_ok=True)


@pytest.mark.parametrize(("point", "n"), [("outcome", 1), ("outcome", 13), ("outcome", 29),
                                          ("write", 1), ("write", 2), ("write", 4)])
def test_sigkill_at_any_point_then_rerun_gives_exactly_the_uninterrupted_rows(
    project: Project, point: str, n: int
) -> None:
    project.source([order(i) for i in range(1, 36)])
    assert _child(project, "none", 0).returncode == 0
    expected = project.rows()
    assert len(expected) == 35
    _reset(project)

    crashed = _child(project, point, n)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    for _ in range(3):
        resumed = _child(project, "none", 0)
        assert resumed.returncode == 0, resumed.stderr
    assert project.rows() == expected
    last = ast.literal_eval(resumed.stdout.strip())
    assert (last.get("created", 0), last.get("updated", 0)) == (0, 0)  # the third run wrote nothing


def test_killed_from_outside_at_random_moments_loses_nothing_and_duplicates_nothing(project: Project) -> None:
    project.source([order(i) for i in range(1, 301)])
    for delay in (0.4, 0.8, 1.2):
        (project.root / ".flowhub").mkdir(exist_ok=True)
        script = project.root / "child.py"
        script.write_text(CHILD)
        child = subprocess.Popen([sys.executable, str(script), "none", "0"], cwd=project.root,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    done = _child(project, "none", 0)
    assert done.returncode == 0, done.stderr
    rows = project.rows()
    assert [r["id"] for r in rows] == list(range(1, 301))
