"""Files connector for flowhub: CSV and JSON Lines, read and write."""

from __future__ import annotations

__version__ = "0.1.0"
