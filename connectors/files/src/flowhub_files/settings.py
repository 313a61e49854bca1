"""Connection settings of the files connector: where the files are and how to read them."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from flowhub import ConnectionSettings

__all__ = ["FilesSettings"]


class FilesSettings(ConnectionSettings):
    """One directory of files, one file per entity: ``<directory>/<entity>.<format>``."""

    directory: Path = Field(description="Folder holding one file per entity; created on the first write.")
    format: Literal["jsonl", "csv"] = Field(default="jsonl", description="File format and file extension.")
    key: str = Field(default="id", description="Field that identifies a record; writes upsert by it.")
    cursor: str | None = Field(
        default=None, description="Field read incrementally (`since`); None: full reads."
    )
    encoding: str = Field(default="utf-8", description="Text encoding of the files.")
    delimiter: str = Field(default=",", description="CSV field delimiter (one character).")
    fsync: bool = Field(
        default=True,
        description="fsync after every write call: survives power loss, not only a killed process.",
    )
    compact_on_close: bool = Field(
        True,
        description="JSONL: rewrite a file without old versions at close when they outnumber the live ones.",
    )

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if len(value) != 1 or value in '"\r\n':
            raise ValueError("the delimiter must be one character, not a quote or a line break")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        import codecs

        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding '{value}'") from None
        if not '\n",'.encode(value).endswith(b'\n",'):
            raise ValueError(f"'{value}' is not ASCII-compatible; use utf-8, latin-1, cp1252 or similar")
        return value
