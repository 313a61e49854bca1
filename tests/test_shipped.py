"""Everything shipped in flows/ and mappings/ validates, and every mapping passes its golden tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowhub.flowfile import load_flow
from flowhub.goldens import case_paths, run_goldens
from flowhub.plugins import Plugins
from flowhub.prepare import prepare

ROOT = Path(__file__).resolve().parents[1]
MAPPINGS = sorted((ROOT / "mappings").glob("*.yaml"))
FLOWS = sorted(p for p in (ROOT / "flows").glob("*.yaml") if p.name != "connections.yaml")


@pytest.mark.parametrize("mapping", MAPPINGS, ids=lambda p: p.stem)
def test_every_shipped_mapping_has_golden_tests_that_pass(mapping: Path) -> None:
    assert case_paths(mapping), f"{mapping.name} has no golden cases in mappings/tests/{mapping.stem}/"
    failed = [r for r in run_goldens([mapping], functions=Plugins().functions()) if not r.ok]
    assert not failed, "\n".join(f"{r.case}: {r.diff}" for r in failed)


@pytest.mark.parametrize("flow", FLOWS, ids=lambda p: p.stem)
def test_every_shipped_flow_validates_against_the_installed_connectors(
    flow: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SHOP", "ERP", "OFFICE", "POS"):
        for setting in ("URL", "BASE_URL", "CONSUMER_KEY", "CONSUMER_SECRET", "CLIENT_ID", "CLIENT_SECRET",
                        "TENANT_ID", "ORGANIZATION_ID", "USERNAME", "PASSWORD", "APPLICATION_ID",
                        "CLIENT_NUMBER", "CLIENT_TOKEN", "DEPARTMENT_TOKEN"):
            monkeypatch.setenv(f"{name}_{setting}", "http://127.0.0.1:9" if "URL" in setting else "x-1234")
    prepared = prepare(flow, plugins=Plugins(), connections_file=ROOT / "flows" / "connections.yaml")
    prepared.close()
    assert load_flow(flow)[0].tags, f"{flow.name} has no tag, so the demo cannot group it"
