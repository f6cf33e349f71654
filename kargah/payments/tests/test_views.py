"""Pages: the whole sandbox flow from the top-up form to the wallet, the callback's answers
(never a 500), the sandbox bank page and the top-up form."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from kargah.accounts.tests.factories import GuardianFactory, StaffFactory
from kargah.core.locks import Busy
from kargah.payments import services, views
from kargah.payments.models import PaymentAttempt, PaymentStatus, SandboxPayment
from kargah.wallet.models import LedgerTransaction
from kargah.wallet.selectors import ledger_is_balanced, wallet_balance

pytestmark = pytest.mark.django_db

TOP_UP = "/payments/wallet/top-up/"


@pytest.fixture
def guardian_client(client, family):
    client.force_login(family.guardian)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_sandbox_flow_from_the_top_up_form_to_the_wallet(guardian_client, family):
    page = guardian_client.get(TOP_UP)
    assert page.status_code == 200

    # Persian digits and a thousands separator, as a phone keyboard types them, in Toman.
    started = guardian_client.post(TOP_UP, {"amount": "۱۲۰٬۰۰۰"})
    attempt = PaymentAttempt.objects.get()
    assert attempt.amount == 1_200_000
    assert started.status_code == 302
    assert started["Location"] == f"/payments/sandbox/{attempt.authority}/"

    bank = guardian_client.get(started["Location"])
    assert bank.status_code == 200
    html = bank.content.decode()
    with translation.override("fa"):
        assert gettext("Test environment — no real money moves") in html
    assert 'data-testid="sandbox-banner"' in html
    # The bank page in the site's one money unit too (issue 9).
    assert "۱۲۰٬۰۰۰ تومان" in html and "ریال" not in html

    paid = guardian_client.post(started["Location"], {"action": "pay"})
    assert paid.status_code == 302
    callback = urlsplit(paid["Location"])
    assert callback.path == "/payments/callback/sandbox/"
    assert parse_qs(callback.query) == {"Authority": [attempt.authority], "Status": ["OK"]}

    back = guardian_client.get(paid["Location"])
    assert back.status_code == 302
    assert back["Location"] == TOP_UP  # the default return: the top-up page itself
    assert any("Bank reference" in m or "۱۲۰٬۰۰۰" in m for m in _messages(back))

    attempt.refresh_from_db()
    assert attempt.status == PaymentStatus.VERIFIED
    assert wallet_balance(family=family) == 1_200_000
    assert LedgerTransaction.objects.count() == 1
    assert ledger_is_balanced()

    # The browser's back button, or a reload, replays the callback: nothing moves again.
    assert guardian_client.get(paid["Location"]).status_code == 302
    assert wallet_balance(family=family) == 1_200_000
    assert LedgerTransaction.objects.count() == 1


def test_cancelling_at_the_sandbox_bank_credits_nothing(guardian_client, family):
    started = guardian_client.post(TOP_UP, {"amount": "50000", "next": "/accounts/family/"})
    cancelled = guardian_client.post(started["Location"], {"action": "cancel"})
    assert parse_qs(urlsplit(cancelled["Location"]).query)["Status"] == ["NOK"]

    back = guardian_client.get(cancelled["Location"])

    assert back["Location"] == "/accounts/family/"
    assert PaymentAttempt.objects.get().status == PaymentStatus.FAILED
    assert wallet_balance(family=family) == 0
    # Pressing Pay afterwards on the same bank page changes nothing: decided is decided.
    again = guardian_client.post(started["Location"], {"action": "pay"})
    assert parse_qs(urlsplit(again["Location"]).query)["Status"] == ["NOK"]
    assert SandboxPayment.objects.get().status == "cancelled"


def test_the_callback_reads_its_parameters_in_any_case(client, start_top_up, family):
    attempt = start_top_up(70_000)
    response = client.get(
        "/payments/callback/sandbox/", {"authority": attempt.authority, "status": "ok"}
    )
    assert response.status_code == 302
    assert wallet_balance(family=family) == 70_000


@pytest.mark.parametrize(
    "query",
    [
        {"Authority": "A00000000000000000000000000000000001", "Status": "OK"},
        {"Status": "OK"},
        {},
        {"Authority": "x" * 5000, "Status": "OK"},
    ],
)
def test_an_unknown_or_missing_authority_gets_a_persian_page_not_a_500(client, query):
    response = client.get("/payments/callback/sandbox/", query)
    assert response.status_code == 400
    html = response.content.decode()
    with translation.override("fa"):
        assert gettext("This payment is not known to us. No money was moved.") in html
    assert not LedgerTransaction.objects.exists()


def test_an_unknown_gateway_in_the_callback_path_is_a_400(client, start_top_up):
    attempt = start_top_up(70_000)
    response = client.get("/payments/callback/nobank/", {"Authority": attempt.authority})
    assert response.status_code == 400


def test_a_busy_payment_answers_503_with_a_persian_message(client, start_top_up, monkeypatch):
    attempt = start_top_up(70_000)

    def busy(**kwargs):
        raise Busy(gettext("The system is busy. Please try again in a moment."))

    monkeypatch.setattr(views.services, "payment_callback", busy)
    response = client.get(
        "/payments/callback/sandbox/", {"Authority": attempt.authority, "Status": "OK"}
    )
    assert response.status_code == 503
    assert 'data-testid="payment-problem"' in response.content.decode()


def test_the_callback_refuses_post(client):
    assert client.post("/payments/callback/sandbox/").status_code == 405


def test_the_sandbox_bank_exists_only_when_it_is_the_configured_gateway(
    guardian_client, start_top_up, settings
):
    client = guardian_client
    attempt = start_top_up(70_000, paid=None)
    url = f"/payments/sandbox/{attempt.authority}/"
    assert client.get(url).status_code == 200
    settings.KARGAH_PAYMENT_GATEWAY = "zarinpal"
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "pay"}).status_code == 404
    assert SandboxPayment.objects.get().status == "pending"
    # Nor can its callback be verified: the site takes real money now.
    response = client.get(
        "/payments/callback/sandbox/", {"Authority": attempt.authority, "Status": "OK"}
    )
    assert response.status_code == 400
    assert not LedgerTransaction.objects.exists()


@pytest.mark.parametrize("authority", ["not-a-uuid", "3f2a3c7e-0000-4000-8000-000000000000"])
def test_an_unknown_sandbox_payment_is_404(guardian_client, authority):
    assert guardian_client.get(f"/payments/sandbox/{authority}/").status_code == 404


def test_the_sandbox_bank_refuses_an_unknown_action(guardian_client, start_top_up):
    attempt = start_top_up(70_000, paid=None)
    response = guardian_client.post(f"/payments/sandbox/{attempt.authority}/", {"action": "steal"})
    assert response.status_code == 400
    assert SandboxPayment.objects.get().status == "pending"


@pytest.mark.parametrize(
    ("typed", "rials"),
    [("120,000", 1_200_000), ("۵۰۰۰۰", 500_000), ("٢٠ ٠٠٠", 200_000), ("1000", 10_000)],
)
def test_the_top_up_form_accepts_any_digits_and_separators(guardian_client, typed, rials):
    response = guardian_client.post(TOP_UP, {"amount": typed})
    assert response.status_code == 302
    assert PaymentAttempt.objects.get().amount == rials


# Toman (issue 9): 999 Toman is below the 1,000 Toman minimum, 60,000,000 above the maximum;
# a decimal point (. or the Arabic «٫») is refused, never read as a fraction.
@pytest.mark.parametrize("typed", ["", "abc", "12.5", "۱۲٫۵", "-5000", "999", "60000000", "9" * 40])
def test_the_top_up_form_refuses_bad_amounts_in_persian_and_starts_nothing(guardian_client, typed):
    response = guardian_client.post(TOP_UP, {"amount": typed})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not PaymentAttempt.objects.exists()


def test_the_top_up_ignores_a_return_address_on_another_site(guardian_client):
    guardian_client.post(TOP_UP, {"amount": "50000", "next": "https://evil.example/"})
    assert PaymentAttempt.objects.get().return_url == reverse("payments:top_up")


def test_only_a_signed_in_guardian_can_top_up(client):
    response = client.get(TOP_UP)
    assert response.status_code == 302 and "/accounts/" in response["Location"]
    client.force_login(StaffFactory.create())
    refused = client.post(TOP_UP, {"amount": "50000"})
    assert refused.status_code == 302
    assert not PaymentAttempt.objects.exists()


def test_the_top_up_page_shows_the_balance_and_recent_payments(guardian_client, start_top_up):
    attempt = start_top_up(80_000)
    services.payment_callback(gateway="sandbox", authority=attempt.authority, status_ok=True)
    html = guardian_client.get(TOP_UP).content.decode()
    assert "۸٬۰۰۰ تومان" in html and "ریال" not in html
    assert html.count('data-testid="payment-attempt"') == 1


def test_another_familys_payments_are_not_shown(client, start_top_up):
    start_top_up(80_000)
    other = GuardianFactory.create()
    client.force_login(other)
    html = client.get(TOP_UP).content.decode()
    assert 'data-testid="payment-attempt"' not in html
