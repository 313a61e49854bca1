"""Golden tests next to mappings, and the mapping docs, whose every example is loaded or run."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from flowhub.goldens import GoldenResult, case_paths, diff, run_goldens

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "docs" / "examples" / "mappings"
DOCS = ROOT / "docs" / "mappings.md"

MAPPING = """\
fields:
  id: "{{ source.id }}"
  total: "{{ source.total | money }}"
  note: "{{ source.note or omit }}"
  lines:
    each: "{{ source.lines }}"
    fields:
      sku: "{{ item.sku }}"
create:
  created_by: flowhub
when: "{{ source.status != 'draft' }}"
"""


@pytest.fixture
def mapping(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = Path("mappings/order.yaml")
    (tmp_path / "mappings" / "tests" / "order").mkdir(parents=True)
    path.write_text(MAPPING, encoding="utf-8")
    return path


def case(mapping: Path, name: str, text: str) -> Path:
    path = mapping.parent / "tests" / mapping.stem / f"{name}.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def only(results: list[GoldenResult]) -> GoldenResult:
    assert len(results) == 1
    return results[0]


SOURCE = "source: {id: 1, total: '10.5', note: '', status: paid, lines: [{sku: A}]}\n"


def test_a_matching_case_passes(mapping: Path) -> None:
    expect = "expect: {id: 1, total: '10.50', lines: [{sku: A}], created_by: flowhub}\n"
    path = case(mapping, "ok", SOURCE + expect)
    assert run_goldens([mapping]) == [GoldenResult(path, True, "")]


def test_a_differing_case_lists_the_differences_field_by_field(mapping: Path) -> None:
    case(mapping, "bad", SOURCE + "mode: update\n"
         "expect: {id: 2, total: '10.5', note: x, lines: [{sku: B}, {sku: C}]}\n")
    result = only(run_goldens([mapping]))
    assert not result.ok
    assert result.diff == "\n".join([
        "id: expected 2, got 1",
        "total: expected '10.5', got '10.50'",
        "note: expected 'x', missing",
        "lines[0].sku: expected 'B', got 'A'",
        "lines[1]: expected {'sku': 'C'}, missing",
    ])


def test_a_plain_number_matches_money_by_amount(mapping: Path) -> None:
    case(mapping, "number", SOURCE + "mode: update\nexpect: {id: 1, total: 10.5, lines: [{sku: A}]}\n")
    assert only(run_goldens([mapping])).ok


def test_an_unexpected_field_is_reported(mapping: Path) -> None:
    case(mapping, "extra", SOURCE + "expect: {id: 1, total: '10.50', lines: [{sku: A}]}\n")
    assert only(run_goldens([mapping])).diff == "created_by: not expected, got 'flowhub'"


def test_expect_skip_matches_part_of_the_reason(mapping: Path) -> None:
    case(mapping, "skip", "source: {status: draft}\nexpect_skip: condition is false\n")
    assert only(run_goldens([mapping])).ok


def test_expect_skip_fails_when_the_record_maps(mapping: Path) -> None:
    case(mapping, "skip", SOURCE + "expect_skip: condition is false\n")
    result = only(run_goldens([mapping]))
    assert not result.ok
    assert result.diff.startswith("expected the record skipped, but it mapped to {'id': 1, 'total': '10.50'")


def test_expect_error_matches_part_of_the_reason(mapping: Path) -> None:
    case(mapping, "error", "source: {id: 1, total: x, note: '', status: paid, lines: []}\n"
         "expect_error: \"total: cannot read 'x' as a decimal number\"\n")
    assert only(run_goldens([mapping])).ok


def test_an_unexpected_failure_shows_the_reason(mapping: Path) -> None:
    case(mapping, "error", "source: {id: 1, status: paid}\nexpect: {id: 1}\n")
    assert only(run_goldens([mapping])).diff == (
        "the record was failed: mappings/order.yaml:3: total: 'dict object' has no attribute 'total'")


def test_a_wrong_error_shows_what_was_wanted(mapping: Path) -> None:
    case(mapping, "error", "source: {id: 1, status: paid}\nexpect_error: lines\n")
    assert only(run_goldens([mapping])).diff == (
        "expected 'lines' in the reason, but the record was failed: "
        "mappings/order.yaml:3: total: 'dict object' has no attribute 'total'")


def test_a_broken_case_file_fails_that_case_with_file_and_line(mapping: Path) -> None:
    case(mapping, "a-broken", "source: {id: 1}\nexpect: {}\nexpect_skip: x\n")
    case(mapping, "b-typo", "source: {id: 1}\nexpct: {}\n")
    case(mapping, "c-ok", "source: {status: draft}\nexpect_skip: condition is false\n")
    broken, typo, ok = run_goldens([mapping])
    assert broken.diff == ("mappings/tests/order/a-broken.yaml:1: "
                           "give exactly one of expect, expect_skip or expect_error")
    assert typo.diff == ("mappings/tests/order/b-typo.yaml:2: expct: unknown key 'expct' "
                         "(did you mean 'expect'?)")
    assert ok.ok


def test_a_broken_mapping_fails_each_of_its_cases(mapping: Path) -> None:
    mapping.write_text("fields:\n  id: \"{{ sorce.id }}\"\n", encoding="utf-8")
    case(mapping, "one", SOURCE + "expect: {}\n")
    case(mapping, "two", SOURCE + "expect: {}\n")
    results = run_goldens([mapping])
    message = "mappings/order.yaml:2: fields.id: unknown variable 'sorce' (did you mean 'source'?)"
    assert [(r.ok, r.diff) for r in results] == [(False, message), (False, message)]


def test_a_mapping_without_cases_gives_no_results(mapping: Path) -> None:
    assert run_goldens([mapping]) == []


def test_case_values_read_no_as_norway(mapping: Path) -> None:
    mapping.write_text("fields:\n  country: \"{{ source.country }}\"\n", encoding="utf-8")
    case(mapping, "norway", "source: {country: NO}\nexpect: {country: NO}\n")
    assert only(run_goldens([mapping])).ok


def test_plugin_functions_reach_the_mapping(mapping: Path) -> None:
    mapping.write_text("fields:\n  x: \"{{ source.id | twice }}\"\n", encoding="utf-8")
    case(mapping, "twice", "source: {id: 4}\nexpect: {x: 8}\n")
    assert only(run_goldens([mapping], functions={"twice": lambda v: v * 2})).ok


def test_diff_of_equal_payloads_is_empty() -> None:
    assert diff({"a": [1, {"b": None}]}, {"a": [1, {"b": None}]}) == []
    assert diff({"flag": True}, {"flag": 1}) == ["flag: expected True, got 1"]


# -- the documentation ------------------------------------------------------------------------------


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_mapping_passes_its_golden_tests(example: Path) -> None:
    assert case_paths(example), f"{example.name} has no golden tests"
    failures = [f"{r.case.name}: {r.diff}" for r in run_goldens([example]) if not r.ok]
    assert failures == []


def yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_example_mappings_are_shown_whole_in_the_docs(example: Path) -> None:
    shown = f"# docs/examples/mappings/{example.name}\n" + example.read_text(encoding="utf-8")
    assert shown in yaml_blocks()


def test_every_yaml_block_in_the_docs_loads(tmp_path: Path) -> None:
    from flowhub.mapping import load_mapping

    blocks = yaml_blocks()
    assert len(blocks) >= 10
    for number, block in enumerate(blocks):
        first, _, rest = block.partition("\n")
        if first.startswith("# golden case: "):
            assert (ROOT / first.removeprefix("# golden case: ")).read_text(encoding="utf-8") == rest
            continue
        path = tmp_path / f"block{number}.yaml"
        path.write_text(block, encoding="utf-8")
        load_mapping(path)
