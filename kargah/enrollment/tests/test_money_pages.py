"""Issue 9: every page a guardian and staff visit shows money in one unit; the wallet
history says what each entry is for the family; the admin shows Jalali dates to staff."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from kargah.accounts.models import Role, User
from kargah.accounts.tests.factories import StaffFactory
from kargah.catalog.models import Offering
from kargah.enrollment import services_registration
from kargah.enrollment.tests.conftest import make_offering
from kargah.notifications.models import OutboxMessage
from kargah.payments import services as payments
from kargah.payments.gateways.sandbox import sandbox_decide
from kargah.wallet import refunds
from kargah.wallet.models import LedgerTransaction, RefundRequest
from kargah.wallet.selectors import describe_wallet_entries, wallet_history

pytestmark = pytest.mark.django_db

SHEBA = "IR050170000000123456789012"
# A Gregorian date as Django would print it (2026-12-02, 02/12/2026, "Dec. 2, 2026"), not any
# number that starts with 20: a row's id or a bank reference may be 2072.
GREGORIAN_DATE = re.compile(
    r"\b20[0-9]{2}-[0-9]{1,2}-[0-9]{1,2}\b|\b[0-9]{1,2}/[0-9]{1,2}/20[0-9]{2}\b"
    r"|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? [0-9]{1,2}, 20[0-9]{2}\b"
    # …and in Persian: "۲ دسامبر ۲۰۲۶" (Gregorian month names, either digits).
    r"|(?:ژانویه|فوریه|مارس|آوریل|مه|ژوئن|ژوئیه|اوت|سپتامبر|اکتبر|نوامبر|دسامبر)\s+(?:20|۲۰)[0-9۰-۹]{2}"
)


def fa(message: str) -> str:
    with translation.override("fa"):
        return gettext(message)


@pytest.fixture
def money_everywhere(guardian: User, learner: Any, offering: Offering) -> dict[str, Any]:
    """A family that topped up at the (sandbox) bank, registered a child, has a class to pay
    for, and asked for a refund; what a guardian and staff then have to look at."""
    attempt = payments.wallet_top_up_start(
        family=guardian.family, amount=7_000_000, mobile=guardian.mobile, return_url="/"
    )
    assert sandbox_decide(authority=attempt.authority, pay=True) is not None
    payments.payment_callback(gateway=attempt.gateway, authority=attempt.authority, status_ok=True)
    paid = services_registration.enrollment_create(
        guardian=guardian, learner=learner, offering=offering, accept_terms=True
    ).enrollment
    unpaid_offering = make_offering(weekday=3, fee_rials=2_299_990)
    services_registration.enrollment_create(
        guardian=guardian, learner=learner, offering=unpaid_offering, accept_terms=True
    )
    refund = refunds.refund_request(
        guardian=guardian, amount=1_000_000, sheba=SHEBA, account_holder="سارا محمدی"
    )
    pending = payments.wallet_top_up_start(
        family=guardian.family, amount=50_000, mobile=guardian.mobile, return_url="/"
    )
    return {"paid": paid, "offering": offering, "refund": refund, "pending": pending}


def guardian_pages(state: dict[str, Any]) -> list[str]:
    offering, paid = state["offering"], state["paid"]
    return [
        "/",
        reverse("catalog:list"),
        reverse("catalog:detail", args=[offering.pk]),
        reverse("enrollment:register", args=[make_offering(weekday=5).pk]),
        reverse("enrollment:schedule"),
        reverse("enrollment:wallet"),
        reverse("enrollment:drop", args=[paid.pk]),
        reverse("enrollment:switch", args=[paid.pk]),
        reverse("payments:top_up"),
        reverse("payments:sandbox_bank", args=[state["pending"].authority]),
        reverse("wallet:refund_create"),
        reverse("wallet:refund_list"),
        reverse("wallet:refund_detail", args=[state["refund"].pk]),
        reverse("accounts:family"),
        reverse("documents:list"),
    ]


def staff_pages(state: dict[str, Any]) -> list[str]:
    return [
        reverse("catalog_staff:dashboard"),
        reverse("catalog_staff:offering_create"),
        reverse("catalog_staff:offering_detail", args=[state["offering"].pk]),
        reverse("wallet:finance_refunds"),
    ]


def visible(html: str) -> str:
    """The text a person reads: no tags, scripts or styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def walk(client: Client, urls: list[str]) -> dict[str, str]:
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        pages[url] = visible(response.content.decode())
    return pages


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("setting", "shown", "other"), [("toman", "تومان", "ریال"), ("rial", "ریال", "تومان")]
)
def test_every_page_shows_money_in_one_unit(money_everywhere, guardian, setting, shown, other):
    """Issue 9, finding 2: the catalog, the bank page, the refund page and the wallet were in
    two units. Every page a guardian or staff visits now names one unit only, with no
    fraction of it (never «٫»)."""
    finance = StaffFactory.create(role=Role.FINANCE)
    staff = StaffFactory.create(center=money_everywhere["offering"].course.center)
    with override_settings(KARGAH_MONEY_DISPLAY=setting):
        pages = walk(signed_in(guardian), guardian_pages(money_everywhere))
        pages |= walk(signed_in(staff), staff_pages(money_everywhere)[:3])
        pages |= walk(signed_in(finance), staff_pages(money_everywhere)[3:])
    for url, text in pages.items():
        assert other not in text, url
        assert "٫" not in text, url
    money_pages = [url for url, text in pages.items() if shown in text]
    assert reverse("enrollment:wallet") in money_pages
    assert (
        reverse("payments:sandbox_bank", args=[money_everywhere["pending"].authority])
        in money_pages
    )
    assert reverse("catalog:list") in money_pages


def test_the_unpaid_fee_is_shown_in_whole_toman(money_everywhere, guardian):
    """229,999 Toman, never «۲۲۹٬۹۹۹٫۵ تومان» (issue 9)."""
    page = visible(signed_in(guardian).get(reverse("enrollment:schedule")).content.decode())
    assert "۲۲۹٬۹۹۹ تومان" in page


def test_the_refund_page_takes_toman(money_everywhere, guardian):
    client = signed_in(guardian)
    page = client.get(reverse("wallet:refund_create")).content.decode()
    assert fa("Amount (%(unit)s)") % {"unit": fa("Toman")} in page
    client.post(
        reverse("wallet:refund_create"),
        {"amount": "۲۵٬۰۰۰", "sheba": SHEBA, "account_holder": "سارا محمدی", "token": "t9"},
    )
    assert RefundRequest.objects.latest("pk").amount == 250_000


# --- the wallet history in plain words (finding 9) --------------------------------------------

INTERNAL = re.compile(r"demo|sandbox|payment:|enrollment:|refund:|KRG|#", re.I)


def test_the_wallet_history_says_what_each_entry_is(money_everywhere, guardian, learner):
    page = visible(signed_in(guardian).get(reverse("enrollment:wallet")).content.decode())
    title = money_everywhere["offering"].course.title
    for description in (
        fa("Wallet top-up through the bank gateway"),
        fa("Registration of %(name)s in «%(title)s»")
        % {"name": learner.first_name, "title": title},
        fa("Refund to your bank account (request no. %(number)s)")
        % {
            "number": str(money_everywhere["refund"].pk).translate(
                str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
            )
        },
    ):
        assert description in page
    # How an entry was made stays out of sight: gateway names, references, memo codes.
    assert not INTERNAL.search(page)
    assert money_everywhere["pending"].authority not in page
    memos = list(LedgerTransaction.objects.values_list("memo", flat=True))
    assert any("sandbox" in memo for memo in memos)  # the ledger still records it for staff


def test_a_fee_back_for_a_class_below_quorum_says_so(guardian, learner, offering):
    from kargah.enrollment.tests.conftest import top_up

    top_up(guardian.family, 5_000_000)
    enrollment = services_registration.enrollment_create(
        guardian=guardian, learner=learner, offering=offering, accept_terms=True
    ).enrollment
    from kargah.wallet.models import AccountKind, TransactionKind
    from kargah.wallet.services import family_wallet, ledger_post, system_account

    ledger_post(
        reference=f"enrollment:{enrollment.pk}:quorum",
        kind=TransactionKind.QUORUM_CREDIT,
        entries=[
            (system_account(AccountKind.COURSE_REVENUE), -5_000_000),
            (family_wallet(guardian.family), 5_000_000),
        ],
    )
    with translation.override("fa"):
        [newest, *_] = describe_wallet_entries(wallet_history(family=guardian.family))
        assert newest.description == (
            f"بازگشت شهریه: لغو «{offering.course.title}» به‌دلیل نرسیدن به حد نصاب"
        )


def test_the_wallet_api_says_the_same_and_shows_the_unit(money_everywhere, guardian):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(guardian)
    with translation.override("fa"):
        body = api.get("/api/v1/wallet", HTTP_ACCEPT_LANGUAGE="fa").json()
    assert body["balance_display"].endswith("تومان")
    assert all(entry["amount_display"].endswith("تومان") for entry in body["history"])
    assert not any(INTERNAL.search(entry["memo"]) for entry in body["history"])


# --- the Django admin in Jalali (finding 9) ---------------------------------------------------


def test_the_admin_shows_jalali_dates_in_lists_and_read_only_details(money_everywhere):
    admin = User.objects.create_superuser(
        username="root", password="x-pass-1403", role=Role.ADMINISTRATOR
    )
    client = signed_in(admin)
    transaction = LedgerTransaction.objects.earliest("pk")
    offering = money_everywhere["offering"]
    LogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(Offering),
        object_id=str(offering.pk),
        object_repr=str(offering),
        action_flag=CHANGE,
        change_message="capacity",
    )
    for url in (
        reverse("admin:wallet_ledgertransaction_changelist"),
        reverse("admin:wallet_ledgertransaction_change", args=[transaction.pk]),
        reverse(
            "admin:notifications_outboxmessage_change",
            args=[OutboxMessage.objects.earliest("pk").pk],
        ),
        reverse("admin:catalog_offering_change", args=[money_everywhere["offering"].pk]),
        reverse("admin:catalog_offering_history", args=[offering.pk]),
        reverse("admin:payments_paymentattempt_changelist"),
        reverse("admin:wallet_refundrequest_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible(response.content.decode())
        assert re.search("۱۴[۰-۹]{2}/[۰-۹]{2}/[۰-۹]{2}", text), url
        assert not GREGORIAN_DATE.search(text), url


@pytest.mark.parametrize(("setting", "unit"), [("toman", "تومان"), ("rial", "ریال")])
def test_every_api_display_field_is_in_the_one_unit(money_everywhere, guardian, setting, unit):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(guardian)
    offering = money_everywhere["offering"]
    with override_settings(KARGAH_MONEY_DISPLAY=setting):
        detail = api.get(f"/api/v1/offerings/{offering.pk}", HTTP_ACCEPT_LANGUAGE="fa").json()
        places = api.get("/api/v1/enrollments", HTTP_ACCEPT_LANGUAGE="fa").json()
        asked = api.get("/api/v1/refund-requests", HTTP_ACCEPT_LANGUAGE="fa").json()
    expected = "۵۰۰٬۰۰۰ تومان" if setting == "toman" else "۵٬۰۰۰٬۰۰۰ ریال"
    assert detail["fee_display"] == expected
    rows = places["results"] if isinstance(places, dict) else places
    assert rows and all(row["fee_display"].endswith(unit) for row in rows)
    refunds_rows = asked["results"] if isinstance(asked, dict) else asked
    assert [row["amount_display"] for row in refunds_rows] == [
        "۱۰۰٬۰۰۰ تومان" if setting == "toman" else "۱٬۰۰۰٬۰۰۰ ریال"
    ]
