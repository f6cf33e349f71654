"""The refund pages: a guardian's request form and list, finance's desk (approve, reject,
mark paid, payout file). Finance only on the desk (403 for others); another family's
request is a 404."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kargah.accounts.models import Role, User
from kargah.accounts.tests.factories import GuardianFactory, StaffFactory
from kargah.wallet import refunds, selectors
from kargah.wallet.models import RefundRequest, RefundStatus
from kargah.wallet.tests.test_refunds import KNOWN_VALID, VALID, top_up

pytestmark = pytest.mark.django_db

FORM = reverse("wallet:refund_create")
MINE = reverse("wallet:refund_list")
DESK = reverse("wallet:finance_refunds")
PAYOUT = reverse("wallet:finance_payout_file")


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def guardian() -> User:
    user = GuardianFactory.create()
    top_up(user.family, 5_000_000)
    return user


@pytest.fixture
def finance() -> User:
    return User.objects.create(username="finance-desk", role=Role.FINANCE, is_staff=True)


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "amount": "۲۰۰٬۰۰۰",  # Toman, the unit the form is in (issue 9)
        "sheba": "IR۰۵ ۰۱۷۰ ۰۰۰۰ ۰۰۱۲ ۳۴۵۶ ۷۸۹۰ ۱۲",
        "account_holder": "سارا محمدی",
        "token": "a1b2c3",
    }
    data.update(overrides)
    return data


class TestGuardianPages:
    def test_the_form_shows_the_balance(self, guardian):
        page = signed_in(guardian).get(FORM)
        assert page.status_code == 200
        assert "۵۰۰٬۰۰۰ تومان" in page.content.decode()
        assert "ریال" not in page.content.decode()
        assert 'name="token"' in page.content.decode()

    def test_a_request_with_persian_digits_holds_the_amount(self, guardian):
        client = signed_in(guardian)
        answer = client.post(FORM, form_data())
        assert answer.status_code == 302
        assert answer["Location"] == MINE
        refund = RefundRequest.objects.get()
        assert (refund.amount, refund.sheba) == (2_000_000, VALID)
        assert selectors.wallet_balance(family=guardian.family) == 3_000_000
        listing = client.get(MINE).content.decode()
        assert "IR05 0170 0000 0012 3456 7890 12" in listing

    def test_sending_the_form_twice_makes_one_request(self, guardian):
        client = signed_in(guardian)
        client.post(FORM, form_data())
        again = client.post(FORM, form_data())
        assert again.status_code == 302
        assert RefundRequest.objects.count() == 1
        assert selectors.wallet_balance(family=guardian.family) == 3_000_000

    def test_an_invalid_sheba_is_shown_and_changes_nothing(self, guardian):
        page = signed_in(guardian).post(FORM, form_data(sheba="IR060170000000123456789012"))
        assert page.status_code == 200
        assert "invalid-feedback" in page.content.decode()
        assert not RefundRequest.objects.exists()

    def test_more_than_the_balance_is_refused_on_the_page(self, guardian):
        page = signed_in(guardian).post(FORM, form_data(amount="5000001"))
        assert page.status_code == 200
        assert "alert-danger" in page.content.decode()
        assert not RefundRequest.objects.exists()
        assert selectors.wallet_balance(family=guardian.family) == 5_000_000

    def test_another_familys_request_is_404(self, guardian):
        other = GuardianFactory.create()
        top_up(other.family, 10_000)
        theirs = refunds.refund_request(
            guardian=other, amount=10_000, sheba=KNOWN_VALID, account_holder="دیگری دیگر"
        )
        client = signed_in(guardian)
        assert client.get(reverse("wallet:refund_detail", args=[theirs.pk])).status_code == 404
        mine = refunds.refund_request(
            guardian=guardian, amount=10_000, sheba=VALID, account_holder="سارا محمدی"
        )
        assert client.get(reverse("wallet:refund_detail", args=[mine.pk])).status_code == 200

    def test_staff_have_no_refund_form(self, finance):
        assert signed_in(finance).get(FORM).status_code == 403

    def test_anonymous_visitors_are_sent_to_sign_in(self):
        answer = Client().get(FORM)
        assert answer.status_code == 302
        assert reverse("accounts:sign_in") in answer["Location"]


@pytest.fixture
def refund(guardian: User) -> RefundRequest:
    return refunds.refund_request(
        guardian=guardian, amount=1_500_000, sheba=VALID, account_holder="سارا محمدی"
    )


class TestFinanceDesk:
    @pytest.mark.parametrize("role", [Role.GUARDIAN, Role.CENTER_STAFF, Role.INSTRUCTOR])
    def test_only_finance_and_administrators_come_in(self, refund, guardian, role):
        user = guardian if role == Role.GUARDIAN else StaffFactory.create(role=role)
        client = signed_in(user)
        assert client.get(DESK).status_code == 403
        approve = reverse("wallet:finance_refund_approve", args=[refund.pk])
        assert client.post(approve).status_code == 403
        assert client.post(PAYOUT).status_code == 403
        refund.refresh_from_db()
        assert refund.status == RefundStatus.REQUESTED
        admin = User.objects.create(username="admin-desk", role=Role.ADMINISTRATOR)
        assert signed_in(admin).get(DESK).status_code == 200

    def test_the_desk_lists_and_filters_by_status(self, refund, finance):
        client = signed_in(finance)
        page = client.get(DESK).content.decode()
        assert "IR05 0170 0000 0012 3456 7890 12" in page
        assert client.get(DESK, {"status": "paid"}).context["refunds"].count() == 0
        assert list(client.get(DESK, {"status": ""}).context["refunds"]) == [refund]

    def test_approve_export_and_mark_paid(self, refund, finance, guardian):
        client = signed_in(finance)
        answer = client.post(
            reverse("wallet:finance_refund_approve", args=[refund.pk]),
            {"back_status": "requested"},
        )
        assert answer.status_code == 302
        assert answer["Location"] == f"{DESK}?status=requested"
        refund.refresh_from_db()
        assert refund.status == RefundStatus.APPROVED

        payout = client.post(PAYOUT)
        assert payout.status_code == 200
        assert payout["Content-Type"] == "text/csv; charset=utf-8"
        assert payout["Content-Disposition"].startswith('attachment; filename="kargah-payouts-')
        text = payout.content.decode("utf-8-sig")
        assert (
            text.splitlines()[0] == "شماره شبا,نام صاحب حساب,مبلغ (ریال),شناسه پرداخت,تاریخ تأیید"
        )
        assert f"{VALID},سارا محمدی,1500000,KRG{refund.pk:08d}," in text

        client.post(
            reverse("wallet:finance_refund_paid", args=[refund.pk]), {"bank_reference": "۹۸۷۶"}
        )
        refund.refresh_from_db()
        assert (refund.status, refund.bank_reference) == (RefundStatus.PAID, "9876")

    def test_reject_needs_a_reason_and_gives_the_money_back(self, refund, finance, guardian):
        client = signed_in(finance)
        url = reverse("wallet:finance_refund_reject", args=[refund.pk])
        client.post(url, {"reason": ""})
        refund.refresh_from_db()
        assert refund.status == RefundStatus.REQUESTED
        client.post(url, {"reason": "شبا به نام دیگری است"})
        refund.refresh_from_db()
        assert refund.status == RefundStatus.REJECTED
        assert selectors.wallet_balance(family=guardian.family) == 5_000_000

    def test_a_wrong_step_is_a_message_not_an_error(self, refund, finance):
        client = signed_in(finance)
        answer = client.post(
            reverse("wallet:finance_refund_paid", args=[refund.pk]),
            {"bank_reference": "1"},
            follow=True,
        )
        assert answer.status_code == 200
        assert "alert-danger" in answer.content.decode()
        refund.refresh_from_db()
        assert refund.status == RefundStatus.REQUESTED

    def test_an_unknown_request_is_404(self, finance):
        url = reverse("wallet:finance_refund_approve", args=[999_999])
        assert signed_in(finance).post(url).status_code == 404
