"""The datamapper: every construct of a mapping file, its load-time errors and its run-time failures."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from flowhub.errors import MappingError, MappingRecordError
from flowhub.mapping import FieldMapping, SkipRecord, load_mapping

Loader = Callable[..., FieldMapping]

ORDER: dict[str, Any] = {
    "id": 42,
    "status": "completed",
    "total": "125.5",
    "currency": None,
    "customer_note": "",
    "billing": {"first_name": "Ola", "last_name": "Nordmann", "email": "OLA@Example.NO",
                "address_1": "Storgata 12B", "country": "NO", "company": None},
    "line_items": [
        {"sku": "A-1", "quantity": 2, "price": "50", "items": "own key"},
        {"sku": "B-2", "quantity": 0, "price": 1},
        {"sku": "C-3", "quantity": 1, "price": 25.5},
    ],
}


@pytest.fixture
def load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Loader:
    """Write a mapping to mappings/order.yaml (as seen from the working directory) and load it."""
    monkeypatch.chdir(tmp_path)

    def load(text: str, **kwargs: Any) -> FieldMapping:
        path = tmp_path / "mappings" / "order.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return load_mapping(Path("mappings/order.yaml"), **kwargs)

    return load


def load_error(load: Loader, text: str, **kwargs: Any) -> str:
    with pytest.raises(MappingError) as caught:
        load(text, **kwargs)
    return str(caught.value)


def create(mapping: FieldMapping, source: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    return mapping.apply(ORDER if source is None else source, mode="create", **kwargs)


# -- values ------------------------------------------------------------------------------------


def test_single_expression_keeps_the_native_type(load: Loader) -> None:
    mapping = load("""
        fields:
          id: "{{ source.id }}"
          total: "{{ source.total | decimal }}"
          currency: "{{ source.currency }}"
          billing: "{{ source.billing }}"
          first_line: "{{ source.line_items[0] }}"
    """)
    payload = create(mapping)
    assert payload["id"] == 42
    assert payload["total"] == Decimal("125.5")
    assert payload["currency"] is None
    assert payload["billing"] is ORDER["billing"]
    assert payload["first_line"]["sku"] == "A-1"


def test_mixed_text_is_a_string_and_none_prints_as_nothing(load: Loader) -> None:
    mapping = load("""
        fields:
          name: "{{ source.billing.first_name }} {{ source.billing.last_name }}"
          label: "#{{ source.id }} {{ source.billing.company }}"
    """)
    assert create(mapping) == {"name": "Ola Nordmann", "label": "#42 "}


def test_values_without_braces_are_constants(load: Loader) -> None:
    mapping = load("""
        fields:
          origin: woocommerce
          count: 3
          price: 9.5
          active: true
          nothing: null
          tags: [web, "{{ source.status }}"]
          country: NO
    """)
    assert create(mapping) == {"origin": "woocommerce", "count": 3, "price": 9.5, "active": True,
                               "nothing": None, "tags": ["web", "completed"], "country": "NO"}


def test_nested_objects_are_built_field_by_field(load: Loader) -> None:
    mapping = load("""
        fields:
          billing:
            email: "{{ source.billing.email | lower }}"
            address:
              street: "{{ split_street(source.billing.address_1).street }}"
              number: "{{ (source.billing.address_1 | split_street).number }}"
    """)
    assert create(mapping) == {"billing": {"email": "ola@example.no",
                                           "address": {"street": "Storgata", "number": "12B"}}}


def test_each_builds_a_list_with_when_and_loop_counting_kept_items(load: Loader) -> None:
    mapping = load("""
        fields:
          lines:
            each: "{{ source.line_items }}"
            as: line
            when: "{{ line.quantity > 0 }}"
            fields:
              no: "{{ loop.index }}"
              sku: "{{ line.sku }}"
              price: "{{ line.price | money }}"
              last: "{{ loop.last }}"
    """)
    assert create(mapping)["lines"] == [
        {"no": 1, "sku": "A-1", "price": Decimal("50.00"), "last": False},
        {"no": 2, "sku": "C-3", "price": Decimal("25.50"), "last": True},
    ]


def test_each_defaults_its_variable_to_item_and_can_build_plain_values(load: Loader) -> None:
    mapping = load("""
        fields:
          skus:
            each: "{{ source.line_items }}"
            value: "{{ item.sku }}"
    """)
    assert create(mapping) == {"skus": ["A-1", "B-2", "C-3"]}


def test_each_over_a_missing_list_gives_none_and_takes_the_default(load: Loader) -> None:
    mapping = load("""
        fields:
          lines:
            each: "{{ source.coupons }}"
            value: "{{ item.code }}"
        defaults:
          lines: []
    """)
    assert create(mapping, {**ORDER, "coupons": None}) == {"lines": []}


def test_nested_each_sees_the_outer_variable(load: Loader) -> None:
    mapping = load("""
        fields:
          groups:
            each: "{{ source.groups }}"
            as: group
            fields:
              codes:
                each: "{{ group.items }}"
                value: "{{ group.name }}-{{ item }}"
    """)
    source = {"groups": [{"name": "a", "items": [1, 2]}, {"name": "b", "items": []}]}
    assert create(mapping, source) == {"groups": [{"codes": ["a-1", "a-2"]}, {"codes": []}]}


def test_dotted_access_reads_a_record_key_before_a_dict_method(load: Loader) -> None:
    mapping = load("""
        fields:
          first: "{{ source.line_items[0].items }}"
          keys: "{{ source.billing.keys() | list | length }}"
    """)
    assert create(mapping) == {"first": "own key", "keys": 6}


def test_refs_flow_and_now_are_available(load: Loader) -> None:
    mapping = load("""
        fields:
          customer_id: "{{ refs.customer }}"
          shop: "{{ flow.shop }}"
          exported: "{{ now | iso }}"
    """)
    moment = datetime(2024, 5, 1, 10, 30, tzinfo=UTC)
    payload = create(mapping, refs={"customer": "C-7"}, flow={"shop": "demo"}, now=moment)
    assert payload == {"customer_id": "C-7", "shop": "demo", "exported": "2024-05-01T10:30:00+00:00"}


def test_now_is_fixed_for_the_whole_run(load: Loader) -> None:
    mapping = load("""
        fields:
          at: "{{ now }}"
    """)
    assert create(mapping)["at"] is create(mapping)["at"]


def test_jinja_blocks_and_method_calls_still_work(load: Loader) -> None:
    mapping = load("""
        fields:
          kind: "{% if source.total | decimal > 100 %}big{% else %}small{% endif %}"
          first_word: "{{ source.billing.email.split('@')[0] }}"
          skus: "{{ source.line_items | map(attribute='sku') | join(',') }}"
    """)
    assert create(mapping) == {"kind": "big", "first_word": "OLA", "skus": "A-1,B-2,C-3"}


# -- omit, defaults, create and update -------------------------------------------------------------


def test_omit_leaves_the_field_out(load: Loader) -> None:
    mapping = load("""
        fields:
          note: "{{ source.customer_note or omit }}"
          billing:
            company: "{{ source.billing.company or omit }}"
          lines:
            each: "{{ source.line_items }}"
            value: "{{ item.sku if item.quantity else omit }}"
    """)
    assert create(mapping) == {"billing": {}, "lines": ["A-1", "C-3"]}
    assert create(mapping, {**ORDER, "customer_note": "ring"})["note"] == "ring"


def test_defaults_fill_none_and_omitted_values_only(load: Loader) -> None:
    mapping = load("""
        fields:
          currency: "{{ source.currency }}"
          note: "{{ source.customer_note or omit }}"
          status: "{{ source.status }}"
          billing:
            company: "{{ source.billing.company }}"
          lines:
            each: "{{ source.line_items }}"
            fields:
              unit: "{{ item.unit | default(none) }}"
        defaults:
          currency: NOK
          note: "{{ 'order ' ~ source.id }}"
          status: pending
          billing:
            company: Private
          lines:
            unit: pcs
    """)
    payload = create(mapping)
    assert payload["currency"] == "NOK"
    assert payload["note"] == "order 42"
    assert payload["status"] == "completed"
    assert payload["billing"] == {"company": "Private"}
    assert payload["lines"] == [{"unit": "pcs"}] * 3


def test_create_and_update_write_different_field_sets(load: Loader) -> None:
    mapping = load("""
        fields:
          name: "{{ source.billing.first_name }}"
        create:
          created_by: flowhub
          price: "{{ source.total }}"
        update:
          touched: true
    """)
    assert create(mapping) == {"name": "Ola", "created_by": "flowhub", "price": "125.5"}
    assert mapping.apply(ORDER, mode="update") == {"name": "Ola", "touched": True}
    assert mapping.fields_for("create") == {"name", "created_by", "price"}
    assert mapping.fields_for("update") == {"name", "touched"}


def test_a_field_in_fields_and_in_create_is_refused(load: Loader) -> None:
    message = load_error(load, """
        fields:
          name: a
        create:
          name: b
    """)
    assert re.match(r"^mappings/order\.yaml:5: create\.name: 'name' is already written by fields; "
                    r"move it to create and update instead$", message)


# -- value maps and lookups -------------------------------------------------------------------------

VALUE_MAP = """
    fields:
      status: "{{{{ source.status | value_map('order_status') }}}}"
    value_maps:
      order_status:
        map: {{completed: Completed, cancelled: Cancelled}}
        {policy}
"""


def with_status(status: Any) -> dict[str, Any]:
    return {**ORDER, "status": status}


def test_value_map_fail_names_the_value_and_the_known_ones(load: Loader) -> None:
    mapping = load(VALUE_MAP.format(policy="unmapped: fail"))
    assert create(mapping) == {"status": "Completed"}
    with pytest.raises(MappingRecordError) as caught:
        create(mapping, with_status("on-hold"), record_id="42")
    assert str(caught.value) == ("record 42: mappings/order.yaml:3: status: value 'on-hold' is not in "
                                 "value map 'order_status' (known: cancelled, completed)")


def test_value_map_default_gives_the_default(load: Loader) -> None:
    mapping = load(VALUE_MAP.format(policy="unmapped: default\n        default: Pending"))
    assert create(mapping, with_status("on-hold")) == {"status": "Pending"}


def test_value_map_default_is_implied_by_a_default_value(load: Loader) -> None:
    mapping = load(VALUE_MAP.format(policy="default: Pending"))
    assert create(mapping, with_status("on-hold")) == {"status": "Pending"}


def test_value_map_keep_passes_the_value_through(load: Loader) -> None:
    mapping = load(VALUE_MAP.format(policy="unmapped: keep"))
    assert create(mapping, with_status("on-hold")) == {"status": "on-hold"}


def test_value_map_skip_skips_the_whole_record_with_a_reason(load: Loader) -> None:
    mapping = load(VALUE_MAP.format(policy="unmapped: skip"))
    with pytest.raises(SkipRecord) as caught:
        create(mapping, with_status("on-hold"))
    assert caught.value.reason == ("mappings/order.yaml:3: status: value 'on-hold' is not in value map "
                                   "'order_status' (unmapped: skip)")


def test_value_map_call_form_and_number_keys_match_as_text(load: Loader) -> None:
    mapping = load("""
        fields:
          terms: "{{ value_map('terms', source.days) }}"
        value_maps:
          terms:
            map: {14: NET14, "30": NET30}
    """)
    assert create(mapping, {"days": "14"}) == {"terms": "NET14"}
    assert create(mapping, {"days": 30}) == {"terms": "NET30"}


def test_coverage_counts_hits_and_misses_per_value(load: Loader) -> None:
    mapping = load(VALUE_MAP.format(policy="default: Pending"))
    for status in ["completed", "completed", "on-hold", "cancelled", "on-hold", "draft"]:
        create(mapping, with_status(status))
    assert mapping.coverage() == {"order_status": {
        "hits": {"completed": 2, "cancelled": 1},
        "misses": {"on-hold": 2, "draft": 1},
        "policy": "default",
    }}


def test_lookup_reads_a_named_table_and_norway_stays_no(load: Loader) -> None:
    mapping = load("""
        fields:
          vat_code: "{{ lookup('tax_code_by_country', source.billing.country) }}"
          as_filter: "{{ source.billing.country | lookup('tax_code_by_country') }}"
          fallback: "{{ lookup('tax_code_by_country', 'US', '0') }}"
        lookups:
          tax_code_by_country: {NO: "3", SE: "50", DK: "50"}
    """)
    assert create(mapping) == {"vat_code": "3", "as_filter": "3", "fallback": "0"}


def test_lookup_without_the_key_fails_the_record(load: Loader) -> None:
    mapping = load("""
        fields:
          vat_code: "{{ lookup('tax', source.billing.country) }}"
        lookups:
          tax: {SE: "50"}
    """)
    with pytest.raises(MappingRecordError, match=r"^record 42: mappings/order\.yaml:3: vat_code: "
                       r"lookup table 'tax' has no key 'NO' \(known: SE\)$"):
        create(mapping, record_id="42")


# -- the record condition -------------------------------------------------------------------------


def test_when_false_skips_the_record_with_the_condition_as_reason(load: Loader) -> None:
    mapping = load("""
        fields:
          id: "{{ source.id }}"
        when: "{{ source.status != 'checkout-draft' }}"
    """)
    assert create(mapping) == {"id": 42}
    with pytest.raises(SkipRecord) as caught:
        create(mapping, with_status("checkout-draft"))
    assert caught.value.reason == ("mappings/order.yaml:4: when: condition is false "
                                   "({{ source.status != 'checkout-draft' }})")


# -- run-time failures ------------------------------------------------------------------------------


def test_a_missing_key_names_file_line_field_path_and_record(load: Loader) -> None:
    mapping = load("""
        fields:
          lines:
            each: "{{ source.line_items }}"
            fields:
              quantity: "{{ item.qty }}"
    """)
    with pytest.raises(MappingRecordError) as caught:
        create(mapping, record_id="1001")
    assert caught.value.record_id == "1001"
    assert caught.value.reason == ("mappings/order.yaml:6: lines[0].quantity: "
                                   "'dict object' has no attribute 'qty'")


def test_a_failing_function_names_the_field_and_the_value(load: Loader) -> None:
    mapping = load("""
        fields:
          billing:
            total: "{{ source.total | money }}"
    """)
    with pytest.raises(MappingRecordError, match=r"^record 7: mappings/order\.yaml:4: billing\.total: "
                       r"cannot read 'abc' as a decimal number$"):
        create(mapping, {"total": "abc"}, record_id="7")


def test_a_missing_key_inside_a_filter_argument_is_refused(load: Loader) -> None:
    mapping = load("""
        fields:
          total: "{{ money(source.totl) }}"
    """)
    with pytest.raises(MappingRecordError, match="'dict object' has no attribute 'totl'"):
        create(mapping)


def test_reaching_for_unsafe_attributes_at_run_time_is_stopped(load: Loader) -> None:
    mapping = load("""
        fields:
          dynamic: "{{ source[source.key] }}"
          formatted: "{{ '{0.__class__}'.format(source) }}"
    """)
    expected = r"mapping tried to reach an unsafe attribute; mappings may only read the record$"
    with pytest.raises(MappingRecordError, match=r"^record \?: mappings/order\.yaml:3: dynamic: " + expected):
        create(mapping, {"key": "__class__"})
    with pytest.raises(MappingRecordError, match=expected):
        create(mapping, {"key": "id", "id": 1})


def test_the_record_is_never_changed(load: Loader) -> None:
    mapping = load("""
        fields:
          changed: "{{ source.line_items.append(1) }}"
    """)
    source = {"line_items": []}
    with pytest.raises(MappingRecordError, match="unsafe attribute"):
        create(mapping, source)
    assert source == {"line_items": []}


def test_validate_payload_names_file_line_field_and_record(load: Loader) -> None:
    class Line(BaseModel):
        sku: str
        quantity: int

    class Order(BaseModel):
        id: int
        lines: list[Line]

    mapping = load("""
        fields:
          id: "{{ source.id }}"
          lines:
            each: "{{ source.line_items }}"
            fields:
              sku: "{{ item.sku }}"
              quantity: "{{ item.sku }}"
    """)
    payload = create(mapping)
    with pytest.raises(MappingRecordError) as caught:
        mapping.validate_payload(payload, Order, record_id="42")
    assert str(caught.value) == (
        "record 42: mappings/order.yaml:8: lines[0].quantity: input should be a valid integer, unable to "
        "parse string as an integer (got 'A-1') (and 2 more)"
    )
    good = mapping.validate_payload({**payload, "lines": []}, Order, record_id="42")
    assert good == Order(id=42, lines=[])


def test_apply_refuses_an_unknown_mode(load: Loader) -> None:
    mapping = load("fields: {}\n")
    with pytest.raises(ValueError, match="mode must be 'create' or 'update'"):
        mapping.apply(ORDER, mode="upsert")  # type: ignore[arg-type]


# -- plugin functions ----------------------------------------------------------------------------


def shout(value: str, times: int = 1) -> str:
    return value.upper() + "!" * times


def test_plugin_functions_are_calls_and_filters(load: Loader) -> None:
    mapping = load("""
        fields:
          a: "{{ shout(source.status) }}"
          b: "{{ source.status | shout(times=2) }}"
    """, functions={"shout": shout})
    assert create(mapping) == {"a": "COMPLETED!", "b": "COMPLETED!!"}


@pytest.mark.parametrize(("name", "problem"), [
    ("money", "clashes with the built-in function of that name"),
    ("lookup", "is a reserved name in mappings"),
    ("round", "clashes with Jinja's built-in filter of that name"),
    ("_secret", "is not usable in expressions"),
])
def test_a_plugin_function_may_not_replace_a_name(load: Loader, name: str, problem: str) -> None:
    message = load_error(load, "fields: {}\n", functions={name: shout})
    assert message.startswith(f"mappings/order.yaml: plugin function '{name}' {problem}")


# -- load-time errors: one message each, file:line: field: problem ------------------------------------

LOAD_ERRORS = {
    "unknown top-level key": (
        "feilds:\n  id: 1\n",
        r"mappings/order\.yaml:1: feilds: unknown key 'feilds' \(did you mean 'fields'\?\)"),
    "wrong type": (
        "fields:\n  - id\n",
        r"mappings/order\.yaml:1: fields: expected a mapping, got a list"),
    "jinja syntax error": (
        'fields:\n  id: "{{ source.id + }}"\n',
        r"mappings/order\.yaml:2: fields\.id: template syntax error: unexpected 'end of print statement'"),
    "undefined variable": (
        'fields:\n  billing:\n    id: "{{ sorce.id }}"\n',
        r"mappings/order\.yaml:3: fields\.billing\.id: unknown variable 'sorce' \(did you mean 'source'\?\)"),
    "loop variable outside its each": (
        'fields:\n  lines:\n    each: "{{ source.line_items }}"\n    as: line\n    value: 1\n'
        '  sku: "{{ line.sku }}"\n',
        r"mappings/order\.yaml:6: fields\.sku: unknown variable 'line' "
        r"\(known: flow, now, omit, refs, source, target\)"),
    "unknown filter": (
        'fields:\n  id: "{{ source.id | lowr }}"\n',
        r"mappings/order\.yaml:2: fields\.id: unknown filter 'lowr' \(did you mean 'lower'\?\)"),
    "unknown function": (
        'fields:\n  id: "{{ decmal(source.id) }}"\n',
        r"mappings/order\.yaml:2: fields\.id: unknown function 'decmal' \(did you mean 'decimal'\?\)"),
    "unknown lookup table": (
        "lookups:\n  tax: {NO: '3'}\nfields:\n  vat: \"{{ lookup('taxes', source.id) }}\"\n",
        r"mappings/order\.yaml:4: fields\.vat: unknown lookup table 'taxes' \(did you mean 'tax'\?\)"),
    "unknown value map": (
        "value_maps:\n  status: {map: {a: b}}\nfields:\n  s: \"{{ source.s | value_map('stat') }}\"\n",
        r"mappings/order\.yaml:4: fields\.s: unknown value map 'stat' \(did you mean 'status'\?\)"),
    "sandbox escape through a literal": (
        "fields:\n  x: \"{{ ''.__class__.__mro__ }}\"\n",
        r"mappings/order\.yaml:2: fields\.x: '__class__' is off limits: mappings may only read the record, "
        r"not names starting with '_' \(sandbox\)"),
    "sandbox escape through the record": (
        'fields:\n  x: "{{ source.__class__ }}"\n',
        r"mappings/order\.yaml:2: fields\.x: '__class__' is off limits: mappings may only read the record, "
        r"not names starting with '_' \(sandbox\)"),
    "sandbox escape through a subscript": (
        "create:\n  x: \"{{ source['__init__'] }}\"\n",
        r"mappings/order\.yaml:2: create\.x: '__init__' is off limits: mappings may only read the record, "
        r"not names starting with '_' \(sandbox\)"),
    "sandbox escape through attr": (
        "fields:\n  x: \"{{ source | attr('__class__') }}\"\n",
        r"mappings/order\.yaml:2: fields\.x: '__class__' is off limits: mappings may only read the record, "
        r"not names starting with '_' \(sandbox\)"),
    "unknown key in an each list": (
        'fields:\n  lines:\n    each: "{{ source.x }}"\n    value: 1\n    whn: 1\n',
        r"mappings/order\.yaml:5: fields\.lines\.whn: unknown key 'whn' in an each list "
        r"\(did you mean 'when'\?\)"),
    "each that is not one expression": (
        'fields:\n  lines:\n    each: "x {{ source.x }}"\n    value: 1\n',
        r"mappings/order\.yaml:3: fields\.lines\.each: expected one \{\{ expression \}\} that gives a list"),
    "each without fields or value": (
        'fields:\n  lines:\n    each: "{{ source.x }}"\n',
        r"mappings/order\.yaml:2: fields\.lines: an each list needs exactly one of 'fields' \(objects\) "
        r"or 'value'"),
    "loop variable that shadows a name": (
        'fields:\n  lines:\n    each: "{{ source.x }}"\n    as: source\n    value: 1\n',
        r"mappings/order\.yaml:4: fields\.lines\.as: 'source' is already a name in mappings; choose another"),
    "record condition that is not an expression": (
        "when: sometimes\n",
        r"mappings/order\.yaml:1: when: expected one \{\{ expression \}\} that is true or false"),
    "unknown value map policy": (
        "value_maps:\n  s:\n    map: {a: b}\n    unmapped: ignore\n",
        r"mappings/order\.yaml:4: value_maps\.s\.unmapped: expected one of fail, default, keep, skip, "
        r"got 'ignore'"),
    "value map default without a default value": (
        "value_maps:\n  s:\n    map: {a: b}\n    unmapped: default\n",
        r"mappings/order\.yaml:2: value_maps\.s: 'unmapped: default' needs a 'default:' value"),
    "value map without map": (
        "value_maps:\n  s:\n    mapping: {a: b}\n",
        r"mappings/order\.yaml:3: value_maps\.s\.mapping: unknown key 'mapping' \(did you mean 'map'\?\)"),
    "default for a field nobody writes": (
        "fields:\n  currency: x\ndefaults:\n  currencyy: NOK\n",
        r"mappings/order\.yaml:4: defaults\.currencyy: no field 'currencyy' in fields, create or update "
        r"\(did you mean 'currency'\?\)"),
    "default for a nested field nobody writes": (
        "fields:\n  billing:\n    city: x\ndefaults:\n  billing:\n    town: Oslo\n",
        r"mappings/order\.yaml:6: defaults\.billing\.town: no field 'town' in fields\.billing "
        r"\(known: city\)"),
    "field name that is not text": (
        "fields:\n  1: x\n",
        r"mappings/order\.yaml:2: fields\.1: field names must be text; write '1' in quotes"),
    "bad YAML": (
        "fields:\n  id: [1\n",
        r"mappings/order\.yaml:3: invalid YAML: expected ',' or '\]', but got '<stream end>'"),
}


@pytest.mark.parametrize("kind", LOAD_ERRORS)
def test_load_errors_name_file_line_and_field(load: Loader, kind: str) -> None:
    text, expected = LOAD_ERRORS[kind]
    assert re.match(f"^{expected}$", load_error(load, text))


def test_unknown_target_field_suggests_the_closest(load: Loader) -> None:
    message = load_error(load, "fields:\n  name: x\ncreate:\n  emial: y\n", target_fields=["name", "email"])
    assert re.match(r"^mappings/order\.yaml:4: create\.emial: unknown target field 'emial' "
                    r"\(did you mean 'email'\?\)$", message)


def test_known_target_fields_pass(load: Loader) -> None:
    mapping = load("fields:\n  name: x\n", target_fields=["name", "email"])
    assert create(mapping) == {"name": "x"}


def test_a_missing_file_is_a_mapping_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(MappingError, match=r"^mappings/nope\.yaml: file not found$"):
        load_mapping(Path("mappings/nope.yaml"))


# -- the fast route and Jinja's own evaluator agree ------------------------------------------------

SAME_MEANING = [
    "source.id", "source.billing.email", "source.line_items[1].sku", "source.line_items.0.sku",
    "source['billing']['country']", "source.line_items[-1].sku", "source.billing.items",
    "source.total | decimal", "source.id + 1", "source.id * 2 - 3 / 4", "source.id // 5 % 3",
    "-source.id", "not source.customer_note", "source.id > 40 and source.status == 'completed'",
    "source.customer_note or 'x'", "'a' ~ source.id ~ none", "1 < source.id < 100", "3 < source.id < 10",
    "source.status in ['completed', 'refunded']", "source.status not in ('x',)",
    "{'a': source.id, 'b': [1, 2]}", "source.id if source.id > 50 else 'small'",
    "source.billing.email | lower | truncate_to(3)", "source.currency is none", "source.missing is defined",
    "source.missing | default('d')", "source.billing.first_name | length", "source.line_items | length",
    "join_nonempty([source.billing.first_name, none, source.billing.last_name])",
    "coalesce(source.customer_note, source.status)", "source.billing.email | replace('@', ' at ')",
    "source.id | string", "source.total | float | round(1)", "(source.total | decimal) > 100",
    "split_street(source.billing.address_1).number", "source.line_items | map(attribute='sku') | list",
]
SAME_FAILURE = ["source.nope.x", "source.billing.nope", "money(source.nope)", "source.nope | lower",
                "source.nope + 1", "source.id ~ source.nope", "source.billing.country[9]"]


JINJA_ONLY = {"source.line_items | map(attribute='sku') | list"}  # map() wants Jinja's context


def both_routes(expression: str) -> tuple[Callable[[dict[str, Any]], Any], Callable[[dict[str, Any]], Any]]:
    """The expression compiled to closures (asserting it can be) and evaluated by Jinja itself."""
    from flowhub.functions import BUILTIN_FUNCTIONS
    from flowhub.mapping.environment import build_environment
    from flowhub.mapping.expressions import ExpressionCompiler, Unsupported

    env = build_environment(BUILTIN_FUNCTIONS, BUILTIN_FUNCTIONS)
    compiler = ExpressionCompiler(env, BUILTIN_FUNCTIONS, BUILTIN_FUNCTIONS)
    node = env.parse(f"{{{{ {expression} }}}}").body[0].nodes[0]  # type: ignore[attr-defined]
    try:
        fast = compiler.compile_node(node)
    except Unsupported:
        assert expression in JINJA_ONLY
        fast = compiler.with_jinja(node)
    return fast, compiler.with_jinja(node)


@pytest.mark.parametrize("expression", SAME_MEANING)
def test_fast_route_gives_what_jinja_gives(expression: str) -> None:
    fast, jinja = both_routes(expression)
    scope = {"source": ORDER}
    got, wanted = fast(scope), jinja(scope)
    assert (type(got), got) == (type(wanted), wanted)


@pytest.mark.parametrize("expression", SAME_FAILURE)
def test_fast_route_fails_as_jinja_fails(expression: str) -> None:
    from jinja2 import Undefined

    def outcome(route: Callable[[dict[str, Any]], Any]) -> str:
        try:
            value = route({"source": ORDER})
            if isinstance(value, Undefined):
                value._fail_with_undefined_error()
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return f"no error: {value!r}"

    fast, jinja = both_routes(expression)
    assert outcome(fast) == outcome(jinja)
    assert not outcome(fast).startswith("no error")


def test_get_reads_a_key_that_may_be_absent(load: Loader) -> None:
    mapping = load("""
        fields:
          coupon: "{{ source.get('coupon') }}"
          kind: "{{ source.get('kind', 'order') }}"
    """)
    assert create(mapping) == {"coupon": None, "kind": "order"}


# -- built-in functions ---------------------------------------------------------------------------


@pytest.mark.parametrize(("line", "street", "number"), [
    ("Storgata 12B", "Storgata", "12B"),
    ("Storgata 12 B", "Storgata", "12 B"),
    ("Hauptstr. 5-7", "Hauptstr.", "5-7"),
    ("Hauptstraße 5a", "Hauptstraße", "5a"),
    ("Drottninggatan 1 lgh 1102", "Drottninggatan", "1 lgh 1102"),
    ("Karl Johans gate 22, 3. etg", "Karl Johans gate", "22, 3. etg"),
    ("Straße des 17. Juni 135", "Straße des 17. Juni", "135"),
    ("12 Main St", "Main St", "12"),
    ("  Øvre  Slottsgate 7 ", "Øvre Slottsgate", "7"),
    ("Storgata", "Storgata", None),
    ("", None, None),
    (None, None, None),
])
def test_split_street_reads_nordic_german_and_english_lines(line: str | None, street: str | None,
                                                          number: str | None) -> None:
    from flowhub.functions import split_street

    assert split_street(line) == {"street": street, "number": number}


def test_numbers_stay_exact_and_round_half_up() -> None:
    from flowhub.functions import decimal, money, to_int

    assert decimal(0.1) == Decimal("0.1")
    assert decimal(" 1 234,50 ") == Decimal("1234.50")
    assert decimal("") is None
    assert money("2.675") == Decimal("2.68")
    assert money("-2.5", 0) == Decimal("-3")
    assert to_int("3.0") == 3
    with pytest.raises(ValueError, match=r"^'2\.5' is not a whole number$"):
        to_int("2.5")
    with pytest.raises(ValueError, match=r"^cannot read 'NaN' as a decimal number$"):
        decimal("NaN")
    with pytest.raises(TypeError, match=r"^cannot read True as a decimal number$"):
        decimal(True)


def test_text_functions_keep_none_and_drop_empties() -> None:
    from flowhub.functions import coalesce, date, digits, iso, join_nonempty, lower, truncate_to

    assert lower(None) is None
    assert coalesce(None, "  ", [], "x", "y") == "x"
    assert join_nonempty([" Ola ", None, "", "Nordmann"]) == "Ola Nordmann"
    assert join_nonempty([None, ""]) is None
    assert digits("NO 912 345 678 MVA") == "912345678"
    assert digits("n/a") is None
    assert truncate_to("Fjord Handel AS", 5) == "Fjord"
    assert date("2024-05-01T23:30:00+02:00") == "2024-05-01"
    assert iso("2024-05-01T10:00:00Z") == "2024-05-01T10:00:00+00:00"
    with pytest.raises(ValueError, match=r"^cannot read 'yesterday' as a date$"):
        date("yesterday")
