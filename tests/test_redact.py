"""Redaction: registered secrets, secret names, URLs, headers, objects and log records."""

from __future__ import annotations

import base64
import copy
import logging
import threading
from urllib.parse import quote, quote_plus

import pytest

from flowhub.redact import (
    MASK,
    RedactingFilter,
    install_log_redaction,
    is_secret_name,
    redact_headers,
    redact_obj,
    redact_text,
    redact_url,
    register_secret,
)


def test_a_registered_secret_is_masked_raw_and_url_encoded() -> None:
    secret = "s3cr3t/with+odd=chars& spaces"
    register_secret(secret)
    text = f"raw {secret}; encoded {quote(secret, safe='')}; form {quote_plus(secret)}."
    assert redact_text(text) == "raw ***; encoded ***; form ***."


def test_a_registered_user_pass_pair_is_masked_in_base64_too() -> None:
    register_secret("ck_pairkey:cs_pairsecret")
    encoded = base64.b64encode(b"ck_pairkey:cs_pairsecret").decode()
    assert redact_text(f"header was {encoded}") == "header was ***"


def test_values_shorter_than_four_characters_are_not_registered() -> None:
    register_secret("abc")
    assert redact_text("abc abcd") == "abc abcd"


def test_auth_scheme_credentials_are_masked_even_when_unregistered() -> None:
    text = "sent Authorization: Basic dW5rbm93bjpwYXNzd29yZA== and Bearer eyJhbGciOi.J9.xyz123"
    assert redact_text(text) == "sent Authorization: Basic *** and Bearer ***"


def test_secret_parameters_inside_free_text_are_masked() -> None:
    text = "see <https://shop.example/wp-json/wc/v3/orders?consumer_key=ck_1&consumer_secret=cs_2&page=2>"
    assert redact_text(text) == (
        "see <https://shop.example/wp-json/wc/v3/orders?consumer_key=***&consumer_secret=***&page=2>"
    )


def test_a_name_is_not_a_secret_because_it_merely_contains_a_secret_word() -> None:
    assert redact_text("sort_key=name&department_token_count=3") == "sort_key=name&department_token_count=3"


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "X-WC-Webhook-Signature",
        "x-duell-token",
        "Cookie",
        "consumer_secret",
        "client-secret",
        "smtp_password",
        "oauth_signature",
        "X-Api-Key",
        "refresh_token",
    ],
)
def test_secret_names_are_recognised_in_any_case_and_spelling(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["content-type", "x-wp-total", "department_token", "order_key", "link"])
def test_ordinary_names_are_not_secret(name: str) -> None:
    assert not is_secret_name(name)


def test_redact_headers_masks_secret_headers_and_secrets_inside_the_rest() -> None:
    headers = {
        "Authorization": "Basic Zm9vOmJhcg==",
        "X-WC-Webhook-Signature": "sig",
        "Link": '<https://s.example/p?consumer_secret=cs_abc&page=2>; rel="next"',
        "X-WP-Total": "42",
    }
    assert redact_headers(headers) == {
        "Authorization": MASK,
        "X-WC-Webhook-Signature": MASK,
        "Link": '<https://s.example/p?consumer_secret=***&page=2>; rel="next"',
        "X-WP-Total": "42",
    }


def test_redact_headers_takes_pairs_with_repeated_names() -> None:
    assert redact_headers([("Set-Cookie", "a=1"), ("Accept", "*/*")]) == {"Set-Cookie": MASK, "Accept": "*/*"}


def test_redact_url_masks_userinfo_and_secret_params_and_keeps_the_rest_byte_for_byte() -> None:
    url = (
        "https://ck_user:cs_pass@shop.example/wp-json/wc/v3/orders"
        "?status%5B0%5D=any&consumer_key=ck_1&consumer_secret=cs_2&dp=2&key=abcd#frag"
    )
    assert redact_url(url) == (
        "https://***:***@shop.example/wp-json/wc/v3/orders"
        "?status%5B0%5D=any&consumer_key=***&consumer_secret=***&dp=2&key=***#frag"
    )


def test_redact_url_masks_bracketed_secret_params_and_relative_urls() -> None:
    assert redact_url("/x?token[0]=abc&page=1") == "/x?token[0]=***&page=1"
    assert redact_url("/x?page=1") == "/x?page=1"


def test_redact_obj_masks_secret_fields_deep_and_leaves_the_original_alone() -> None:
    register_secret("registered-inside-text")
    original = {
        "consumer_secret": "cs_1",
        "nested": [{"access_token": "tok", "name": "Ada"}, ("fine", "registered-inside-text here")],
        "meta_data": [{"key": "_color", "value": "red"}],
        "department_token": "dep-identifier",
        "password": None,
    }
    before = copy.deepcopy(original)
    assert redact_obj(original) == {
        "consumer_secret": MASK,
        "nested": [{"access_token": MASK, "name": "Ada"}, ("fine", "*** here")],
        "meta_data": [{"key": "_color", "value": "red"}],
        "department_token": "dep-identifier",
        "password": None,
    }
    assert original == before


def test_registration_is_safe_from_many_threads_at_once() -> None:
    values = [f"threaded-secret-{n:04d}" for n in range(64)]
    threads = [threading.Thread(target=register_secret, args=(value,)) for value in values]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert redact_text(" ".join(values)) == " ".join([MASK] * len(values))


def test_log_redaction_covers_child_loggers_and_arguments(caplog: pytest.LogCaptureFixture) -> None:
    register_secret("logged-secret-value")
    install_log_redaction("flowhub")
    caplog.set_level(logging.DEBUG)
    logging.getLogger("flowhub.some.child").warning(
        "token %s and %r", "logged-secret-value", {"x": "logged-secret-value"}
    )
    assert caplog.messages == ["token *** and {'x': '***'}"]


def test_log_redaction_covers_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    register_secret("secret-in-exception")
    install_log_redaction("flowhub")
    caplog.set_level(logging.DEBUG)
    try:
        raise ValueError("boom secret-in-exception")
    except ValueError:
        logging.getLogger("flowhub.x").exception("failed")
    assert "ValueError: boom ***" in caplog.text
    assert "secret-in-exception" not in caplog.text


def test_the_filter_redacts_records_on_a_handler_of_its_own() -> None:
    register_secret("handler-secret")
    record = logging.LogRecord("elsewhere", logging.INFO, __file__, 1, "x=%s", ("handler-secret",), None)
    assert RedactingFilter().filter(record)
    assert (record.getMessage(), record.args) == ("x=***", None)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("a note with \"quotes\" and\\nescapes", "a note with \"quotes\" and\\nescapes"),
        ("Authorization: Bearer\nabcdefghijklmnop", "Authorization: Bearer\n***"),
        ("callback?x=1\ntoken=abcdef", "callback?x=1\ntoken=***"),
        ('say "token=abcdef" loud', 'say "token=***" loud'),
        ("stored-sec\"ret-value in quotes", "*** in quotes"),
    ],
)
def test_stored_json_masks_secrets_in_any_string_and_stays_valid_json(value: str, masked: str) -> None:
    import json

    from flowhub.state.codec import dumps_redacted

    register_secret('stored-sec"ret-value')
    text = dumps_redacted({"order": {"note": value, "api_key": "k-123", "lines": [{"name": value}]}})
    assert text is not None
    assert json.loads(text) == {"order": {"note": masked, "api_key": MASK, "lines": [{"name": masked}]}}
    assert json.loads(text) == redact_obj({"order": {"note": value, "api_key": "k-123", "lines": [{"name": value}]}})


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: BEARER abcdefgh12345678",
        "Basic dXNlcjpwYXNzd29yZA==",
        "url?Consumer_Secret=cs_abcdef&x=1",
        "https://shop/wp-json?OAUTH_SIGNATURE=abcdef",
        "pay_for_order=true&KEY=wc_order_2FA4uIOCow6IC",
        '{"note":"token=abcdef123 in a note\\nDigest zyxwvut987654"}',
    ],
)
def test_the_quick_check_never_misses_what_the_exact_patterns_mask(text: str) -> None:
    from flowhub.redact import might_hold_secret

    assert redact_text(text) != text  # the exact patterns mask something here …
    assert might_hold_secret(text)  # … so the quick check must send it to them
    assert might_hold_secret(text.swapcase())


def test_text_without_any_auth_word_or_secret_parameter_is_cleared_by_the_quick_check() -> None:
    from flowhub.redact import might_hold_secret

    text = '{"name":"Ullsokker","sku":"FH-7101","price":"149.00","meta_data":[{"key":"_color","value":"red"}]}'
    assert not might_hold_secret(text)
    assert redact_text(text) == text
