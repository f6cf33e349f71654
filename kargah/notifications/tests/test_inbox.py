"""The inbox page and API, the header's badge, and the choice of channels: each person sees
and changes only their own."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kargah.accounts.models import User
from kargah.accounts.tests.factories import GuardianFactory
from kargah.core.models import AuditLogEntry
from kargah.notifications.catalogue import Money
from kargah.notifications.models import InboxItem, NotificationPreference, OutboxMessage
from kargah.notifications.services import notify

pytestmark = pytest.mark.django_db


def _notify(user: User, n: int) -> None:
    """n × 10,000 Toman added to the wallet: one event per n."""
    notify(
        user=user,
        kind="wallet_topped_up",
        context={"amount": Money(n * 100_000)},
        event_key=f"topped-up:{n}",
        link="/wallet/refund/",
    )


def _tell(user: User, n: int) -> InboxItem:
    _notify(user, n)
    return InboxItem.objects.filter(user=user).latest("id")


@pytest.fixture
def guardian() -> User:
    return GuardianFactory.create()


@pytest.fixture
def other() -> User:
    return GuardianFactory.create()


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _unread(user: User) -> int:
    user.refresh_from_db()
    return user.inbox_unread


# --- the page --------------------------------------------------------------------------


def test_the_inbox_lists_only_ones_own_messages_newest_first_unread_marked(guardian, other):
    _tell(guardian, 1)
    _tell(guardian, 2)
    _tell(other, 3)
    page = _client(guardian).get("/messages/").content.decode()
    assert page.count('data-testid="inbox-row"') == 2
    assert page.count('data-unread="1"') == 2
    assert page.index("۲۰٬۰۰۰") < page.index("۱۰٬۰۰۰")  # newest first
    assert "۳۰٬۰۰۰" not in page


def test_opening_a_message_marks_it_read_and_lowers_the_badge_once(guardian):
    first = _tell(guardian, 1)
    _tell(guardian, 2)
    client = _client(guardian)
    assert 'data-testid="unread-badge"' in client.get("/catalog/").content.decode()
    for _ in range(2):
        response = client.get(f"/messages/{first.pk}/")
        assert response.status_code == 200
        assert "۱۰٬۰۰۰ تومان" in response.content.decode()
    first.refresh_from_db()
    assert first.read_at is not None
    assert _unread(guardian) == 1
    page = client.get("/messages/").content.decode()
    assert page.count('data-unread="1"') == 1


def test_the_opened_message_s_page_already_shows_the_lowered_badge(guardian):
    """The header of the page that opens a message counts it read (found at 360 px: it
    still showed the count from before opening)."""
    first = _tell(guardian, 1)
    _tell(guardian, 2)
    page = _client(guardian).get(f"/messages/{first.pk}/").content.decode()
    badge = re.search(r'data-testid="unread-badge-small">.*?</a>', page, re.S)
    assert badge is not None
    assert badge.group(0).endswith("۱</span></a>")


def test_another_persons_message_is_not_found_and_stays_unread(guardian, other):
    theirs = _tell(other, 1)
    assert _client(guardian).get(f"/messages/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None and _unread(other) == 1


def test_mark_all_read_reads_only_ones_own(guardian, other):
    _tell(guardian, 1)
    _tell(guardian, 2)
    _tell(other, 3)
    client = _client(guardian)
    assert client.post("/messages/read-all/").status_code == 302
    assert not InboxItem.objects.filter(user=guardian, read_at__isnull=True).exists()
    assert _unread(guardian) == 0 and _unread(other) == 1
    assert 'data-testid="unread-badge"' not in client.get("/catalog/").content.decode()


def test_the_inbox_page_heals_a_badge_that_drifted(guardian):
    _tell(guardian, 1)
    User.objects.filter(pk=guardian.pk).update(inbox_unread=7)
    _client(guardian).get("/messages/")
    assert _unread(guardian) == 1


def test_the_badge_costs_no_query(guardian):
    _tell(guardian, 1)
    client = _client(guardian)
    client.get("/catalog/")
    with CaptureQueriesContext(connection) as counted:
        page = client.get("/catalog/").content.decode()
    assert 'data-testid="unread-badge"' in page
    assert not any("notifications_inboxitem" in q["sql"] for q in counted.captured_queries)


def test_the_pages_need_a_sign_in():
    for path in ("/messages/", "/messages/preferences/"):
        response = Client().get(path)
        assert response.status_code == 302 and "sign-in" in response["Location"]


# --- the API -----------------------------------------------------------------------------


def _api(user: User) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_the_api_lists_ones_own_messages_and_counts_the_unread(guardian, other):
    _tell(guardian, 1)
    mine = _tell(guardian, 2)
    _tell(other, 3)
    api = _api(guardian)
    listed = api.get("/api/v1/inbox").json()
    assert listed["count"] == 2
    first: dict[str, Any] = listed["results"][0]
    assert (first["id"], first["unread"], first["kind"]) == (mine.pk, True, "wallet_topped_up")
    assert "۲۰٬۰۰۰ تومان" in first["body"] and first["created_at_jalali"]
    assert api.get("/api/v1/inbox/unread-count").json() == {"unread": 2}


def test_the_api_marks_one_read_and_refuses_anothers(guardian, other):
    mine, theirs = _tell(guardian, 1), _tell(other, 2)
    api = _api(guardian)
    answer = api.post(f"/api/v1/inbox/{mine.pk}/read")
    assert answer.status_code == 200 and answer.json()["unread"] is False
    assert api.post(f"/api/v1/inbox/{mine.pk}/read").status_code == 200  # again: no change
    refused = api.post(f"/api/v1/inbox/{theirs.pk}/read")
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert api.get("/api/v1/inbox/unread-count").json() == {"unread": 0}
    assert _unread(guardian) == 0


def test_the_api_marks_all_read(guardian, other):
    _tell(guardian, 1)
    _tell(guardian, 2)
    _tell(other, 3)
    assert _api(guardian).post("/api/v1/inbox/read-all").json() == {"marked": 2}
    assert _api(other).get("/api/v1/inbox/unread-count").json() == {"unread": 1}


def test_the_api_needs_credentials():
    client = APIClient()
    assert client.get("/api/v1/inbox").status_code == 401
    assert client.get("/api/v1/inbox/unread-count").status_code == 401
    assert client.post("/api/v1/inbox/read-all").status_code == 401


# --- how one is told -------------------------------------------------------------------------


def test_the_preferences_page_shows_cancellations_locked_on_sms(guardian):
    page = _client(guardian).get("/messages/preferences/").content.decode()
    assert 'data-testid="group-cancellations"' in page
    locked = page[page.index('data-testid="group-cancellations"') :]
    locked = locked[: locked.index("</tr>")]
    assert 'name="cancellations_sms"' in locked and "disabled" in locked and "checked" in locked
    assert 'data-testid="group-sign_in"' not in page  # codes go to the number typed


def _post(client: Client, **fields: Any) -> Any:
    data = {"email": "", "language": "fa", **fields}
    return client.post("/messages/preferences/", data)


def test_preferences_are_saved_and_respected(guardian):
    client = _client(guardian)
    response = _post(
        client, email="parent@example.com", language="en", registration_email="on",
        cancellations_inbox="on",
    )  # fmt: skip
    assert response.status_code == 302
    guardian.refresh_from_db()
    assert (guardian.email, guardian.language) == ("parent@example.com", "en")
    topped = NotificationPreference.objects.get(user=guardian, kind="wallet_topped_up")
    assert (topped.sms, topped.email, topped.inbox) == (False, True, False)
    # The disabled SMS box of the cancellations sends nothing, and SMS stays on anyway.
    cancelled = NotificationPreference.objects.get(user=guardian, kind="offering_cancelled")
    assert (cancelled.sms, cancelled.email, cancelled.inbox) == (True, False, True)
    assert AuditLogEntry.objects.filter(action="notifications.preferences_saved").count() == 1

    _notify(guardian, 1)
    assert not InboxItem.objects.exists()
    email = OutboxMessage.objects.get()
    assert (email.channel, email.recipient, email.language) == ("email", "parent@example.com", "en")
    assert email.body == "Kargah: 10,000 Toman were added to your Kargah wallet."
    page = client.get("/messages/preferences/").content.decode()
    row = page[page.index('data-testid="group-registration"') :]
    row = row[: row.index("</tr>")]
    assert re.findall(r'name="(\w+)"[^>]*checked', row) == ["registration_email"]


def test_e_mail_without_an_address_is_refused_and_nothing_changes(guardian):
    response = _post(_client(guardian), registration_email="on")
    assert response.status_code == 200
    assert "ایمیل" in response.content.decode()
    assert not NotificationPreference.objects.filter(user=guardian).exists()


def test_a_bad_address_is_refused(guardian):
    response = _post(_client(guardian), email="not-an-address")
    assert response.status_code == 200
    guardian.refresh_from_db()
    assert guardian.email == "" and not NotificationPreference.objects.exists()


def test_the_language_switch_sets_the_language_of_a_signed_in_persons_messages(guardian):
    client = _client(guardian)
    client.get("/language/en/?next=/")
    guardian.refresh_from_db()
    assert guardian.language == "en"
    client.get("/language/fa/?next=/")
    guardian.refresh_from_db()
    assert guardian.language == "fa"


def test_reading_changes_no_timestamp_twice(guardian):
    item = _tell(guardian, 1)
    _client(guardian).get(f"/messages/{item.pk}/")
    item.refresh_from_db()
    first = item.read_at
    assert first is not None and first <= timezone.now()
    _client(guardian).get(f"/messages/{item.pk}/")
    item.refresh_from_db()
    assert item.read_at == first
