"""Refunds to the bank (P2): Sheba validation, the amount held at the request, given back on
rejection and paid out to the bank; finance only; idempotent, audited steps; the payout
file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
from collections.abc import Callable
from typing import Any

import jdatetime
import pytest
from django.db import connection
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from schwifty import IBAN

from kargah.accounts.models import Family, Role, User
from kargah.accounts.tests.factories import GuardianFactory, StaffFactory
from kargah.accounts.tests.support import Clock
from kargah.core.errors import Conflict, DomainError, NotAllowed
from kargah.core.models import AuditLogEntry
from kargah.core.persian import TEHRAN, to_persian_digits
from kargah.core.selectors import audit_trail
from kargah.notifications.sms.fake import FakeSmsProvider
from kargah.wallet import refunds, selectors, services
from kargah.wallet.models import (
    AccountKind,
    LedgerEntry,
    LedgerTransaction,
    RefundRequest,
    RefundStatus,
    TransactionKind,
)

pytestmark = pytest.mark.django_db


def make_sheba(account: str = "123456789012", bank: str = "017") -> str:
    """A valid IR-IBAN: schwifty computes the check digits of the 22-digit BBAN."""
    return str(IBAN.from_bban("IR", f"{bank}{account:0>19}").compact)


VALID = make_sheba()  # IR050170000000123456789012
# The example Sheba number of the Central Bank of Iran's documents.
KNOWN_VALID = "IR062960000000100324200001"


def top_up(family: Family, amount: int, reference: str | None = None) -> None:
    services.ledger_post(
        reference=reference or f"top-up:{family.pk}:{amount}",
        kind=TransactionKind.TOP_UP,
        entries=[
            (services.system_account(AccountKind.GATEWAY_CLEARING), -amount),
            (services.family_wallet(family), amount),
        ],
    )


def system_balance(kind: AccountKind) -> int:
    total = LedgerEntry.objects.filter(account__kind=kind, account__family=None).aggregate(
        s=Sum("amount")
    )["s"]
    return int(total or 0)


def money(family: Family) -> tuple[int, int, int]:
    """(wallet, refunds payable, paid out to banks), after checking the ledger balances."""
    assert selectors.ledger_is_balanced()
    return (
        selectors.wallet_balance(family=family),
        system_balance(AccountKind.REFUNDS_PAYABLE),
        system_balance(AccountKind.BANK_PAYOUTS),
    )


@pytest.fixture
def guardian() -> User:
    return GuardianFactory.create()


@pytest.fixture
def family(guardian: User) -> Family:
    family = guardian.family
    top_up(family, 10_000_000)
    return family


@pytest.fixture
def finance() -> User:
    return User.objects.create(username="finance1", role=Role.FINANCE, is_staff=True)


@pytest.fixture
def ask(guardian: User, family: Family) -> Callable[..., RefundRequest]:
    def _ask(amount: int = 4_000_000, **fields: Any) -> RefundRequest:
        return refunds.refund_request(
            guardian=guardian,
            amount=amount,
            sheba=fields.get("sheba", VALID),
            account_holder=fields.get("account_holder", "سارا محمدی"),
        )

    return _ask


# --- Sheba ---------------------------------------------------------------------------------


class TestSheba:
    @pytest.mark.parametrize(
        "typed",
        [
            "IR050170000000123456789012",
            "ir05 0170 0000 0012 3456 7890 12",
            "050170000000123456789012",  # without IR
            "IR۰۵۰۱۷۰۰۰۰۰۰۰۱۲۳۴۵۶۷۸۹۰۱۲",  # Persian digits
            "IR٠٥٠١٧٠٠٠٠٠٠٠١٢٣٤٥٦٧٨٩٠١٢",  # Arabic-Indic digits
            " IR05-0170-0000-0012-3456-7890-12 ",
        ],
    )
    def test_accepted_in_every_spelling_and_stored_normalised(self, typed):
        assert refunds.normalize_sheba(typed) == VALID

    def test_a_known_real_example_is_valid(self):
        assert refunds.normalize_sheba(KNOWN_VALID) == KNOWN_VALID

    @pytest.mark.parametrize(
        "typed",
        [
            "",
            "IR060170000000123456789012",  # wrong check digits
            "IR05017000000012345678901",  # one digit short
            "IR0501700000001234567890123",  # one digit long
            "DE89370400440532013000",  # a valid IBAN, but German
            "IR05017000000012345678901A",
            "۰۹۱۲۱۲۳۴۵۶۷",  # a mobile number
        ],
    )
    def test_refused_with_a_persian_message(self, typed):
        with pytest.raises(DomainError) as caught:
            refunds.normalize_sheba(typed)
        assert caught.value.code == "invalid_sheba"

    def test_an_invalid_sheba_changes_nothing(self, ask, family):
        before = money(family)
        with pytest.raises(DomainError):
            ask(sheba="IR060170000000123456789012")
        assert not RefundRequest.objects.exists()
        assert money(family) == before


# --- the request ---------------------------------------------------------------------------


class TestRequest:
    def test_the_amount_is_held_at_once(self, ask, family, guardian):
        refund = ask(4_000_000, sheba="IR05 0170 0000 0012 3456 7890 12")
        assert refund.status == RefundStatus.REQUESTED
        assert refund.sheba == VALID
        assert refund.family == family
        assert money(family) == (6_000_000, 4_000_000, 0)
        txn = LedgerTransaction.objects.get(reference=f"refund:{refund.pk}:requested")
        assert txn.kind == TransactionKind.REFUND_REQUESTED
        assert txn.actor == guardian
        entry = audit_trail(obj=refund).get()
        assert entry.action == "refund.requested"
        assert entry.actor == guardian
        assert entry.after is not None and entry.after["amount"] == 4_000_000

    def test_the_whole_balance_may_be_asked_for(self, ask, family):
        ask(10_000_000)
        assert money(family) == (0, 10_000_000, 0)

    def test_more_than_the_balance_is_refused_and_changes_nothing(self, ask, family):
        with pytest.raises(services.InsufficientBalance) as caught:
            ask(10_000_010)  # one Toman more than the balance
        assert caught.value.http_status == 409
        assert not RefundRequest.objects.exists()
        assert money(family) == (10_000_000, 0, 0)

    def test_held_money_cannot_be_asked_for_twice(self, ask, family):
        ask(7_000_000)
        with pytest.raises(services.InsufficientBalance):
            ask(7_000_000)
        assert RefundRequest.objects.count() == 1
        assert money(family) == (3_000_000, 7_000_000, 0)

    @pytest.mark.parametrize("amount", [0, -5, True, 1.5, "1000"])
    def test_the_amount_is_a_positive_whole_number_of_rials(self, ask, amount):
        with pytest.raises(DomainError) as caught:
            ask(amount)
        assert caught.value.code == "invalid_amount"
        assert not RefundRequest.objects.exists()

    @pytest.mark.parametrize("amount", [2_000_005, 10_001])
    def test_a_refund_is_a_whole_number_of_toman(self, ask, family, amount):
        """Fees and refunds are whole Tomans (issue 9): the site never shows a tenth."""
        with pytest.raises(DomainError) as caught:
            ask(amount)
        assert caught.value.code == "invalid_amount"
        assert not RefundRequest.objects.exists()
        assert money(family) == (10_000_000, 0, 0)

    @pytest.mark.parametrize("holder", ["", "ab", "=HYPERLINK(1)", "سارا ۱۲۳", "x" * 151])
    def test_the_account_holder_is_a_name(self, ask, holder):
        with pytest.raises(DomainError) as caught:
            ask(account_holder=holder)
        assert caught.value.code == "invalid_account_holder"

    def test_arabic_letters_in_the_name_are_made_persian(self, ask):
        assert ask(account_holder="  علي   كريمي ").account_holder == "علی کریمی"

    def test_only_a_guardian_asks(self, family, finance):
        with pytest.raises(NotAllowed):
            refunds.refund_request(
                guardian=finance, amount=10_000, sheba=VALID, account_holder="سارا محمدی"
            )


# --- decisions -----------------------------------------------------------------------------


class TestDecisions:
    def test_finance_approves_once(self, ask, finance, family):
        refund = ask()
        approved = refunds.refund_approve(actor=finance, refund=refund)
        assert approved.status == RefundStatus.APPROVED
        assert approved.decided_by == finance
        assert approved.decided_at is not None
        again = refunds.refund_approve(actor=finance, refund=refund)
        assert again.status == RefundStatus.APPROVED
        assert [e.action for e in audit_trail(obj=refund)] == [
            "refund.approved",
            "refund.requested",
        ]
        assert money(family) == (6_000_000, 4_000_000, 0)  # approval moves no money

    def test_an_administrator_may_approve(self, ask):
        admin = User.objects.create(username="boss", role=Role.ADMINISTRATOR)
        assert refunds.refund_approve(actor=admin, refund=ask()).status == RefundStatus.APPROVED

    @pytest.mark.parametrize("role", [Role.GUARDIAN, Role.CENTER_STAFF, Role.QUALITY])
    def test_nobody_else_decides(self, ask, guardian, role):
        refund = ask()
        actor = guardian if role == Role.GUARDIAN else StaffFactory.create(role=role)
        with pytest.raises(NotAllowed):
            refunds.refund_approve(actor=actor, refund=refund)
        with pytest.raises(NotAllowed):
            refunds.refund_reject(actor=actor, refund=refund, reason="نه")
        with pytest.raises(NotAllowed):
            refunds.refund_mark_paid(actor=actor, refund=refund, bank_reference="1")
        with pytest.raises(NotAllowed):
            refunds.refunds_payout_file(actor=actor)
        refund.refresh_from_db()
        assert refund.status == RefundStatus.REQUESTED

    def test_a_rejection_gives_the_money_back_and_tells_the_guardian(
        self,
        ask,
        finance,
        family,
        guardian,
        sms: FakeSmsProvider,
        django_capture_on_commit_callbacks,
    ):
        refund = ask()
        with django_capture_on_commit_callbacks(execute=True):
            rejected = refunds.refund_reject(
                actor=finance, refund=refund, reason="  نام صاحب حساب با شبا نمی‌خواند "
            )
        assert rejected.status == RefundStatus.REJECTED
        assert rejected.reason == "نام صاحب حساب با شبا نمی‌خواند"
        assert money(family) == (10_000_000, 0, 0)
        assert LedgerTransaction.objects.get(reference=f"refund:{refund.pk}:rejected").kind == (
            TransactionKind.REFUND_REJECTED
        )
        assert len(sms.sent) == 1
        assert sms.sent[0].recipient == guardian.mobile
        assert "نام صاحب حساب با شبا نمی‌خواند" in sms.sent[0].body
        entry = audit_trail(obj=refund).first()
        assert entry is not None
        assert (entry.action, entry.reason) == ("refund.rejected", rejected.reason)

    def test_a_rejection_needs_a_reason(self, ask, finance, family):
        refund = ask()
        with pytest.raises(DomainError) as caught:
            refunds.refund_reject(actor=finance, refund=refund, reason="   ")
        assert caught.value.code == "reason_required"
        assert money(family) == (6_000_000, 4_000_000, 0)

    def test_rejecting_twice_gives_the_money_back_once(self, ask, finance, family, sms):
        refund = ask()
        refunds.refund_reject(actor=finance, refund=refund, reason="الف")
        refunds.refund_reject(actor=finance, refund=refund, reason="ب")
        assert money(family) == (10_000_000, 0, 0)
        refund.refresh_from_db()
        assert refund.reason == "الف"

    def test_an_approved_request_the_bank_bounced_can_be_rejected(self, ask, finance, family):
        refund = refunds.refund_approve(actor=finance, refund=ask())
        refunds.refund_reject(actor=finance, refund=refund, reason="حساب بسته است")
        assert money(family) == (10_000_000, 0, 0)

    def test_paid_moves_the_money_out_to_the_bank_and_tells_the_guardian(
        self, ask, finance, family, sms, django_capture_on_commit_callbacks
    ):
        refund = refunds.refund_approve(actor=finance, refund=ask())
        with django_capture_on_commit_callbacks(execute=True):
            paid = refunds.refund_mark_paid(actor=finance, refund=refund, bank_reference="۱۲۳۴۵۶")
        assert paid.status == RefundStatus.PAID
        assert paid.bank_reference == "123456"
        assert paid.paid_by == finance
        assert paid.paid_at is not None
        assert money(family) == (6_000_000, 0, 4_000_000)
        assert LedgerTransaction.objects.get(reference=f"refund:{refund.pk}:paid").kind == (
            TransactionKind.REFUND_PAID
        )
        assert len(sms.sent) == 1
        assert "123456" in sms.sent[0].body

    def test_marking_paid_twice_moves_money_once(self, ask, finance, family):
        refund = refunds.refund_approve(actor=finance, refund=ask())
        refunds.refund_mark_paid(actor=finance, refund=refund, bank_reference="A1")
        refunds.refund_mark_paid(actor=finance, refund=refund, bank_reference="A1")
        assert money(family) == (6_000_000, 0, 4_000_000)
        with pytest.raises(Conflict):
            refunds.refund_mark_paid(actor=finance, refund=refund, bank_reference="B2")
        assert AuditLogEntry.objects.filter(action="refund.paid").count() == 1

    def test_only_an_approved_request_is_paid(self, ask, finance, family):
        refund = ask()
        with pytest.raises(Conflict):
            refunds.refund_mark_paid(actor=finance, refund=refund, bank_reference="A1")
        with pytest.raises(DomainError) as caught:
            refunds.refund_mark_paid(actor=finance, refund=refund, bank_reference=" ")
        assert caught.value.code == "reference_required"
        assert money(family) == (6_000_000, 4_000_000, 0)

    def test_finished_requests_stay_finished(self, ask, finance, family):
        rejected = refunds.refund_reject(actor=finance, refund=ask(10_000), reason="نه")
        with pytest.raises(Conflict):
            refunds.refund_approve(actor=finance, refund=rejected)
        paid = refunds.refund_approve(actor=finance, refund=ask(20_000))
        refunds.refund_mark_paid(actor=finance, refund=paid, bank_reference="R")
        with pytest.raises(Conflict):
            refunds.refund_reject(actor=finance, refund=paid, reason="دیر شد")
        assert money(family) == (10_000_000 - 20_000, 0, 20_000)

    def test_a_stale_copy_is_re_read_under_the_lock(self, ask, finance, family):
        refund = ask()
        stale = RefundRequest.objects.get(pk=refund.pk)
        refunds.refund_reject(actor=finance, refund=refund, reason="نه")
        with pytest.raises(Conflict):
            refunds.refund_approve(actor=finance, refund=stale)  # still "requested" in memory
        assert money(family) == (10_000_000, 0, 0)


# --- the payout file -----------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    # 1402/12/29 (the last day of the seed agreement), 10:00 in Tehran.
    frozen = Clock(dt.datetime(2024, 3, 19, 10, 0, tzinfo=TEHRAN))
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


class TestPayoutFile:
    def test_approved_unpaid_requests_with_persian_headers_and_jalali_dates(
        self, ask, finance, family, clock
    ):
        first = refunds.refund_approve(actor=finance, refund=ask(1_000_000))
        clock.advance(days=1)  # 1403/01/01, Nowruz
        second = refunds.refund_approve(
            actor=finance, refund=ask(2_500_000, sheba=KNOWN_VALID, account_holder="علی رضایی")
        )
        ask(500_000)  # only requested
        paid = refunds.refund_approve(actor=finance, refund=ask(100_000))
        refunds.refund_mark_paid(actor=finance, refund=paid, bank_reference="X")
        refunds.refund_reject(actor=finance, refund=ask(200_000), reason="نه")

        rows = read_csv(refunds.refunds_payout_file(actor=finance))

        assert rows[0] == [
            "شماره شبا",
            "نام صاحب حساب",
            "مبلغ (ریال)",
            "شناسه پرداخت",
            "تاریخ تأیید",
        ]
        assert rows[1:] == [
            [VALID, "سارا محمدی", "1000000", f"KRG{first.pk:08d}", "1402/12/29"],
            [KNOWN_VALID, "علی رضایی", "2500000", f"KRG{second.pk:08d}", "1403/01/01"],
        ]
        assert jdatetime.date(1403, 1, 1).togregorian() == dt.date(2024, 3, 20)
        batches = set(
            RefundRequest.objects.filter(pk__in=[first.pk, second.pk]).values_list(
                "payout_batch", flat=True
            )
        )
        assert len(batches) == 1
        assert batches.pop().startswith("P14030101-")
        assert AuditLogEntry.objects.filter(action="refund.exported").count() == 2
        assert money(family) == (10_000_000 - 4_100_000, 4_000_000, 100_000)

    def test_an_empty_file_has_the_headers_only(self, finance):
        assert len(read_csv(refunds.refunds_payout_file(actor=finance))) == 1


# --- reads ---------------------------------------------------------------------------------


def test_a_guardian_reads_only_the_familys_requests(ask, guardian):
    mine = ask()
    other = GuardianFactory.create()
    top_up(other.family, 10_000)
    theirs = refunds.refund_request(
        guardian=other, amount=10_000, sheba=VALID, account_holder="دیگری دیگر"
    )
    assert list(refunds.refund_list_for_guardian(guardian=guardian)) == [mine]
    assert refunds.refund_get_for_guardian(guardian=guardian, refund_id=mine.pk) == mine
    with pytest.raises(Http404):
        refunds.refund_get_for_guardian(guardian=guardian, refund_id=theirs.pk)


# --- races on PostgreSQL -------------------------------------------------------------------


def _at_once(action: Callable[[int], object], threads: int = 8) -> list[str]:
    """Runs `action(i)` in `threads` threads at the same moment; each outcome is "ok", a
    DomainError code, or the repr of anything unexpected."""
    barrier = threading.Barrier(threads)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            action(i)
            outcome = "ok"
        except DomainError as exc:
            outcome = exc.code
        except Exception as exc:
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in workers), "a thread hung"
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_never_hold_more_than_the_balance():
    assert connection.vendor == "postgresql"
    guardian = GuardianFactory.create()
    top_up(guardian.family, 10_000_000)
    outcomes = _at_once(
        lambda _i: refunds.refund_request(
            guardian=guardian, amount=4_000_000, sheba=VALID, account_holder="سارا محمدی"
        )
    )
    assert sorted(outcomes) == ["insufficient_balance"] * 6 + ["ok"] * 2, outcomes
    assert RefundRequest.objects.count() == 2
    assert money(guardian.family) == (2_000_000, 8_000_000, 0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_move_the_money_once():
    assert connection.vendor == "postgresql"
    guardian = GuardianFactory.create()
    top_up(guardian.family, 10_000_000)
    finance = User.objects.create(username="finance-race", role=Role.FINANCE)
    refund = refunds.refund_request(
        guardian=guardian, amount=4_000_000, sheba=VALID, account_holder="سارا محمدی"
    )
    refunds.refund_approve(actor=finance, refund=refund)
    # Half the clerks mark it paid while the other half reject it: one of the two wins.
    outcomes = _at_once(
        lambda i: (
            refunds.refund_mark_paid(actor=finance, refund=refund, bank_reference="R1")
            if i % 2
            else refunds.refund_reject(actor=finance, refund=refund, reason="برگشت خورد")
        )
    )
    refund.refresh_from_db()
    assert refund.status in (RefundStatus.PAID, RefundStatus.REJECTED)
    assert outcomes.count("ok") == 4
    assert outcomes.count("refund_state") == 4, outcomes
    wallet, payable, payouts = money(guardian.family)
    assert payable == 0
    if refund.status == RefundStatus.PAID:
        assert (wallet, payouts) == (6_000_000, 4_000_000)
    else:
        assert (wallet, payouts) == (10_000_000, 0)
    assert AuditLogEntry.objects.filter(action__in=["refund.paid", "refund.rejected"]).count() == 1


def test_a_refund_request_is_confirmed_by_sms(ask, guardian):
    """Every change a family makes is confirmed by a message (issue 8, item 6)."""
    from kargah.notifications.models import OutboxMessage

    ask(4_000_000)

    [message] = OutboxMessage.objects.filter(kind="refund_requested")
    assert message.recipient == guardian.mobile
    assert "۴۰۰٬۰۰۰ تومان" in message.body  # one money unit (issue 9)
    assert "ریال" not in message.body


def test_each_decision_is_told_once_with_the_inbox_linking_to_the_request(ask, guardian, finance):
    """Approved, then paid: one message each (issue 12), however often finance clicks."""
    from kargah.notifications.models import InboxItem, OutboxMessage

    refund = ask(4_000_000)
    for _ in range(2):
        refunds.refund_approve(actor=finance, refund=refund)
    for _ in range(2):
        refunds.refund_mark_paid(actor=finance, refund=refund, bank_reference="55501")
    [approved] = OutboxMessage.objects.filter(kind="refund_approved")
    assert approved.recipient == guardian.mobile
    assert f"شماره {to_persian_digits(refund.pk)}" in approved.body
    assert "۴۰۰٬۰۰۰ تومان" in approved.body and "تأیید شد" in approved.body
    [paid] = OutboxMessage.objects.filter(kind="refund_paid")
    assert "55501" in paid.body
    item = InboxItem.objects.get(user=guardian, kind="refund_paid")
    assert item.link == f"/wallet/refunds/{refund.pk}/"
