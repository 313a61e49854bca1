"""The notes connector: one entity, `note`, read and written through the notes HTTP API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from pydantic import BaseModel

from flowhub import (
    ApiClient,
    ApiRecord,
    CheckResult,
    ConnectionSettings,
    Connector,
    ConnectorError,
    Entity,
    ReadQuery,
)
from flowhub.pagination import Page, pages_by_number
from flowhub_example_notes.settings import NotesSettings

__all__ = ["Note", "Notes", "NotesConnector"]


class Note(ApiRecord):
    """A note, fields spelt as the API spells them.

    Every field is optional because an update carries only the fields that changed; the API
    itself says what a create needs (a title).
    """

    id: int | None = None
    title: str | None = None
    body: str | None = None
    tags: list[str] | None = None
    updated: str | None = None  # ISO 8601 UTC, set by the API on every write


class Notes(Entity):
    """Notes: read incrementally by `updated`, found by title, created and updated."""

    name = "note"
    model = Note
    key = "id"
    cursor = "updated"
    filters: ClassVar[dict[str, str]] = {"tag": "only notes carrying this tag"}
    find_fields = ("title",)

    connector: NotesConnector

    def read(self, query: ReadQuery) -> Iterator[Note]:
        """Every note matching ``query``, oldest change first, one page at a time."""
        params: dict[str, Any] = {"per_page": self.connector.settings.page_size}
        if query.since is not None:
            params["updated_after"] = query.since
        if "tag" in query.where:
            params["tag"] = query.where["tag"]

        def fetch(page: int) -> Page[Note]:
            response = self.connector.api.get("/notes", params={**params, "page": page})
            notes = [Note.model_validate(item) for item in self.connector.api.json(response)]
            return Page(notes, total_pages=int(response.headers["X-Total-Pages"]))

        return pages_by_number(fetch)

    def get(self, key: str) -> Note | None:
        response = self.connector.api.get(f"/notes/{key}", ok={404})
        if response.status_code == 404:
            return None
        return Note.model_validate(self.connector.api.json(response))

    def find(self, field: str, value: Any) -> list[BaseModel]:
        """Notes whose ``field`` (only `title`) equals ``value``; the API searches exactly."""
        response = self.connector.api.get("/notes", params={field: value, "per_page": 100})
        return [Note.model_validate(item) for item in self.connector.api.json(response)]

    def create(self, payload: BaseModel) -> Note:
        body = payload.model_dump(mode="json", exclude_unset=True, exclude={"id", "updated"})
        response = self.connector.api.post("/notes", json=body)
        return Note.model_validate(self.connector.api.json(response))

    def update(self, key: str, payload: BaseModel) -> Note:
        """Send only the fields set on ``payload``: PATCH leaves the others as they are."""
        changes = payload.model_dump(mode="json", exclude_unset=True, exclude={"id", "updated"})
        response = self.connector.api.patch(f"/notes/{key}", json=changes)
        return Note.model_validate(self.connector.api.json(response))


class NotesConnector(Connector):
    """A notes service reached over HTTP with a bearer token."""

    name = "example_notes"
    title = "Notes (example connector)"
    settings_model = NotesSettings
    entities = (Notes,)

    settings: NotesSettings  # settings_model guarantees it

    def __init__(self, settings: ConnectionSettings, *, connection_name: str | None = None) -> None:
        super().__init__(settings, connection_name=connection_name)
        # One client for the whole run: the runner's worker threads share it (ApiClient is
        # thread-safe), and it registers the token with flowhub's redaction.
        self.api = ApiClient(
            self.settings.url,
            headers={"Authorization": f"Bearer {self.settings.token.get_secret_value()}"},
            timeout=self.settings.timeout,
            max_attempts=self.settings.max_attempts,
            requests_per_second=self.settings.requests_per_second,
            name=self.connection_name,
        )

    def check(self, *, writes: bool = False) -> CheckResult:
        """One small read proves the URL and the token (the API has no read-only tokens)."""
        try:
            self.api.get("/notes", params={"per_page": 1})
        except ConnectorError as error:
            return CheckResult(False, str(error))
        return CheckResult(True, f"notes API at {self.settings.url}")

    def close(self) -> None:
        self.api.close()
