"""The connector against a real sandbox on loopback: writes, conflicts, errors, paging, pacing, auth."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flowhub_visma_net import models as m
from flowhub_visma_net.connector import VismaNet
from flowhub_visma_net.sandbox import CUSTOMER_TENANT, READONLY_CLIENT_ID, READONLY_CLIENT_SECRET

from flowhub.connector import ReadQuery
from flowhub.errors import AuthError, ConflictError, RejectedError
from flowhub.sandboxes import Faults

Start = Callable[..., tuple[Any, dict[str, Any]]]
Open = Callable[..., VismaNet]


def _calls(app: Any, method: str, fragment: str) -> list[tuple[str, str, int]]:
    return [c for c in app.store.log if c[0] == method and fragment in c[1]]


# -- writing -----------------------------------------------------------------------------------
def test_create_follows_the_location_of_the_201_and_answers_the_stored_record(
    visma: Start, connect: Open
) -> None:
    app, settings = visma()
    customers = connect(settings).entity("customer")
    created = customers.create(
        m.Customer.model_validate({"name": "Ny Kunde AS", "customerClassId": "BEDRIFT"})
    )
    assert created.number == "10007" and created.customerClass is not None
    assert created.customerClass.description == "Bedriftskunder"
    assert [c[1] for c in app.store.log[-2:]] == ["/v1/customer", "/v1/customer/10007"]
    assert [c[2] for c in app.store.log[-2:]] == [201, 200]


def test_a_bare_scalar_is_refused_by_the_sandbox_like_visma_net_does(visma: Start, connect: Open) -> None:
    _, settings = visma()
    client = connect(settings).client
    with pytest.raises(
        RejectedError,
        match=r"IPPException: Error converting value 'Bare' to type "
        r"'DtoValue`1\[string\]'\. Path 'name'",
    ):
        client.create(client.erp, "/v1/customer", {"name": "Bare"})


def test_update_sends_if_match_and_a_412_is_a_conflict_for_that_record(visma: Start, connect: Open) -> None:
    _, settings = visma()
    ours, theirs = connect(settings).entity("customer"), connect(settings).entity("customer")
    ours.find("number", "10001")  # reads it: the ETag is now known
    theirs.update("10001", m.Customer.model_validate({"name": "Endret av en annen"}))
    with pytest.raises(
        ConflictError,
        match=r"^visma_net/customer 10001: changed in Visma.net since it was read "
        r"\(412 on If-Match\); not overwritten: visma_net: PUT "
        r"/v1/customer/10001 -> 412 10412: IPPException",
    ):
        ours.update("10001", m.Customer.model_validate({"name": "Vårt navn"}))
    assert theirs.get("10001").name == "Endret av en annen"  # type: ignore[union-attr]


def test_an_update_after_a_fresh_read_goes_through(visma: Start, connect: Open) -> None:
    _, settings = visma()
    customers = connect(settings).entity("customer")
    customers.get("10002")
    changed = customers.update("10002", m.Customer.model_validate({"mainContact": {"phone1": "+4799999999"}}))
    assert changed.mainContact.phone1 == "+4799999999"  # type: ignore[union-attr]
    assert changed.mainContact.email == "innkjop@fjellbygg.example.test"  # type: ignore[union-attr]


def test_ippexception_reaches_the_failure_reason_verbatim(visma: Start, connect: Open) -> None:
    _, settings = visma()
    customers = connect(settings).entity("customer")
    with pytest.raises(RejectedError) as caught:
        customers.create(m.Customer.model_validate({"name": "X", "creditTermsId": "NOPE"}))
    assert str(caught.value) == (
        "visma_net: POST /v1/customer -> 400 10004: IPPException: "
        "'Credit Terms' cannot be found in the system: 'NOPE'."
    )
    assert caught.value.code == "10004"


def test_sales_order_v3_books_stock_and_patch_needs_the_current_etag(visma: Start, connect: Open) -> None:
    app, settings = visma()
    connector = connect(settings)
    stock, orders = connector.entity("stock"), connector.entity("sales_order")
    before = stock.get("FH-2003")
    order = orders.create(
        m.SalesOrder.model_validate(
            {
                "customer": {"id": "10002"},
                "customerRefNo": "WOO-5001",
                "orderLines": [{"inventoryId": "FH-2003", "quantity": 4, "warehouseId": "MAIN"}],
            }
        )
    )
    after = stock.get("FH-2003")
    assert (after.onHand, after.soBooked) == (before.onHand, before.soBooked + 4)  # type: ignore[union-attr]
    assert after.availableMinusBooked == before.availableMinusBooked - 4  # type: ignore[union-attr]
    assert [orders.key_of(o) for o in orders.find("customerRefNo", "WOO-5001")] == [orders.key_of(order)]
    changed = orders.update(orders.key_of(order), m.SalesOrder.model_validate({"status": "Cancelled"}))
    assert changed.status == "Cancelled" and stock.get("FH-2003").soBooked == before.soBooked  # type: ignore[union-attr]
    assert _calls(app, "PATCH", "/api/v3/salesorders/SO/")[-1][2] == 204


def test_a_sales_order_is_found_by_its_changed_reference_and_a_taken_number_is_passed_over(
    visma: Start, connect: Open
) -> None:
    app, settings = visma()
    orders = connect(settings).entity("sales_order")

    def order(reference: str) -> m.SalesOrder:
        return m.SalesOrder.model_validate({"customer": {"id": "10002"}, "customerRefNo": reference,
                                            "orderLines": [{"inventoryId": "FH-2003", "quantity": 1}]})

    first = orders.create(order("WOO-7001"))
    assert [orders.key_of(o) for o in orders.find("customerRefNo", "WOO-7001")] == [orders.key_of(first)]
    orders.update(orders.key_of(first), m.SalesOrder.model_validate({"customerRefNo": "WOO-7002"}))
    assert orders.find("customerRefNo", "WOO-7001") == []
    assert [orders.key_of(o) for o in orders.find("customerRefNo", "WOO-7002")] == [orders.key_of(first)]
    taken = f"{int(first.id or 0) + 1:06d}"  # put in by hand, as a test poking the store would
    app.store.table("salesorder", "key").put({"type": "SO", "id": taken, "key": f"SO/{taken}", "status": "Open",
                                              "customer": {"id": "10002", "name": "x"}, "orderLines": []})
    assert int(orders.create(order("WOO-7003")).id or 0) == int(taken) + 1


def test_a_customer_is_found_by_any_contact_s_e_mail_and_after_a_change_only_by_the_new_one(
    visma: Start, connect: Open
) -> None:
    _, settings = visma()
    customers = connect(settings).entity("customer")
    created = customers.create(m.Customer.model_validate({
        "name": "Fjordkafe AS", "mainContact": {"email": "post@fjordkafe.example.test"},
        "invoiceContact": {"email": "Faktura@Fjordkafe.example.test"}}))
    for email in ("post@fjordkafe.example.test", " faktura@fjordkafe.example.test"):
        assert [c.number for c in customers.find("email", email)] == [created.number]
    customers.update(str(created.number), m.Customer.model_validate(
        {"mainContact": {"email": "hei@fjordkafe.example.test"}}))
    assert customers.find("email", "post@fjordkafe.example.test") == []
    assert [c.number for c in customers.find("email", "HEI@fjordkafe.example.test")] == [created.number]


def test_stock_moves_only_through_released_documents(visma: Start, connect: Open) -> None:
    _, settings = visma()
    connector = connect(settings)
    client, stock = connector.client, connector.entity("stock")
    before = stock.get("FH-1001").onHand  # type: ignore[union-attr]
    receipt, _ = client.create(
        client.erp,
        "/v1/inventoryReceipt",
        {
            "receiptLines": [
                {
                    "operation": "Insert",
                    "inventoryNumber": {"value": "FH-1001"},
                    "warehouseId": {"value": "MAIN"},
                    "quantity": {"value": 10},
                }
            ]
        },
    )
    assert stock.get("FH-1001").onHand == before  # type: ignore[union-attr]
    client.erp.post(f"/v1/inventoryReceipt/{receipt['referenceNumber']}/action/release")
    assert stock.get("FH-1001").onHand == before + 10  # type: ignore[union-attr]


# -- reading -----------------------------------------------------------------------------------
def test_pages_follow_the_servers_max_page_size_and_stop_on_a_short_page(visma: Start, connect: Open) -> None:
    app, settings = visma(max_page_size=3)
    numbers = [c.number for c in connect(settings).entity("customer").read(ReadQuery())]
    assert numbers == ["10000", "10001", "10002", "10003", "10004", "10005", "10006"]
    assert [c[1] for c in _calls(app, "GET", "/v1/customer?")] == [
        "/v1/customer?pageNumber=1&pageSize=1000",
        "/v1/customer?pageNumber=2&pageSize=3",
        "/v1/customer?pageNumber=3&pageSize=3",
    ]


def test_incremental_read_asks_for_changes_since_the_cursor_inclusive(visma: Start, connect: Open) -> None:
    app, settings = visma()
    customers = connect(settings).entity("customer")
    everyone = list(customers.read(ReadQuery()))
    cursor = customers.cursor_of(everyone[-1])
    customers.update("10003", m.Customer.model_validate({"name": "Kaffebaren Sentrum AS (ny)"}))
    changed = [c.number for c in customers.read(ReadQuery(since=cursor))]
    assert changed == ["10006", "10003"]  # >= : the record at the cursor comes again, the runner skips it
    asked = _calls(app, "GET", "lastModifiedDateTime=")[-1][1]
    assert "lastModifiedDateTimeCondition=%3E%3D" in asked and "pageNumber=1" in asked


def test_stock_is_read_by_availability_change_not_item_change(visma: Start, connect: Open) -> None:
    app, settings = visma()
    connector = connect(settings)
    stock = connector.entity("stock")
    levels = list(stock.read(ReadQuery()))
    cursor = max(stock.cursor_of(x) or "" for x in levels)
    connector.entity("sales_order").create(
        m.SalesOrder.model_validate(
            {"customer": {"id": "10001"}, "orderLines": [{"inventoryId": "FH-3002", "quantity": 1}]}
        )
    )
    changed = [x.inventoryNumber for x in stock.read(ReadQuery(since=cursor))]
    assert "FH-3002" in changed and len(changed) <= 3
    assert "availabilityLastModifiedDateTimeCondition=%3E%3D" in _calls(app, "GET", "availability")[-1][1]


def test_find_by_natural_keys(visma: Start, connect: Open) -> None:
    _, settings = visma()
    connector = connect(settings)
    customers, items = connector.entity("customer"), connector.entity("inventory_item")
    assert [c.number for c in customers.find("email", "OLA.NORDMANN@example.test")] == ["10001"]
    assert [c.number for c in customers.find("corporateId", "912345678")] == ["10002"]
    assert customers.find("number", "99999") == []
    ean = items.get("FH-1002").crossReferences[0].alternateID  # type: ignore[union-attr,index]
    assert [i.inventoryNumber for i in items.find("alternateID", ean)] == ["FH-1002"]
    assert [i.inventoryNumber for i in items.find("inventoryNumber", "FH-HOOD-M-SORT")] == ["FH-HOOD-M-SORT"]


# -- pacing and auth ---------------------------------------------------------------------------
def test_rate_limit_headers_pause_the_client_before_a_429(visma: Start, connect: Open) -> None:
    app, settings = visma(rate_limit=6, rate_window_s=1.0)
    connector = connect(settings, rate_limit_reserve=2)
    for _ in range(9):
        connector.entity("vat_zone").get("01")
    assert [c[2] for c in _calls(app, "GET", "/v1/vatZone/01")] == [200] * 9  # no 429 was needed
    assert connector.client.pacers[0].window.pauses >= 1


def test_a_429_is_answered_by_waiting_retry_after(visma: Start, connect: Open) -> None:
    import time

    app, settings = visma(rate_limit=50, rate_window_s=1.0)
    connector = connect(settings, rate_limit_reserve=0)
    zones = connector.entity("vat_zone")
    zones.get("01")
    for key in app.store.calls:  # another integration used up the window meanwhile
        app.store.calls[key] = [time.monotonic(), 50]
    assert zones.get("01") is not None
    statuses = [c[2] for c in _calls(app, "GET", "/v1/vatZone/01")]
    assert statuses == [200, 429, 200]
    assert connector.client.erp.stats.snapshot()["retries"] == 1


def test_token_is_renewed_before_it_expires_and_shared(visma: Start, connect: Open) -> None:
    app, settings = visma(token_lifetime_s=600)
    connector = connect(settings, token_renew_margin=60)
    now = [1000.0]
    connector.client.auth.clock = lambda: now[0]
    zones = connector.entity("vat_zone")
    zones.get("01")
    now[0] += 600 - 61  # just outside the renew margin: the same token
    zones.get("01")
    assert connector.client.auth.fetched == 1
    now[0] += 2  # inside the margin: renewed before it runs out
    zones.get("01")
    assert connector.client.auth.fetched == 2
    assert all(c[2] == 200 for c in app.store.log)


def test_a_revoked_token_is_replaced_once(visma: Start, connect: Open) -> None:
    app, settings = visma()
    connector = connect(settings)
    connector.entity("vat_zone").get("01")
    app.store.tokens.clear()
    assert connector.entity("vat_zone").get("01") is not None
    assert [c[2] for c in app.store.log][-2:] == [401, 200]


def test_wrong_tenant_is_an_auth_error_that_says_so(visma: Start, connect: Open) -> None:
    _, settings = visma()
    connector = connect(settings, tenant_id=CUSTOMER_TENANT)
    with pytest.raises(
        AuthError,
        match=r"^visma_net: GET /v1/customer\?pageNumber=1&pageSize=1000 -> 401: "
        r"Unauthorized: the token's tenant is not a Visma.net company.: Visma "
        r"Connect gave a token, but Visma.net refuses every call with it: "
        r"tenant_id is probably the customer tenant",
    ):
        list(connector.entity("customer").read(ReadQuery()))


def test_no_licence_stops_the_flow_with_visma_nets_own_words(visma: Start, connect: Open) -> None:
    _, settings = visma(licensed=False)
    with pytest.raises(
        AuthError,
        match=r"-> 500 12027: IPPException: No license for this company\. "
        r"\(the company has no Visma.net API licence\)$",
    ):
        connect(settings).entity("customer").get("10001")


@pytest.mark.parametrize(
    ("overrides", "problem", "words"),
    [
        ({"client_secret": "wrong"}, "credentials", "invalid_client"),
        (
            {"client_id": READONLY_CLIENT_ID, "client_secret": READONLY_CLIENT_SECRET},
            "scope",
            "invalid_scope",
        ),
        ({"tenant_id": CUSTOMER_TENANT}, "tenant", "customer tenant"),
        ({"token_url": "http://127.0.0.1:9/connect/token", "max_attempts": 1}, "unreachable", "unreachable"),
    ],
)
def test_check_tells_the_failures_apart(
    visma: Start, connect: Open, overrides: dict[str, Any], problem: str, words: str
) -> None:
    _, settings = visma()
    result = connect(settings, **overrides).check()
    assert (result.ok, result.details["problem"]) == (False, problem)
    assert words in result.message
    assert "sandbox-not-a-secret" not in result.message


def test_check_reports_no_licence_and_missing_write_scope(visma: Start, connect: Open) -> None:
    _, settings = visma(licensed=False)
    assert connect(settings).check().details["problem"] == "licence"
    _, settings = visma()
    readonly = connect(
        settings,
        client_id=READONLY_CLIENT_ID,
        client_secret=READONLY_CLIENT_SECRET,
        scopes=("vismanet_erp_service_api:read",),
    )
    assert readonly.check().ok
    result = readonly.check(writes=True)
    assert (result.ok, result.details["problem"]) == (False, "scope")
    with pytest.raises(AuthError, match=r"-> 403: Insufficient scope: vismanet_erp_service_api:create"):
        readonly.entity("customer").create(m.Customer.model_validate({"name": "X"}))


def test_check_passes_and_names_the_company(visma: Start, connect: Open) -> None:
    _, settings = visma()
    result = connect(settings).check(writes=True)
    assert result.ok and result.message == "connected to Visma.net company Fjordvik Handel AS"


# -- faults ------------------------------------------------------------------------------------
def test_two_hundred_customers_arrive_exactly_once_through_twenty_percent_faults(
    visma: Start, connect: Open
) -> None:
    faults = Faults(
        rate=0.2,
        kinds=["429", "500", "502", "503", "timeout", "drop", "drop_after"],
        retry_after=0,
        timeout_s=0.4,
        seed=11,
    )
    app, settings = visma(faults=faults)
    connector = connect(settings, timeout=0.2, max_retry_wait=0.02, max_attempts=8)
    customers = connector.entity("customer")

    def create(n: int) -> str:
        created = customers.create(
            m.Customer.model_validate(
                {
                    "name": f"Feilkunde {n}",
                    "corporateId": f"8{n:08d}",
                    "mainContact": {"email": f"f{n}@faults.test"},
                }
            )
        )
        return str(created.number)

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(create, range(200)))
    stored = [c for c in app.store.snapshot("customer") if c["name"].startswith("Feilkunde ")]
    assert len(stored) == 200 and len(set(numbers)) == 200
    assert sorted(c["number"] for c in stored) == sorted(numbers)
    assert app.faults.stats()["by_kind"].get("drop_after", 0) > 0  # some POSTs landed without an answer


def test_v3_create_takes_the_order_from_the_body_when_the_service_sends_one(
    visma: Start, connect: Open
) -> None:
    app, settings = visma(v3_create_answer="body")
    orders = connect(settings).entity("sales_order")
    order = orders.create(
        m.SalesOrder.model_validate(
            {"customer": {"id": "10004"}, "orderLines": [{"inventoryId": "FH-2001", "quantity": 1}]}
        )
    )
    assert orders.key_of(order) == "SO/000004" and order.orderLines[0].unitPrice is not None  # type: ignore[index]
    assert not _calls(app, "GET", "/api/v3/salesorders/SO/000004")  # no extra GET was needed


def test_a_location_on_a_legacy_host_is_rebased_onto_the_configured_api(connect: Open) -> None:
    import httpx

    connector = connect({"client_id": "c", "client_secret": "s", "tenant_id": "t"})
    client = connector.client
    request = httpx.Request("POST", "https://api.finance.visma.net/v1/customer")
    answer = httpx.Response(201, request=request)
    legacy = "https://integration.visma.net/API/controller/api/v1/customer/10042"
    assert client.follow(client.erp, answer, legacy) == "https://api.finance.visma.net/v1/customer/10042"
    assert (
        client.follow(client.erp, answer, "/v1/customer/7") == "https://api.finance.visma.net/v1/customer/7"
    )
