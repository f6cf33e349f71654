"""The center writes to families (issue 11 item 6): who receives a message (one per family and
class, confirmed places only), placeholders filled in Persian and checked, a preview that
writes nothing, the send through the outbox with one audit row, access and the maxima."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from kargah.accounts.models import Role, User
from kargah.accounts.tests.factories import GuardianFactory, LearnerFactory, StaffFactory
from kargah.catalog.models import OfferingStatus, Session
from kargah.catalog.tests.factories import EnrollmentFactory, OfferingFactory
from kargah.core.errors import DomainError
from kargah.core.models import AuditLogEntry
from kargah.core.persian import TEHRAN
from kargah.enrollment.forms_messages import FamilyMessageForm
from kargah.enrollment.models import EnrollmentStatus
from kargah.enrollment.selectors_messages import (
    family_message_recipients,
    message_scope_for_staff,
)
from kargah.enrollment.services_messages import (
    MESSAGE_MAX_CHARS,
    SEND_KEY,
    TEXT_MAX_CHARS,
    family_message_preview,
    family_message_send,
    template_text,
)
from kargah.enrollment.tests.conftest import row_counts
from kargah.notifications.models import InboxItem, NotificationPreference, OutboxMessage

pytestmark = pytest.mark.django_db
KEY = "0f6c2d3e4b5a69788796a5b4c3d2e1f0"


@pytest.fixture
def world(clock):
    """A published class with: a family with two children in it, a family with one, a
    family whose place awaits payment and one whose place was dropped (not recipients)."""
    offering = OfferingFactory.create(published=True, course__title="نقاشی آبرنگ")
    two = GuardianFactory.create().family
    sara = LearnerFactory.create(family=two, first_name="سارا")
    ali = LearnerFactory.create(family=two, first_name="علی")
    one = LearnerFactory.create(first_name="مینا")
    for child in (sara, ali, one):
        EnrollmentFactory.create(offering=offering, learner=child)
    EnrollmentFactory.create(offering=offering, status=EnrollmentStatus.AWAITING_PAYMENT)
    EnrollmentFactory.create(offering=offering, status=EnrollmentStatus.DROPPED)
    staff = StaffFactory.create(center=offering.center)
    return offering, staff, two, one.family


def _scope(staff, kind, target_id):
    return message_scope_for_staff(user=staff, kind=kind, target_id=target_id)


def test_one_message_per_family_naming_all_its_children_confirmed_places_only(world):
    offering, staff, two, one = world
    recipients = family_message_recipients(scope=_scope(staff, "offering", offering.pk))
    by_family = {r.family_id: r for r in recipients}
    assert set(by_family) == {two.pk, one.pk}
    assert sorted(by_family[two.pk].children) == ["سارا", "علی"]
    assert by_family[two.pk].mobile == two.guardian.mobile


def test_a_term_reaches_the_families_of_every_class_of_the_term(world):
    offering, staff, two, one = world
    other = OfferingFactory.create(
        published=True, course__center=offering.center, term=offering.term
    )
    third = EnrollmentFactory.create(offering=other)
    elsewhere = EnrollmentFactory.create()  # another term, another center
    recipients = family_message_recipients(scope=_scope(staff, "term", offering.term_id))
    families = {r.family_id for r in recipients}
    assert families == {two.pk, one.pk, third.family_id}
    assert elsewhere.family_id not in families


def test_placeholders_are_filled_in_persian_jalali_and_tehran_time(world):
    offering, staff, two, _one = world
    session = offering.sessions.order_by("starts_at").first()
    session.starts_at = dt.datetime(2025, 3, 25, 16, 30, tzinfo=TEHRAN)  # 1404/01/05, a Tuesday
    session.ends_at = session.starts_at + dt.timedelta(hours=1)
    session.save()
    text = "{child} عزیز، کلاس «{class}» روز {date} ساعت {time} در {مرکز}. ۲ مداد بیاورید."
    plan = family_message_preview(scope=_scope(staff, "session", session.pk), text=text)
    bodies = {r.family_id: body for r, body in plan.samples}
    assert bodies[two.pk] == (
        f"سارا و علی عزیز، کلاس «نقاشی آبرنگ» روز سه‌شنبه ۵ فروردین ۱۴۰۴ ساعت ۱۶:۳۰ در "
        f"{offering.center.name}. ۲ مداد بیاورید."
    )


def test_the_ready_reminder_template_names_the_next_session(world):
    offering, staff, _two, _one = world
    text = template_text("reminder")
    assert "{child}" in text and "{date}" in text and "{time}" in text
    plan = family_message_preview(scope=_scope(staff, "offering", offering.pk), text=text)
    assert plan.count == 2
    assert all("{" not in body and "نقاشی آبرنگ" in body for _r, body in plan.samples)


def test_the_preview_changes_nothing(world):
    offering, staff, _two, _one = world
    counts = row_counts()
    plan = family_message_preview(scope=_scope(staff, "offering", offering.pk), text="سلام {child}")
    assert plan.count == 2 and len(plan.samples) == 2
    assert row_counts() == counts


def test_send_reaches_each_family_by_its_default_channels_with_one_audit_row(world):
    offering, staff, two, one = world
    sent = family_message_send(
        actor=staff, scope=_scope(staff, "offering", offering.pk), text="سلام {child}",
        template="notice", send_key=KEY,
    )  # fmt: skip
    assert sent.count == 2 and not sent.already_sent
    # The kind's default channels: an SMS and an inbox item per family, through notify().
    outbox = OutboxMessage.objects.filter(kind="staff_message")
    assert sorted(outbox.values_list("recipient", flat=True)) == sorted(
        [two.guardian.mobile, one.guardian.mobile]
    )
    assert set(outbox.values_list("channel", flat=True)) == {"sms"}
    assert outbox.get(recipient=two.guardian.mobile).body == "سلام سارا و علی"
    assert outbox.get(recipient=two.guardian.mobile).user == two.guardian
    inbox = InboxItem.objects.get(user=two.guardian)
    assert inbox.body == "سلام سارا و علی" and offering.center.name in inbox.title
    audit = AuditLogEntry.objects.get(action="families.messaged")
    assert audit.after is not None
    assert audit.after["recipients"] == 2 and audit.after["scope"] == "offering"
    assert audit.after["template"] == "notice" and audit.after["text"] == "سلام {child}"
    assert audit.after["channels"] == {"inbox": 2, "sms": 2} and audit.after["send_key"] == KEY


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("سلام {name}", "placeholder"),
        ("سلام {child.__class__}", "placeholder"),
        ("سلام {child", "placeholder"),
        ("   ", "empty"),
        ("الف" * (TEXT_MAX_CHARS + 1), "too_long"),
    ],
)
def test_bad_text_is_refused_and_writes_nothing(world, text, code):
    offering, staff, _two, _one = world
    counts = row_counts()
    with pytest.raises(DomainError) as refused:
        family_message_send(
            actor=staff, scope=_scope(staff, "offering", offering.pk), text=text, send_key=KEY
        )
    assert refused.value.code == code
    assert row_counts() == counts


def test_a_message_that_grows_too_long_with_the_names_is_refused(world):
    offering, staff, _two, _one = world
    # Within the typed maximum, but every {child} becomes «سارا و علی» (10 characters).
    text = "{child}" * (TEXT_MAX_CHARS // len("{child}"))
    assert len(text) <= TEXT_MAX_CHARS and 10 * text.count("{child}") > MESSAGE_MAX_CHARS
    with pytest.raises(DomainError) as refused:
        family_message_preview(scope=_scope(staff, "offering", offering.pk), text=text)
    assert refused.value.code == "too_long"


def test_date_placeholders_need_a_session_to_come(world):
    offering, staff, _two, _one = world
    Session.objects.filter(offering=offering).delete()
    with pytest.raises(DomainError) as refused:
        family_message_preview(scope=_scope(staff, "offering", offering.pk), text="{date}")
    assert refused.value.code == "no_session"


def test_no_recipients_sends_nothing(clock):
    offering = OfferingFactory.create(published=True)
    staff = StaffFactory.create(center=offering.center)
    with pytest.raises(DomainError) as refused:
        family_message_send(
            actor=staff, scope=_scope(staff, "offering", offering.pk), text="سلام", send_key=KEY
        )
    assert refused.value.code == "no_recipients"
    assert not AuditLogEntry.objects.filter(action="families.messaged").exists()


# --- the page ------------------------------------------------------------------------------


def _url(kind, target_id):
    return reverse("enrollment_staff:staff_family_message", args=[kind, target_id])


def test_the_page_previews_then_sends(client, world):
    offering, staff, _two, _one = world
    client.force_login(staff)
    url = _url("offering", offering.pk)
    page = client.get(url + "?template=reminder")
    assert page.status_code == 200
    text = page.content.decode()
    assert "{child}" in text and "k-staff" in text and "۲" in text
    counts = row_counts()
    preview = client.post(url, {"template": "notice", "text": "سلام {child}", "action": "preview"})
    assert preview.status_code == 200 and row_counts() == counts
    assert "سلام سارا و علی" in preview.content.decode()
    assert 'data-testid="send"' in preview.content.decode()
    key = preview.context["form"]["send_key"].value()
    assert key and f'value="{key}"' in preview.content.decode()
    form = {"template": "notice", "text": "سلام {child}", "action": "send", "send_key": key}
    done = client.post(url, form)
    assert done.status_code == 302
    assert OutboxMessage.objects.filter(kind="staff_message").count() == 2


def test_an_unknown_placeholder_is_a_persian_form_error(client, world):
    offering, staff, _two, _one = world
    client.force_login(staff)
    counts = row_counts()
    page = client.post(
        _url("offering", offering.pk), {"template": "free", "text": "سلام {نام}", "action": "send"}
    )
    assert page.status_code == 200 and row_counts() == counts
    assert "{نام} جای‌نگهدار نیست" in page.content.decode()


def test_a_long_text_is_refused_by_the_form(client, world):
    offering, staff, _two, _one = world
    client.force_login(staff)
    counts = row_counts()
    page = client.post(
        _url("offering", offering.pk),
        {"template": "free", "text": "ب" * (TEXT_MAX_CHARS + 1), "action": "send"},
    )
    assert page.status_code == 200 and row_counts() == counts
    assert page.context["form"].errors["text"]


@pytest.mark.parametrize("kind", ["offering", "session", "term"])
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("own_staff", 200),
        ("administrator", 200),
        ("other_staff", 404),
        ("guardian", 403),
        ("instructor", 403),
        ("finance", 403),
        ("quality", 403),
    ],
)
def test_access_by_role(client, world, kind, who, status):
    offering, staff, two, _one = world
    people = {
        "own_staff": staff,
        "administrator": User.objects.create(username="adm", role=Role.ADMINISTRATOR),
        "other_staff": StaffFactory.create(),
        "guardian": two.guardian,
        "instructor": offering.instructors.first(),
        "finance": User.objects.create(username="fin", role=Role.FINANCE),
        "quality": User.objects.create(username="qa", role=Role.QUALITY),
    }
    target = {
        "offering": offering.pk,
        "session": offering.sessions.first().pk,
        "term": offering.term_id,
    }[kind]
    client.force_login(people[who])
    counts = row_counts()
    assert client.get(_url(kind, target)).status_code == status
    answer = client.post(_url(kind, target), {"template": "free", "text": "سلام", "action": "send"})
    assert answer.status_code == (302 if status == 200 else status)
    if status != 200:
        assert row_counts() == counts


def test_an_unknown_kind_is_404(client, world):
    offering, staff, _two, _one = world
    client.force_login(staff)
    assert client.get(_url("family", offering.pk)).status_code == 404


def test_the_offering_page_links_to_the_message_page(client, world):
    offering, staff, _two, _one = world
    client.force_login(staff)
    page = client.get(reverse("catalog_staff:offering_detail", args=[offering.pk]))
    assert _url("offering", offering.pk) in page.content.decode()
    assert offering.status == OfferingStatus.PUBLISHED


@pytest.mark.parametrize("text", ["سلام {name}", "سلام {فرزند", "سلام } {child"])
def test_the_placeholder_errors_speak_only_persian(text):
    """The refusal names the placeholders in Persian: an English name in it would read as
    English to a Persian reader (and the input-property test, which looks for Latin letters
    the person did not type, found one by chance)."""
    with translation.override("fa"):
        form = FamilyMessageForm({"template": "free", "text": text})
        assert not form.is_valid()
        errors = " ".join(str(error) for error in form.errors["text"])
    for word in ("child", "class", "date", "time", "center"):
        assert word not in errors.replace(text, "")
    assert "{فرزند}" in errors


# --- by the guardians' channels, once per send (issue 11 item 6, "other channels") ---------


def _inbox_and_rows() -> dict[str, int]:
    return {**row_counts(), "inbox": InboxItem.objects.count()}


def test_the_same_send_key_sends_once_and_says_so(world):
    offering, staff, _two, _one = world
    scope = _scope(staff, "offering", offering.pk)
    first = family_message_send(actor=staff, scope=scope, text="سلام {child}", send_key=KEY)
    counts = _inbox_and_rows()
    again = family_message_send(actor=staff, scope=scope, text="سلام {child}", send_key=KEY)
    assert again.already_sent and again.count == first.count == 2
    assert _inbox_and_rows() == counts
    # A new send (a new key) is a new message.
    family_message_send(actor=staff, scope=scope, text="سلام {child}", send_key=KEY[::-1])
    assert OutboxMessage.objects.filter(kind="staff_message").count() == 4
    assert AuditLogEntry.objects.filter(action="families.messaged").count() == 2


def test_each_guardian_is_told_by_the_channels_they_chose(world):
    offering, staff, two, one = world
    guardian = two.guardian
    guardian.email = "parent@example.com"
    guardian.save(update_fields=["email"])
    NotificationPreference.objects.create(
        user=guardian, kind="staff_message", sms=False, email=True, inbox=False
    )
    NotificationPreference.objects.create(
        user=one.guardian, kind="staff_message", sms=True, email=False, inbox=False
    )
    family_message_send(
        actor=staff, scope=_scope(staff, "offering", offering.pk), text="سلام", send_key=KEY
    )
    rows = set(
        OutboxMessage.objects.filter(kind="staff_message").values_list(
            "user_id", "channel", "recipient"
        )
    )
    assert rows == {
        (guardian.pk, "email", "parent@example.com"),
        (one.guardian.pk, "sms", one.guardian.mobile),
    }
    assert InboxItem.objects.count() == 0
    email = OutboxMessage.objects.get(channel="email", kind="staff_message")
    assert email.subject == f"پیامی از {offering.center.name}"


def test_a_malformed_send_key_is_refused_and_writes_nothing(world):
    offering, staff, _two, _one = world
    counts = _inbox_and_rows()
    with pytest.raises(DomainError) as refused:
        family_message_send(
            actor=staff, scope=_scope(staff, "offering", offering.pk), text="سلام", send_key="x"
        )
    assert refused.value.code == "send_key"
    assert _inbox_and_rows() == counts


def test_a_double_submit_of_the_page_sends_once(client, world):
    offering, staff, _two, _one = world
    client.force_login(staff)
    url = _url("offering", offering.pk)
    preview = client.post(url, {"template": "free", "text": "سلام {child}", "action": "preview"})
    key = preview.context["form"]["send_key"].value()
    form = {"template": "free", "text": "سلام {child}", "action": "send", "send_key": key}
    assert client.post(url, form).status_code == 302
    counts = _inbox_and_rows()
    second = client.post(url, form, follow=True)
    assert _inbox_and_rows() == counts
    assert "قبلاً فرستاده شده" in second.content.decode()
    assert OutboxMessage.objects.filter(kind="staff_message").count() == 2


def test_each_opening_of_the_page_gets_its_own_key(client, world):
    offering, staff, _two, _one = world
    client.force_login(staff)
    url = _url("offering", offering.pk)
    keys = {client.get(url).context["form"]["send_key"].value() for _ in range(2)}
    assert len(keys) == 2 and all(SEND_KEY.match(key) for key in keys)
