"""Connection settings of the sql connector: the database URL, its password, per-table keys."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy.engine import URL, make_url

from flowhub import ConnectionSettings, SecretStr

__all__ = ["SqlSettings", "TableSettings", "mask_url"]

_PASSWORD_IN_URL = re.compile(r"(?P<head>://[^/@:?#]*:)[^@/?#]*@")


def mask_url(text: str) -> str:
    """Hide any ``user:password@`` in text that may hold a URL."""
    return _PASSWORD_IN_URL.sub(r"\g<head>***@", text)


class TableSettings(BaseModel):
    """How flowhub treats one table: its key, its cursor, and where soft deletes are marked."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(default="id", description="Primary-key column; writes upsert by it.")
    cursor: str | None = Field(
        default=None, description="Column read incrementally (`since`); None: full reads."
    )
    soft_delete_column: str = Field(
        default="_deleted_at",
        description="Timestamp column set by a soft delete; rows with it set are hidden.",
    )


class SqlSettings(ConnectionSettings):
    """One database. A password never lives in ``url``: it is moved into ``password`` (a secret)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    url: str = Field(
        default="sqlite:///flowhub.db", description="SQLAlchemy URL, e.g. postgresql+psycopg://app@db/shop."
    )
    password: SecretStr | None = Field(
        default=None, description="Database password; use ${ENV}, never inline."
    )
    db_schema: str | None = Field(
        default=None, alias="schema", description="Database schema holding the tables."
    )
    tables: dict[str, TableSettings] = Field(
        default_factory=dict, description="Per-table key, cursor and soft-delete column; others use defaults."
    )

    @model_validator(mode="before")
    @classmethod
    def _password_out_of_url(cls, data: Any) -> Any:
        """Move a password found in the URL into the secret field, so no repr can show it."""
        if not isinstance(data, dict) or not isinstance(data.get("url"), str):
            return data
        data = dict(data)
        try:
            url = make_url(data["url"])
        except Exception:
            if "@" in data["url"]:  # whatever precedes the host may be a password: never echo it
                data["url"] = "***@" + data["url"].rsplit("@", 1)[1]
            return data
        if url.password is not None:
            data["url"] = _without_password(url).render_as_string(hide_password=False)
            if data.get("password") is None:
                data["password"] = str(url.password)
        return data

    @field_validator("url")
    @classmethod
    def _parses(cls, value: str) -> str:
        try:
            make_url(value)
        except Exception:
            raise ValueError("not a SQLAlchemy URL; expected dialect+driver://user@host/database") from None
        return value

    def table(self, name: str) -> TableSettings:
        return self.tables.get(name) or TableSettings()

    def engine_url(self) -> URL:
        """The URL to connect with, password included: hand it to SQLAlchemy, never print it."""
        url = make_url(self.url)
        if self.password is not None:
            url = url.set(password=self.password.get_secret_value())
        return url

    @property
    def safe_url(self) -> str:
        """The URL as a person may see it: the password shown as ***."""
        return self.engine_url().render_as_string(hide_password=True)


def _without_password(url: URL) -> URL:
    return URL.create(
        url.drivername,
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
