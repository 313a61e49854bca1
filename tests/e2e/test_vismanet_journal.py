"""Paid shop orders as Visma.net GL batches (A1 "financial transactions (journal)"), end to end
between the WooCommerce and Visma.net sandboxes on loopback, with the shipped flow switched on."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from flowhub.errors import ConfigError
from flowhub.runner import RunSummary
from flowhub.sandboxes import FaultInjection, Faults
from flowhub.yamlfile import load_yaml
from tests.e2e.apicenter import REPO, Apicenter, apicenter

FLOW = "woocommerce-orders-to-vismanet-journal"
MAPPING = REPO / "mappings" / "woocommerce-order-to-vismanet-journal-transaction.yaml"
JOURNAL = "/v2/journaltransaction"
CENT = Decimal("0.01")


@dataclass
class Ledger(Apicenter):
    """The scene with the journal flow switched on, and the batches it booked."""

    def run(self, flow: str = FLOW) -> RunSummary:
        return super().run(flow)

    def paid_orders(self) -> dict[str, dict[str, Any]]:
        """The orders the flow must book: paid statuses with a payment date."""
        return {n: o for n, o in super().paid_orders().items() if o["date_paid"]}

    def batches(self) -> list[dict[str, Any]]:
        batches = self.erp_store.snapshot("journaltransaction")
        return [b for b in batches if str(b.get("description")).startswith("WooCommerce order ")]

    def by_reference(self) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        for batch in self.batches():
            for ref in {line.get("referenceNumber") for line in batch["journalTransactionLines"]}:
                found.setdefault(str(ref), []).append(batch)
        return found

    def posts(self) -> int:
        with self.erp_store.lock:
            return sum(1 for method, path, _ in self.erp_store.log if method == "POST" and path == JOURNAL)


class _LoseAnswers:
    """flowhub's ``drop_after`` fault (the POST is applied, its answer lost) on chosen journal POSTs."""

    def __init__(self, app: Any, which: set[int]) -> None:
        self.app, self.which, self.seen = app, which, 0
        self.faulted = FaultInjection(app, Faults(rate=1.0, kinds=["drop_after"]))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == JOURNAL:
            self.seen += 1
            if self.seen in self.which:
                await self.faulted(scope, receive, send)
                return
        await self.app(scope, receive, send)


@contextmanager
def _open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          wrap: Callable[[Any], Any] = lambda app: app) -> Iterator[Ledger]:
    with apicenter(tmp_path, monkeypatch, Ledger, wrap_erp=wrap) as ledger:
        ledger.edit_flow(FLOW, enabled=True)  # shipped off (an alternative to the order flows); a user switches it on
        yield ledger


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ledger]:
    with _open(tmp_path, monkeypatch) as scene:
        yield scene


def _shipped(path: Path) -> dict[str, Any]:
    """A shipped file read as flowhub reads it (YAML 1.2: the key NO is Norway, not false)."""
    data: dict[str, Any] = load_yaml(path, error=ConfigError).data
    return data


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def _expected(order: dict[str, Any]) -> Counter[tuple[str, str, Decimal]]:
    """(debit|credit, account, amount) the batch of ``order`` must hold, from the shipped settings."""
    settings = _shipped(REPO / "flows" / f"{FLOW}.yaml")["settings"]
    lookups = _shipped(MAPPING)["lookups"]
    country = order["billing"]["country"]
    clearing = settings["clearing_account_by_payment_method"].get(
        order["payment_method"], settings["default_clearing_account"])
    net = sum((_money(x["total"]) for x in order["line_items"] + order["fee_lines"]), Decimal(0))
    shipping = sum((_money(x["total"]) for x in order["shipping_lines"]), Decimal(0))
    wanted = Counter({("debit", clearing, _money(order["total"])): 1,
                      ("credit", lookups["revenue_account_by_country"].get(country, "3200"), net): 1,
                      ("credit", settings["shipping_revenue_account"], shipping): 1,
                      ("credit", settings["output_vat_account"], _money(order["total_tax"])): 1})
    return +Counter({k: v for k, v in wanted.items() if k[2] != 0})


def _booked(batch: dict[str, Any]) -> Counter[tuple[str, str, Decimal]]:
    out: Counter[tuple[str, str, Decimal]] = Counter()
    for line in batch["journalTransactionLines"]:
        for side in ("debit", "credit"):
            amount = _money(line.get(f"{side}AmountInCurrency"))
            if amount:
                out[(side, line["accountNumber"], amount)] += 1
    return out


def test_each_paid_order_is_posted_once_as_a_balanced_batch_with_the_expected_accounts(
    ledger: Ledger,
) -> None:
    summary = ledger.run()
    assert summary.exit_code == 0, summary.failures[:3]
    paid = ledger.paid_orders()
    by_ref = ledger.by_reference()
    assert len(paid) >= 10 and set(by_ref) == set(paid)  # every paid order, and nothing unpaid
    assert summary.counts["created"] == len(paid) == len(ledger.batches()) == ledger.posts()
    lookups = _shipped(MAPPING)["lookups"]
    for number, order in paid.items():
        [batch] = by_ref[number]
        lines = batch["journalTransactionLines"]
        assert {line["referenceNumber"] for line in lines} == {number}
        assert all(line["description"].startswith(f"WooCommerce order {number}: ") for line in lines)
        assert batch["description"] == f"WooCommerce order {number}"
        assert _booked(batch) == _expected(order), number  # the VAT line is the shop's own tax total
        debit = sum(_money(x.get("debitAmountInCurrency")) for x in lines)
        credit = sum(_money(x.get("creditAmountInCurrency")) for x in lines)
        assert debit == credit == _money(order["total"]) and batch["status"] == "Balanced", number
        paid_on = order["date_paid"]
        assert (batch["transactionDate"][:10], batch["currencyId"]) == (paid_on[:10], order["currency"])
        assert batch["financialPeriod"] == paid_on[:4] + paid_on[5:7]
        vat_code = lookups["vat_code_by_country"][order["billing"]["country"]]
        assert {x.get("vatCodeId") for x in lines if x["accountNumber"].startswith("3")} == {vat_code}


def test_a_rerun_writes_nothing(ledger: Ledger) -> None:
    first = ledger.run()
    assert first.exit_code == 0 and first.counts["created"] > 0
    before = ledger.writes()
    again = ledger.run()
    assert again.exit_code == 0 and again.counts["created"] == again.counts["updated"] == 0
    assert ledger.writes() == before


def test_a_new_installation_finds_every_batch_by_reference_and_writes_nothing(ledger: Ledger) -> None:
    first = ledger.run()
    assert first.exit_code == 0
    shutil.rmtree(ledger.root / ".flowhub")  # the state store is gone: no id links, no cursors
    before = ledger.writes()
    again = ledger.run()
    assert again.exit_code == 0, again.failures[:3]
    assert again.counts["created"] == again.counts["updated"] == 0
    assert ledger.writes() == before
    paid = ledger.paid_orders()
    assert again.counts["skipped"] >= len(paid)  # each found by its reference (existing: skip)
    assert {ref: len(b) for ref, b in ledger.by_reference().items()} == dict.fromkeys(paid, 1)


def test_a_post_whose_answer_is_lost_is_not_posted_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lossy: list[_LoseAnswers] = []

    def wrap(app: Any) -> _LoseAnswers:
        lossy.append(_LoseAnswers(app, {1, 4, 5}))
        return lossy[0]

    with _open(tmp_path, monkeypatch, wrap) as ledger:
        summary = ledger.run()
        assert summary.exit_code == 0, summary.failures[:3]  # each lost answer was looked up in the run
        assert lossy[0].faulted.stats()["by_kind"] == {"drop_after": 3}
        paid = ledger.paid_orders()
        assert summary.counts["created"] == len(paid)
        assert {ref: len(b) for ref, b in ledger.by_reference().items()} == dict.fromkeys(paid, 1)
        assert ledger.posts() == len(paid)  # three answers lost, none of them re-sent
        assert ledger.run().counts["created"] == 0
