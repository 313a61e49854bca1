"""Connection settings of a notes service: where it is and the token that opens it."""

from __future__ import annotations

from pydantic import Field

from flowhub import ConnectionSettings, SecretStr

__all__ = ["NotesSettings"]


class NotesSettings(ConnectionSettings):
    """How to reach one notes service; `flowhub sandbox example_notes` prints a working set."""

    url: str = Field(description="Base URL of the notes API, e.g. https://notes.example.com/api.")
    token: SecretStr = Field(description="API token, sent as `Authorization: Bearer <token>`.")
    page_size: int = Field(50, ge=1, le=100, description="Notes asked for per page (the API caps at 100).")
