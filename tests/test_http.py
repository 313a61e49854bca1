"""ApiClient against real HTTP servers on loopback: retries, typed errors, pacing, no leaked secrets."""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import logging
import re
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from flowhub.errors import AuthError, ConflictError, ConnectorError, NotFoundError, RejectedError, RetryableError
from flowhub.http import (
    DEFAULT_USER_AGENT,
    ApiClient,
    HostGate,
    TokenBucket,
    default_error_detail,
    make_error,
    parse_retry_after,
)


def _load_servers() -> ModuleType:
    name = "flowhub_tests_servers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("_servers.py"))
        assert spec is not None and spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


servers = _load_servers()

# --- the server -----------------------------------------------------------------------------

CALLS: Counter[str] = Counter()


async def flaky(request: Request) -> Response:
    """Fail ``fail`` times with ``status`` (and Retry-After when asked), then answer 200."""
    key, query = request.path_params["key"], request.query_params
    CALLS[key] += 1
    if CALLS[key] <= int(query.get("fail", "1")):
        headers = {"Retry-After": query["retry_after"]} if "retry_after" in query else {}
        return JSONResponse(
            {"code": "unavailable", "message": "Try later"},
            status_code=int(query.get("status", "503")),
            headers=headers,
        )
    return JSONResponse({"calls": CALLS[key]})


async def slow(request: Request) -> Response:
    """Answer after a second the first ``times`` calls (the client times out first)."""
    key = request.path_params["key"]
    CALLS[key] += 1
    if CALLS[key] <= int(request.query_params.get("times", "1")):
        await asyncio.sleep(1.0)
    return JSONResponse({"calls": CALLS[key]})


async def status(request: Request) -> Response:
    code = int(request.path_params["code"])
    return JSONResponse({"code": f"http_{code}", "message": f"Status {code} on purpose."}, status_code=code)


async def create_product(request: Request) -> Response:
    body = {
        "code": "product_invalid_sku",
        "message": "Invalid or duplicated SKU.",
        "data": {"status": 400, "resource_id": 17, "unique_sku": "ABC-1"},
    }
    return JSONResponse(body, status_code=400)


async def echo_secrets(request: Request) -> Response:
    """A careless server: puts every credential it got into its error and its Link header."""
    query = request.query_params
    message = (
        f"Consumer secret {query.get('consumer_secret')} is invalid for {query.get('consumer_key')}; "
        f"auth {request.headers.get('authorization')}; token {request.headers.get('x-duell-token')}; "
        f"api key {request.headers.get('x-api-key')}"
    )
    link = f'<{request.url}&page=2>; rel="next"'
    return JSONResponse(
        {"code": "woocommerce_rest_authentication_error", "message": message},
        status_code=int(query.get("status", "401")),
        headers={"Link": link},
    )


async def headers(request: Request) -> Response:
    return JSONResponse(dict(request.headers))


async def cookie(request: Request) -> Response:
    """Set a session cookie when asked; echo the cookies the client sent."""
    answer = JSONResponse({"sent": dict(request.cookies)})
    if "set" in request.query_params:
        answer.set_cookie("session", request.query_params["set"])
    return answer


async def notice(request: Request) -> Response:
    text = (
        "<br />\n<b>Notice</b>: Undefined offset [3] in <b>/var/www/wp-content/x.php</b> "
        'on line <b>12</b><br />\n{"id": 5, "tags": [1, 2]}'
    )
    return PlainTextResponse(text, media_type="application/json")


async def html(request: Request) -> Response:
    return PlainTextResponse(
        "<html><body><h1>Bad gateway</h1> upstream died</body></html>",
        status_code=200,
        media_type="text/html",
    )


async def duell_like(request: Request) -> Response:
    return JSONResponse({"status": False, "code": 401, "message": "Token expired"})


APP = Starlette(
    routes=[
        Route("/flaky/{key}", flaky, methods=["GET", "POST"]),
        Route("/slow/{key}", slow, methods=["GET", "POST"]),
        Route("/status/{code}", status, methods=["GET", "PUT"]),
        Route("/wp-json/wc/v3/products", create_product, methods=["POST"]),
        Route("/echo-secrets", echo_secrets),
        Route("/headers", headers),
        Route("/cookie", cookie),
        Route("/notice", notice),
        Route("/html", html),
        Route("/duell-like", duell_like),
    ]
)


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with servers.serve(APP) as base:
        yield base


OPENED: list[ApiClient] = []


def client(url: str, **kwargs: object) -> ApiClient:
    """A client with test-sized waits; closed after the test (an open socket would warn)."""
    options: dict[str, object] = {"max_wait": 0.05, "timeout": 5.0, **kwargs}
    OPENED.append(ApiClient(url, **options))  # type: ignore[arg-type]
    return OPENED[-1]


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while OPENED:
        OPENED.pop().close()


# --- retries --------------------------------------------------------------------------------


def test_429_with_retry_after_is_waited_for_then_retried(url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="flowhub.http")
    api = client(url, max_wait=0.25)
    response = api.get("/flaky/429", params={"status": 429, "retry_after": 7})
    assert response.json() == {"calls": 2}
    assert api.stats.by_status == {429: 1, 200: 1}
    assert api.stats.retries == 1
    # the wait came from Retry-After (7 s, capped at max_wait), not from the jittered backoff
    assert "api: GET /flaky/429?status=429&retry_after=7 -> 429; try 2 of 6 in 0.25 s" in caplog.messages


def test_503_then_200_succeeds(url: str) -> None:
    api = client(url)
    assert api.get("/flaky/503", params={"fail": 2}).json() == {"calls": 3}
    assert api.stats.snapshot() == {
        "sent": 3,
        "retries": 2,
        "transport_errors": 0,
        "paused": 0,
        "paced": 0,
        "by_status": {503: 2, 200: 1},
    }


def test_a_timeout_is_retried(url: str) -> None:
    api = client(url, timeout=0.3)
    assert api.get("/slow/once").json() == {"calls": 2}
    assert api.stats.transport_errors == 1
    assert api.stats.by_status == {200: 1}


def test_a_dropped_connection_is_retried() -> None:
    with servers.HangingUp(drops=2) as peer:
        api = client(peer.url)
        assert api.get("/anything").json() == {"ok": True}
        assert peer.connections == 3
        assert api.stats.transport_errors == 2


def test_exhausted_connect_retries_give_a_readable_retryable_error() -> None:
    port = servers.closed_port()
    api = client(f"http://127.0.0.1:{port}", max_attempts=3, name="visma")
    with pytest.raises(RetryableError) as caught:
        api.get("/controller/api/v1/customer", params={"page": 1})
    assert re.fullmatch(
        rf"visma: GET /controller/api/v1/customer\?page=1: could not connect to "
        rf"127\.0\.0\.1:{port} after 3 attempts: .+",
        str(caught.value),
    )
    assert api.stats.sent == 3


def test_exhausted_status_retries_say_how_often_they_tried(url: str) -> None:
    api = client(url, max_attempts=3)
    with pytest.raises(RetryableError) as caught:
        api.get("/flaky/always", params={"fail": 99})
    assert str(caught.value) == (
        "api: GET /flaky/always?fail=99 -> 503 unavailable: Try later (gave up after 3 attempts)"
    )
    assert (caught.value.status, caught.value.code) == (503, "unavailable")


def test_a_post_is_not_retried_after_a_500_that_may_have_created_the_record(url: str) -> None:
    api = client(url)
    with pytest.raises(RetryableError) as caught:
        api.post("/flaky/post500", params={"status": 500}, json={"sku": "A"})
    assert str(caught.value) == (
        "api: POST /flaky/post500?status=500 -> 500 unavailable: Try later "
        "(not retried: the server may have acted on this POST; the record is "
        "retried later)"
    )
    assert api.stats.sent == 1


def test_a_post_is_not_retried_after_a_read_timeout(url: str) -> None:
    api = client(url, timeout=0.3)
    with pytest.raises(RetryableError) as caught:
        api.post("/slow/post-timeout", json={"sku": "A"})
    assert re.fullmatch(
        r"api: POST /slow/post-timeout: no answer from 127\.0\.0\.1:\d+ within 0\.3 s after "
        r"1 attempt: .*\(not retried: the server may have acted on this POST; "
        r"the record is retried later\)",
        str(caught.value),
    )
    assert api.stats.sent == 1


def test_a_post_is_retried_after_a_503_or_when_declared_idempotent(url: str) -> None:
    api = client(url)
    assert api.post("/flaky/post503", params={"status": 503}, json={}).json() == {"calls": 2}
    declared = api.post("/flaky/post500b", params={"status": 500}, json={}, idempotent=True)
    assert declared.json() == {"calls": 2}
    assert api.stats.retries == 2


# --- classification -------------------------------------------------------------------------


def test_401_is_an_auth_error_without_retry(url: str) -> None:
    api = client(url, name="shop")
    with pytest.raises(AuthError) as caught:
        api.get("/status/401")
    assert str(caught.value) == "shop: GET /status/401 -> 401 http_401: Status 401 on purpose."
    assert api.stats.sent == 1


def test_400_is_a_rejected_error_keeping_the_api_code_and_message(url: str) -> None:
    api = client(f"{url}/wp-json/wc/v3", name="woocommerce")
    with pytest.raises(RejectedError) as caught:
        api.post("products", json={"sku": "ABC"})
    error = caught.value
    assert type(error) is RejectedError
    assert str(error) == (
        "woocommerce: POST /wp-json/wc/v3/products -> 400 product_invalid_sku: Invalid or duplicated SKU."
    )
    assert (error.status, error.code) == (400, "product_invalid_sku")
    assert isinstance(error.detail, dict) and error.detail["data"]["unique_sku"] == "ABC-1"


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (409, ConflictError),
        (412, ConflictError),
        (404, NotFoundError),
        (403, AuthError),
        (501, RetryableError),
    ],
)
def test_each_status_maps_to_the_error_named_by_what_happens_next(
    url: str, code: int, kind: type[ConnectorError]
) -> None:
    with pytest.raises(ConnectorError) as caught:
        client(url, max_attempts=1).put(f"/status/{code}")
    assert type(caught.value) is kind


def test_statuses_listed_as_ok_are_handed_back(url: str) -> None:
    assert client(url).get("/status/404", ok={404}).status_code == 404


def test_a_classify_hook_turns_a_200_with_an_error_envelope_into_an_auth_error(url: str) -> None:
    def classify(response: httpx.Response) -> ConnectorError | None:
        body = response.json()
        if isinstance(body, dict) and body.get("status") is False and body.get("code") == 401:
            return make_error(AuthError, response, name="duell", code="401", message=body["message"])
        return None

    api = client(url, name="duell", classify=classify)
    with pytest.raises(AuthError, match=r"^duell: GET /duell-like -> 200 401: Token expired$"):
        api.get("/duell-like")
    with pytest.raises(RejectedError, match=r"^duell: GET /status/404 -> 404 http_404"):
        api.get("/status/404")  # the hook has no opinion: the default applies


def test_an_absolute_url_on_another_host_is_refused_before_sending(url: str) -> None:
    api = client(url)
    with pytest.raises(
        RejectedError, match=r"refusing to send GET https://evil\.invalid/x\?consumer_key=\*\*\*"
    ):
        api.get("https://evil.invalid/x", params={"consumer_key": "ck_0123456789"})
    assert api.stats.sent == 0


def test_an_absolute_url_on_the_same_host_is_followed(url: str) -> None:
    assert client(f"{url}/wp-json/wc/v3").get(f"{url}/headers").status_code == 200


# --- bodies ---------------------------------------------------------------------------------


def test_a_cookie_an_answer_sets_is_sent_back_and_answers_without_one_keep_it(url: str) -> None:
    api = client(url)
    assert api.json(api.get("/cookie"))["sent"] == {}
    api.get("/cookie", params={"set": "abc"})
    assert api.json(api.get("/cookie"))["sent"] == {"session": "abc"}
    assert api.json(api.get("/cookie"))["sent"] == {"session": "abc"}


def test_json_after_a_php_notice_is_parsed(url: str) -> None:
    api = client(url)
    assert api.json(api.get("/notice")) == {"id": 5, "tags": [1, 2]}


def test_a_body_that_is_not_json_is_a_rejected_error_saying_so(url: str) -> None:
    api = client(url)
    with pytest.raises(RejectedError) as caught:
        api.json(api.get("/html"))
    assert str(caught.value) == (
        "api: GET /html -> 200: the answer is not JSON (it starts with "
        "'<html><body><h1>Bad gateway</h1> upstream died</body></html>')"
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {
                "ExceptionType": "IPPException",
                "ExceptionMessage": "No license for this company.",
                "ExceptionFaultCode": "12027",
            },
            ("12027", "No license for this company."),
        ),
        (
            {"error": "invalid_client", "error_description": "Client secret is wrong"},
            ("invalid_client", "Client secret is wrong"),
        ),
        ({"error": {"code": "E42", "message": "nested"}}, ("E42", "nested")),
        ({"message": "only a message"}, (None, "only a message")),
    ],
)
def test_default_error_detail_reads_the_common_error_shapes(
    body: dict[str, object], expected: tuple[str | None, str]
) -> None:
    response = httpx.Response(400, json=body, request=httpx.Request("GET", "https://x.invalid/"))
    assert default_error_detail(response) == expected


def test_default_error_detail_falls_back_to_the_start_of_the_text() -> None:
    page = "<html><body><p>" + "Service   down. " * 30 + "</p></body></html>"
    response = httpx.Response(
        502,
        text=page,
        headers={"content-type": "text/html"},
        request=httpx.Request("GET", "https://x.invalid/"),
    )
    code, message = default_error_detail(response)
    assert code is None and message.startswith("Service down. Service down.") and len(message) == 200


def test_the_user_agent_is_always_sent(url: str) -> None:
    sent = client(url, headers={"User-Agent": "spoof"}).get("/headers").json()
    assert sent["user-agent"] == DEFAULT_USER_AGENT


# --- Retry-After ----------------------------------------------------------------------------


def _answer(status_code: int, **headers: str) -> httpx.Response:
    return httpx.Response(status_code, headers=headers, request=httpx.Request("GET", "https://x.invalid/"))


def test_retry_after_is_read_as_seconds_or_http_date() -> None:
    assert parse_retry_after(_answer(429, **{"Retry-After": "12"})) == 12
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    assert parse_retry_after(_answer(503, **{"Retry-After": later})) == pytest.approx(120, abs=5)
    assert parse_retry_after(_answer(503, **{"Retry-After": "soon"})) is None


def test_rate_limit_reset_counts_only_on_a_429() -> None:
    assert parse_retry_after(_answer(429, **{"X-RateLimit-Reset": "30"})) == 30
    assert parse_retry_after(_answer(503, **{"X-RateLimit-Reset": "30"})) is None
    epoch = str(int(datetime.now(UTC).timestamp()) + 60)
    assert parse_retry_after(_answer(429, **{"RateLimit-Reset": epoch})) == pytest.approx(60, abs=5)


# --- secrets --------------------------------------------------------------------------------

KEY, SECRET = "ck_4f1e2d3c4b5a69788796a5b4c3d2e1f0", "cs_0a1b2c3d4e5f60718293a4b5c6d7e8f9"
QUERY_SECRET, API_KEY, TOKEN = "cs_query_only_99887766", "apikey-5566778899", "duell-token-1234567890"


def test_secrets_never_reach_logs_errors_or_reprs(url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api = client(
        f"http://{KEY}:{SECRET}@{url.removeprefix('http://')}",
        auth=httpx.BasicAuth(KEY, SECRET),
        headers={"X-Api-Key": API_KEY},
        name="shop",
        max_attempts=2,
    )
    params = {"consumer_key": KEY, "consumer_secret": QUERY_SECRET}
    errors: list[ConnectorError] = []
    for code in ("401", "503"):
        with pytest.raises(ConnectorError) as caught:
            api.get("/echo-secrets", params={**params, "status": code}, headers={"X-Duell-Token": TOKEN})
        errors.append(caught.value)
    basic = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    seen = "\n".join([caplog.text, repr(api), *(str(e) for e in errors), *(repr(e.detail) for e in errors)])
    for secret in (KEY, SECRET, basic, QUERY_SECRET, API_KEY, TOKEN):
        assert secret not in seen
    assert "consumer_secret=***" in caplog.text  # the URL was logged, masked
    assert any(record.name == "httpx" for record in caplog.records)  # httpx's own log line too
    assert "Consumer secret *** is invalid" in str(errors[0])


def test_each_request_is_logged_at_debug_with_status_and_time(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="flowhub.http")
    client(url, name="shop").get("/headers", params={"page": 2})
    [line] = [r.getMessage() for r in caplog.records if r.name == "flowhub.http"]
    assert re.fullmatch(rf"shop: GET {re.escape(url)}/headers\?page=2 -> 200 in \d+ ms", line)


# --- pacing ---------------------------------------------------------------------------------


class FakeClock:
    """Time that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now, self.slept = 100.0, list[float]()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_token_bucket_spaces_takers_one_interval_apart() -> None:
    clock = FakeClock()
    bucket = TokenBucket(4, clock=clock, sleep=clock.sleep)
    waits = [bucket.reserve() for _ in range(4)]
    assert waits == [0, 0.25, 0.5, 0.75]
    clock.now += 60  # a long idle time saves up only `capacity` tokens
    assert [bucket.reserve() for _ in range(2)] == [0, 0.25]


def test_concurrent_takers_each_get_their_own_slot() -> None:
    clock = FakeClock()  # frozen: the waits show the slots handed out
    bucket = TokenBucket(2, clock=clock, sleep=clock.sleep)
    waits: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        wait = bucket.reserve()
        with lock:
            waits.append(wait)

    threads = [threading.Thread(target=take) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == [slot / 2 for slot in range(40)]
    assert bucket.granted == 40


def test_a_host_pause_holds_the_next_request_until_it_ends() -> None:
    clock = FakeClock()
    gate = HostGate("http://x:80", clock=clock, sleep=clock.sleep)
    gate.pause(5)
    gate.pause(2)  # a shorter pause never shortens the running one
    assert gate.wait_turn() == (5, 0)
    assert gate.wait_turn() == (0, 0)


def test_the_strictest_rate_wins_on_a_shared_host() -> None:
    gate = HostGate("http://x:80")
    gate.limit(10)
    gate.limit(3)
    gate.limit(50)
    assert gate.bucket is not None and gate.bucket.rate == 3


def test_clients_of_one_host_share_one_rate_budget() -> None:
    with servers.serve(APP) as url:
        first, second = client(url, requests_per_second=400), client(url, requests_per_second=800)
        assert first.gate is second.gate
        workers = [threading.Thread(target=api.get, args=("/headers",)) for api in (first, second) * 4]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert first.gate.bucket is not None
        assert (first.gate.bucket.rate, first.gate.bucket.granted) == (400, 8)
        assert first.stats.sent + second.stats.sent == 8


def test_a_429_pauses_every_client_of_that_host() -> None:
    with servers.serve(APP) as url:
        hit, bystander = client(url, max_attempts=1, max_wait=0.3), client(url)
        with pytest.raises(RetryableError):
            hit.get("/flaky/pause-all", params={"status": 429, "retry_after": 30})
        assert bystander.gate.remaining_pause() > 0
        bystander.get("/headers")
        assert bystander.stats.paused == 1
