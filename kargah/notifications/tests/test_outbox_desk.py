"""The staff's outbox desk (issue 12, item 4): who sees which messages (every view × every
role), counts per day, channel and kind and the SMS spend on hand-built rows with known
totals, resend of a dead letter (allowed, refused, twice), masking, and the XLSX export."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kargah.accounts.models import Role, User
from kargah.accounts.tests.factories import GuardianFactory, StaffFactory
from kargah.catalog.tests.factories import EnrollmentFactory, SessionFactory
from kargah.core.errors import DomainError
from kargah.core.models import AuditLogEntry
from kargah.core.persian import TEHRAN, to_persian_digits
from kargah.notifications import selectors
from kargah.notifications.catalogue import CATALOGUE
from kargah.notifications.models import OutboxMessage, OutboxStatus
from kargah.notifications.reminders import REMINDER_KINDS
from kargah.notifications.selectors import CountRow, OutboxFilters
from kargah.notifications.services_staff import outbox_resend

pytestmark = pytest.mark.django_db


def message(**fields: Any) -> OutboxMessage:
    """An outbox row as the sender left it; `created_at` may be set (auto_now_add ignores it)."""
    created_at = fields.pop("created_at", None)
    fields.setdefault("kind", "staff_message")
    fields.setdefault("body", "سلام")
    row = OutboxMessage.objects.create(**fields)
    if created_at is not None:
        OutboxMessage.objects.filter(pk=row.pk).update(created_at=created_at)
        row.refresh_from_db()
    return row


def tehran(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=TEHRAN)


# --- the world: two centers, their families and messages ----------------------------------


@pytest.fixture
def world() -> dict[str, Any]:
    own = EnrollmentFactory.create()
    other = EnrollmentFactory.create()  # another center's class and family
    guardian, stranger = own.family.guardian, other.family.guardian
    other_session = SessionFactory.create(offering=other.offering)
    # The places' reminders are not part of this hand-built set of messages.
    OutboxMessage.objects.filter(kind__in=REMINDER_KINDS).delete()
    failed = message(
        user=guardian, recipient=guardian.mobile, status=OutboxStatus.FAILED, attempts=12,
        last_error="provider down: 503",
    )  # fmt: skip
    return {
        "own": own,
        "guardian": guardian,
        "failed": failed,
        "sent": message(user=guardian, recipient=guardian.mobile, status=OutboxStatus.SENT),
        # Queued by number only, before notify(): matched by the guardian's mobile.
        "legacy": message(user=None, recipient=guardian.mobile, kind="offering_change"),
        # To our family, but about another center's session: not ours to see.
        "about_other": message(user=guardian, recipient=guardian.mobile, session=other_session),
        "theirs": message(user=stranger, recipient=stranger.mobile, status=OutboxStatus.FAILED),
        "staff": StaffFactory.create(center=own.offering.center),
        "other_staff": StaffFactory.create(center=other.offering.center),
    }


def visible(user: User) -> set[int]:
    return set(selectors.outbox_for_staff(user=user).values_list("pk", flat=True))


def test_a_centers_staff_see_their_families_messages_and_nothing_of_another_center(world):
    mine = {world[k].pk for k in ("failed", "sent", "legacy")}
    assert visible(world["staff"]) == mine
    assert visible(world["other_staff"]) == {world["theirs"].pk, world["about_other"].pk}


def test_a_message_tied_to_a_centers_session_is_seen_by_that_center():
    session = SessionFactory.create()
    staff = StaffFactory.create(center=session.offering.center)
    row = message(user=GuardianFactory.create(), recipient="+989120000001", session=session)
    assert visible(staff) == {row.pk}


@pytest.mark.parametrize("role", [Role.FINANCE, Role.QUALITY, Role.ADMINISTRATOR])
def test_the_roles_over_every_center_see_every_message(world, role):
    user = User.objects.create(username=f"u-{role}", role=role)
    assert visible(user) == set(OutboxMessage.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("role", [Role.GUARDIAN, Role.INSTRUCTOR, Role.LEARNER])
def test_the_other_roles_see_nothing(world, role):
    assert visible(User.objects.create(username=f"u-{role}", role=role)) == set()
    assert visible(StaffFactory.create(center=None)) == set()


# --- access: every view × every role -----------------------------------------------------

VIEWS = ["list", "counts", "export", "detail", "resend"]
# What each role gets from each view for the own center's failed message.
ACCESS = {
    "anonymous": dict.fromkeys(VIEWS, 302),  # to the staff sign-in
    "guardian": dict.fromkeys(VIEWS, 403),
    "instructor": dict.fromkeys(VIEWS, 403),
    "other_staff": {"list": 200, "counts": 200, "export": 200, "detail": 404, "resend": 404},
    "own_staff": {"list": 200, "counts": 200, "export": 200, "detail": 200, "resend": 302},
    "finance": {"list": 200, "counts": 200, "export": 200, "detail": 200, "resend": 403},
    "quality": {"list": 200, "counts": 200, "export": 200, "detail": 200, "resend": 403},
    "administrator": {"list": 200, "counts": 200, "export": 200, "detail": 200, "resend": 302},
}
RESENDS = {"own_staff", "administrator"}


def _person(world: dict[str, Any], who: str) -> User | None:
    return {
        "anonymous": None,
        "guardian": world["guardian"],
        "instructor": world["own"].offering.instructors.first(),
        "other_staff": world["other_staff"],
        "own_staff": world["staff"],
        "finance": User.objects.create(username="fin", role=Role.FINANCE),
        "quality": User.objects.create(username="qa", role=Role.QUALITY),
        "administrator": User.objects.create(username="adm", role=Role.ADMINISTRATOR),
    }[who]


def _answer(client: Client, view: str, message_id: int) -> int:
    if view == "resend":
        url = reverse("notifications_staff:staff_outbox_resend", args=[message_id])
        return client.post(url).status_code
    url = {
        "list": reverse("notifications_staff:staff_outbox") + "?start=1405/08/01",
        "counts": reverse("notifications_staff:staff_outbox_counts"),
        "export": reverse("notifications_staff:staff_outbox_export"),
        "detail": reverse("notifications_staff:staff_outbox_detail", args=[message_id]),
    }[view]
    return client.get(url).status_code


@pytest.mark.parametrize("who", list(ACCESS))
@pytest.mark.parametrize("view", VIEWS)
def test_access_by_role(client, world, who, view):
    person = _person(world, who)
    if person is not None:
        client.force_login(person)
    failed = world["failed"]
    audits = AuditLogEntry.objects.count()
    assert _answer(client, view, failed.pk) == ACCESS[who][view]
    failed.refresh_from_db()
    if view == "resend" and who in RESENDS:
        assert failed.status == OutboxStatus.PENDING
        assert AuditLogEntry.objects.count() == audits + 1
    else:
        assert failed.status == OutboxStatus.FAILED and failed.attempts == 12
        assert AuditLogEntry.objects.count() == audits


def test_the_list_shows_only_what_the_role_may_see_masked(client, world):
    client.force_login(world["staff"])
    page = client.get(reverse("notifications_staff:staff_outbox"))
    shown = {row["message"].pk for row in page.context["rows"]}
    assert shown == {world[k].pk for k in ("failed", "sent", "legacy")}
    text = page.content.decode()
    mobile = world["guardian"].mobile
    assert mobile not in text and "0" + mobile[3:] not in text
    masked = f"0{mobile[3:6]}***{mobile[-4:]}"
    # In Persian digits, as the roster and the link requests show a masked number.
    assert to_persian_digits(masked) in text and masked not in text
    assert "k-staff" in text and "provider down: 503" in text
    detail = client.get(reverse("notifications_staff:staff_outbox_detail", args=[world["sent"].pk]))
    assert to_persian_digits(masked) in detail.content.decode()


def test_the_staff_navigation_links_to_the_desk(client, world):
    client.force_login(world["staff"])
    page = client.get(reverse("catalog_staff:dashboard")).content.decode()
    assert reverse("notifications_staff:staff_outbox") in page


def test_the_filter_chooses_state_channel_and_kind(client, world):
    client.force_login(User.objects.create(username="adm", role=Role.ADMINISTRATOR))
    url = reverse("notifications_staff:staff_outbox")
    failed = client.get(url, {"status": "failed"})
    assert {row["message"].pk for row in failed.context["rows"]} == {
        world["failed"].pk,
        world["theirs"].pk,
    }
    kind = client.get(url, {"kind": "offering_change"})
    assert [row["message"].pk for row in kind.context["rows"]] == [world["legacy"].pk]
    assert not client.get(url, {"channel": "email"}).context["rows"]


def test_a_bad_filter_is_a_persian_error_not_a_500(client, world):
    client.force_login(world["staff"])
    url = reverse("notifications_staff:staff_outbox")
    page = client.get(url, {"start": "1405/13/40", "status": "nonsense", "kind": "<b>"})
    assert page.status_code == 200
    errors = page.context["form"].errors
    assert set(errors) == {"start", "status", "kind"}
    assert "تقویم شمسی" in str(errors["start"])


def test_a_sign_in_codes_text_is_never_shown(client, world):
    code = message(
        user=world["guardian"], recipient=world["guardian"].mobile, kind="otp",
        body="کد ورود به کارگاه: 482913", redact_after_send=True,
    )  # fmt: skip
    client.force_login(User.objects.create(username="adm", role=Role.ADMINISTRATOR))
    page = client.get(reverse("notifications_staff:staff_outbox_detail", args=[code.pk]))
    assert page.status_code == 200 and "482913" not in page.content.decode()
    assert 'data-testid="outbox-body-hidden"' in page.content.decode()


# --- counts and spend on hand-built rows --------------------------------------------------


@pytest.fixture
def history() -> list[OutboxMessage]:
    """Seven messages over 30 Aban – 2 Azar 1405 (21–23 November 2026) in Tehran time. One is
    queued at 23:30 and sent at 00:30 the next Tehran day (still 21 November in UTC), across
    the Jalali month's end."""
    sms, email = "sms", "email"
    return [
        message(channel=sms, recipient="+989120000001", kind="a", status="sent",
                created_at=tehran(21, 10), sent_at=tehran(21, 10), parts=1, cost_rials=1_000),
        message(channel=sms, recipient="+989120000002", kind="a", status="delivered",
                created_at=tehran(21, 23, 30), sent_at=tehran(22, 0, 30), parts=3,
                cost_rials=3_000),
        message(channel=sms, recipient="+989120000003", kind="a", status="failed",
                created_at=tehran(22, 9)),
        message(channel=email, recipient="a@example.com", kind="b", status="sent",
                created_at=tehran(22, 9), sent_at=tehran(22, 9)),
        message(channel=sms, recipient="+989120000004", kind="b", status="pending",
                created_at=tehran(22, 10)),
        message(channel=sms, recipient="+989120000005", kind="a", status="cancelled",
                created_at=tehran(22, 11)),
        message(channel=sms, recipient="+989120000006", kind="b", status="sent",
                created_at=tehran(23, 12), sent_at=tehran(23, 12), parts=2, cost_rials=2_000),
    ]  # fmt: skip


@pytest.fixture
def admin() -> User:
    return User.objects.create(username="adm", role=Role.ADMINISTRATOR)


def day(n: int) -> dt.date:
    return dt.date(2026, 11, n)


def test_counts_per_tehran_day_channel_and_kind(history, admin):
    rows = selectors.outbox_counts(user=admin, filters=OutboxFilters())
    assert rows == [
        CountRow(day(23), "sms", "b", 1, pending=0, sent=1, delivered=0, failed=0, cancelled=0),
        CountRow(day(22), "email", "b", 1, pending=0, sent=1, delivered=0, failed=0, cancelled=0),
        CountRow(day(22), "sms", "a", 2, pending=0, sent=0, delivered=0, failed=1, cancelled=1),
        CountRow(day(22), "sms", "b", 1, pending=1, sent=0, delivered=0, failed=0, cancelled=0),
        CountRow(day(21), "sms", "a", 2, pending=0, sent=1, delivered=1, failed=0, cancelled=0),
    ]
    assert sum(row.total for row in rows) == len(history)


def test_counts_follow_the_filter_and_the_tehran_period(history, admin):
    only_22 = OutboxFilters(start=day(22), end=day(22))
    assert [(r.channel, r.kind, r.total) for r in selectors.outbox_counts(
        user=admin, filters=only_22)] == [("email", "b", 1), ("sms", "a", 2), ("sms", "b", 1)]  # fmt: skip
    kind_a = selectors.outbox_counts(user=admin, filters=OutboxFilters(kind="a"))
    assert [(r.day, r.total) for r in kind_a] == [(day(22), 2), (day(21), 2)]


def test_the_sms_spend_by_day_and_jalali_month(history, admin):
    spend = selectors.sms_spend(user=admin, filters=OutboxFilters())
    assert [(d, r.messages, r.parts, r.cost_rials) for d, r in spend.days] == [
        (day(23), 1, 2, 2_000),
        (day(22), 1, 3, 3_000),  # sent at 00:30 Tehran on the 22nd, 21:00 UTC on the 21st
        (day(21), 1, 1, 1_000),
    ]
    # 22 and 23 November are 1 and 2 Azar; 21 November is 30 Aban.
    assert [(k, r.messages, r.parts, r.cost_rials) for k, r in spend.months] == [
        ((1405, 9), 2, 5, 5_000),
        ((1405, 8), 1, 1, 1_000),
    ]
    assert (spend.total.messages, spend.total.parts, spend.total.cost_rials) == (3, 6, 6_000)


def test_the_spend_follows_the_period_of_sending_and_ignores_e_mail(history, admin):
    spend = selectors.sms_spend(user=admin, filters=OutboxFilters(start=day(22), end=day(22)))
    assert (spend.total.messages, spend.total.cost_rials) == (1, 3_000)
    none = selectors.sms_spend(user=admin, filters=OutboxFilters(channel="email"))
    assert none.total.messages == 0 and none.days == []


def test_a_centers_staff_count_and_spend_only_their_families(history):
    place = EnrollmentFactory.create()
    OutboxMessage.objects.filter(kind__in=REMINDER_KINDS).delete()  # not in the history
    guardian = place.family.guardian
    message(user=guardian, recipient=guardian.mobile, status="sent", sent_at=tehran(23, 8),
            parts=4, cost_rials=4_400, created_at=tehran(23, 8))  # fmt: skip
    staff = StaffFactory.create(center=place.offering.center)
    rows = selectors.outbox_counts(user=staff, filters=OutboxFilters())
    assert [(r.day, r.kind, r.total) for r in rows] == [(day(23), "staff_message", 1)]
    spend = selectors.sms_spend(user=staff, filters=OutboxFilters())
    assert (spend.total.messages, spend.total.parts, spend.total.cost_rials) == (1, 4, 4_400)


def test_the_counts_page_shows_the_totals_in_persian(client, history, admin):
    client.force_login(admin)
    page = client.get(reverse("notifications_staff:staff_outbox_counts"), {"start": "1405/08/30"})
    text = page.content.decode()
    # 6,000 Rials is 600 Toman; three SMS in six parts.
    assert "در مجموع: ۳ پیامک، ۶ بخش، ۶۰۰ تومان" in text
    assert "آذر ۱۴۰۵" in text and "آبان ۱۴۰۵" in text
    assert len(page.context["rows"]) == 5


# --- resend --------------------------------------------------------------------------------


def test_resend_puts_a_dead_letter_back_in_the_queue_and_keeps_its_attempts_in_the_audit(world):
    failed = world["failed"]
    done = outbox_resend(actor=world["staff"], message_id=failed.pk)
    assert done.queued_now
    failed.refresh_from_db()
    assert failed.status == OutboxStatus.PENDING and failed.attempts == 0
    assert failed.last_error == "" and failed.next_attempt_at <= dt.datetime.now(dt.UTC)
    audit = AuditLogEntry.objects.get(action="outbox.resent")
    assert audit.before == {"status": "failed", "attempts": 12, "last_error": "provider down: 503"}
    assert audit.actor == world["staff"] and audit.object_id == str(failed.pk)


def test_resend_twice_changes_it_once(world):
    failed = world["failed"]
    outbox_resend(actor=world["staff"], message_id=failed.pk)
    again = outbox_resend(actor=world["staff"], message_id=failed.pk)
    assert not again.queued_now
    assert AuditLogEntry.objects.filter(action="outbox.resent").count() == 1


def test_a_resent_message_is_sent_after_commit(world, django_capture_on_commit_callbacks):
    failed = world["failed"]
    with django_capture_on_commit_callbacks(execute=True):
        outbox_resend(actor=world["staff"], message_id=failed.pk)
    failed.refresh_from_db()
    assert failed.status == OutboxStatus.SENT and failed.attempts == 1


@pytest.mark.parametrize(
    ("status", "fields", "code"),
    [
        (OutboxStatus.SENT, {}, "already_sent"),
        (OutboxStatus.DELIVERED, {}, "already_sent"),
        (OutboxStatus.CANCELLED, {}, "withdrawn"),
        (OutboxStatus.FAILED, {"kind": "otp", "redact_after_send": True}, "sign_in_code"),
    ],
)
def test_resend_is_refused_and_changes_nothing(world, status, fields, code):
    guardian = world["guardian"]
    row = message(user=guardian, recipient=guardian.mobile, status=status, attempts=3, **fields)
    with pytest.raises(DomainError) as refused:
        outbox_resend(actor=world["staff"], message_id=row.pk)
    assert refused.value.code == code
    row.refresh_from_db()
    assert row.status == status and row.attempts == 3
    assert not AuditLogEntry.objects.filter(action="outbox.resent").exists()


@pytest.mark.parametrize("role", [Role.FINANCE, Role.QUALITY])
def test_the_reading_roles_may_not_resend(world, role):
    with pytest.raises(DomainError) as refused:
        outbox_resend(
            actor=User.objects.create(username="r", role=role), message_id=world["failed"].pk
        )
    assert refused.value.code == "forbidden"


def test_another_centers_staff_cannot_resend_our_message(world):
    with pytest.raises(DomainError) as refused:
        outbox_resend(actor=world["other_staff"], message_id=world["failed"].pk)
    assert refused.value.code == "not_found"


def test_a_double_click_on_the_page_resends_once(client, world):
    client.force_login(world["staff"])
    url = reverse("notifications_staff:staff_outbox_resend", args=[world["failed"].pk])
    first = client.post(url, follow=True)
    second = client.post(url, follow=True)
    assert AuditLogEntry.objects.filter(action="outbox.resent").count() == 1
    assert "دوباره در صف ارسال قرار گرفت" in first.content.decode()
    assert "هم‌اکنون در صف ارسال است" in second.content.decode()
    history = second.context["history"]
    assert [entry.before["attempts"] for entry in history] == [12]


def test_the_page_refuses_a_sent_message_in_persian(client, world):
    client.force_login(world["staff"])
    url = reverse("notifications_staff:staff_outbox_resend", args=[world["sent"].pk])
    page = client.post(url, follow=True)
    assert "فرستاده شده است و دوباره فرستاده نمی‌شود" in page.content.decode()
    world["sent"].refresh_from_db()
    assert world["sent"].status == OutboxStatus.SENT


# --- the export ----------------------------------------------------------------------------


def test_the_export_has_persian_headers_masked_recipients_and_no_text(client, world, history):
    client.force_login(User.objects.create(username="adm", role=Role.ADMINISTRATOR))
    answer = client.get(reverse("notifications_staff:staff_outbox_export"), {"start": "1405/08/01"})
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == [
        "پیام‌ها", "شمار روزانه", "هزینهٔ پیامک به تفکیک روز", "هزینهٔ پیامک به تفکیک ماه",
    ]  # fmt: skip
    rows = list(book["پیام‌ها"].iter_rows(values_only=True))
    assert list(rows[0]) == [
        "شماره", "ورود به صف", "نوع", "روش ارسال", "گیرنده", "وضعیت", "تعداد تلاش‌ها",
        "آخرین خطا", "زمان ارسال", "وضعیت تحویل", "زمان تحویل", "بخش‌های پیامک",
        "هزینه (تومان)",
    ]  # fmt: skip
    assert len(rows) == 1 + OutboxMessage.objects.count()
    cells = " ".join(str(cell) for row in rows for cell in row)
    assert world["guardian"].mobile not in cells and "0912***0001" in cells
    assert "سلام" not in cells  # the text is not exported
    counts = list(book["شمار روزانه"].iter_rows(values_only=True))
    assert list(counts[0]) == [
        "روز", "روش ارسال", "نوع", "همه", "در انتظار ارسال", "ارسال‌شده", "تحویل‌شده",
        "ارسال ناموفق", "پس‌گرفته‌شده",
    ]  # fmt: skip
    months = list(book["هزینهٔ پیامک به تفکیک ماه"].iter_rows(values_only=True))
    assert months[0] == ("ماه", "پیامک‌های فرستاده", "بخش‌های پیامک", "هزینه (تومان)")
    assert months[1:] == [("آذر ۱۴۰۵", 2, 5, 500), ("آبان ۱۴۰۵", 1, 1, 100)]


def test_every_kind_the_filter_offers_is_named_in_persian(world):
    """The catalogue's kinds and those the outbox held before it: no English key on the page."""
    with translation.override("fa"):
        kinds = set(selectors.outbox_kinds(user=world["staff"])) | set(selectors.EARLIER_KINDS)
        labels = {kind: selectors.kind_label(kind) for kind in kinds}
    english = {kind: label for kind, label in labels.items() if re.search("[A-Za-z]", label)}
    assert english == {}
    # A kind the catalogue has now takes the catalogue's title over the earlier word.
    assert selectors.EARLIER_KINDS["offering_change"] == "تغییر در کلاس"
    with translation.override("fa"):
        assert labels["offering_change"] == str(CATALOGUE["offering_change"].title)
    assert labels["staff_message"] == "پیامی از …"


def test_the_quality_desk_links_to_the_outbox(client):
    client.force_login(User.objects.create(username="qa", role=Role.QUALITY))
    page = client.get(reverse("quality:home")).content.decode()
    assert reverse("notifications_staff:staff_outbox") in page
