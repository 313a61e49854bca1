"""Turn on flowhub's test kit for this connector: vcr_config, serve_sandbox, the contract suite."""

from __future__ import annotations

pytest_plugins = ["flowhub.testing"]
