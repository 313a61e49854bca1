"""Mappings: turn a source record into a target payload, as a mapping YAML file says."""

from __future__ import annotations

from flowhub.mapping.environment import OMIT
from flowhub.mapping.fieldmapping import FieldMapping, Mode, SkipRecord
from flowhub.mapping.loader import load_mapping

__all__ = ["OMIT", "FieldMapping", "Mode", "SkipRecord", "load_mapping"]
