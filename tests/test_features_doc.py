"""docs/features.md keeps every feature id, and every test it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FEATURES = ROOT / "docs" / "features.md"


def _test_names() -> set[str]:
    names: set[str] = set()
    for folder in [ROOT / "tests", *ROOT.glob("connectors/*/tests"), *ROOT.glob("docs/plugins/example/tests")]:
        for path in folder.rglob("test_*.py"):
            names.update(re.findall(r"^\s*def (test_\w+)", path.read_text(), re.M))
    return names


def _rows() -> list[list[str]]:
    rows = []
    for line in FEATURES.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"[KGASDF]\d+", cells[0]):
            rows.append(cells)
    return rows


def test_every_feature_row_names_only_tests_that_exist() -> None:
    known = _test_names()
    for fid, _status, tests, _notes in _rows():
        for name in filter(None, (t.strip() for t in tests.split(","))):
            assert name in known, f"{fid}: no test function named {name}"


def test_done_and_partial_rows_name_a_test_and_statuses_are_known() -> None:
    for fid, status, tests, _notes in _rows():
        assert status in ("done", "partial", "open"), fid
        if status != "open":
            assert tests, f"{fid} is {status} but names no test"


def test_every_feature_id_of_the_contract_has_a_row() -> None:
    ids = {row[0] for row in _rows()}
    expected = {f"K{i}" for i in range(1, 8)} | {f"G{i}" for i in range(1, 12)} | {f"A{i}" for i in range(1, 15)} \
        | {f"S{i}" for i in range(1, 15)} | {f"D{i}" for i in range(1, 10)} | {f"F{i}" for i in range(1, 7)}
    assert ids == expected
