"""Failure reports: which records failed (or wait) and why, as text for a person or a mail (S8, A11)."""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from flowhub.redact import redact_text
from flowhub.state import StateStore
from flowhub.state.models import RecordState

__all__ = ["FailureReport", "MailSettings", "failure_report", "send_report"]


@dataclass
class FailureReport:
    """The records of some flows that failed or wait, first failure within a window."""

    since: datetime
    until: datetime
    items: list[RecordState] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.items

    def subject(self) -> str:
        failed = sum(1 for i in self.items if i.status == "failed")
        waiting = len(self.items) - failed
        return (f"flowhub: {failed} failed, {waiting} waiting record(s) "
                f"{self.since:%Y-%m-%d %H:%M} - {self.until:%Y-%m-%d %H:%M} UTC")

    def text(self) -> str:
        if self.empty:
            return f"No record failed between {self.since:%Y-%m-%d %H:%M} and {self.until:%Y-%m-%d %H:%M} UTC.\n"
        lines = [self.subject(), ""]
        for flow in sorted({i.flow for i in self.items}):
            lines.append(f"{flow}:")
            for item in (i for i in self.items if i.flow == flow):
                lines.append(f"  {item.status:7} record {item.source_key} [{item.stage}] after {item.attempts} "
                             f"attempt(s): {redact_text(item.reason or '')}")
            lines.append(f"  fix the cause, then: flowhub retry {flow}")
            lines.append("")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, object]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat(),
                "items": [{"flow": i.flow, "record": i.source_key, "status": i.status, "stage": i.stage,
                           "reason": redact_text(i.reason or ""), "attempts": i.attempts,
                           "last_failed_at": i.last_failed_at.isoformat() if i.last_failed_at else None}
                          for i in self.items]}


def failure_report(store: StateStore, flows: Iterable[str], *, since: timedelta,
                   now: datetime | None = None, include_waiting: bool = True) -> FailureReport:
    """Records of ``flows`` whose last failure falls in the window ending ``now``."""
    until = now or datetime.now(UTC)
    start = until - since
    report = FailureReport(start, until)
    for flow in flows:
        for state in store.problems(flow, None if include_waiting else "failed"):
            moment = _aware(state.last_failed_at or state.updated_at)
            if start <= moment <= until:
                report.items.append(state)
    return report


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class MailSettings(BaseModel):
    """Where the report goes; the password only from the environment (FLOWHUB_SMTP_PASSWORD)."""

    model_config = ConfigDict(extra="forbid")

    host: str = "localhost"
    port: int = 25
    sender: str = Field("flowhub@localhost")
    to: list[str]
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool = False


def send_report(report: FailureReport, mail: MailSettings) -> None:
    """Send the report as a plain-text mail."""
    message = EmailMessage()
    message["Subject"] = report.subject()
    message["From"] = mail.sender
    message["To"] = ", ".join(mail.to)
    message.set_content(report.text())
    with smtplib.SMTP(mail.host, mail.port, timeout=30) as smtp:
        if mail.starttls:
            smtp.starttls()
        if mail.username and mail.password:
            smtp.login(mail.username, mail.password.get_secret_value())
        smtp.send_message(message)
