"""GL batches (journal_transaction) against the sandbox: found by a line's reference, posted once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flowhub_visma_net import models as m
from flowhub_visma_net.connector import VismaNet
from flowhub_visma_net.sandbox import SANDBOX, VismaSandbox, create_app

from flowhub.connector import ReadQuery
from flowhub.errors import RejectedError
from flowhub.sandboxes import FaultInjection, Faults, serve

Start = Callable[..., tuple[Any, dict[str, Any]]]
Open = Callable[..., VismaNet]
LIST = "/v2/journaltransaction"


def _batch(
    reference: str, amount: str = "100.00", *, other: str | None = None, hold: bool = False, credit: str = ""
) -> Any:
    """A two-line batch, balanced unless ``credit`` says otherwise; ``reference`` on the second line
    only (``other`` on the first)."""
    return m.JournalTransaction.model_validate(
        {
            "transactionDate": "2026-11-22",
            "currencyId": "NOK",
            "description": f"Test {reference}",
            "hold": hold,
            "journalTransactionLines": [
                {"accountNumber": "1920", "debitAmountInCurrency": amount, "referenceNumber": other},
                {
                    "accountNumber": "3000",
                    "creditAmountInCurrency": credit or amount,
                    "referenceNumber": reference,
                },
            ],
        }
    )


def _list_calls(app: VismaSandbox) -> list[str]:
    return [path for method, path, _ in app.store.log if method == "GET" and path.split("?")[0] == LIST]


def _posts(app: VismaSandbox) -> int:
    return len([1 for method, path, _ in app.store.log if method == "POST" and path == LIST])


def test_a_batch_is_found_by_the_reference_of_any_of_its_lines(visma: Start, connect: Open) -> None:
    app, settings = visma()
    journal = connect(settings).entity("journal_transaction")
    created = journal.create(_batch("1001", other="kid-77"))
    for wanted in ("1001", " 1001 ", "kid-77", "KID-77"):
        assert [journal.key_of(r) for r in journal.find("referenceNumber", wanted)] == [created.batchNumber]
    assert journal.find("referenceNumber", "1002") == []
    [by_path] = journal.find("journalTransactionLines.referenceNumber", "1001")
    assert by_path.batchNumber == created.batchNumber


def test_the_index_is_built_once_by_paging_the_gl_batches_and_kept_up_to_date_by_own_creates(
    visma: Start, connect: Open
) -> None:
    app, settings = visma(max_page_size=2)
    with connect(settings) as first:
        numbers = [first.entity("journal_transaction").create(_batch(f"R{n}")).batchNumber for n in range(5)]
    journal = connect(settings).entity("journal_transaction")  # a new installation: nothing known
    before = len(_list_calls(app))
    assert [r.batchNumber for r in journal.find("referenceNumber", "R4")] == [numbers[4]]
    scan = _list_calls(app)[before:]
    assert len(scan) == 3  # 6 GL batches (the seeded opening batch too), 2 a page, streamed
    assert all("module=ModuleGL" in call and "lastModifiedDateTime=" in call for call in scan)
    assert [r.batchNumber for r in journal.find("referenceNumber", "R0")] == [numbers[0]]
    new = journal.create(_batch("R9"))
    assert [r.batchNumber for r in journal.find("referenceNumber", "R9")] == [new.batchNumber]
    assert len(_list_calls(app)) == before + len(scan)  # no second scan: own creates are indexed


class _FaultOnce:
    """flowhub's fault injection on the first ``POST /v2/journaltransaction`` only."""

    def __init__(self, app: VismaSandbox, kind: str) -> None:
        self.app, self.left = app, 1
        self.faulted = FaultInjection(app, Faults(rate=1.0, kinds=[kind]))  # type: ignore[list-item]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        hit = scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == LIST
        if hit and self.left > 0:
            self.left -= 1
            await self.faulted(scope, receive, send)
        else:
            await self.app(scope, receive, send)


@pytest.fixture
def faulty() -> Iterator[Callable[[str], tuple[VismaSandbox, dict[str, Any]]]]:
    """A sandbox whose first journal POST meets fault ``kind``; yields (app, settings)."""
    served: list[Any] = []

    def start(kind: str) -> tuple[VismaSandbox, dict[str, Any]]:
        app = create_app()
        served.append(serve(_FaultOnce(app, kind)))
        return app, SANDBOX.connection(served[-1].base_url)

    yield start
    for server in served:
        server.stop()


@pytest.mark.parametrize("looked_first", [False, True], ids=["index-not-built", "index-built-before"])
def test_a_post_whose_answer_was_lost_is_found_by_reference_and_not_sent_again(
    faulty: Callable[[str], tuple[VismaSandbox, dict[str, Any]]], connect: Open, looked_first: bool
) -> None:
    app, settings = faulty("drop_after")
    journal = connect(settings, timeout=2, max_retry_wait=0.01).entity("journal_transaction")
    if looked_first:  # as the runner does: the match looked (and built the index) before the POST
        assert journal.find("referenceNumber", "5001") == []
    created = journal.create(_batch("5001"))
    stored = [b for b in app.store.snapshot("journaltransaction") if b["description"] == "Test 5001"]
    assert [b["batchNumber"] for b in stored] == [created.batchNumber]
    assert _posts(app) == 1  # it landed, its answer was lost, it was looked up and not re-sent
    assert len(_list_calls(app)) == (2 if looked_first else 1)  # the index, then a rescan of what changed
    assert [r.batchNumber for r in journal.find("referenceNumber", "5001")] == [created.batchNumber]


def test_a_post_dropped_before_visma_saw_it_is_sent_again_once(
    faulty: Callable[[str], tuple[VismaSandbox, dict[str, Any]]], connect: Open
) -> None:
    app, settings = faulty("drop")
    journal = connect(settings, timeout=2, max_retry_wait=0.01).entity("journal_transaction")
    created = journal.create(_batch("5002"))
    stored = [b for b in app.store.snapshot("journaltransaction") if b["description"] == "Test 5002"]
    assert [b["batchNumber"] for b in stored] == [created.batchNumber]
    assert _posts(app) == 1  # the dropped one never reached the ERP's log


def test_batches_changed_before_the_lookup_window_are_not_searched_unless_the_window_is_open(
    visma: Start, connect: Open
) -> None:
    app, settings = visma()
    with connect(settings) as first:
        old = first.entity("journal_transaction").create(_batch("OLD-1")).batchNumber
    with app.store.lock:
        app.store.table("journaltransaction").get(old)["lastModifiedDateTime"] = "2020-01-01T00:00:00.000"
    assert connect(settings).entity("journal_transaction").find("referenceNumber", "OLD-1") == []
    for days in (0, 3650):
        found = connect(settings, journal_lookup_days=days).entity("journal_transaction").find(
            "referenceNumber", "OLD-1"
        )
        assert [r.batchNumber for r in found] == [old], days


def test_only_gl_batches_are_indexed(visma: Start, connect: Open) -> None:
    app, settings = visma()
    with connect(settings) as first:
        number = first.entity("journal_transaction").create(_batch("AR-1")).batchNumber
    with app.store.lock:
        app.store.table("journaltransaction").get(number)["module"] = "ModuleAR"
    assert connect(settings).entity("journal_transaction").find("referenceNumber", "AR-1") == []


def test_a_batch_deleted_after_the_scan_is_not_found(visma: Start, connect: Open) -> None:
    app, settings = visma()
    journal = connect(settings).entity("journal_transaction")
    number = journal.create(_batch("GONE-1")).batchNumber
    assert journal.find("referenceNumber", "GONE-1")
    with app.store.lock:
        del app.store.table("journaltransaction").rows[str(number)]
    assert journal.find("referenceNumber", "GONE-1") == []


# -- the sandbox as Visma.net -------------------------------------------------------------------
def test_the_sandbox_refuses_an_unbalanced_batch_taken_off_hold_and_keeps_one_on_hold(
    visma: Start, connect: Open
) -> None:
    _, settings = visma()
    journal = connect(settings).entity("journal_transaction")
    with pytest.raises(RejectedError, match="out of balance: debit 100.00, credit 99.99"):
        journal.create(_batch("U-1", credit="99.99"))
    assert journal.create(_batch("U-2", credit="99.99", hold=True)).status == "Hold"
    assert journal.create(_batch("U-3")).status == "Balanced"


def test_the_sandbox_sets_the_period_from_the_transaction_date_and_filters_the_list_by_it(
    visma: Start, connect: Open
) -> None:
    _, settings = visma()
    journal = connect(settings).entity("journal_transaction")
    created = journal.create(_batch("P-1"))
    assert (created.financialPeriod, created.postPeriod, created.module) == ("202611", "202611", "ModuleGL")
    in_period = list(journal.read(ReadQuery(where={"periodId": "202611", "status": "Balanced"})))
    assert [r.batchNumber for r in in_period] == [created.batchNumber]
