"""JSON Schema for flow and mapping files, for editors."""

from __future__ import annotations

from typing import Any

from flowhub.flowfile import Flow

__all__ = ["json_schema"]


def json_schema(kind: str) -> dict[str, Any]:
    if kind == "flow":
        schema = Flow.model_json_schema()
        schema.get("properties", {}).pop("path", None)
        schema["required"] = [r for r in schema.get("required", []) if r != "name"]
        return schema
    return MAPPING_SCHEMA


_EXPR = {"type": "string", "description": "Jinja: '{{ expr }}' keeps the value's type; other text is a constant "
                                          "or a rendered string."}
_VALUE = {"anyOf": [_EXPR, {"type": ["number", "boolean", "null"]}, {"$ref": "#/$defs/fields"},
                    {"$ref": "#/$defs/each"}]}
MAPPING_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "flowhub mapping file",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "description": {"type": "string"},
        "when": {**_EXPR, "description": "Record condition; false skips the record with a reason."},
        "fields": {"$ref": "#/$defs/fields", "description": "Written on create and on update."},
        "create": {"$ref": "#/$defs/fields", "description": "Written only when the record is created."},
        "update": {"$ref": "#/$defs/fields", "description": "Written only on update."},
        "defaults": {"$ref": "#/$defs/fields", "description": "Used when a field's value is None."},
        "value_maps": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": False, "required": ["map"],
            "properties": {"map": {"type": "object"},
                           "unmapped": {"enum": ["fail", "default", "keep", "skip"]},
                           "default": {}}}},
        "lookups": {"type": "object", "additionalProperties": {"type": "object"}},
    },
    "$defs": {
        "fields": {"type": "object", "additionalProperties": _VALUE},
        "each": {"type": "object", "required": ["each", "fields"], "additionalProperties": False,
                 "properties": {"each": _EXPR, "as": {"type": "string"}, "when": _EXPR,
                                "fields": {"$ref": "#/$defs/fields"}}},
    },
}
