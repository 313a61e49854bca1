"""The official `woocommerce` PyPI client (wc-api-python 3.0.0), unmodified, against the sandbox.

The client picks its auth from the URL scheme alone: ``http://`` means OAuth 1.0a one-legged
in the query string, ``https://`` means HTTP Basic (or query keys with query_string_auth).
So it is run three ways: over plain HTTP against the default sandbox (https=True, which,
like WooCommerce, still accepts OAuth after Basic), over plain HTTP against an https=False
sandbox (OAuth is the only way in), and over real TLS with Basic and with query keys.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flowhub_woocommerce.sandbox import READ_WRITE_KEY, create_app
from woocommerce import API

from flowhub.sandboxes import ServedApp, serve

KEY, SECRET = READ_WRITE_KEY.consumer_key, READ_WRITE_KEY.consumer_secret


@pytest.fixture(params=["https-sandbox", "http-only-sandbox"])
def api(request: pytest.FixtureRequest) -> Iterator[API]:
    with serve(create_app(https=request.param == "https-sandbox")) as served:
        yield API(url=served.base_url, consumer_key=KEY, consumer_secret=SECRET, version="wc/v3", timeout=10)


def read_all(api: API, endpoint: str) -> list[dict[str, object]]:
    """Page through an endpoint the way peers.md's script does: page/per_page and X-WP-TotalPages."""
    records, page = [], 1
    while True:
        answer = api.get(endpoint, params={"per_page": 10, "page": page})
        answer.raise_for_status()
        records += answer.json()
        if page >= int(answer.headers["X-WP-TotalPages"]):
            return records
        page += 1


def test_lists_every_product_and_order_page_by_page(api: API) -> None:
    products = read_all(api, "products")
    orders = read_all(api, "orders")
    assert len(products) == len({p["id"] for p in products}) == 32
    assert len(orders) == 40


def test_creates_and_updates_a_product(api: API) -> None:
    created = api.post(
        "products",
        {
            "name": "Kaffeboks Stål 1 kg",
            "sku": "FH-3007",
            "regular_price": "299.00",
            "categories": [{"id": 21}],
        },
    )
    assert created.status_code == 201
    product = created.json()
    assert (product["id"], product["slug"], product["categories"][0]["name"]) == (
        111,
        "kaffeboks-stal-1-kg",
        "Kjøkken",
    )
    updated = api.put(
        f"products/{product['id']}", {"regular_price": "279.00", "stock_quantity": 5, "manage_stock": True}
    )
    assert updated.status_code == 200
    assert (updated.json()["price"], updated.json()["stock_quantity"]) == ("279.00", 5)
    assert api.get(f"products/{product['id']}").json()["regular_price"] == "279.00"
    assert api.get("products", params={"sku": "FH-3007"}).json()[0]["id"] == 111


def test_updates_an_order_status(api: API) -> None:
    answer = api.put("orders/78", {"status": "completed"})
    assert answer.status_code == 200
    assert answer.json()["status"] == "completed"


def test_a_value_with_a_slash_fails_its_signature_as_on_a_real_shop(api: API) -> None:
    """Python's quote() leaves '/' alone, PHP's rawurlencode does not: WooCommerce says 401 too."""
    assert api.get("products", params={"search": "a b"}).status_code == 200
    refused = api.get("products", params={"search": "a/b"})
    assert refused.status_code == 401
    assert refused.json()["code"] == "woocommerce_rest_authentication_error"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServedApp, str]]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder: Path = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            key,
            "-out",
            cert,
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    ssl.create_default_context(cafile=cert)  # the certificate loads
    with serve(create_app(https=False), ssl_certfile=cert, ssl_keyfile=key) as served:
        yield served, cert


@pytest.mark.parametrize("query_string_auth", [False, True], ids=["basic", "query-keys"])
def test_over_tls_it_uses_basic_or_query_keys(tls: tuple[ServedApp, str], query_string_auth: bool) -> None:
    served, cert = tls
    api = API(
        url=served.base_url,
        consumer_key=KEY,
        consumer_secret=SECRET,
        version="wc/v3",
        timeout=10,
        verify_ssl=cert,
        query_string_auth=query_string_auth,
    )
    listed = api.get("customers", params={"email": "innkjop@fjellbygg.example.test"})
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()] == [4]
    created = api.post("customers", {"email": f"tls-{query_string_auth}@example.test"})
    assert created.status_code == 201
