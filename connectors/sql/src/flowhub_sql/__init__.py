"""SQL connector for flowhub: any SQLAlchemy database, SQLite by default."""

from __future__ import annotations

__version__ = "0.1.0"
