"""A local notes API for tests, the demo and offline work: an in-memory store behind real HTTP.

The API it fakes is small: bearer-token auth; ``GET /notes`` (paged by ``page``/``per_page``,
total in ``X-Total-Pages``; filters ``updated_after``, ``tag``, ``title``); ``GET``/``PATCH
/notes/{id}``; ``POST /notes``. Errors answer ``{"code": ..., "message": ...}``. flowhub's
FaultInjection wraps it, so tests can ask for 429s, 5xx pages and dropped connections.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from flowhub import Sandbox
from flowhub.sandboxes import FaultInjection, Faults

__all__ = ["SANDBOX", "SANDBOX_TOKEN", "NotesStore", "connection", "create_app"]

SANDBOX_TOKEN = "sandbox-notes-token"
SEED = [
    {"id": 1, "title": "Welcome", "body": "Notes live here. #start", "tags": ["start"],
     "updated": "2024-01-01T09:00:00.000000Z"},
    {"id": 2, "title": "Shopping", "body": "Milk, bread. #home", "tags": ["home"],
     "updated": "2024-01-02T09:00:00.000000Z"},
    {"id": 3, "title": "Ideas", "body": "A connector for everything. #work", "tags": ["work"],
     "updated": "2024-01-03T09:00:00.000000Z"},
]
Handler = Callable[[Request], Awaitable[Response]]


class NotesStore:
    """The sandbox's notes. Thread-safe; `updated` always moves forward, even within a microsecond."""

    def __init__(self, seed: list[dict[str, Any]]) -> None:
        self._seed = [dict(note) for note in seed]
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.notes = {int(note["id"]): dict(note) for note in self._seed}
            self._ids = itertools.count(max(self.notes, default=0) + 1)
            self._last = max((n["updated"] for n in self.notes.values()), default="")

    def select(self, *, updated_after: str | None = None, tag: str | None = None,
               title: str | None = None) -> list[dict[str, Any]]:
        """Matching notes, oldest change first."""
        with self._lock:
            found = [
                note for note in self.notes.values()
                if (updated_after is None or note["updated"] >= updated_after)
                and (tag is None or tag in note["tags"])
                and (title is None or note["title"] == title)
            ]
        return sorted(found, key=lambda note: (note["updated"], note["id"]))

    def get(self, key: int) -> dict[str, Any] | None:
        with self._lock:
            note = self.notes.get(key)
            return None if note is None else dict(note)

    def create(self, fields: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            note = {"id": next(self._ids), "title": "", "body": "", "tags": [], **fields}
            note["updated"] = self._tick()
            self.notes[note["id"]] = note
            return dict(note)

    def update(self, key: int, changes: dict[str, Any]) -> dict[str, Any] | None:
        with self._lock:
            if key not in self.notes:
                return None
            self.notes[key].update(changes, updated=self._tick())
            return dict(self.notes[key])

    def _tick(self) -> str:
        now = datetime.now(UTC)
        if self._last and now <= _parse(self._last):
            now = _parse(self._last) + timedelta(microseconds=1)
        self._last = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return self._last


def create_app(seed: Path | str | None = None, faults: Faults | None = None,
               token: str = SANDBOX_TOKEN) -> FaultInjection:
    """The notes API as an ASGI app; ``seed`` is a JSON file holding a list of notes."""
    store = NotesStore(json.loads(Path(seed).read_text()) if seed else SEED)
    api = _Api(store, token)
    app = Starlette(routes=[
        Route("/notes", api.guarded(api.list_notes), methods=["GET"]),
        Route("/notes", api.guarded(api.create_note), methods=["POST"]),
        Route("/notes/{id:int}", api.guarded(api.get_note), methods=["GET"]),
        Route("/notes/{id:int}", api.guarded(api.update_note), methods=["PATCH"]),
    ])
    return FaultInjection(app, faults, on_reset=store.reset)


def connection(base_url: str) -> dict[str, Any]:
    """Connection settings that reach a served sandbox (small pages, so reads span several)."""
    return {"url": base_url, "token": SANDBOX_TOKEN, "page_size": 5}


SANDBOX = Sandbox(name="example_notes", app=create_app, connection=connection)


class _Api:
    """The route handlers, sharing one store and one token."""

    def __init__(self, store: NotesStore, token: str) -> None:
        self.store, self.token = store, token

    def guarded(self, handler: Handler) -> Handler:
        async def route(request: Request) -> Response:
            if request.headers.get("authorization") != f"Bearer {self.token}":
                return _error(401, "invalid_token", "The API token is missing or wrong.")
            return await handler(request)

        return route

    async def list_notes(self, request: Request) -> Response:
        query = request.query_params
        try:
            page, per_page = int(query.get("page", "1")), int(query.get("per_page", "20"))
        except ValueError:
            return _error(400, "invalid_paging", "page and per_page must be whole numbers.")
        if page < 1 or not 1 <= per_page <= 100:
            return _error(400, "invalid_paging", "page starts at 1; per_page is 1 to 100.")
        found = self.store.select(updated_after=query.get("updated_after"), tag=query.get("tag"),
                                  title=query.get("title"))
        pages = max(1, -(-len(found) // per_page))
        shown = found[(page - 1) * per_page: page * per_page]
        return JSONResponse(shown, headers={"X-Total": str(len(found)), "X-Total-Pages": str(pages)})

    async def get_note(self, request: Request) -> Response:
        note = self.store.get(request.path_params["id"])
        return JSONResponse(note) if note else _error(404, "not_found", "No note with this id.")

    async def create_note(self, request: Request) -> Response:
        fields, problem = _fields(await request.body())
        if problem is None and not fields.get("title"):
            problem = "A note needs a title."
        if problem:
            return _error(400, "invalid_note", problem)
        return JSONResponse(self.store.create(fields), status_code=201)

    async def update_note(self, request: Request) -> Response:
        fields, problem = _fields(await request.body())
        if problem:
            return _error(400, "invalid_note", problem)
        note = self.store.update(request.path_params["id"], fields)
        return JSONResponse(note) if note else _error(404, "not_found", "No note with this id.")


def _fields(body: bytes) -> tuple[dict[str, Any], str | None]:
    """The writable fields of a request body, or the reason it cannot be used."""
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return {}, "The body is not JSON."
    if not isinstance(data, dict):
        return {}, "The body must be a JSON object."
    fields = {k: v for k, v in data.items() if k in ("title", "body", "tags")}
    if "tags" in fields and not (isinstance(fields["tags"], list)
                                 and all(isinstance(t, str) for t in fields["tags"])):
        return {}, "tags must be a list of strings."
    return fields, None


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status)
