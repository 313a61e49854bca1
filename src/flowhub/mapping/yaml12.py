"""Read yes/no/on/off as text, as YAML 1.2 does: ``NO`` is Norway's country code, not false."""

from __future__ import annotations

from typing import Any

import yaml

from flowhub.yamlfile import YamlDoc

__all__ = ["yaml12_booleans"]

_BOOL_WORDS = frozenset({"true", "false"})
Loc = tuple[Any, ...]


def yaml12_booleans(doc: YamlDoc) -> None:
    """Put back the text of every unquoted yes/no/on/off that PyYAML (YAML 1.1) made a boolean.

    A mapping file is full of country codes (``NO: "3"``) and status words, and a boolean key
    would never match a source value. Only ``true``/``false`` stay booleans.
    """
    try:
        node = yaml.compose(doc.path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, yaml.YAMLError):
        return
    if node is not None:
        doc.data = _restore(node, doc.data, (), doc)


def _restore(node: yaml.Node, data: Any, loc: Loc, doc: YamlDoc) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return node.value if _yaml11_bool(node, data) else data
    if isinstance(node, yaml.SequenceNode) and isinstance(data, list) and len(data) == len(node.value):
        return [_restore(n, d, (*loc, i), doc) for i, (n, d) in enumerate(zip(node.value, data, strict=True))]
    if isinstance(node, yaml.MappingNode) and isinstance(data, dict) and len(data) == len(node.value):
        out: dict[Any, Any] = {}
        for (key_node, value_node), (key, value) in zip(node.value, data.items(), strict=True):
            new_key = _restore(key_node, key, loc, doc)
            if new_key is not key:
                _move_lines(doc, (*loc, key), (*loc, new_key))
            out[new_key] = _restore(value_node, value, (*loc, new_key), doc)
        return out
    return data


def _yaml11_bool(node: yaml.ScalarNode, data: Any) -> bool:
    return (isinstance(data, bool) and node.style is None and node.tag == "tag:yaml.org,2002:bool"
            and node.value.lower() not in _BOOL_WORDS)


def _move_lines(doc: YamlDoc, old: Loc, new: Loc) -> None:
    for loc in [loc for loc in doc.lines if loc[: len(old)] == old]:
        doc.lines[(*new, *loc[len(old):])] = doc.lines[loc]
