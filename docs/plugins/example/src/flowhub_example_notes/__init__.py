"""An example flowhub connector: notes on a small HTTP API, with a local sandbox."""

from __future__ import annotations

__version__ = "0.1.0"
