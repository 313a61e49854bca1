"""flowhub-24sevenoffice: the 24SevenOffice (Finago Office) connector and its sandbox."""

from __future__ import annotations

__version__ = "0.1.0"
