"""flowhub's standard connector contract, run against the notes sandbox on loopback."""

from __future__ import annotations

from typing import Any

from flowhub_example_notes.connector import NotesConnector

from flowhub.testing import ContractSpec, connector_contract


def new_note(number: int) -> dict[str, Any]:
    return {"title": f"Contract note {number}", "body": "written by the contract suite", "tags": ["contract"]}


SPEC = ContractSpec(
    connector=NotesConnector,
    entity="note",
    new_record=new_note,
    find_field="title",
    sandbox="example_notes",
    bad_settings=lambda settings: {**settings, "token": "not-the-token"},
)

TestNotesContract = connector_contract(SPEC)
