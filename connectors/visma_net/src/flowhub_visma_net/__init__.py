"""flowhub-visma-net: the Visma.net ERP connector and its local sandbox."""

from __future__ import annotations

__version__ = "0.1.0"
