"""Client behaviour replayed from cassettes recorded against the sandbox (no server, no network).

SOAP calls all POST to a few paths with bodies that hold redacted secrets, so they are matched
by their SOAPAction (and replayed in recorded order); REST calls by method, path and query.
Re-record with ``record_cassettes.py`` beside this file; a test scans every cassette for secrets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import vcr
from flowhub_24sevenoffice.connector import TwentyFourSevenOffice
from flowhub_24sevenoffice.sandbox import DEMO, sandbox_connection
from flowhub_24sevenoffice.settings import TwentyFourSevenSettings

from flowhub import ReadQuery
from flowhub.testing import vcr_redacting_config

CASSETTES = Path(__file__).parent / "cassettes"
PORT = 18724  # the sandbox's port when recorded: next links in the answers are absolute


def _soap_action_or_query(recorded: Any, sent: Any) -> None:
    action = sent.headers.get("SOAPAction")
    if action is not None:
        assert recorded.headers.get("SOAPAction") == action, "another SOAP operation"
    else:
        assert recorded.query == sent.query, "another query"


_ANSWER_SECRETS = [
    (re.compile(r'("access_token"\s*:\s*")[^"]+'), r"\1***"),
    (re.compile(r"(<(?:\w+:)?LoginResult>)[^<]+"), r"\1***"),
]


def _scrub_answer(response: dict[str, Any]) -> dict[str, Any]:
    """Tokens and session ids are born in answers, before the client can register them as secrets."""
    body = response.get("body", {})
    text = body.get("string")
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if isinstance(text, str):
        for pattern, replacement in _ANSWER_SECRETS:
            text = pattern.sub(replacement, text)
        body["string"] = text.encode()
    return response


@contextmanager
def cassette(name: str, *, record: bool = False) -> Iterator[Any]:
    base = vcr_redacting_config()
    flowhub_scrub = base["before_record_response"]
    config = {
        **base,
        "match_on": ["method", "path", "soap_action_or_query"],
        "before_record_response": lambda response: _scrub_answer(flowhub_scrub(response)),
        "record_mode": "all" if record else "none",
    }
    recorder = vcr.VCR(**config)
    recorder.register_matcher("soap_action_or_query", _soap_action_or_query)
    with recorder.use_cassette(str(CASSETTES / f"{name}.yaml")) as used:
        yield used


def replay_settings() -> dict[str, Any]:
    return sandbox_connection(f"http://127.0.0.1:{PORT}")


def _open(settings: dict[str, Any]) -> TwentyFourSevenOffice:
    return TwentyFourSevenOffice(TwentyFourSevenSettings.model_validate(settings), connection_name="cassette")


# -- scenarios: what each cassette holds (the recorder runs them live) -----------------------
def check_both_apis(settings: dict[str, Any]) -> Any:
    with _open(settings) as connector:
        return connector.check(writes=True)


def match_a_customer(settings: dict[str, Any]) -> Any:
    with _open(settings) as connector:
        customers = connector.entity("customer")
        return [customers.key_of(c) for c in customers.find("OrganizationNumber", "912345678")], [
            customers.key_of(c) for c in customers.find("InvoiceEmail", "faktura@kaffebaren.example.test")
        ]


def read_products_across_pages(settings: dict[str, Any]) -> Any:
    with _open(settings) as connector:
        return [p.number for p in connector.entity("product").read(ReadQuery(where={"categoryIds": [104]}))]


SCENARIOS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "check_both_apis": check_both_apis,
    "match_a_customer": match_a_customer,
    "read_products_across_pages": read_products_across_pages,
}


# -- replayed tests --------------------------------------------------------------------------
def test_check_names_the_organisation_and_the_soap_client() -> None:
    with cassette("check_both_apis"):
        result = check_both_apis(replay_settings())
    assert result.ok, result.message
    assert result.message == (
        "24sevenoffice: reached rest organization: Fjordvik Handel AS (id 1001); "
        "soap client: Fjordvik Handel AS (client 1001, 998877665)"
    )


def test_customer_matching_replayed() -> None:
    with cassette("match_a_customer") as used:
        by_number, by_email = match_a_customer(replay_settings())
    assert (by_number, by_email) == (["10001"], ["10002"])
    assert used.all_played


def test_a_category_of_products_is_read_across_pages_replayed() -> None:
    with cassette("read_products_across_pages") as used:
        numbers = read_products_across_pages(replay_settings())
    assert (
        numbers[:2] == ["FH-2001", "FH-2002"] and "FH-5001" in numbers and len(numbers) == len(set(numbers))
    )
    assert used.play_count >= 2


SECRET_PATTERNS = [
    re.compile(r"Bearer\s+(?!REDACTED|\*\*\*)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"ASP\.NET_SessionId=(?!\*\*\*|REDACTED)[a-z0-9]{8,}"),
    re.compile(r'access_token"?\s*[:=]\s*"?(?!\*\*\*|REDACTED)[A-Za-z0-9._~+/-]{8,}'),
    re.compile(r"<(?:ns0:)?LoginResult>(?!\*\*\*)[^<]{8,}</"),
]


@pytest.mark.parametrize("path", sorted(CASSETTES.glob("*.yaml")), ids=lambda p: p.name)
def test_cassettes_hold_no_secret(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for value in (DEMO["client_secret"], DEMO["password"], DEMO["application_id"]):
        assert value not in text, f"{path.name} holds a credential"
    for pattern in SECRET_PATTERNS:
        found = pattern.search(text)
        assert found is None, f"{path.name} holds a token or session: {found.group(0)[:20]}…"


def test_every_scenario_has_a_cassette() -> None:
    assert sorted(p.stem for p in CASSETTES.glob("*.yaml")) == sorted(SCENARIOS)
