"""Typed records of 24SevenOffice: REST (camelCase, ``rest``) and SOAP (PascalCase, ``soap``)."""

from __future__ import annotations

from flowhub_24sevenoffice.models import rest, soap

__all__ = ["rest", "soap"]
