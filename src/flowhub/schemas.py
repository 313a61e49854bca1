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
    from flowhub.mapping import mapping_schema

    return mapping_schema()
