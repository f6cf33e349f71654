"""Finance's books (issue 11, item 8): the ledger by account and Jalali period (opening,
entries, closing: sums of entries), a family's statement with a running balance that
equals the sum, the XLSX exports, the reconciliation page, and who may see them."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from kargah.accounts.models import Family, Role, User
from kargah.accounts.tests.factories import GuardianFactory, StaffFactory
from kargah.accounts.tests.support import Clock
from kargah.core.persian import TEHRAN
from kargah.payments.models import ReconciliationReport
from kargah.wallet import selectors
from kargah.wallet.models import AccountKind, TransactionKind
from kargah.wallet.services import family_wallet, ledger_post, system_account
from kargah.wallet.tests.test_refunds import top_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    # 1403/01/10 10:00 Tehran.
    frozen = Clock(dt.datetime(2024, 3, 29, 10, 0, tzinfo=TEHRAN))
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen


@pytest.fixture
def family(db: None) -> Family:
    return GuardianFactory.create(first_name="مریم", last_name="کریمی").family


def _spend(family: Family, amount: int, reference: str) -> None:
    ledger_post(
        reference=reference,
        kind=TransactionKind.ENROLLMENT_PAYMENT,
        entries=[
            (family_wallet(family), -amount),
            (system_account(AccountKind.COURSE_REVENUE), amount),
        ],
    )


@pytest.fixture
def history(clock: Clock, family: Family) -> Family:
    """Farvardin 1403: 5,000,000 in on the 10th; 12 Farvardin 2,000,000 spent and
    1,000,000 in; 1 Ordibehesht 500,000 spent."""
    top_up(family, 5_000_000, "t1")
    clock.advance(days=2)
    _spend(family, 2_000_000, "s1")
    top_up(family, 1_000_000, "t2")
    clock.current = dt.datetime(2024, 4, 20, 9, 0, tzinfo=TEHRAN)  # 1403/02/01
    _spend(family, 500_000, "s2")
    return family


def role_client(role: str | None) -> Client:
    """A client signed in as someone of the role (a guardian, or staff); None: signed out."""
    client = Client()
    if role == "guardian":
        client.force_login(GuardianFactory.create())
    elif role is not None:
        client.force_login(StaffFactory.create(role=role))
    return client


def test_the_statement_running_balance_equals_the_sum(history):
    with translation.override("en"):
        statement = selectors.family_statement(family=history, start=None, end=None)
    amounts = [entry.amount for entry in statement.entries]
    assert amounts == [5_000_000, -2_000_000, 1_000_000, -500_000]
    running = [entry.balance for entry in statement.entries]
    assert running == [5_000_000, 3_000_000, 4_000_000, 3_500_000]
    assert statement.closing == selectors.wallet_balance(family=history) == 3_500_000
    # In the family's own words, never references.
    assert statement.entries[0].description == "Wallet top-up through the bank gateway"


def test_a_period_has_its_opening_and_closing_balance(history):
    # 1403/01/12 .. 1403/01/31: the 10th's top-up is before; Ordibehesht after.
    period = selectors.family_statement(
        family=history, start=dt.date(2024, 3, 31), end=dt.date(2024, 4, 19)
    )
    assert period.opening == 5_000_000
    assert [e.amount for e in period.entries] == [-2_000_000, 1_000_000]
    assert (period.debits, period.credits, period.closing) == (2_000_000, 1_000_000, 4_000_000)


def test_the_ledger_summary_sums_every_account_and_balances(history):
    rows = {
        row.kind: row
        for row in selectors.ledger_summary(start=dt.date(2024, 3, 31), end=dt.date(2024, 4, 19))
    }
    wallets = rows[AccountKind.FAMILY_WALLET]
    assert (wallets.opening, wallets.debits, wallets.credits, wallets.closing) == (
        5_000_000,
        2_000_000,
        1_000_000,
        4_000_000,
    )
    assert rows[AccountKind.COURSE_REVENUE].closing == 2_000_000
    assert rows[AccountKind.GATEWAY_CLEARING].closing == -6_000_000
    assert sum(row.closing for row in rows.values()) == 0  # double entry (rule 9)


def test_the_ledger_page_filters_by_jalali_period_and_account(history):
    client = role_client(Role.FINANCE)
    url = reverse("wallet:finance_ledger")
    page = client.get(url, {"account": "family_wallet", "start": "۱۴۰۳/۰۱/۱۲", "end": "1403/01/31"})
    assert page.status_code == 200
    period = page.context["period"]
    assert (period.opening, period.closing, len(period.entries)) == (5_000_000, 4_000_000, 2)
    assert "body" in page.content.decode() and "k-staff" in page.content.decode()

    summary = client.get(url, {"start": "1403/01/12", "end": "1403/01/31"})
    assert len(summary.context["summary"]) == len(AccountKind.choices)

    bad = client.get(url, {"start": "1403/02/01", "end": "1403/01/01"})
    assert bad.status_code == 200 and bad.context["form"].errors


def test_the_exports_have_persian_headers_jalali_dates_and_the_sums(history):
    client = role_client(Role.FINANCE)
    answer = client.get(
        reverse("wallet:finance_statement", args=[history.pk]),
        {"start": "1403/01/01", "end": "1403/12/29", "format": "xlsx"},
        HTTP_ACCEPT_LANGUAGE="fa",
    )
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "تاریخ"
    assert rows[2][0] == "1403/01/10"
    assert [r[4] for r in rows[1:]] == [0, 5_000_000, 3_000_000, 4_000_000, 3_500_000, 3_500_000]

    ledger = client.get(
        reverse("wallet:finance_ledger"),
        {"account": "course_revenue", "start": "1403/01/01", "end": "1403/12/29", "format": "xlsx"},
    )
    rows = list(
        openpyxl.load_workbook(io.BytesIO(ledger.content)).active.iter_rows(values_only=True)
    )
    assert rows[-1][-1] == 2_500_000


def test_the_reconciliation_page_shows_the_latest_report(family):
    client = role_client(Role.FINANCE)
    url = reverse("wallet:finance_reconciliation")
    assert "report" in client.get(url).context and client.get(url).context["report"] is None
    top_up(family, 1_000_000, "unbacked-top-up")  # a clearing posting without a payment
    assert client.post(reverse("wallet:finance_reconciliation_run")).status_code == 302
    page = client.get(url)
    assert [row["reference"] for row in page.context["rows"]] == ["unbacked-top-up"]
    assert "ثبتی بدون پرداخت تأییدشده" in page.content.decode()  # in Persian, first


ROLES = [
    None,
    "guardian",
    Role.INSTRUCTOR,
    Role.CENTER_STAFF,
    Role.FINANCE,
    Role.QUALITY,
    Role.ADMINISTRATOR,
]
READS = {Role.FINANCE, Role.QUALITY, Role.ADMINISTRATOR}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_read_the_books(role, family):
    client = role_client(role)
    urls = [
        reverse("wallet:finance_ledger"),
        reverse("wallet:finance_statement", args=[family.pk]),
        reverse("wallet:finance_reconciliation"),
    ]
    for url in urls:
        status = client.get(url).status_code
        if role is None:
            assert status == 302  # to sign in
        elif role in READS:
            assert status == 200
        else:
            assert status == 404, (role, url)


@pytest.mark.parametrize("role", [Role.QUALITY, Role.CENTER_STAFF, "guardian"])
def test_only_finance_runs_the_check_and_nobody_posts_to_the_books(role, family):
    client = role_client(role)
    answer = client.post(reverse("wallet:finance_reconciliation_run"))
    assert answer.status_code == (403 if role == Role.QUALITY else 404)
    assert ReconciliationReport.objects.count() == 0
    finance = role_client(Role.FINANCE)
    assert finance.post(reverse("wallet:finance_ledger")).status_code == 403


def test_a_guardian_cannot_read_another_familys_statement_nor_their_own(family):
    client = Client()
    client.force_login(family.guardian)
    assert client.get(reverse("wallet:finance_statement", args=[family.pk])).status_code == 404
    assert isinstance(family.guardian, User)
