"""Log-in, re-login, both error forms, rate limits and the connection check, against the sandbox."""

from __future__ import annotations

import base64
import json
import time

import pytest
from flowhub_duell.client import _renew_time
from flowhub_duell.models import DuellCustomer
from flowhub_duell.sandbox import CLIENT_TOKEN

from flowhub.connector import ReadQuery
from flowhub.errors import AuthError, RejectedError

MODES = ["http", "status_false"]


@pytest.mark.parametrize("mode", MODES)
def test_a_revoked_token_is_replaced_by_a_fresh_login(duell_sandbox, mode: str) -> None:
    box = duell_sandbox(error_mode=mode)
    with box.connector() as duell:
        first = len(list(duell.entity("customer").read(ReadQuery())))
        box.state.expire_tokens()  # DUELL forgets the token: 401 as status or inside a 200
        again = len(list(duell.entity("customer").read(ReadQuery())))
        assert duell.client.logins == 2
    assert first == again > 0


@pytest.mark.parametrize("mode", MODES)
def test_a_token_refused_every_time_ends_in_a_clear_auth_error(duell_sandbox, mode: str) -> None:
    box = duell_sandbox(error_mode=mode, token_ttl=0)  # every token is dead on arrival
    with box.connector(max_logins=3) as duell, pytest.raises(AuthError) as caught:
        list(duell.entity("product").read(ReadQuery()))
    assert box.state.logins == 3
    assert "still refused after 3 fresh log-ins" in str(caught.value)
    assert caught.value.status == 401


@pytest.mark.parametrize("mode", MODES)
def test_wrong_credentials_say_so_without_the_secret(duell_sandbox, mode: str) -> None:
    box = duell_sandbox(error_mode=mode)
    wrong = "a-wrong-client-token-of-more-than-thirty-chars"
    with box.connector(client_token=wrong) as duell, pytest.raises(AuthError) as caught:
        list(duell.entity("customer").read(ReadQuery()))
    message = str(caught.value)
    assert "refused the log-in of client 123456" in message and "Invalid client number" in message
    assert wrong not in message and CLIENT_TOKEN not in message


@pytest.mark.parametrize("mode", MODES)
def test_a_refusal_keeps_message_and_validation_message(duell_sandbox, mode: str) -> None:
    box = duell_sandbox(error_mode=mode)
    with box.connector() as duell, pytest.raises(RejectedError) as caught:
        duell.entity("customer").create(DuellCustomer(email="navnlos@example.test"))
    assert "Validation failed" in str(caught.value)
    assert "The customer name field is required." in str(caught.value)
    assert caught.value.status == 422
    assert caught.value.detail["validation_message"] == {
        "customer_name": "The customer name field is required."
    }


@pytest.mark.parametrize("retry_after_header", [True, False])
def test_the_rate_limit_is_waited_out_from_retry_after_or_the_reset_header(
    duell_sandbox, retry_after_header: bool
) -> None:
    box = duell_sandbox(
        rate_limit=3, rate_window=0.15, retry_after_header=retry_after_header, max_page_size=5
    )
    with box.connector(max_wait=1.0) as duell:
        numbers = [p.product_number for p in duell.entity("product").read(ReadQuery())]
        stats = duell.client.api.stats.snapshot()
    assert len(numbers) == len(set(numbers)) == len(box.state.products)
    assert stats["by_status"].get(429, 0) + stats["paused"] > 0  # the limit was met and respected
    assert box.state.calls["GET /v1/product/list"] >= 9  # 44 products, 5 a page


def test_a_token_is_renewed_shortly_before_its_exp_claim() -> None:
    def token(claims: dict[str, float]) -> str:
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        return f"e30.{body}.sig"

    expires = time.time() + 3600
    renew = _renew_time(token({"exp": expires}))
    assert renew is not None and expires - 61 < renew < expires
    assert _renew_time("not-a-jwt") is None
    assert _renew_time(token({"username": 1})) is None  # no exp: used until DUELL refuses it


@pytest.mark.parametrize("mode", MODES)
def test_check_is_green_with_good_settings_and_red_with_the_reason(duell_sandbox, mode: str) -> None:
    box = duell_sandbox(error_mode=mode)
    with box.connector() as duell:
        good = duell.check()
    with box.connector(department_token="no-such-department-token-xxxxxxxxxxxx") as duell:
        bad_department = duell.check()
    with box.connector(client_token="wrong-wrong-wrong-wrong-wrong-wrong") as duell:
        bad_login = duell.check()
    assert good.ok and "client 123456" in good.message and "department token accepted" in good.message
    assert not bad_department.ok and "Invalid department token" in bad_department.message
    assert not bad_login.ok and "Invalid client number or client token" in bad_login.message
