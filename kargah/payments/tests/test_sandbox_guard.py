"""The sandbox bank behind its guards (issue 8, finding 2): only where settings allow it,
a banner on every page while it is on, and its pay page only for the family that owns the
payment; nobody else can "pay" someone's pending top-up and mint wallet credit."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext

from kargah.accounts.models import Family
from kargah.accounts.tests.factories import GuardianFactory, StaffFactory
from kargah.core.errors import DomainError
from kargah.payments import services
from kargah.payments.gateways import UnknownGateway, get_gateway, sandbox_enabled
from kargah.payments.models import PaymentAttempt, PaymentPurpose, PaymentStatus, SandboxPayment
from kargah.wallet.models import LedgerTransaction
from kargah.wallet.selectors import ledger_is_balanced, wallet_balance

pytestmark = pytest.mark.django_db

BANNER = 'data-testid="sandbox-site-banner"'


def _bank(attempt: PaymentAttempt) -> str:
    return f"/payments/sandbox/{attempt.authority}/"


def _assert_nothing_minted(owner: Family, *others: Family) -> None:
    assert not LedgerTransaction.objects.exists()
    assert ledger_is_balanced()
    for family in (owner, *others):
        assert wallet_balance(family=family) == 0
    assert SandboxPayment.objects.get().status == "pending"


def _replay_the_callback(client, attempt: PaymentAttempt) -> None:
    """What a thief would do next: send the bank's "OK" back to the site."""
    client.get("/payments/callback/sandbox/", {"Authority": attempt.authority, "Status": "OK"})


def test_another_family_cannot_pay_someones_pending_top_up(client, start_top_up, family):
    attempt = start_top_up(1_200_000, paid=None)
    thief = GuardianFactory.create()
    client.force_login(thief)

    assert client.get(_bank(attempt)).status_code == 404
    assert client.post(_bank(attempt), {"action": "pay"}).status_code == 404
    _replay_the_callback(client, attempt)

    attempt.refresh_from_db()
    assert attempt.status != PaymentStatus.VERIFIED
    _assert_nothing_minted(family, Family.objects.get(guardian=thief))


def test_an_anonymous_visitor_is_sent_to_sign_in_and_pays_nothing(client, start_top_up, family):
    attempt = start_top_up(1_200_000, paid=None)

    for response in (client.get(_bank(attempt)), client.post(_bank(attempt), {"action": "pay"})):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/sign-in/?next=")
    _replay_the_callback(client, attempt)

    attempt.refresh_from_db()
    assert attempt.status != PaymentStatus.VERIFIED
    _assert_nothing_minted(family)


def test_staff_cannot_pay_a_familys_top_up_either(client, start_top_up, family):
    attempt = start_top_up(1_200_000, paid=None)
    client.force_login(StaffFactory.create())
    assert client.post(_bank(attempt), {"action": "pay"}).status_code == 404
    _assert_nothing_minted(family)


def test_the_owner_still_pays_and_is_credited_once(client, start_top_up, family):
    attempt = start_top_up(1_200_000, paid=None)
    client.force_login(family.guardian)
    assert client.get(_bank(attempt)).status_code == 200
    paid = client.post(_bank(attempt), {"action": "pay"})
    assert paid.status_code == 302
    client.get(paid["Location"])
    assert wallet_balance(family=family) == 1_200_000
    assert ledger_is_balanced()


def test_the_sandbox_is_off_unless_settings_allow_it(client, family, settings):
    client.force_login(family.guardian)
    settings.KARGAH_ALLOW_SANDBOX_GATEWAY = False  # production: sandbox named, not allowed
    assert settings.KARGAH_PAYMENT_GATEWAY == "sandbox"
    assert not sandbox_enabled()
    with pytest.raises(UnknownGateway):
        get_gateway()
    with pytest.raises(DomainError):
        services.payment_start(
            family=family, amount=50_000, purpose=PaymentPurpose.TOP_UP, return_url="/"
        )
    assert not SandboxPayment.objects.exists()


def test_an_allowed_sandbox_page_turns_404_when_settings_withdraw_it(
    client, start_top_up, family, settings
):
    attempt = start_top_up(70_000, paid=None)
    client.force_login(family.guardian)
    settings.KARGAH_ALLOW_SANDBOX_GATEWAY = False
    assert client.post(_bank(attempt), {"action": "pay"}).status_code == 404
    _assert_nothing_minted(family)


@pytest.mark.parametrize(
    ("path", "signed_in"),
    [
        ("/", False),
        ("/catalog/", False),
        ("/accounts/sign-in/", False),
        ("/no-such/", False),
        ("/", True),
        ("/payments/wallet/top-up/", True),
        ("/accounts/family/", True),
        ("/no-such/", True),
    ],
)
def test_the_banner_is_on_every_page_while_the_sandbox_is_active(client, family, path, signed_in):
    if signed_in:
        client.force_login(family.guardian)
    response = client.get(path)
    assert response.status_code in (200, 404)
    html = response.content.decode()
    assert BANNER in html
    with translation.override("fa"):
        assert gettext("Test mode: payments on this site are simulated; no real money moves.") in (
            html
        )


@pytest.mark.parametrize(
    ("gateway", "allowed"), [("zarinpal", True), ("sandbox", False)], ids=["real", "withdrawn"]
)
def test_no_banner_without_an_active_sandbox(client, settings, gateway, allowed):
    settings.KARGAH_PAYMENT_GATEWAY = gateway
    settings.KARGAH_ALLOW_SANDBOX_GATEWAY = allowed
    for path in ("/", "/accounts/sign-in/", "/no-such/"):
        assert BANNER not in client.get(path).content.decode()
