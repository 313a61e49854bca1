"""The failure report (S8, A11): which records failed and why, and mailed when asked."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Callable, Iterator

import pytest

from tests.conftest import Project, order


class _SmtpSink(socketserver.StreamRequestHandler):
    """Just enough SMTP to take one mail: a real peer on loopback, no mail leaves the machine."""

    received: list[str] = []

    def handle(self) -> None:
        self.wfile.write(b"220 sink ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ")[0].upper()
            if verb == "DATA":
                self.wfile.write(b"354 go on\r\n")
                body = []
                while (part := self.rfile.readline()) not in (b".\r\n", b""):
                    body.append(part.decode())
                _SmtpSink.received.append("".join(body))
                self.wfile.write(b"250 queued\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            elif verb == "EHLO":
                self.wfile.write(b"250 sink\r\n")
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp() -> Iterator[str]:
    _SmtpSink.received = []
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpSink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_report_names_each_failed_record_and_its_reason_and_mails_it(
    project: Project, run_cli: Callable[..., tuple[int, str]], smtp: str
) -> None:
    project.source([order(1), order(2, total="twelve"), order(3)])
    assert run_cli("run", "orders")[0] == 1
    code, out = run_cli("report", "--since", "24h", "--mail-to", "accounts@shop.example", "--smtp", smtp)
    assert code == 1
    assert "orders:" in out and "failed  record 2 [map]" in out and "fix the cause, then: flowhub retry orders" in out
    [mail] = _SmtpSink.received
    assert "Subject: flowhub: 1 failed, 0 waiting record(s)" in mail
    assert "To: accounts@shop.example" in mail and "record 2 [map]" in mail


def test_nothing_is_mailed_when_nothing_failed(
    project: Project, run_cli: Callable[..., tuple[int, str]], smtp: str
) -> None:
    project.source([order(1)])
    assert run_cli("run", "orders")[0] == 0
    code, out = run_cli("report", "--mail-to", "accounts@shop.example", "--smtp", smtp)
    assert code == 0
    assert out.startswith("No record failed between")
    assert _SmtpSink.received == []
