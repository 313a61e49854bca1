"""The notes connector against its sandbox: incremental reads, filters, partial updates, errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flowhub_example_notes.connector import Note, NotesConnector
from flowhub_example_notes.functions import hashtags
from flowhub_example_notes.settings import NotesSettings

from flowhub import ReadQuery, RejectedError
from flowhub.cli import cli

Serve = Callable[..., tuple[str, dict[str, Any]]]


@pytest.fixture
def notes(serve_sandbox: Serve) -> Iterator[NotesConnector]:
    _, settings = serve_sandbox("example_notes")
    with NotesConnector(NotesSettings.model_validate(settings), connection_name="notes") as connector:
        yield connector


def test_a_read_since_a_cursor_answers_only_later_changes(notes: NotesConnector) -> None:
    entity = notes.entity("note")
    first = [entity.cursor_of(n) for n in entity.read(ReadQuery())]
    assert first == sorted(first) and len(first) == 3
    touched = entity.update("1", Note(body="edited"))
    later = list(entity.read(ReadQuery(since=first[-1])))
    assert [n.id for n in later] == [3, 1]
    assert entity.cursor_of(touched) == later[-1].updated


def test_the_tag_filter_is_sent_to_the_api(notes: NotesConnector) -> None:
    found = list(notes.entity("note").read(ReadQuery(where={"tag": "home"})))
    assert [n.title for n in found] == ["Shopping"]


def test_an_update_changes_only_the_fields_it_sets(notes: NotesConnector) -> None:
    entity = notes.entity("note")
    entity.update("2", Note(tags=["home", "urgent"]))
    note = entity.get("2")
    assert note is not None
    assert (note.title, note.body, note.tags) == ("Shopping", "Milk, bread. #home", ["home", "urgent"])


def test_get_of_a_missing_note_is_none(notes: NotesConnector) -> None:
    assert notes.entity("note").get("999") is None


def test_a_note_without_title_is_rejected_with_the_apis_reason(notes: NotesConnector) -> None:
    message = r"^notes: POST /notes -> 400 invalid_note: A note needs a title\.$"
    with pytest.raises(RejectedError, match=message):
        notes.entity("note").create(Note(body="no title"))


def test_the_check_is_green_with_the_token_and_red_without(serve_sandbox: Serve) -> None:
    _, settings = serve_sandbox("example_notes")
    with NotesConnector(NotesSettings.model_validate(settings)) as good:
        assert good.check().ok
    with NotesConnector(NotesSettings.model_validate({**settings, "token": "wrong-token-123"})) as bad:
        result = bad.check()
    assert not result.ok
    assert "401 invalid_token" in result.message and "wrong-token-123" not in result.message


def test_the_token_never_shows_in_a_repr() -> None:
    settings = NotesSettings(url="http://127.0.0.1:9", token="s3cret-token-value")  # type: ignore[arg-type]
    assert "s3cret-token-value" not in repr(settings)


@pytest.mark.parametrize(("text", "tags"), [
    ("Buy #Milk and #bread, then #milk", ["milk", "bread"]),
    ("an email a#b is not a tag; ##x neither", []),
    (None, []),
])
def test_hashtags_finds_each_tag_once(text: str | None, tags: list[str]) -> None:
    assert hashtags(text) == tags


def test_a_flow_writes_notes_once_however_often_it_runs(
    serve_sandbox: Serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base_url, settings = serve_sandbox("example_notes")
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, {
        "data/todo.jsonl": '{"id": 1, "text": "Call the bank #money #today"}\n'
                           '{"id": 2, "text": "Water the plants #home"}\n',
        "connections.yaml": "inbox: {connector: files, directory: data}\n"
                            "notes: {connector: example_notes, url: '${NOTES_URL}',"
                            " token: '${NOTES_TOKEN}'}\n",
        "mappings/todo-to-note.yaml": 'fields:\n  title: "{{ source.text }}"\n'
                                      '  tags: "{{ source.text | hashtags }}"\n',
        "flows/todo-to-notes.yaml": "source: {connection: inbox, entity: todo}\n"
                                    "target: {connection: notes, entity: note}\n"
                                    "mapping: ../mappings/todo-to-note.yaml\n"
                                    "match: [link, {field: title}]\n",
    })
    env = {"NOTES_URL": base_url, "NOTES_TOKEN": settings["token"], "FLOWHUB_HOME": str(tmp_path / "state")}
    for _ in range(2):
        result = CliRunner(env=env).invoke(cli, ["run", "todo-to-notes", "--json"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    with NotesConnector(NotesSettings.model_validate(settings)) as notes:
        written = notes.entity("note").find("title", "Call the bank #money #today")
    assert [n.tags for n in written] == [["money", "today"]]
    assert json.loads(result.output)["counts"]["created"] == 0


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
